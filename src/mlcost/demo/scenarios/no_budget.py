"""no-budget: six months of SageMaker spend (always-on endpoints priced from the catalogue)
and no budget watching it (flagged on the account). Look-alike budgets that must not count:
a cost budget on EC2 only, and a usage budget on SageMaker instance-hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from mlcost.demo.scenarios._account import ACCOUNT_ID, account
from mlcost.model import Usage
from mlcost.pricing.catalogue import price

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "no-budget"
SAGEMAKER = "Amazon SageMaker"
HISTORY_MONTHS = 6
#: Hosting fleets billed every hour of the history: (instance type, count by month, oldest
#: first) - the team grew from one g5 endpoint to two.
FLEETS = (("ml.g5.xlarge", (1, 1, 1, 2, 2, 2)), ("ml.m5.xlarge", (3, 3, 3, 3, 3, 3)))
#: The last days are Cost Explorer's hourly window, planted by savings_plan.py.
HOURLY_DAYS = 14


def _month_start(day: datetime, back: int) -> datetime:
    index = day.year * 12 + day.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def plant(b: OrgBuilder) -> None:
    spec = account(b)
    spec.extra["budgets"] += [
        {
            "BudgetName": "platform-ec2-monthly",
            "BudgetLimit": {"Amount": "4000", "Unit": "USD"},
            "CostFilters": {"Service": ["Amazon Elastic Compute Cloud - Compute"]},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        {
            "BudgetName": "sagemaker-instance-hours",
            "BudgetLimit": {"Amount": "5000", "Unit": "Hrs"},
            "CostFilters": {"Service": [SAGEMAKER]},
            "TimeUnit": "MONTHLY",
            "BudgetType": "USAGE",
        },
    ]
    # one line a day per fleet (catalogue hosting price x count x 24 h) from six months back
    # up to Cost Explorer's hourly window, which savings_plan.py plants hour by hour
    first = _month_start(b.now, HISTORY_MONTHS)
    hourly_from = b.now.replace(minute=0, second=0, microsecond=0) - timedelta(days=HOURLY_DAYS)
    day = first
    while day < hourly_from.replace(hour=0):
        back = (b.now.year * 12 + b.now.month) - (day.year * 12 + day.month)
        index = max(0, HISTORY_MONTHS - back)
        for itype, counts in FLEETS:
            hourly = price(itype, "us-east-1", Usage.HOSTING).usd_per_hour
            count = counts[min(index, len(counts) - 1)]
            spec.extra["cost_lines"].append(
                {
                    "hour": day,
                    "service": SAGEMAKER,
                    "instance_type": itype,
                    "amount": str(hourly * count * 24),
                }
            )
        day += timedelta(days=1)
    while day < hourly_from:  # the hours before the hourly window on its first day
        for itype, counts in FLEETS:
            hourly = price(itype, "us-east-1", Usage.HOSTING).usd_per_hour
            spec.extra["cost_lines"].append(
                {
                    "hour": day,
                    "service": SAGEMAKER,
                    "instance_type": itype,
                    "amount": str(hourly * counts[-1]),
                }
            )
        day += timedelta(hours=1)
    b.mark(CHECK, ACCOUNT_ID)
