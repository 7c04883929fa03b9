"""SageMaker Savings Plans rates read from AWS turned into the billing optimiser's discounts.

Why a module: mlcost ships no Savings Plans rates (shared/data/prices/README.md section 3),
but AWS publishes them through Savings Plans DescribeSavingsPlansOfferingRates, which the
account kind reads (``Account.savings_plans_rates``). That API gives the plan's price per
hour only, never the on-demand price it discounts, so a discount is the plan rate against the
catalogue's on-demand price of the same instance type, region and SageMaker component (the
usage type's ``Host:`` / ``Train:`` / ``Notebk:`` ... part; a catalogue substitution is
labelled as everywhere else). The optimiser takes one discount per instance family, so a
family's discount is the LOWEST of its rates: the commitment is never priced on a rate better
than one of the family's usages gets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mlcost.billing.savings_plan import PlanType, Rates
from mlcost.instance_types import family, from_usage_type
from mlcost.model import OfferingRates, Usage
from mlcost.pricing import catalogue

SOURCE = "AWS Savings Plans DescribeSavingsPlansOfferingRates"
#: AWS's term lengths (``durationSeconds``): 1 year = 365 days, 3 years = 3 x 365 days.
SECONDS_PER_YEAR = 365 * 86400
#: The check's ``payment`` setting -> the API's ``paymentOption``.
PAYMENT_OPTION = {
    "no-upfront": "No Upfront",
    "partial-upfront": "Partial Upfront",
    "all-upfront": "All Upfront",
}
#: The SageMaker component of a usage type (``USE1-Host:ml.g5.xlarge``) -> the catalogue's
#: usage; other components (serverless, Studio apps, Canvas...) are not compared.
COMPONENTS = {
    "Host": Usage.HOSTING,
    "Train": Usage.TRAINING,
    "Notebk": Usage.NOTEBOOK,
    "Processing": Usage.PROCESSING,
    "Tsform": Usage.BATCH_TRANSFORM,
    "AsyncInf": Usage.ASYNC_INFERENCE,
}
_QUANTUM = Decimal("0.0001")


@dataclass(slots=True)
class Discounts:
    """The outcome: ``rates`` for the optimiser (None: unpriced, ``reason`` says why), and
    each family's arithmetic for the evidence."""

    rates: Rates | None
    reason: str = ""
    by_family: dict[str, str] = field(default_factory=dict)


def _component(usage_type: str) -> str:
    """``Host`` of ``USE1-Host:ml.g5.xlarge`` (the part between the region code and ':')."""
    head = usage_type.split(":", 1)[0]
    return head.split("-", 1)[1] if "-" in head else head


def discounts(read: OfferingRates, families: list[str], term_years: int, payment: str) -> Discounts:
    """One discount per family from the rates of a plan of ``term_years`` and ``payment``.

    Unpriced (``rates`` None) when the read failed, or a family has no rate that an on-demand
    catalogue price can be set against: never a guessed or neighbouring rate.
    """
    where = f"{SOURCE}, {read.region}, read {read.read_on}"
    if read.error:
        return Discounts(None, f"{SOURCE} failed ({read.error}): no rate to price the plan")
    option = PAYMENT_OPTION.get(payment, payment)
    seconds = term_years * SECONDS_PER_YEAR
    best: dict[str, tuple[Decimal, str]] = {}
    for r in read.rates:
        if (r.duration_seconds, r.payment_option, r.currency, r.unit) != (
            seconds,
            option,
            "USD",
            "Hrs",
        ):
            continue
        usage = COMPONENTS.get(_component(r.usage_type))
        itype = r.instance_type or from_usage_type(r.usage_type)
        fam = family(itype)
        if usage is None or fam not in families:
            continue
        try:
            quote = catalogue.price(itype, r.region or read.region, usage)
        except (catalogue.Unpriced, catalogue.UnknownInstanceType):
            continue
        if quote.usd_per_hour <= 0:
            continue
        discount = (1 - r.rate / quote.usd_per_hour).quantize(_QUANTUM)
        on_demand = f"{quote.usd_per_hour.normalize():f}"
        basis = "" if quote.basis == "list" else f", {quote.basis} from {quote.substituted_from}"
        text = (
            f"1 - {r.rate} / {on_demand} = {discount} ({r.usage_type} plan rate vs "
            f"on-demand {usage} {quote.region} ${on_demand}/h, {quote.source}, "
            f"{quote.date}{basis})"
        )
        if fam not in best or discount < best[fam][0]:
            best[fam] = (discount, text)
    plan = f"{term_years}-year {option} SageMaker Savings Plan"
    missing = [f for f in families if f not in best]
    if missing:
        return Discounts(
            None,
            f"{where}: no {plan} rate for {', '.join(missing)} with an on-demand catalogue "
            f"price to set it against ({len(read.rates)} rates read for "
            f"{', '.join(read.instance_types)})",
        )
    return Discounts(
        Rates(
            plan=PlanType.SAGEMAKER,
            term_years=term_years,
            payment=payment,
            discounts={f: d for f, (d, _) in sorted(best.items())},
            source=f"{where} (lowest discount of each family's rates vs the catalogue's "
            "on-demand price)",
        ),
        by_family={f: t for f, (_, t) in sorted(best.items())},
    )
