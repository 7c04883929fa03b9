"""Cost per 1,000 inferences and per 1M output tokens from a measured throughput.

FMBench's formula, per second: price per inference = hourly price x instances / 3600 /
(successful requests per second); per 1,000 inferences that times 1,000. Per 1M output tokens
the same with output tokens per second. The hourly price is the catalogue's
(:func:`mlcost.pricing.price`), with its source and date kept beside every figure; a type the
catalogue cannot price gives no figure and a warning, never $0.

Which price: ``ml.``-prefixed types are SageMaker real-time hosting (``Usage.HOSTING``); a bare
type (``g5.xlarge``) is an EC2 on-demand instance running the server itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mlcost.bench.metrics import LevelSummary
from mlcost.model import Usage
from mlcost.pricing import catalogue

SECONDS_PER_HOUR = Decimal(3600)
_CENTI_MILLI = Decimal("0.000001")  # figures kept to a millionth of a dollar


@dataclass(frozen=True, slots=True)
class LevelCost:
    """One instance type priced at one load level's measured throughput."""

    instance_type: str
    instances: int
    load: float
    req_per_s: Decimal
    output_tokens_per_s: Decimal | None
    price: dict[str, object] | None  # the quote's evidence: usd_per_hour, source, date, basis
    usd_per_1000: Decimal | None
    usd_per_1m_tokens: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance_type": self.instance_type,
            "instances": self.instances,
            "load": self.load,
            "req_per_s": str(self.req_per_s),
            "output_tokens_per_s": None
            if self.output_tokens_per_s is None
            else str(self.output_tokens_per_s),
            "price": self.price,
            "usd_per_1000": None if self.usd_per_1000 is None else str(self.usd_per_1000),
            "usd_per_1m_tokens": None
            if self.usd_per_1m_tokens is None
            else str(self.usd_per_1m_tokens),
        }


def usage_for(instance_type: str) -> Usage:
    return Usage.HOSTING if instance_type.startswith("ml.") else Usage.EC2


def per_unit(usd_per_hour: Decimal, instances: int, units_per_s: Decimal, per: int) -> Decimal:
    """Dollars for ``per`` units (inferences or tokens) at ``units_per_s`` on ``instances``
    instances of ``usd_per_hour``: usd_per_hour x instances / 3600 / units_per_s x per."""
    return (usd_per_hour * instances / SECONDS_PER_HOUR / units_per_s * per).quantize(
        _CENTI_MILLI, rounding=ROUND_HALF_UP
    )


def _rate(value: float | None) -> Decimal | None:
    """A measured rate as Decimal, to a thousandth (what the report shows and the cost uses)."""
    if value is None or value <= 0:
        return None
    return Decimal(repr(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def level_costs(
    levels: list[LevelSummary], instance_types: list[str], instances: int, region: str
) -> tuple[list[LevelCost], list[str]]:
    """Every (type, level) priced, and the warnings (unpriced types, levels with no
    successful request)."""
    rows: list[LevelCost] = []
    warnings: list[str] = []
    for itype in instance_types:
        try:
            quote = catalogue.price(itype, region, usage_for(itype))
        except (catalogue.Unpriced, catalogue.UnknownInstanceType) as err:
            quote = None
            warnings.append(f"{itype} in {region} is not priced ({err}): no cost figures for it")
        for level in levels:
            rps = _rate(level.req_per_s)
            tps = _rate(level.output_tokens_per_s)
            if rps is None and quote is not None:
                warnings.append(
                    f"load {level.load:g}: no successful request, so no cost per 1,000 for {itype}"
                )
            rows.append(
                LevelCost(
                    instance_type=itype,
                    instances=instances,
                    load=level.load,
                    req_per_s=rps or Decimal(0),
                    output_tokens_per_s=tps,
                    price=None if quote is None else quote.evidence(),
                    usd_per_1000=None
                    if quote is None or rps is None
                    else per_unit(quote.usd_per_hour, instances, rps, 1000),
                    usd_per_1m_tokens=None
                    if quote is None or tps is None
                    else per_unit(quote.usd_per_hour, instances, tps, 1_000_000),
                )
            )
    return rows, warnings
