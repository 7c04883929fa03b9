"""EC2 On-Demand Capacity Reservations, which moto 5.2.5 does not emulate at all.

Why here: the ``underused-capacity-reservation`` check and its fix read and change ODCRs
with the real API (CreateCapacityReservation, DescribeCapacityReservations with its state
filter and pages, ModifyCapacityReservation, CancelCapacityReservation); the demo and the
tests need them to answer as AWS does. Responses are moto ``ActionResult`` objects, so
moto serialises them from botocore's EC2 model (the real XML shape).

State rules kept from AWS: a reservation starts ``active``; only an active one can be
modified or cancelled (``InvalidCapacityReservationId.NotFound`` for an unknown id,
``IncorrectState`` otherwise); InstanceCount is at least 1; a cancelled reservation stays
listed with State ``cancelled`` and cannot come back.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses import EC2Response

#: DescribeCapacityReservations MaxResults: 1..1000 (AWS's maximum page).
MAX_RESULTS = 1000

_applied = False


class CapacityReservationNotFound(EC2ClientError):
    def __init__(self, rid: str) -> None:
        super().__init__(
            "InvalidCapacityReservationId.NotFound",
            f"The capacity reservation ID '{rid}' does not exist",
        )


class IncorrectState(EC2ClientError):
    def __init__(self, rid: str, state: str) -> None:
        super().__init__("IncorrectState", f"Capacity reservation '{rid}' is in state '{state}'")


class InvalidParameterValue(EC2ClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValue", message)


def _store(backend: Any) -> dict[str, dict[str, Any]]:
    """The region's reservations, kept on moto's EC2 backend (so moto's reset clears them)."""
    if not hasattr(backend, "_mlcost_capacity_reservations"):
        backend._mlcost_capacity_reservations = {}
    return backend._mlcost_capacity_reservations


def _backend(region: str, account: str | None = None) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    return ec2_backends[account or DEFAULT_ACCOUNT_ID][region]


def _public(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    out["AvailableInstanceCount"] = max(record["TotalInstanceCount"] - record["_used"], 0)
    return out


def _get(self: EC2Response, rid: str) -> dict[str, Any]:
    record = _store(self.ec2_backend).get(rid)
    if record is None:
        raise CapacityReservationNotFound(rid)
    return record


def create_capacity_reservation(self: EC2Response) -> ActionResult:
    count = self._get_int_param("InstanceCount")
    if count is None or count < 1:
        raise InvalidParameterValue("InstanceCount must be at least 1")
    rid = "cr-" + "".join(random.choices("0123456789abcdef", k=17))
    now = datetime.now(UTC)
    tags = self._parse_tag_specification().get("capacity-reservation", {})
    record = {
        "CapacityReservationId": rid,
        "OwnerId": self.current_account,
        "CapacityReservationArn": f"arn:aws:ec2:{self.region}:{self.current_account}:"
        f"capacity-reservation/{rid}",
        "InstanceType": self._get_param("InstanceType"),
        "InstancePlatform": self._get_param("InstancePlatform"),
        "AvailabilityZone": self._get_param("AvailabilityZone"),
        "Tenancy": self._get_param("Tenancy") or "default",
        "TotalInstanceCount": count,
        "EbsOptimized": bool(self._get_bool_param("EbsOptimized", False)),
        "EphemeralStorage": False,
        "State": "active",
        "StartDate": now,
        "EndDateType": self._get_param("EndDateType") or "unlimited",
        "InstanceMatchCriteria": self._get_param("InstanceMatchCriteria") or "open",
        "CreateDate": now,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        "ReservationType": "default",
        "_used": 0,
    }
    end = self._get_param("EndDate")
    if end:
        record["EndDate"] = end
    _store(self.ec2_backend)[rid] = record
    return ActionResult({"CapacityReservation": _public(record)})


def describe_capacity_reservations(self: EC2Response) -> ActionResult:
    ids = self._get_param("CapacityReservationIds", [])
    filters = self._filters_from_querystring()
    max_results = self._get_int_param("MaxResults") or MAX_RESULTS
    if not 1 <= max_results <= MAX_RESULTS:
        raise InvalidParameterValue(f"MaxResults must be between 1 and {MAX_RESULTS}")
    store = _store(self.ec2_backend)
    records = [_get(self, rid) for rid in ids] if ids else [store[k] for k in sorted(store)]
    for name, values in filters.items():
        field = {"state": "State", "instance-type": "InstanceType"}.get(name)
        if field:
            records = [r for r in records if r[field] in values]
    start = int(self._get_param("NextToken") or 0)
    page = records[start : start + max_results]
    result: dict[str, Any] = {"CapacityReservations": [_public(r) for r in page]}
    if start + max_results < len(records):
        result["NextToken"] = str(start + max_results)
    return ActionResult(result)


def modify_capacity_reservation(self: EC2Response) -> ActionResult:
    rid = self._get_param("CapacityReservationId")
    record = _get(self, rid)
    if record["State"] != "active":
        raise IncorrectState(rid, record["State"])
    count = self._get_int_param("InstanceCount")
    if count is not None:
        if count < 1:
            raise InvalidParameterValue("InstanceCount must be at least 1")
        record["TotalInstanceCount"] = count
    if self._get_param("EndDateType"):
        record["EndDateType"] = self._get_param("EndDateType")
    return ActionResult({"Return": True})


def cancel_capacity_reservation(self: EC2Response) -> ActionResult:
    rid = self._get_param("CapacityReservationId")
    record = _get(self, rid)
    if record["State"] != "active":
        raise IncorrectState(rid, record["State"])
    record["State"] = "cancelled"
    return ActionResult({"Return": True})


def set_capacity_reservation(
    region: str,
    rid: str,
    *,
    new_id: str | None = None,
    start: datetime | None = None,
    used: int | None = None,
    account: str | None = None,
) -> str:
    """Give a reservation its history: a chosen id, its start in the past, the instances
    running in it now (moto creates everything "now" and runs nothing in it)."""
    store = _store(_backend(region, account))
    record = store.pop(rid)
    if new_id:
        record["CapacityReservationId"] = new_id
        record["CapacityReservationArn"] = record["CapacityReservationArn"].rsplit("/", 1)[0] + (
            f"/{new_id}"
        )
    if start is not None:
        record["StartDate"] = record["CreateDate"] = start
    if used is not None:
        record["_used"] = used
    store[record["CapacityReservationId"]] = record
    return record["CapacityReservationId"]


def apply() -> None:
    """Add the calls to moto's EC2 responses (idempotent)."""
    global _applied
    if _applied:
        return
    for fn in (
        create_capacity_reservation,
        describe_capacity_reservations,
        modify_capacity_reservation,
        cancel_capacity_reservation,
    ):
        setattr(EC2Response, fn.__name__, fn)
    _applied = True
