"""AWS's FOCUS 1.2 export (no x_UsageType; SkuMeter, CapacityReservationStatus) reports as CUR 2.0.

One small bill (us-east-1, 2025-06-01), written once as AWS's CUR 2.0 export and once as its
"FOCUS 1.2 with AWS columns" export, both by hand below:
  00:00  SageMaker USE1-Train:ml.p4d.24xlarge x2         50.00
  01:00  SageMaker USE1-Notebk:ml.t3.medium               0.05
  02:00  SageMaker USE1-Host:ml.g5.xlarge, savings-plan covered: on-demand 1.41, plan rate 0.90;
         the plan's fee 1.00, of which 0.90 used (0.10 unused)
  03:00  EC2 BoxUsage:p4d.24xlarge in capacity reservation cr-p4d (Used)    32.77
  04:00  EC2 unused capacity of cr-p4d                                      32.77
         (FOCUS 1.2: SkuMeter UnusedBox:p4d.24xlarge, CapacityReservationStatus Unused)
  05:00  EC2 unused capacity of cr-g5, g5.12xlarge                           5.672
         (FOCUS 1.2: stated only by CapacityReservationStatus Unused, SkuMeter BoxUsage:…)
  06:00  S3 0.10 and EC2 m5.large 0.096 (not ML)
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billing_fixtures import CUR2_HEADER, cur2_csv_row, write_csv

from mlcost.billing import report
from mlcost.billing.ingest import ingest

SP = "arn:aws:savingsplans::111122223333:savingsplan/sp-1"

#: the columns of AWS's "FOCUS 1.2 with AWS columns" table (AWS Data Exports user guide):
#: no x_UsageType; SkuMeter, CapacityReservation*, CommitmentDiscount*, ServiceSubcategory
FOCUS12_AWS_HEADER = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
    "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingQuantity", "PricingUnit",
    "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName",
    "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId",
    "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
    "SubAccountType", "Tags", "x_Discounts", "x_Operation", "x_ServiceCode",
]  # fmt: skip


def _at(hour: int) -> dict[str, str]:
    return {
        "line_item_usage_start_date": f"2025-06-01T{hour:02d}:00:00Z",
        "line_item_usage_end_date": f"2025-06-01T{hour + 1:02d}:00:00Z",
    }


def _cur(hour: int, product: str, usage_type: str, cost: str, **kw: Any) -> dict[str, Any]:
    name = {"AmazonSageMaker": "Amazon SageMaker", "AmazonEC2": "Amazon Elastic Compute Cloud"}
    return cur2_csv_row(
        **_at(hour),
        line_item_usage_account_id="111122223333",
        line_item_product_code=product,
        line_item_usage_type=usage_type,
        line_item_unblended_cost=cost,
        product=json.dumps({"product_name": name.get(product, product)}),
        **kw,
    )


CUR2_BILL = [
    _cur(0, "AmazonSageMaker", "USE1-Train:ml.p4d.24xlarge", "50.00", line_item_usage_amount="2"),
    _cur(1, "AmazonSageMaker", "USE1-Notebk:ml.t3.medium", "0.05"),
    _cur(
        2, "AmazonSageMaker", "USE1-Host:ml.g5.xlarge", "1.41",
        line_item_line_item_type="SavingsPlanCoveredUsage", pricing_public_on_demand_cost="1.41",
        savings_plan_savings_plan_effective_cost="0.90", savings_plan_savings_plan_a_r_n=SP,
    ),
    _cur(
        2, "AmazonSageMaker", "USE1-Host:ml.g5.xlarge", "-1.41",
        line_item_line_item_type="SavingsPlanNegation", savings_plan_savings_plan_a_r_n=SP,
    ),
    _cur(
        2, "MachineLearningSavingsPlans", "MachineLearningSP:1yrNoUpfront", "1.00",
        line_item_line_item_type="SavingsPlanRecurringFee", savings_plan_savings_plan_a_r_n=SP,
        savings_plan_total_commitment_to_date="1.00", savings_plan_used_commitment="0.90",
    ),
    _cur(3, "AmazonEC2", "BoxUsage:p4d.24xlarge", "32.77", line_item_resource_id="i-1"),
    _cur(4, "AmazonEC2", "UnusedBox:p4d.24xlarge", "32.77", line_item_resource_id="cr-p4d"),
    _cur(5, "AmazonEC2", "UnusedBox:g5.12xlarge", "5.672", line_item_resource_id="cr-g5"),
    _cur(6, "AmazonS3", "USE1-TimedStorage-ByteHrs", "0.10"),
    _cur(6, "AmazonEC2", "BoxUsage:m5.large", "0.096"),
]  # fmt: skip


def _focus(hour: int, service: str, code: str, meter: str, **kw: Any) -> dict[str, Any]:
    """One line as AWS's FOCUS 1.2 export writes it; money columns default to BilledCost."""
    row = {
        "BillingAccountId": "111122223333",
        "BillingAccountName": "ml-platform",
        "BillingAccountType": "Billing Account",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2025-06-01T00:00:00Z",
        "BillingPeriodEnd": "2025-07-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": f"2025-06-01T{hour:02d}:00:00Z",
        "ChargePeriodEnd": f"2025-06-01T{hour + 1:02d}:00:00Z",
        # descriptions that name no stage: the stage must come from SkuMeter
        "ChargeDescription": "charge",
        "ConsumedQuantity": "1",
        "InvoiceIssuerName": "Amazon Web Services, Inc.",
        "ProviderName": "AWS",
        "PublisherName": "Amazon Web Services, Inc.",
        "RegionId": "us-east-1",
        "RegionName": "US East (N. Virginia)",
        "ServiceCategory": "AI and Machine Learning" if code != "AmazonS3" else "Storage",
        "ServiceSubcategory": "Machine Learning" if code != "AmazonS3" else "Object Storage",
        "ServiceName": service,
        "SkuMeter": meter,
        "SubAccountId": "111122223333",
        "x_ServiceCode": code,
        "x_Operation": "RunInstances",
    }
    row.update(kw)
    for money in ("EffectiveCost", "ListCost", "ContractedCost"):
        row.setdefault(money, row["BilledCost"])
    return row


SM, EC2 = "Amazon SageMaker", "Amazon Elastic Compute Cloud"
SP_COLS = {
    "CommitmentDiscountId": SP,
    "CommitmentDiscountName": "sp-1",
    "CommitmentDiscountType": "Savings Plan",
    "CommitmentDiscountCategory": "Spend",
    "CommitmentDiscountUnit": "USD",
}
FOCUS12_BILL = [
    _focus(0, SM, "AmazonSageMaker", "USE1-Train:ml.p4d.24xlarge", BilledCost="50.00", ConsumedQuantity="2"),
    _focus(1, SM, "AmazonSageMaker", "USE1-Notebk:ml.t3.medium", BilledCost="0.05"),
    # covered usage: billed through the plan (0), amortised at the plan rate
    _focus(
        2, SM, "AmazonSageMaker", "USE1-Host:ml.g5.xlarge", BilledCost="0",
        EffectiveCost="0.90", ListCost="1.41", ContractedCost="1.41",
        CommitmentDiscountStatus="Used", CommitmentDiscountQuantity="0.90", **SP_COLS,
    ),
    # the plan's hourly fee, and its unused part as its own charge
    _focus(
        2, "Savings Plans for Machine Learning", "MachineLearningSavingsPlans",
        "MachineLearningSP:1yrNoUpfront", ChargeCategory="Purchase", BilledCost="1.00",
        EffectiveCost="0", ListCost="0", ContractedCost="0", ChargeFrequency="Recurring", **SP_COLS,
    ),
    _focus(
        2, "Savings Plans for Machine Learning", "MachineLearningSavingsPlans",
        "MachineLearningSP:1yrNoUpfront", BilledCost="0", EffectiveCost="0.10", ListCost="0",
        ContractedCost="0", CommitmentDiscountStatus="Unused", CommitmentDiscountQuantity="0.10",
        ConsumedQuantity="0", **SP_COLS,
    ),
    _focus(
        3, EC2, "AmazonEC2", "BoxUsage:p4d.24xlarge", BilledCost="32.77", ResourceId="i-1",
        CapacityReservationId="cr-p4d", CapacityReservationStatus="Used",
    ),
    _focus(
        4, EC2, "AmazonEC2", "UnusedBox:p4d.24xlarge", BilledCost="32.77",
        CapacityReservationId="cr-p4d", CapacityReservationStatus="Unused",
    ),
    # unused capacity stated only by CapacityReservationStatus
    _focus(
        5, EC2, "AmazonEC2", "BoxUsage:g5.12xlarge", BilledCost="5.672",
        CapacityReservationId="cr-g5", CapacityReservationStatus="Unused",
    ),
    _focus(6, "Amazon Simple Storage Service", "AmazonS3", "USE1-TimedStorage-ByteHrs", BilledCost="0.10"),
    _focus(6, EC2, "AmazonEC2", "BoxUsage:m5.large", BilledCost="0.096"),
]  # fmt: skip


def D(s: str) -> Decimal:  # noqa: N802
    return Decimal(s)


def _report(tmp_path: Path, name: str, header: list[str], rows: list[dict]) -> report.Report:
    db = tmp_path / f"{name}.duckdb"
    ingest([write_csv(tmp_path / f"{name}.csv", header, rows)], db)
    return report.build(report.duckdb_runner(db))


@pytest.fixture
def focus12(tmp_path: Path) -> report.Report:
    return _report(tmp_path, "focus12", FOCUS12_AWS_HEADER, FOCUS12_BILL)


@pytest.fixture
def cur2(tmp_path: Path) -> report.Report:
    return _report(tmp_path, "cur2", CUR2_HEADER, CUR2_BILL)


def _stages(rep: report.Report) -> dict:
    return {r["stage"]: (r["effective_cost"], r["usage_amount"]) for r in rep.sections["by_stage"]}


def _families(rep: report.Report) -> dict:
    return {
        (r["service"], r["instance_family"]): (r["effective_cost"], r["usage_amount"])
        for r in rep.sections["by_family"]
    }


def _unused(rep: report.Report) -> dict:
    return {
        (r["region"], r["instance_type"]): (r["unused_hours"], r["unused_cost"])
        for r in rep.sections["unused_reservations"]
    }


def test_focus12_stages_from_sku_meter(focus12: report.Report) -> None:
    # the descriptions name no stage: these come from SkuMeter (the usage type)
    assert _stages(focus12) == {
        "training": (D("50.00"), 2),
        "hosting": (D("0.90"), 1),
        "notebook": (D("0.05"), 1),
    }


def test_focus12_instance_families(focus12: report.Report) -> None:
    assert _families(focus12) == {
        ("SageMaker", "p4d"): (D("50.00"), 2),
        ("SageMaker", "g5"): (D("0.90"), 1),
        ("SageMaker", "t3"): (D("0.05"), 1),
        # used reservation 32.77 + unused 32.77
        ("EC2 GPU", "p4d"): (D("65.54"), 2),
        ("EC2 GPU", "g5"): (D("5.672"), 1),
    }


def test_focus12_unused_capacity_reservations(focus12: report.Report) -> None:
    assert _unused(focus12) == {
        ("us-east-1", "p4d.24xlarge"): (1, D("32.77")),
        ("us-east-1", "g5.12xlarge"): (1, D("5.672")),
    }


def test_focus12_and_cur2_of_one_bill_report_the_same(
    focus12: report.Report, cur2: report.Report
) -> None:
    assert _stages(focus12) == _stages(cur2)
    assert _families(focus12) == _families(cur2)
    assert _unused(focus12) == _unused(cur2)
    for section in ("by_service", "daily", "savings_plans"):
        assert focus12.sections[section] == cur2.sections[section], section
    # hand: SageMaker 50 + 0.05 + 0.90 + unused plan 0.10; EC2 GPU 32.77 x 2 + 5.672
    services = {r["service"]: r["effective_cost"] for r in focus12.sections["by_service"]}
    assert services == {"SageMaker": D("51.05"), "EC2 GPU": D("71.212")}
    by_type = {r["plan_type"]: r for r in focus12.sections["savings_plans"]}
    sp = by_type["sagemaker"]
    # SageMaker plan: covered 1.41 of SageMaker instance usage 50 + 0.05 + 1.41; 0.90 of 1.00
    assert (sp["covered_on_demand_cost"], sp["eligible_on_demand_cost"]) == (D("1.41"), D("51.46"))
    assert (sp["commitment_used"], sp["commitment_total"]) == (D("0.90"), D("1.00"))
    # Compute: EC2 on-demand 32.77 (the used reservation) + 0.096 (m5); unused capacity is not
    # eligible; no Compute plan in the bill
    assert (by_type["compute"]["covered_on_demand_cost"], by_type["compute"]["eligible_on_demand_cost"]) == (
        0, D("32.866"),
    )  # fmt: skip


def test_sku_meter_of_another_provider_is_no_usage_type(tmp_path: Path) -> None:
    """Other providers' SkuMeter is a meter name ('Compute Usage'): the description decides."""
    row = _focus(
        0, SM, "AmazonSageMaker", "Compute Usage", BilledCost="3", ProviderName="Example Cloud",
        ChargeDescription="ml.g5.xlarge training",
    )  # fmt: skip
    rep = _report(tmp_path, "other", FOCUS12_AWS_HEADER, [row])
    assert _stages(rep) == {"training": (D("3"), 1)}


def test_focus13_columns_report_as_focus12(tmp_path: Path, focus12: report.Report) -> None:
    """FOCUS 1.3 adds ServiceProviderName / HostProviderName (ProviderName deprecated)."""
    header = [*FOCUS12_AWS_HEADER, "ServiceProviderName", "HostProviderName"]
    rows = [{**r, "ServiceProviderName": "AWS", "HostProviderName": "AWS"} for r in FOCUS12_BILL]
    focus13 = _report(tmp_path, "focus13", header, rows)
    assert focus13.sections == focus12.sections
