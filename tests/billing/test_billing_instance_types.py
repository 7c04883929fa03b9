"""Instance types with a dash in the family (p6-b200, ml.p6-b200) classify to the right family."""

from __future__ import annotations

import duckdb
import pytest

from mlcost.billing.ingest import sql_text


@pytest.mark.parametrize(
    ("service", "usage_type", "instance_type", "family", "ml_service"),
    [
        (
            "AmazonSageMaker",
            "USE1-Train:ml.p6-b200.48xlarge",
            "ml.p6-b200.48xlarge",
            "p6-b200",
            "SageMaker",
        ),
        ("AmazonEC2", "BoxUsage:p6-b200.48xlarge", "p6-b200.48xlarge", "p6-b200", "EC2 GPU"),
        ("AmazonEC2", "USW2-BoxUsage:p5en.48xlarge", "p5en.48xlarge", "p5en", "EC2 GPU"),
        ("AmazonSageMaker", "USE1-Host:ml.g5.xlarge", "ml.g5.xlarge", "g5", "SageMaker"),
        ("AmazonEC2", "UnusedBox:p4d.24xlarge", "p4d.24xlarge", "p4d", "EC2 GPU"),
    ],
)
def test_usage_types_give_the_instance_type_and_family(
    service: str, usage_type: str, instance_type: str, family: str, ml_service: str
) -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE normalised AS SELECT ? AS service_code, '' AS service_name, ? AS usage_type",
        [service, usage_type],
    )
    got = con.execute(
        f"SELECT instance_type, instance_family, ml_service FROM ({sql_text('classify')})"
    ).fetchone()
    assert got == (instance_type, family, ml_service)
