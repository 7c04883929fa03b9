"""An account whose SageMaker spend no AWS Budget watches: the budget to create, sized from
its own history."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from mlcost.checks._support import finding_for
from mlcost.checks.registry import check
from mlcost.model import (
    Account,
    AccountBudget,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    MonthlySpend,
    ResourceKind,
    Risk,
    usd,
)

SAGEMAKER = "Amazon SageMaker"
SOURCE = (
    "AWS Well-Architected Machine Learning Lens, MLCOST-27 'Monitor usage and cost by ML "
    "activity' / Cost Optimization pillar COST02-BP05 'Implement cost controls' (AWS Budgets "
    "with alerts); AWS Budgets API CreateBudget / DescribeBudgets"
)
NOT_CHECKED = [
    "budgets a management (payer) account keeps for this member account: DescribeBudgets "
    "lists only this account's own",
    "whether a covering budget's alerts reach anyone (a budget without subscribers still "
    "counts as covering)",
    "Bedrock and EC2 GPU spend (this check judges SageMaker; `mlcost billing budget` proposes "
    "those from an ingested bill)",
]


def _expression_names_sagemaker(expr: dict[str, Any] | None) -> bool:
    """A FilterExpression that selects SageMaker spend: SERVICE = Amazon SageMaker in its
    Dimensions, or in an And / Or branch (a Not branch excludes it)."""
    if not expr:
        return False
    dims = expr.get("Dimensions") or {}
    if dims.get("Key") == "SERVICE" and SAGEMAKER in (dims.get("Values") or []):
        return True
    return any(_expression_names_sagemaker(e) for e in (expr.get("And") or [])) or any(
        _expression_names_sagemaker(e) for e in (expr.get("Or") or [])
    )


def covers_sagemaker(budget: AccountBudget) -> tuple[bool, str]:
    """Whether ``budget`` watches SageMaker spend, and why (or why not).

    Counts: a COST budget whose Service filter (CostFilters or FilterExpression) names
    Amazon SageMaker, or a COST budget with no filter at all (the whole account's spend,
    SageMaker included). Does not count: usage, RI and Savings Plans budgets (they watch
    quantities or utilisation, not spend), and cost budgets filtered to other services or to
    anything else without SageMaker (a region, a tag: they watch only part of it or none).
    """
    if budget.budget_type != "COST":
        return False, f"a {budget.budget_type or 'non-cost'} budget watches no spend"
    if SAGEMAKER in budget.cost_filters.get("Service", []):
        return True, "its Service filter names Amazon SageMaker"
    if _expression_names_sagemaker(budget.filter_expression):
        return True, "its filter expression selects SERVICE = Amazon SageMaker"
    if not budget.cost_filters and not budget.filter_expression:
        return True, "an unfiltered cost budget on the whole account (SageMaker included)"
    names = ", ".join(f"{k}={'/'.join(v)}" for k, v in sorted(budget.cost_filters.items()))
    return False, f"filtered to {names or 'a filter expression'} without Amazon SageMaker"


def month_basis(row: MonthlySpend) -> Decimal:
    """A month's spend; a month in progress at its daily run rate (its month-end forecast),
    as ``billing/budget.py`` sizes budgets from a bill."""
    if row.days >= row.days_in_month or row.days <= 0:
        return row.amount_usd
    return row.amount_usd / row.days * row.days_in_month


#: AWS Budgets: 1..11 subscribers per notification.
MAX_SUBSCRIBERS = 11


def alert_emails(values: list[Any]) -> list[str]:
    """``alert_emails`` checked before any AWS call: CreateBudget would refuse them later,
    in the middle of a fix run."""
    from mlcost.errors import UserError

    emails = [str(v).strip() for v in values]
    bad = [e for e in emails if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", e)]
    if bad or len(emails) > MAX_SUBSCRIBERS:
        raise UserError(
            "[checks.no-budget] alert_emails: "
            + (f"{bad[0]!r} is not an email address" if bad else f"{len(emails)} addresses"),
            f"give at most {MAX_SUBSCRIBERS} addresses (AWS Budgets' limit per alert), "
            'e.g. alert_emails = ["finops@example.com"]',
        )
    return emails


def _from_cost_explorer(resource: Account) -> tuple[Decimal, dict[str, Any]] | None:
    """The basis from Cost Explorer's months: the highest whole month (a month in progress,
    at its daily run rate, only for an account with none yet: a figure that moves daily
    would make the re-check before the fix propose another budget)."""
    if resource.monthly_spend is None:
        return None  # not read: no verdict
    months = [m for m in resource.monthly_spend if m.service == SAGEMAKER]
    if not months:
        return None
    whole = [m for m in months if m.days >= m.days_in_month]
    peak = max(whole or months, key=month_basis)
    history = {
        "sized_from": "Cost Explorer monthly SageMaker spend",
        "monthly_sagemaker_spend_usd": [
            {
                "month": m.month,
                "usd": str(usd(m.amount_usd)),
                "days": m.days,
                "days_in_month": m.days_in_month,
                "estimated": m.estimated,
            }
            for m in months
        ],
        "basis_month": peak.month,
    }
    if peak.days < peak.days_in_month:
        history["basis_run_rate"] = (
            f"{usd(peak.amount_usd)} over {peak.days} of {peak.days_in_month} days x "
            f"{peak.days_in_month} / {peak.days}"
        )
    return month_basis(peak), history


def _from_bill(db: str, headroom: Decimal) -> tuple[Decimal, dict[str, Any]] | None:
    """The basis ``mlcost billing budget`` proposes from an ingested bill (``billing_db``):
    its highest monthly SageMaker spend, a partial month at its daily run rate."""
    from pathlib import Path

    from mlcost.billing.budget import propose

    found = [p for p in propose(Path(db), headroom) if p.service == "SageMaker"]
    if not found:
        return None
    return found[0].basis_usd, {
        "sized_from": f"the ingested bill {db}: highest monthly SageMaker spend (a partial "
        "month at its daily run rate), billing/budget.py"
    }


@check(
    "no-budget",
    ResourceKind.ACCOUNT,
    needs=(MetricLabel.BUDGETS, MetricLabel.MONTHLY_ML_SPEND),
    headroom=0.10,
    alert_emails=[],
    min_monthly_spend_usd=100.0,
    billing_db="",
)
def no_budget(resource: Account, inventory: Inventory, settings: dict[str, Any]) -> list[Finding]:
    """An account that spends on SageMaker with no AWS Budget watching that spend.

    Rule: none of the account's budgets (Budgets DescribeBudgets) covers SageMaker - a COST
    budget whose Service filter (CostFilters or FilterExpression) names Amazon SageMaker, or
    an unfiltered COST budget on the whole account; usage, RI and Savings Plans budgets do
    not count, nor cost budgets filtered to other services - while Cost Explorer shows a
    month of SageMaker spend of at least ``min_monthly_spend_usd``. Budgets not read (denied,
    failed) give no verdict.

    Proposal (``billing/budget.py``'s BudgetProposal, the CreateBudget request): a monthly
    COST budget on Service = Amazon SageMaker of ceil(highest monthly spend x (1 +
    ``headroom``)) whole dollars over the whole months read (the last six; only for an account
    with none yet, the month in progress at its daily run rate), or, with ``billing_db`` (a
    database of ``mlcost billing ingest``), from that bill as ``mlcost billing budget`` sizes
    it - with alerts at
    80% of actual and 100% of forecast spend to ``alert_emails`` (none configured: the budget
    is created without alerts, and the evidence says so). Not priced: a guardrail catches
    future overspend, it ends no current spend.

    Fix: ``create-budget`` (dry-run unless ``--apply``; undo deletes that budget only).
    """
    from mlcost.billing.budget import BudgetProposal  # the bill's budget proposer, reused

    if resource.budgets is None:
        return []  # not read: no verdict from silence
    judged = [(b, *covers_sagemaker(b)) for b in resource.budgets]
    if any(covered for _, covered, _ in judged):
        return []
    headroom = Decimal(str(settings["headroom"]))
    db = str(settings["billing_db"]).strip()
    sized = _from_bill(db, headroom) if db else _from_cost_explorer(resource)
    if sized is None:
        return []
    basis, history = sized
    if basis < Decimal(str(settings["min_monthly_spend_usd"])):
        return []
    amount = max(math.ceil(basis * (1 + headroom)), 1)
    proposal = BudgetProposal(service="SageMaker", basis_usd=basis, amount_usd=amount)
    emails = alert_emails(settings["alert_emails"])
    request = proposal.request(resource.id, emails)
    if not emails:  # CreateBudget needs 1..11 subscribers per notification
        request.pop("NotificationsWithSubscribers")
    evidence: dict[str, Any] = {
        "budgets_read": len(resource.budgets),
        "budgets_not_covering": [{"name": b.name, "why": why} for b, _, why in judged],
        **history,
        "basis_usd": str(usd(basis)),
        "sizing": f"ceil({usd(basis)} x (1 + {headroom})) = {amount} USD a month",
        "proposed_budget": request,
        "alerts": (
            "ACTUAL > 80% and FORECASTED > 100%, by email to " + ", ".join(emails)
            if emails
            else "none: no alert_emails configured ([checks.no-budget] alert_emails in "
            "mlcost.toml); the budget is created without notifications"
        ),
        "unpriced": "not priced: a budget is a guardrail, it ends no current spend",
        "unpriced_instance_type": "SageMaker spend",
        "unpriced_usage": "guardrail",
        "source": SOURCE,
        "signals_used": [
            "Budgets DescribeBudgets",
            f"the ingested bill {db} (billing/budget.py)"
            if db
            else "Cost Explorer GetCostAndUsage MONTHLY UnblendedCost, SERVICE = Amazon SageMaker",
        ],
        "signals_not_checked": NOT_CHECKED,
    }
    return [
        finding_for(
            "no-budget",
            resource,
            title=f"No AWS Budget watches SageMaker spend (up to ${usd(basis):,} a month): "
            f"create a ${amount:,} monthly budget with alerts",
            evidence=evidence,
            cost=None,
            saving=None,
            fix=Fix("create-budget", request),
            risk=Risk.SAFE,
            confidence=0.9,
        )
    ]
