"""Which billing export a file is, and the columns (and types) each format must have.

Detection is by column names only, because AWS CUR 2.0, legacy CUR and FOCUS exports share no
column names: CUR 2.0 is snake_case (``line_item_unblended_cost``), legacy CUR is
``category/Name`` (``lineItem/UnblendedCost``), FOCUS is PascalCase (``BilledCost``).
"""

from __future__ import annotations

from enum import StrEnum

#: FOCUS 1.0 mandatory columns (FinOps Foundation specification, "Column" chapter)
FOCUS_REQUIRED = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
)


class Format(StrEnum):
    CUR2 = "cur2"
    FOCUS = "focus"
    CUR_LEGACY = "cur-legacy"


class Kind(StrEnum):
    """Canonical type a raw column is cast to before normalisation."""

    MONEY = "DECIMAL(38,10)"
    NUMBER = "DOUBLE"
    TIME = "TIMESTAMP"
    TEXT = "VARCHAR"
    MAP = "MAP(VARCHAR, VARCHAR)"


#: format -> column -> kind. Columns not listed are ignored; listed ones that are absent
#: (and not required) become NULL.
COLUMNS: dict[Format, dict[str, Kind]] = {
    Format.CUR2: {
        "line_item_usage_start_date": Kind.TIME,
        "line_item_usage_end_date": Kind.TIME,
        "line_item_usage_account_id": Kind.TEXT,
        "line_item_line_item_type": Kind.TEXT,
        "line_item_product_code": Kind.TEXT,
        "line_item_usage_type": Kind.TEXT,
        "line_item_resource_id": Kind.TEXT,
        "line_item_usage_amount": Kind.NUMBER,
        "line_item_unblended_cost": Kind.MONEY,
        "product_region_code": Kind.TEXT,
        "product_region": Kind.TEXT,  # legacy CUR in Athena's layout (CUR 2.0 has it in product)
        "product_instance_type": Kind.TEXT,
        "product_servicecode": Kind.TEXT,
        "pricing_public_on_demand_cost": Kind.MONEY,
        "savings_plan_savings_plan_a_r_n": Kind.TEXT,
        "savings_plan_savings_plan_effective_cost": Kind.MONEY,
        "savings_plan_total_commitment_to_date": Kind.MONEY,
        "savings_plan_used_commitment": Kind.MONEY,
        # reserved instances (AWS Data Exports, "Reservation columns"): the amortised cost
        "reservation_reservation_a_r_n": Kind.TEXT,
        "reservation_effective_cost": Kind.MONEY,
        "reservation_unused_amortized_upfront_fee_for_billing_period": Kind.MONEY,
        "reservation_unused_recurring_fee": Kind.MONEY,
        "resource_tags": Kind.MAP,
        "product": Kind.MAP,
    },
    Format.CUR_LEGACY: {
        "lineItem/UsageStartDate": Kind.TIME,
        "lineItem/UsageEndDate": Kind.TIME,
        "lineItem/UsageAccountId": Kind.TEXT,
        "lineItem/LineItemType": Kind.TEXT,
        "lineItem/ProductCode": Kind.TEXT,
        "lineItem/UsageType": Kind.TEXT,
        "lineItem/ResourceId": Kind.TEXT,
        "lineItem/UsageAmount": Kind.NUMBER,
        "lineItem/UnblendedCost": Kind.MONEY,
        "product/regionCode": Kind.TEXT,
        "product/region": Kind.TEXT,
        "product/instanceType": Kind.TEXT,
        "product/servicename": Kind.TEXT,
        "pricing/publicOnDemandCost": Kind.MONEY,
        "savingsPlan/SavingsPlanARN": Kind.TEXT,
        "savingsPlan/SavingsPlanEffectiveCost": Kind.MONEY,
        "savingsPlan/TotalCommitmentToDate": Kind.MONEY,
        "savingsPlan/UsedCommitment": Kind.MONEY,
        "reservation/ReservationARN": Kind.TEXT,
        "reservation/EffectiveCost": Kind.MONEY,
        "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": Kind.MONEY,
        "reservation/UnusedRecurringFee": Kind.MONEY,
    },
    Format.FOCUS: {
        **{c: Kind.TEXT for c in FOCUS_REQUIRED},
        "BilledCost": Kind.MONEY,
        "EffectiveCost": Kind.MONEY,
        "ListCost": Kind.MONEY,
        "ContractedCost": Kind.MONEY,
        "BillingPeriodStart": Kind.TIME,
        "BillingPeriodEnd": Kind.TIME,
        "ChargePeriodStart": Kind.TIME,
        "ChargePeriodEnd": Kind.TIME,
        "ConsumedQuantity": Kind.NUMBER,
        "CommitmentDiscountId": Kind.TEXT,
        "CommitmentDiscountStatus": Kind.TEXT,
        "CommitmentDiscountType": Kind.TEXT,
        "RegionId": Kind.TEXT,
        "ResourceId": Kind.TEXT,
        "SubAccountId": Kind.TEXT,
        "x_ServiceCode": Kind.TEXT,
        "x_UsageType": Kind.TEXT,
        # FOCUS 1.2: AWS's export has no x_UsageType; its usage type is SkuMeter, and an
        # unused capacity reservation is CapacityReservationStatus 'Unused'
        "SkuMeter": Kind.TEXT,
        "CapacityReservationId": Kind.TEXT,
        "CapacityReservationStatus": Kind.TEXT,
        # FOCUS 1.3: the provider, ProviderName being deprecated
        "ServiceProviderName": Kind.TEXT,
        # FOCUS 1.1 (optional): JSON of SKU properties; some writers put InstanceType there
        "SkuPriceDetails": Kind.TEXT,
        "Tags": Kind.MAP,
    },
}

REQUIRED: dict[Format, tuple[str, ...]] = {
    Format.CUR2: (
        "line_item_usage_start_date",
        "line_item_line_item_type",
        "line_item_product_code",
        "line_item_usage_type",
        "line_item_unblended_cost",
    ),
    Format.CUR_LEGACY: (
        "lineItem/UsageStartDate",
        "lineItem/LineItemType",
        "lineItem/ProductCode",
        "lineItem/UsageType",
        "lineItem/UnblendedCost",
    ),
    # FOCUS 1.0 mandatory columns (FinOps Foundation specification, "Column" chapter)
    Format.FOCUS: FOCUS_REQUIRED,
}

#: One column that marks each format unmistakably.
_MARKERS = {
    Format.CUR2: ("line_item_unblended_cost", "line_item_usage_type", "line_item_line_item_type"),
    Format.CUR_LEGACY: ("lineItem/UnblendedCost", "lineItem/UsageType", "lineItem/LineItemType"),
    Format.FOCUS: ("BilledCost", "ChargePeriodStart", "EffectiveCost", "ServiceName"),
}


def detect(columns: list[str]) -> Format | None:
    """The format whose marker columns appear most; ``None`` when none appears at all."""
    present = set(columns)
    scores = {f: sum(c in present for c in marks) for f, marks in _MARKERS.items()}
    best = max(scores, key=lambda f: scores[f])
    return best if scores[best] > 0 else None


def missing_required(fmt: Format, columns: list[str]) -> list[str]:
    present = set(columns)
    return [c for c in REQUIRED[fmt] if c not in present]
