"""Shared helpers for billing tests: the real shared exports and a small hand-written CUR 2.0 bill."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from mlcost.billing.synth import FOCUS_REQUIRED

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


RI = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/ri-1"
SP_ABC = "arn:aws:savingsplans::111122223333:savingsplan/abc"


def write_csv(path: Path, header: list[str], rows: list[dict[str, Any]]) -> Path:
    """A CSV file as billing exports write it: a header, then '' for a missing value."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r[c] for c in header])
    return path


CUR2_HEADER = [
    "identity_line_item_id",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_resource_id",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "pricing_public_on_demand_cost",
    "product",
    "product_region_code",
    "reservation_effective_cost",
    "reservation_reservation_a_r_n",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "resource_tags",
    "savings_plan_savings_plan_a_r_n",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
]


def cur2_csv_row(**kw: Any) -> dict[str, Any]:
    """One CUR 2.0 CSV row (text values); EC2 usage in us-east-1 unless overridden."""
    row = {
        "line_item_usage_account_id": "012345678901",
        "line_item_line_item_type": "Usage",
        "line_item_usage_start_date": "2024-01-15T10:00:00.000Z",
        "line_item_usage_end_date": "2024-01-15T11:00:00.000Z",
        "line_item_product_code": "AmazonEC2",
        "line_item_usage_amount": "1.0",
        "product": json.dumps({"product_name": "Amazon Elastic Compute Cloud"}),
        "product_region_code": "us-east-1",
    }
    row.update(kw)
    return row


#: The reviewer's CUR 2.0 bill (/tmp/billrev/cur2.csv): SageMaker usage, a savings plan, and a
#: fully used all-upfront p4d reserved instance whose 50,000 upfront fee appears in January.
REVIEW_CUR2 = [
    cur2_csv_row(
        line_item_product_code="AmazonSageMaker",
        line_item_usage_type="USE1-Train:ml.p4d.24xlarge",
        line_item_unblended_cost="10.0",
        resource_tags='{"user_team":"vision"}',
    ),
    cur2_csv_row(
        line_item_line_item_type="SavingsPlanCoveredUsage",
        line_item_product_code="AmazonSageMaker",
        line_item_usage_type="USE1-Host:ml.g5.xlarge",
        line_item_unblended_cost="5.0",
        pricing_public_on_demand_cost="5.0",
        savings_plan_savings_plan_a_r_n=SP_ABC,
        savings_plan_savings_plan_effective_cost="3.2",
    ),
    cur2_csv_row(
        line_item_line_item_type="SavingsPlanNegation",
        line_item_product_code="AmazonSageMaker",
        line_item_usage_type="USE1-Host:ml.g5.xlarge",
        line_item_unblended_cost="-5.0",
        savings_plan_savings_plan_a_r_n=SP_ABC,
    ),
    cur2_csv_row(
        line_item_line_item_type="SavingsPlanRecurringFee",
        line_item_product_code="MachineLearningSavingsPlans",
        line_item_usage_type="MachineLearningSP:1yrNoUpfront",
        line_item_unblended_cost="4.0",
        savings_plan_savings_plan_a_r_n=SP_ABC,
        savings_plan_total_commitment_to_date="4.0",
        savings_plan_used_commitment="3.2",
    ),
    cur2_csv_row(
        line_item_line_item_type="DiscountedUsage",
        line_item_usage_type="BoxUsage:p4d.24xlarge",
        line_item_unblended_cost="0.0",
        pricing_public_on_demand_cost="32.77",
        reservation_effective_cost="20.0",
        reservation_reservation_a_r_n=RI,
    ),
    cur2_csv_row(
        line_item_line_item_type="RIFee",
        line_item_usage_start_date="2024-01-01T00:00:00.000Z",
        line_item_usage_end_date="2024-02-01T00:00:00.000Z",
        line_item_usage_type="HeavyUsage:p4d.24xlarge",
        line_item_usage_amount="744.0",
        line_item_unblended_cost="15.0",
        reservation_reservation_a_r_n=RI,
        reservation_unused_amortized_upfront_fee_for_billing_period="0.0",
        reservation_unused_recurring_fee="0.0",
    ),
    cur2_csv_row(
        line_item_line_item_type="Fee",
        line_item_usage_type="HeavyUsage:p4d.24xlarge",
        line_item_unblended_cost="50000.0",
        reservation_reservation_a_r_n=RI,
    ),
    cur2_csv_row(
        line_item_line_item_type="Tax",
        line_item_product_code="AmazonSageMaker",
        line_item_usage_start_date="2024-01-01T00:00:00.000Z",
        line_item_unblended_cost="1.0",
    ),
    cur2_csv_row(
        line_item_line_item_type="Credit",
        line_item_product_code="AmazonSageMaker",
        line_item_usage_start_date="2024-01-01T00:00:00.000Z",
        line_item_usage_type="USE1-Train:ml.p4d.24xlarge",
        line_item_unblended_cost="-2.0",
    ),
    cur2_csv_row(
        line_item_line_item_type="EdpDiscount",
        line_item_product_code="AmazonSageMaker",
        line_item_usage_type="USE1-Train:ml.p4d.24xlarge",
        line_item_unblended_cost="-0.5",
    ),
]


FOCUS_CONST = {
    "BillingAccountId": "111122223333",
    "BillingAccountName": "x",
    "BillingCurrency": "USD",
    "BillingPeriodStart": "2024-01-01T00:00:00Z",
    "BillingPeriodEnd": "2024-02-01T00:00:00Z",
    "ChargeCategory": "Usage",
    "ChargeDescription": "usage",
    "ChargePeriodStart": "2024-01-15T10:00:00Z",
    "ChargePeriodEnd": "2024-01-15T11:00:00Z",
    "ContractedCost": "0",
    "InvoiceIssuerName": "x",
    "ListCost": "0",
    "ProviderName": "AWS",
    "PublisherName": "x",
    "ServiceCategory": "AI and Machine Learning",
    "ServiceName": "Amazon SageMaker",
}


def focus_row(**kw: Any) -> dict[str, Any]:
    """One FOCUS row (text values) with every mandatory column filled."""
    row = dict(FOCUS_CONST)
    row.update(kw)
    return row


def focus_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    header = sorted(set(FOCUS_REQUIRED) | {k for r in rows for k in r})
    return write_csv(path, header, rows)


def write_cur2_csv(table: pa.Table, path: Path) -> Path:
    """A CUR 2.0 table written as CSV, its map columns as JSON text (as AWS writes them)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("t", table)
        con.execute(
            "COPY (SELECT * REPLACE (to_json(resource_tags)::VARCHAR AS resource_tags, "
            f"to_json(product)::VARCHAR AS product) FROM t) TO '{path}' (HEADER)"
        )
    finally:
        con.close()
    return path


def query(db: Path, sql: str) -> list[tuple]:
    """The rows of ``sql`` over the billing database ``db``, opened as reports open it."""
    from mlcost.billing import storage

    con = storage.open_for_reading(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
