"""Fixtures for the emulator's tests: dummy credentials and a patched in-process moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from mlcost.demo.emulator import patch_moto


@pytest.fixture(autouse=True)
def _dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def aws() -> Iterator[None]:
    """moto in-process with mlcost's fixes (fresh state per test)."""
    patch_moto()
    with mock_aws():
        yield
