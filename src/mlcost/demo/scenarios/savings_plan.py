"""savings-plan: the always-on SageMaker endpoints of no_budget.py (2 x ml.g5.xlarge and
3 x ml.m5.xlarge hosting, catalogue prices) bill on demand every hour of Cost Explorer's
hourly window, with an office-hours ml.g5.2xlarge on top, and no Savings Plan covers them
(coverage 0%): flagged on the account. The demo has no savings-plan rates (mlcost ships none),
so the commitment is unpriced and the evidence names the steady floor."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from mlcost.demo.scenarios._account import ACCOUNT_ID, account
from mlcost.demo.scenarios.no_budget import HOURLY_DAYS, SAGEMAKER
from mlcost.model import Usage
from mlcost.pricing.catalogue import price

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "savings-plan"
STEADY = (("ml.g5.xlarge", 2), ("ml.m5.xlarge", 3))
OFFICE = ("ml.g5.2xlarge", 1)  # weekdays 08:00-18:00 UTC


def plant(b: OrgBuilder) -> None:
    spec = account(b)
    end = b.now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=HOURLY_DAYS)
    on_demand = Decimal(0)
    hour = start
    while hour < end:
        fleets = list(STEADY)
        if hour.weekday() < 5 and 8 <= hour.hour < 18:
            fleets.append(OFFICE)
        for itype, count in fleets:
            amount = price(itype, "us-east-1", Usage.HOSTING).usd_per_hour * count
            on_demand += amount
            spec.extra["cost_lines"].append(
                {"hour": hour, "service": SAGEMAKER, "instance_type": itype, "amount": str(amount)}
            )
        hour += timedelta(hours=1)
    spec.extra["hourly"] = True  # the account opted in to hourly granularity
    spec.extra["coverage"] = {"covered": "0", "on_demand": str(on_demand)}
    b.mark(CHECK, ACCOUNT_ID)
