"""What a schedule saves a month: each member's off-hours times its catalogue price.

Why a week, scaled: a schedule repeats weekly; the off-hours of the week being planned
(measured in real hours, so a DST week counts its 167 or 169 hours) times 730/168 is the
project's month (730 h). Every figure names its price's source and date; a type the
catalogue cannot price gives no figure and a warning, never $0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from mlcost.model import HOURS_PER_MONTH, Usage, usd
from mlcost.pricing.catalogue import Unpriced, price
from mlcost.schedule.desired import WeekView
from mlcost.schedule.resources import Member

WEEKS_PER_MONTH = HOURS_PER_MONTH / Decimal(168)


@dataclass(slots=True)
class ScheduleSaving:
    """A schedule's monthly saving over its members, with one evidence line per figure."""

    schedule: str
    week_of: date
    stopped_hours_week: Decimal
    monthly_savings_usd: Decimal | None = None
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def schedule_saving(
    schedule: str, week: WeekView, week_of: date, members: list[Member]
) -> ScheduleSaving:
    """The monthly saving of ``members`` following ``schedule``, from ``week``'s off-hours."""
    out = ScheduleSaving(schedule, week_of, week.stopped_hours)
    total = Decimal(0)
    for member in members:
        for itype, count, usage in member.billed:
            try:
                quote = price(itype, member.region, Usage(usage))
            except Unpriced as exc:
                out.warnings.append(
                    f"{member.kind} {member.resource_id}: {itype} ({usage}) unpriced: {exc}"
                )
                continue
            monthly = quote.usd_per_hour * count * week.stopped_hours * WEEKS_PER_MONTH
            total += monthly
            out.lines.append(
                f"{member.kind} {member.resource_id}: {count} x {itype} at "
                f"${quote.usd_per_hour}/h ({quote.usage}, {quote.basis}; {quote.source}; "
                f"{quote.date}) x {week.stopped_hours:.2f} off-hours/week x 730/168 "
                f"= ${usd(monthly)}/month"
            )
    if out.lines:
        out.monthly_savings_usd = usd(total)
    return out
