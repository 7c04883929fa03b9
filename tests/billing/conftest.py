"""Fixtures for billing tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from billing_fixtures import SMALL_BILL, cur2_rows


@pytest.fixture
def small_bill_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "small-cur2.parquet"
    pq.write_table(cur2_rows(SMALL_BILL), path)
    return path
