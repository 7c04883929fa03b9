"""One instance-type parser for the scan (Python) and billing (DuckDB SQL): one table, both ways."""

from __future__ import annotations

import duckdb
import pytest

from mlcost import instance_types
from mlcost.billing.queries import sql_text

# (usage type as AWS writes it, the instance type in it, its family)
TABLE = [
    ("USE1-Train:ml.p6-b200.48xlarge", "ml.p6-b200.48xlarge", "p6-b200"),
    ("BoxUsage:p6-b200.48xlarge", "p6-b200.48xlarge", "p6-b200"),
    ("USW2-BoxUsage:u-6tb1.metal", "u-6tb1.metal", "u-6tb1"),
    ("BoxUsage:u-6tb1.112xlarge", "u-6tb1.112xlarge", "u-6tb1"),
    ("USE1-Studio:KernelGateway-ml.m5.large", "ml.m5.large", "m5"),
    ("USW2-BoxUsage:p5en.48xlarge", "p5en.48xlarge", "p5en"),
    ("UnusedBox:p4d.24xlarge", "p4d.24xlarge", "p4d"),
    ("USE1-Host:ml.g5.xlarge", "ml.g5.xlarge", "g5"),
    ("USE1-AsyncInf:ml.g6e.2xlarge", "ml.g6e.2xlarge", "g6e"),
    ("USE1-Train:ml.trn1n.32xlarge", "ml.trn1n.32xlarge", "trn1n"),
    # look-alikes that name no instance type
    ("USE2-ServerlessInf:Mem-4GB", "", ""),
    ("USE1-Lambda-GB-Second", "", ""),
    ("USE1-TimedStorage-ByteHrs", "", ""),
    ("USE1-Host:VolumeUsage.gp2", "", ""),
    ("CAN1-USE1-AWS-In-Bytes", "", ""),
]


@pytest.mark.parametrize(("usage_type", "instance_type", "family"), TABLE)
def test_python_parses_the_table(usage_type: str, instance_type: str, family: str) -> None:
    assert instance_types.from_usage_type(usage_type) == instance_type
    assert instance_types.family(instance_type) == family


def test_billing_sql_parses_the_same_table() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE normalised AS SELECT * FROM (VALUES "
        + ", ".join(f"('AmazonEC2', '', '{u}')" for u, _, _ in TABLE)
        + ") AS t(service_code, service_name, usage_type)"
    )
    got = dict(
        con.execute(
            f"SELECT usage_type, (instance_type, instance_family) FROM ({sql_text('classify')})"
        ).fetchall()
    )
    assert got == {u: (t, f) for u, t, f in TABLE}


def test_parts() -> None:
    p = instance_types.parse("ml.p6-b200.48xlarge")
    assert p is not None
    assert (p.family, p.size, p.sagemaker) == ("p6-b200", "48xlarge", True)
    q = instance_types.parse("u-6tb1.metal")
    assert q is not None and (q.family, q.size, q.sagemaker) == ("u-6tb1", "metal", False)
    assert instance_types.parse("Mem-4GB") is None
    assert instance_types.parse("") is None
