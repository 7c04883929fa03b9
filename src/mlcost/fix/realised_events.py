"""The journal's applied fixes as the realised-savings report reads them (`history --realised`).

WHY a module of its own: the bill is joined on times and resource ids, and the journal holds
both, spread over rows: when the fix's first change reached AWS (its first mutating call),
when it was done (the fix row), whether an undo brought the resource back, and what a resize
moved to. Reading them here keeps `billing/realised.py` free of the journal's layout.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mlcost.billing.realised import FixEvent
from mlcost.journal import Journal

#: Mutating calls that change no cost: a deferred fix (`--after 3d`) tags its resource days
#: before it acts, and removes the tag afterwards.
_TAG_OPERATIONS = frozenset(
    {"AddTags", "CreateTags", "DeleteTags", "RemoveTags", "TagResource", "UntagResource"}
)


def fix_events(journal: Journal) -> list[FixEvent]:
    """Every done fix, in the order it was done; undone ones carry the undo's time."""
    first_change: dict[str, datetime] = {}
    for call in journal.calls():
        if (
            call["mutating"]
            and call["state"] in ("ok", "reconciled")
            and call["operation"] not in _TAG_OPERATIONS
        ):
            started = call["started_at"]
            known = first_change.get(call["fix_id"])
            if known is None or started < known:
                first_change[call["fix_id"]] = started
    undone: dict[str, datetime] = {}
    for undo in journal.fixes(kind="undo", states=["done"]):
        undone[undo["undoes"]] = first_change.get(undo["fix_id"], undo["created_at"])
    events = [
        FixEvent(
            fix_id=fix["fix_id"],
            check_id=fix["check_id"],
            action=fix["action"],
            resource_id=fix["resource_id"],
            resource_arn=fix["resource_arn"],
            region=fix["region"],
            estimated_monthly=_decimal(fix["monthly_savings_usd"]),
            started_at=first_change.get(fix["fix_id"], fix["created_at"]),
            settled_at=fix["updated_at"],
            undone_at=undone.get(fix["fix_id"]),
            new_instance_types=_new_types(fix["params"]),
        )
        for fix in journal.fixes(kind="fix", states=["done"])
    ]
    return sorted(events, key=lambda e: (e.settled_at, e.fix_id))


def _decimal(text: str | None) -> Decimal | None:
    try:
        return None if text in (None, "") else Decimal(text)
    except InvalidOperation:
        return None


def _new_types(params: Any) -> tuple[str, ...]:
    """The instance types a resize (`update-endpoint`'s ProductionVariants) moved to."""
    variants = params.get("ProductionVariants") if isinstance(params, dict) else None
    return tuple(sorted({v["InstanceType"] for v in variants or [] if v.get("InstanceType")}))
