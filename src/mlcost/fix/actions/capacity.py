"""Resize an under-used EC2 On-Demand Capacity Reservation to the instances it runs.

Why modify and never cancel: ModifyCapacityReservation can be undone by modifying the count
back (when the zone still has the capacity), while CancelCapacityReservation is final - the
reservation cannot be restored and the capacity may be gone. The check shows cancelling as
an alternative in the evidence; this action only lowers ``InstanceCount``, and refuses to go
below the instances running in the reservation now.
"""

from __future__ import annotations

from typing import Any

from mlcost.fix.actions.base import Action, Calls, PlanLines, Skip
from mlcost.fix.context import Clients, FixContext
from mlcost.model import Finding, ResourceKind


def _reservation(ctx: FixContext, rid: str) -> dict[str, Any]:
    found = ctx.read("ec2", "DescribeCapacityReservations", CapacityReservationIds=[rid]).get(
        "CapacityReservations", []
    )
    if not found:
        raise Skip(f"capacity reservation {rid} no longer exists")
    return found[0]


def _brief(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "CapacityReservationId": r["CapacityReservationId"],
        "State": r.get("State"),
        "TotalInstanceCount": r.get("TotalInstanceCount"),
        "AvailableInstanceCount": r.get("AvailableInstanceCount"),
    }


def _set_count(ctx: FixContext, step: str, rid: str, count: int) -> None:
    ctx.act(
        step,
        "ec2",
        "ModifyCapacityReservation",
        {"CapacityReservationId": rid, "InstanceCount": count},
        applied=lambda: _reservation(ctx, rid).get("TotalInstanceCount") == count,
    )


class ModifyCapacityReservation(Action):
    name = "modify-capacity-reservation"
    kind = ResourceKind.CAPACITY_RESERVATION
    calls: Calls = frozenset(
        {("ec2", "DescribeCapacityReservations"), ("ec2", "ModifyCapacityReservation")}
    )
    tag_service = "ec2"

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        return PlanLines(
            changes=[
                f"ModifyCapacityReservation {p['CapacityReservationId']} InstanceCount "
                f"{p['InstanceCount']} (not below the instances running in it now)",
            ],
            snapshot=["the reservation (state, total and available counts)"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        rid = finding.fix.params["CapacityReservationId"]
        target = int(finding.fix.params["InstanceCount"])
        snap = ctx.snapshot("reservation", lambda: {"reservation": _reservation(ctx, rid)})
        before = snap["reservation"]
        if before.get("State") != "active":
            raise Skip(f"{rid} is {before.get('State')}: only an active reservation is modified")
        in_use = int(before["TotalInstanceCount"]) - int(before.get("AvailableInstanceCount", 0))
        if target < max(in_use, 1):
            raise Skip(
                f"{rid} runs {in_use} instance(s) now: resizing it to {target} would push "
                "running instances out of the reservation"
            )
        if target >= int(before["TotalInstanceCount"]):
            raise Skip(f"{rid} already reserves {before['TotalInstanceCount']} or fewer")
        _set_count(ctx, "modify-capacity-reservation", rid, target)
        return {"before": _brief(before), "after": _brief(_reservation(ctx, rid))}

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        """Reserve the old count again. AWS answers InsufficientInstanceCapacity when the
        zone has no room left: the undo then fails with that reason."""
        before = snap["reservation"]
        rid = before["CapacityReservationId"]
        _set_count(ctx, "restore-capacity-reservation", rid, int(before["TotalInstanceCount"]))
        return {"reservation": _brief(_reservation(ctx, rid))}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        p = fix["params"]
        found = (
            clients("ec2", fix["region"])
            .describe_capacity_reservations(CapacityReservationIds=[p["CapacityReservationId"]])
            .get("CapacityReservations", [])
        )
        if found and found[0].get("State") == "active":
            total = int(found[0].get("TotalInstanceCount", 0))
            if total > int(p["InstanceCount"]):
                return f"reserves {total} instances again (fixed to {p['InstanceCount']})"
        return None

    def tag_target(self, finding: Finding) -> tuple[str, str]:
        return self.tag_service, finding.resource_id
