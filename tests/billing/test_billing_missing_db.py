"""Every reader of the billing database says the same thing when there is none.

WHY: a wrong --db path is the most common mistake; it must name the path and the command to
run, not surface DuckDB's "cannot open file" (rates_from_bill did before).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcost.billing import budget, report, spark, spend_series
from mlcost.billing.savings_plan import PlanType
from mlcost.errors import UserError


@pytest.mark.parametrize(
    "read",
    [
        lambda db: report.duckdb_runner(db),
        lambda db: budget.propose(db),
        lambda db: spend_series.hourly_spend(db, PlanType.SAGEMAKER),
        lambda db: spend_series.rates_from_bill(db, PlanType.SAGEMAKER, 1, "no-upfront"),
        lambda db: spark.export_parquet(db, db.parent),
    ],
    ids=["report", "budget", "hourly_spend", "rates_from_bill", "spark_export"],
)
def test_missing_database_is_a_clear_error(tmp_path: Path, read) -> None:
    db = tmp_path / "nope.duckdb"
    with pytest.raises(UserError, match=r"nope\.duckdb: no billing database") as err:
        read(db)
    assert "mlcost billing ingest" in str(err.value)
    assert not db.exists()
