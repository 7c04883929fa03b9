"""Create the AWS Budget ``no-budget`` proposes; undo deletes that budget, and only it.

A budget changes no resource and no spend: it watches SageMaker spend and alerts. Undo
deletes the budget by the name this fix created, and only when the fix's snapshot shows no
budget of that name existed before (a budget someone else made is never deleted). An
account carries no tag of ours, so this fix cannot be deferred (``--after``).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from mlcost.errors import UserError
from mlcost.fix.actions.base import Action, Calls, PlanLines, Skip
from mlcost.fix.context import Clients, FixContext
from mlcost.model import Finding, ResourceKind


def _not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "NotFoundException"


def _budget(ctx: FixContext, account: str, name: str) -> dict[str, Any] | None:
    try:
        return ctx.read("budgets", "DescribeBudget", AccountId=account, BudgetName=name)["Budget"]
    except ClientError as exc:
        if _not_found(exc):
            return None
        raise


class CreateBudget(Action):
    name = "create-budget"
    kind = ResourceKind.ACCOUNT
    calls = frozenset(
        {
            ("budgets", "DescribeBudget"),
            ("budgets", "CreateBudget"),
            ("budgets", "DeleteBudget"),
        }
    )
    tag_service = "budgets"
    checks = frozenset({"no-budget"})

    @classmethod
    def permissions(cls) -> Calls:
        return cls.calls  # never deferred: no planned-fix tag calls

    def tag_target(self, finding: Finding) -> tuple[str, str]:
        raise UserError(
            "a create-budget fix cannot be deferred: an account carries no mlcost tag",
            "run it without --after",
        )

    def plan(self, finding: Finding) -> PlanLines:
        budget = finding.fix.params["Budget"]
        alerts = finding.fix.params.get("NotificationsWithSubscribers") or []
        limit = budget["BudgetLimit"]
        return PlanLines(
            changes=[
                f"CreateBudget {budget['BudgetName']}: {budget['TimeUnit'].lower()} "
                f"{budget['BudgetType']} budget, limit {limit['Amount']} {limit['Unit']}, "
                f"filter {budget.get('CostFilters') or 'none'}, "
                + (f"{len(alerts)} alerts" if alerts else "no alerts (no alert_emails configured)")
            ],
            snapshot=[f"whether a budget named {budget['BudgetName']} already exists"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        params = finding.fix.params
        account, name = params["AccountId"], params["Budget"]["BudgetName"]
        snap = ctx.snapshot(
            "budget",
            lambda: {
                "AccountId": account,
                "BudgetName": name,
                "existed": _budget(ctx, account, name) is not None,
            },
        )
        if snap["existed"]:
            raise Skip(f"a budget named {name} already exists; nothing created")
        ctx.act(
            "create",
            "budgets",
            "CreateBudget",
            params,
            applied=lambda: _budget(ctx, account, name) is not None,
        )
        after = _budget(ctx, account, name) or {}
        return {
            "before": {"budget": name, "exists": False},
            "after": {
                "budget": name,
                "exists": bool(after),
                "limit": (after.get("BudgetLimit") or {}).get("Amount"),
            },
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        account, name = snap["AccountId"], snap["BudgetName"]
        if snap.get("existed"):  # never ours: applying skipped, so there is nothing to undo
            return {"budget": name, "deleted": False}
        if _budget(ctx, account, name) is not None:
            ctx.act(
                "delete",
                "budgets",
                "DeleteBudget",
                {"AccountId": account, "BudgetName": name},
                applied=lambda: _budget(ctx, account, name) is None,
            )
        return {"budget": name, "deleted": True}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        params = fix["params"]
        name = params["Budget"]["BudgetName"]
        try:
            clients("budgets", fix["region"]).describe_budget(
                AccountId=params["AccountId"], BudgetName=name
            )
        except ClientError as exc:
            if _not_found(exc):
                return f"budget {name} no longer exists"
            raise
        return None
