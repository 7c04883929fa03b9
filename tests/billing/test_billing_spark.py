"""The same report SQL gives identical results on DuckDB and on Spark (local mode).

Runs only where pyspark and Java are present (pyspark is in the test extra; Java 17+).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from mlcost.billing import report, synth
from mlcost.billing.ingest import ingest

pyspark = pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None, reason="Java is not installed"),
]


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    from mlcost.billing.spark import spark_session

    s = spark_session()
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def test_duckdb_and_spark_agree(tmp_path: Path, small_bill_parquet: Path, spark) -> None:  # type: ignore[no-untyped-def]
    from mlcost.billing.spark import spark_runner

    for name, files in {
        "small": [small_bill_parquet],
        "generated": [synth.write(synth.generate_cur2(seed=9, hours=72), tmp_path / "g.parquet")],
    }.items():
        db = tmp_path / f"{name}.duckdb"
        ingest(files, db)
        on_duck = report.build(report.duckdb_runner(db), tag="team")
        on_spark = report.build(spark_runner(db, spark), tag="team")
        assert on_duck.sections.keys() == on_spark.sections.keys()
        for section, rows in on_duck.sections.items():
            assert len(rows) == len(on_spark.sections[section]), (name, section)
            for a, b in zip(rows, on_spark.sections[section], strict=True):
                assert a.keys() == b.keys()
                for k in a:
                    if isinstance(a[k], float):
                        assert a[k] == pytest.approx(b[k], rel=1e-12), (name, section, k)
                    else:
                        assert a[k] == b[k], (name, section, k)
        # a figure we know by hand, so agreement is not agreement on nothing
        if name == "small":
            assert on_spark.sections["by_service"][0]["effective_cost"] == Decimal("51.75")
