"""Fixtures for billing tests."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from billing_fixtures import SMALL_BILL, cur2_rows

from mlcost.billing import report
from mlcost.billing.ingest import ingest


@pytest.fixture
def small_bill_parquet(tmp_path: Path) -> Path:
    path = tmp_path / "small-cur2.parquet"
    pq.write_table(cur2_rows(SMALL_BILL), path)
    return path


@pytest.fixture
def rep(tmp_path: Path, small_bill_parquet: Path) -> report.Report:
    """The report (tag ``team``) of the small hand-checked bill."""
    db = tmp_path / "b.duckdb"
    ingest([small_bill_parquet], db)
    return report.build(report.duckdb_runner(db), tag="team")
