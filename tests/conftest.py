"""Suite-wide isolation: no test may read a developer's AWS profile or refreshed prices."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/mlcost-test-aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/mlcost-test-aws-credentials")
    monkeypatch.setenv("MLCOST_PRICES_DIR", str(tmp_path_factory.mktemp("prices")))
    from mlcost.pricing import reload

    reload()
    yield
    reload()
