"""Shared helpers for billing tests: the real shared exports and a small hand-written CUR 2.0 bill."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

SHARED_BILLING = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "billing"
FOCUS_SAMPLE = SHARED_BILLING / "focus-1.0_sample_1000.csv"
CUR_LEGACY_SAMPLE = SHARED_BILLING / "aws-cur-legacy_anonymized_2023-11.csv"


def cur2_rows(rows: list[dict[str, Any]]) -> pa.Table:
    """A CUR 2.0 table from short row dicts; unspecified columns get neutral values."""

    def col(key: str, default: Any) -> list[Any]:
        return [r.get(key, default) for r in rows]

    starts = [datetime.fromisoformat(r["start"]) for r in rows]
    return pa.table(
        {
            "identity_line_item_id": [f"li-{i}" for i in range(len(rows))],
            "line_item_usage_account_id": ["111122223333"] * len(rows),
            "line_item_line_item_type": col("type", "Usage"),
            "line_item_usage_start_date": pa.array(starts, pa.timestamp("us")),
            "line_item_usage_end_date": pa.array(starts, pa.timestamp("us")),
            "line_item_product_code": col("product", "AmazonSageMaker"),
            "line_item_usage_type": col("usage_type", ""),
            "line_item_resource_id": col("resource", "r-1"),
            "line_item_usage_amount": pa.array(col("amount", 1.0), pa.float64()),
            "line_item_unblended_cost": pa.array(col("cost", 0.0), pa.float64()),
            "product_region_code": col("region", "us-east-1"),
            "pricing_public_on_demand_cost": pa.array(col("od", None), pa.float64()),
            "savings_plan_savings_plan_a_r_n": col("sp_arn", None),
            "savings_plan_savings_plan_effective_cost": pa.array(col("sp_eff", 0.0), pa.float64()),
            "savings_plan_total_commitment_to_date": pa.array(col("total", 0.0), pa.float64()),
            "savings_plan_used_commitment": pa.array(col("used", 0.0), pa.float64()),
            "resource_tags": pa.array(
                [list(r.get("tags", {}).items()) for r in rows], pa.map_(pa.string(), pa.string())
            ),
            "product": pa.array(
                [[("region", r.get("region", "us-east-1"))] for r in rows],
                pa.map_(pa.string(), pa.string()),
            ),
        }
    )


SP = "arn:aws:savingsplans::111122223333:savingsplan/test"

#: The hand-checked bill behind test_billing_report.py (figures worked out there).
SMALL_BILL: list[dict[str, Any]] = [
    {
        "start": "2025-06-01T00:00",
        "usage_type": "USE1-Notebk:ml.t3.medium",
        "cost": 0.05,
        "tags": {"user_team": "vision"},
    },
    {
        "start": "2025-06-01T01:00",
        "usage_type": "USE1-Train:ml.p4d.24xlarge",
        "amount": 2.0,
        "cost": 50.50,
        "tags": {"user_team": "nlp"},
    },
    {
        "start": "2025-06-02T00:00",
        "type": "SavingsPlanCoveredUsage",
        "usage_type": "USE1-Host:ml.g5.xlarge",
        "cost": 1.41,
        "od": 1.41,
        "sp_eff": 0.90,
        "sp_arn": SP,
        "tags": {"user_team": "vision"},
    },
    {
        "start": "2025-06-02T00:00",
        "type": "SavingsPlanNegation",
        "usage_type": "USE1-Host:ml.g5.xlarge",
        "cost": -1.41,
        "sp_arn": SP,
        "tags": {"user_team": "vision"},
    },
    {
        "start": "2025-06-02T00:00",
        "type": "SavingsPlanRecurringFee",
        "product": "MachineLearningSavingsPlans",
        "usage_type": "MachineLearningSP:1yrNoUpfront",
        "cost": 1.00,
        "total": 1.00,
        "used": 0.90,
        "sp_arn": SP,
    },
    {
        "start": "2025-06-02T05:00",
        "product": "AmazonEC2",
        "usage_type": "BoxUsage:g5.xlarge",
        "cost": 1.006,
    },
    {
        "start": "2025-06-02T06:00",
        "product": "AmazonEC2",
        "usage_type": "UnusedBox:p4d.24xlarge",
        "cost": 21.96,
    },
    {
        "start": "2025-06-02T06:00",
        "product": "AmazonS3",
        "usage_type": "USE1-TimedStorage-ByteHrs",
        "amount": 100.0,
        "cost": 0.10,
    },
    {
        "start": "2025-06-02T06:00",
        "product": "AmazonEC2",
        "usage_type": "BoxUsage:m5.large",
        "cost": 0.096,
    },
    {
        "start": "2025-06-02T07:00",
        "usage_type": "USE1-ServerlessInf:Mem-4GB",
        "amount": 2.0,
        "cost": 0.20,
    },
]
