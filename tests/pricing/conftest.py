"""Fixtures for the pricing tests: an empty refreshed-catalogue directory per test.

Why: a developer's real ``~/.cache/mlcost/prices/catalogue.json`` would otherwise override the
snapshot and change what the tests see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlcost.pricing import catalogue

SHARED_PRICES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "prices"


@pytest.fixture(autouse=True)
def isolated_prices_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "prices"
    monkeypatch.setenv(catalogue.PRICES_DIR_ENV, str(directory))
    catalogue.reload()
    yield directory
    catalogue.reload()


@pytest.fixture
def shared_prices() -> Path:
    """The dated price files; tests that read them skip when the shared folder is absent."""
    if not (SHARED_PRICES / "README.md").is_file():
        pytest.skip(f"shared price data not found at {SHARED_PRICES}")
    return SHARED_PRICES.resolve()
