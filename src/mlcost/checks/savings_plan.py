"""Steady on-demand SageMaker spend that no Savings Plan covers: the commitment that
maximises net savings, from Cost Explorer's hourly data, by the billing optimiser."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from mlcost.checks._support import finding_for
from mlcost.checks.registry import check
from mlcost.model import (
    HOURS_PER_MONTH,
    Account,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    ResourceKind,
    Risk,
    usd,
)

SOURCE = (
    "AWS Savings Plans User Guide, 'Amazon SageMaker AI savings plans' (a $/hour commitment "
    "for 1 or 3 years, applied to eligible SageMaker instance usage at the plan's rates); "
    "AWS Well-Architected Machine Learning Lens MLCOST-28"
)
NOT_CHECKED = [
    "Compute and EC2 Instance Savings Plans for EC2 GPU instances (SageMaker usage only)",
    "usage a plan covers beyond ML instances (e.g. Serverless Inference): `mlcost plan "
    "savings-plan` sees it on an ingested bill",
    "whether the workload will last the term: the observed hours are assumed representative",
    "Savings Plans rates of regions other than the account's (Cost Explorer's on-demand "
    "series is account-wide; rates read from AWS are those of the account's region)",
]


def _rates(settings: dict[str, Any]) -> Any:
    """The discounts the billing optimiser uses: a rates file (``rates_file``, its format,
    with its source), or those observed on an ingested bill's covered SageMaker lines
    (``rates_billing_db``, for a plan of ``term_years`` and ``payment``, as `mlcost plan
    savings-plan --rates-from-bill` reads them); None: neither is set, and the rates AWS
    publishes (``Account.savings_plans_rates``, read from DescribeSavingsPlansOfferingRates)
    are used, for a plan of ``term_years`` and ``payment``."""
    from mlcost.billing.savings_plan import PAYMENTS, TERM_YEARS, PlanType, load_rates
    from mlcost.errors import UserError

    path = str(settings["rates_file"]).strip()
    db = str(settings["rates_billing_db"]).strip()
    if path and db:
        raise UserError(
            "[checks.savings-plan] rates_file and rates_billing_db are both set",
            "give one source of savings-plan discounts",
        )
    if db or not path:  # the term and payment of a plan read from the bill or from AWS
        term, payment = settings["term_years"], settings["payment"]
        if term not in TERM_YEARS or payment not in PAYMENTS:
            raise UserError(
                f"[checks.savings-plan] term_years {term!r} / payment {payment!r}",
                f"term_years is one of {TERM_YEARS}, payment one of {', '.join(PAYMENTS)}",
            )
    if db:
        from mlcost.billing.spend_series import rates_from_bill

        return rates_from_bill(Path(db), PlanType.SAGEMAKER, term, payment)
    if not path:
        return None
    rates = load_rates(Path(path))
    if rates.plan is not PlanType.SAGEMAKER:
        raise UserError(
            f"[checks.savings-plan] rates_file {path} is for {rates.plan.value} plans",
            'give SageMaker savings-plan discounts ("plan": "sagemaker")',
        )
    return rates


def _unpriced(
    resource: Account,
    evidence: dict[str, Any],
    reason: str,
    families: list[str],
    floor: Decimal,
    monthly_cost: Decimal,
) -> Finding:
    """The finding without a commitment: the steady floor shown, the saving ``null``."""
    evidence.update(
        {
            "unpriced": reason,
            "unpriced_instance_type": ", ".join(f"ml.{f}" for f in families),
            "unpriced_usage": "sagemaker-savings-plan",
        }
    )
    return finding_for(
        "savings-plan",
        resource,
        title=f"Steady on-demand SageMaker spend (at least ${usd(floor)}/h every hour) "
        "has no Savings Plan: commitment unpriced without rates",
        evidence=evidence,
        cost=monthly_cost,
        saving=None,
        fix=Fix("purchase-savings-plan", {"savingsPlanType": "SageMaker"}),
        risk=Risk.REVIEW,
        confidence=0.5,
    )


@check(
    "savings-plan",
    ResourceKind.ACCOUNT,
    needs=(
        MetricLabel.ON_DEMAND_SPEND,
        MetricLabel.SAVINGS_PLANS_COVERAGE,
        MetricLabel.SAVINGS_PLANS_RATES,
    ),
    rates_file="",
    rates_billing_db="",
    term_years=1,
    payment="no-upfront",
    min_steady_usd_per_hour=1.0,
    min_hours=72,
)
def savings_plan(
    resource: Account, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """Steady on-demand SageMaker spend without Savings Plan coverage.

    Rule: Cost Explorer's on-demand SageMaker instance spend (RECORD_TYPE Usage: what no
    plan covered), hour by hour over the last 14 days (AWS keeps hourly data 14 days, and
    only where hourly granularity is enabled; otherwise daily cost / 24 over the window, and
    the evidence says so), has a floor - its lowest hour - of at least
    ``min_steady_usd_per_hour``, over at least ``min_hours`` hours. Existing coverage
    (GetSavingsPlansCoverage) is shown; covered usage is not in the series, so a plan that
    already covers the steady part leaves no floor and no finding.

    Commitment: the billing optimiser's exact LP (``billing/savings_plan.py``: the $/h that
    maximises net savings over the observed hours) with the discounts of ``rates_file`` (its
    format: plan "sagemaker", term, payment, source, discounts per family), or those observed
    on the covered lines of an ingested bill (``rates_billing_db``, for a plan of
    ``term_years`` and ``payment``: only valid for plans like the one on the bill). Without
    either, the rates AWS publishes (DescribeSavingsPlansOfferingRates, read by the account
    kind for the series' instance types in the account's region) for a plan of
    ``term_years`` and ``payment``, each family's discount the lowest of its rates against
    the catalogue's on-demand price (``pricing/savings_plan_rates.py``). Monthly net
    savings = net savings over the observed hours / hours x 730. Without rates (the read
    failed or was refused, a family has no rate) the finding is unpriced, says why, and names
    the steady floor instead. Fix: advisory (a Savings Plan is a 1- or 3-year purchase: never
    bought by mlcost).
    """
    from mlcost.billing import savings_plan as sp

    rates = _rates(settings)  # a bad rates setting is refused whatever the spend
    spend = resource.on_demand_spend
    if spend is None or not spend.hours:
        return []
    families = sorted(spend.by_family)
    hours = len(spend.hours)
    if not families or hours < int(settings["min_hours"]):
        return []
    total_by_hour = [
        sum((spend.by_family[f][i] for f in families), Decimal(0)) for i in range(hours)
    ]
    floor = min(total_by_hour)
    if floor < Decimal(str(settings["min_steady_usd_per_hour"])):
        return []
    observed = sum(total_by_hour, Decimal(0))
    evidence: dict[str, Any] = {
        "granularity": spend.granularity,
        "observed_hours": hours,
        "from": spend.hours[0].isoformat(),
        "to": spend.hours[-1].isoformat(),
        "families": families,
        "on_demand_usd_observed": str(usd(observed)),
        "on_demand_usd_per_hour": {
            "min": str(usd(floor)),
            "mean": str(usd(observed / hours)),
            "max": str(usd(max(total_by_hour))),
        },
        "on_demand_monthly_usd": (
            f"{usd(observed)} / {hours} h x {HOURS_PER_MONTH} h = "
            f"{usd(observed / hours * HOURS_PER_MONTH)}"
        ),
    }
    if spend.note:
        evidence["granularity_note"] = spend.note
    coverage = resource.savings_plans_coverage
    evidence["existing_coverage"] = (
        {k: str(usd(v)) for k, v in coverage.items()}
        if coverage is not None
        else "not read (GetSavingsPlansCoverage failed: see errors)"
    )
    evidence["source"] = SOURCE
    evidence["signals_used"] = [
        f"Cost Explorer GetCostAndUsage {spend.granularity} UnblendedCost, SERVICE = Amazon "
        "SageMaker, RECORD_TYPE = Usage, by INSTANCE_TYPE",
        "Cost Explorer GetSavingsPlansCoverage",
    ]
    evidence["signals_not_checked"] = NOT_CHECKED
    monthly_cost = usd(observed / hours * HOURS_PER_MONTH)
    if rates is None:  # neither rates setting: the rates AWS publishes
        from mlcost.pricing.savings_plan_rates import SOURCE as RATES_API
        from mlcost.pricing.savings_plan_rates import discounts

        evidence["signals_used"].append(f"{RATES_API} (SageMaker plan)")
        read = resource.savings_plans_rates
        if read is None:
            reason = f"{RATES_API} was not read"
        else:
            found = discounts(read, families, settings["term_years"], settings["payment"])
            rates, reason = found.rates, found.reason
            if found.by_family:
                evidence["discount_arithmetic"] = found.by_family
    if rates is None:
        return [
            _unpriced(
                resource,
                evidence,
                f"no SageMaker savings-plan rates: {reason}; mlcost ships none: set "
                "[checks.savings-plan] rates_file (the `mlcost plan savings-plan --rates` "
                "format, with its source and date) or rates_billing_db",
                families,
                floor,
                monthly_cost,
            )
        ]
    missing = [f for f in families if f not in rates.discounts and "*" not in rates.discounts]
    if missing:  # the optimiser would refuse: mlcost never guesses a family's discount
        reason = f"no discount for {', '.join(missing)} in the rates file ({rates.source})"
        return [_unpriced(resource, evidence, reason, families, floor, monthly_cost)]
    matrix = np.array([[float(v) for v in spend.by_family[f]] for f in families])
    result = sp.plan(matrix, families, rates)
    best = result.optimal
    if best.commitment <= 0 or best.net_savings <= 0:
        return []
    commitment = Decimal(str(best.commitment))  # $/h, floored to AWS's $0.001 steps
    net = Decimal(str(best.net_savings))
    monthly = usd(net / hours * HOURS_PER_MONTH)
    evidence.update(
        {
            "plan": "SageMaker Savings Plan",
            "term_years": rates.term_years,
            "payment": rates.payment,
            "rates_source": rates.source,
            "discounts": {k: str(v) for k, v in rates.discounts.items()},
            "commitment_usd_per_hour": str(commitment),
            "net_savings_usd_observed": str(usd(net)),
            "monthly_savings": f"{usd(net)} / {hours} h x {HOURS_PER_MONTH} h = {monthly}",
            "utilisation": round(best.utilisation, 4),
            "coverage": round(best.coverage, 4),
            "rule_of_thumb": sp.result_json(result, rates)["rule_of_thumb"],
            "term_net_savings_usd": str(
                usd(Decimal(str(result.term_savings(best, rates.term_years))))
            ),
        }
    )
    return [
        finding_for(
            "savings-plan",
            resource,
            title=f"Commit ${commitment}/h to a {rates.term_years}-year SageMaker Savings Plan: "
            f"steady on-demand spend has no coverage",
            evidence=evidence,
            cost=monthly_cost,
            saving=monthly,
            fix=Fix(
                "purchase-savings-plan",
                {
                    "savingsPlanType": "SageMaker",
                    "commitment": str(commitment),
                    "termInYears": rates.term_years,
                    "paymentOption": rates.payment,
                },
            ),
            risk=Risk.REVIEW,
            confidence=0.7 if spend.granularity == "HOURLY" else 0.5,
        )
    ]
