"""The demo account itself, for the account-level checks (no-budget, savings-plan): one
``account`` resource spec whose ``extra`` the scenarios fill - its budgets, and the cost
lines and Savings Plans coverage Cost Explorer reports (``demo/ce_ext.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlcost.demo.org import ResourceSpec

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

#: moto's default account, the one the demo is scanned as.
ACCOUNT_ID = "123456789012"


def account(b: OrgBuilder) -> ResourceSpec:
    """The account's spec, added by the first scenario that asks for it."""
    for spec in b.resources:
        if spec.kind == "account":
            return spec
    spec = ResourceSpec(
        "account",
        "us-east-1",
        ACCOUNT_ID,
        "",
        b.ago(400),
        extra={"budgets": [], "cost_lines": [], "coverage": None, "hourly": False},
    )
    b.resources.append(spec)
    return spec
