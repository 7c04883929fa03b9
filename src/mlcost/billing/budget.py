"""Propose monthly ML budgets from billing history and create them through AWS Budgets.

One budget per ML service seen on the bill (SageMaker, EC2 GPU instances, Bedrock), sized
from the highest monthly spend seen (a partial month counts at its daily run rate, i.e. its
month-end forecast) plus headroom, with the usual two alerts: actual spend past 80% and forecast spend past 100%.
Dry-run by default: the exact ``CreateBudget`` requests are shown, and nothing is created
until the caller asks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

#: Cost Explorer / Budgets ``Service`` dimension values for each ML service.
SERVICE_FILTER = {
    "SageMaker": "Amazon SageMaker",
    "EC2 GPU": "Amazon Elastic Compute Cloud - Compute",
    "Bedrock": "Amazon Bedrock",
}


@dataclass(frozen=True, slots=True)
class BudgetProposal:
    service: str
    basis_usd: Decimal  # highest monthly spend (or forecast) the proposal rests on
    amount_usd: int  # proposed monthly limit, whole dollars
    instance_types: tuple[str, ...] = ()  # for EC2 GPU: the types the filter names

    def request(self, account_id: str, emails: list[str], prefix: str = "mlcost") -> dict[str, Any]:
        """The Budgets ``CreateBudget`` request for this proposal."""
        filters: dict[str, list[str]] = {"Service": [SERVICE_FILTER[self.service]]}
        if self.instance_types:
            filters["InstanceType"] = list(self.instance_types)
        subscribers = [{"SubscriptionType": "EMAIL", "Address": e} for e in emails]
        return {
            "AccountId": account_id,
            "Budget": {
                "BudgetName": f"{prefix}-{self.service.lower().replace(' ', '-')}-monthly",
                "BudgetLimit": {"Amount": str(self.amount_usd), "Unit": "USD"},
                "CostFilters": filters,
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
            },
            "NotificationsWithSubscribers": [
                {
                    "Notification": {
                        "NotificationType": kind,
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": threshold,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": subscribers,
                }
                for kind, threshold in (("ACTUAL", 80.0), ("FORECASTED", 100.0))
            ],
        }


def propose(db: Path, headroom: Decimal = Decimal("0.10")) -> list[BudgetProposal]:
    """Budgets for each ML service on the bill: ceil(highest monthly spend x (1 + headroom))."""
    # imported here: the scan's no-budget check uses BudgetProposal without DuckDB
    from mlcost.billing import storage
    from mlcost.billing.queries import sql_text

    con = storage.open_for_reading(db)
    try:
        rows = con.execute(sql_text("budget_history")).fetchall()
        types = con.execute(
            "SELECT DISTINCT instance_type FROM line_items WHERE ml_service = 'EC2 GPU' "
            "AND instance_type <> '' ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    out = []
    for service, basis in rows:
        amount = math.ceil(Decimal(basis) * (1 + headroom))
        out.append(
            BudgetProposal(
                service=service,
                basis_usd=Decimal(basis),
                amount_usd=max(amount, 1),
                instance_types=tuple(t[0] for t in types) if service == "EC2 GPU" else (),
            )
        )
    return out


def create(client: Any, requests: list[dict[str, Any]]) -> list[str]:
    """Create the budgets (``client`` is a boto3 ``budgets`` client); returns their names."""
    names = []
    for req in requests:
        client.create_budget(**req)
        names.append(req["Budget"]["BudgetName"])
    return names
