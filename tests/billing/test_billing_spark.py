"""The same report SQL gives identical results on DuckDB and on Spark (local mode).

Runs only where pyspark and Java are present (pyspark is in the test extra; Java 17+).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from billing_fixtures import CUR2_HEADER, REVIEW_CUR2, focus_csv, focus_row, write_csv

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
        # reserved instances, credits, tax (review of real exports)
        "review": [write_csv(tmp_path / "review.csv", CUR2_HEADER, REVIEW_CUR2)],
        # FOCUS without x_UsageType, tags spelled team and user:team, time-zone offsets
        "focus": [
            focus_csv(
                tmp_path / "focus.csv",
                [
                    focus_row(
                        ServiceName="Amazon SageMaker AI",
                        ChargeDescription="ml.g5.xlarge hosting",
                        ChargePeriodStart="2024-01-15T01:00:00+02:00",
                        BilledCost="1.41",
                        EffectiveCost="1.41",
                        Tags='{"user:team":"nlp"}',
                    ),
                    focus_row(
                        ChargeDescription="ml.p4d.24xlarge Training",
                        BilledCost="10",
                        EffectiveCost="10",
                        Tags='{"team":"vision"}',
                    ),
                ],
            )
        ],
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
        if name == "review":  # 10 + 3.2 + 0.8 + 1 - 2 - 0.5 SageMaker; 20 EC2 GPU (RI)
            assert {r["service"]: r["effective_cost"] for r in on_spark.sections["by_service"]} == {
                "SageMaker": Decimal("12.5"),
                "EC2 GPU": Decimal("20"),
            }
        if name == "focus":  # 01:00+02:00 is 23:00 UTC the day before
            assert [r["effective_cost"] for r in on_spark.sections["daily"]] == [
                Decimal("1.41"),
                Decimal("10"),
            ]
            assert {r["tag_value"] for r in on_spark.sections["by_tag"]} == {"nlp", "vision"}
