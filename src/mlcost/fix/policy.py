"""The IAM permissions `mlcost fix`, `undo` and `verify` need, derived from the actions.

Why derived: each fix action declares the AWS operations it may call (``Action.calls``,
beside its code, held to it by ``tests/fix``), so the policy is computed from the same data
and cannot drift from what the fixes do. A fix of a kind is possible only when a selected
check reads that kind, so the actions are those registered for the selected checks' kinds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mlcost.fix.actions import ACTIONS, Action
from mlcost.model import ResourceKind
from mlcost.sources.aws.policy import iam_action

#: IAM actions granted in a statement of their own, narrowed by a condition: PassRole on
#: ``*`` would let the caller hand any role to any service; here only to SageMaker.
PASS_ROLE = "iam:PassRole"
PASS_ROLE_CONDITION = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def fix_actions(
    kinds: frozenset[ResourceKind], checks: Iterable[str] | None = None
) -> list[Action]:
    """The registered fix actions of these resource kinds, by name; an action that names
    the checks emitting it (``Action.checks``) only when one of ``checks`` is selected
    (``None``: every check)."""
    selected = None if checks is None else set(checks)
    return sorted(
        (
            a
            for a in ACTIONS.values()
            if a.kind in kinds and (selected is None or a.checks is None or selected & a.checks)
        ),
        key=lambda a: a.name,
    )


def fix_iam_actions(actions: list[Action]) -> list[str]:
    """Every IAM action these fix actions may need (sorted, de-duplicated)."""
    calls = set().union(*(a.permissions() for a in actions)) if actions else set()
    return sorted({iam_action(service, op) for service, op in calls})


def fix_statements(actions: list[Action]) -> list[dict[str, Any]]:
    """The ``MlcostFix`` statement (and ``MlcostFixPassRole`` when an action passes a role)."""
    names = fix_iam_actions(actions)
    if not names:
        return []
    statements: list[dict[str, Any]] = []
    rest = [n for n in names if n != PASS_ROLE]
    if rest:
        statements.append({"Sid": "MlcostFix", "Effect": "Allow", "Action": rest, "Resource": "*"})
    if PASS_ROLE in names:
        statements.append(
            {
                "Sid": "MlcostFixPassRole",
                "Effect": "Allow",
                "Action": [PASS_ROLE],
                "Resource": "*",
                "Condition": PASS_ROLE_CONDITION,
            }
        )
    return statements
