"""CloudTrail ``LookupEvents``, which moto 5.2.5 lacks, over events the demo and tests
record with :func:`record_event` (AWS records them as calls happen; moto records none).

AWS's rules kept: LookupAttributes takes one attribute (here EventName, EventSource,
ResourceName or ResourceType), MaxResults is at most 50, events come newest first, and
``StartTime`` / ``EndTime`` bound ``EventTime``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from moto.cloudtrail.models import cloudtrail_backends
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.responses import ActionResult

_ATTR = "_mlcost_events"
MAX_RESULTS = 50


def _events(account_id: str, region: str) -> list[dict[str, Any]]:
    backend = cloudtrail_backends[account_id][region]
    return backend.__dict__.setdefault(_ATTR, [])


def record_event(
    account_id: str,
    region: str,
    *,
    event_name: str,
    event_source: str,
    when: datetime,
    request_parameters: dict[str, Any],
    resources: list[dict[str, str]] | None = None,
    username: str = "demo-user",
) -> None:
    """Add one management event as CloudTrail would have recorded it."""
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    event_id = str(uuid.uuid4())
    detail = {
        "eventVersion": "1.09",
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": region,
        "requestParameters": request_parameters,
        "eventID": event_id,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
    }
    _events(account_id, region).append(
        {
            "EventId": event_id,
            "EventName": event_name,
            "ReadOnly": "false",
            "EventTime": when,
            "EventSource": event_source,
            "Username": username,
            "Resources": resources or [],
            "CloudTrailEvent": json.dumps(detail),
        }
    )


def _aware(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _matches(event: dict[str, Any], attribute: dict[str, str]) -> bool:
    key, value = attribute.get("AttributeKey"), attribute.get("AttributeValue")
    if key in ("EventName", "EventSource", "EventId", "Username"):
        return event.get(key) == value
    if key in ("ResourceName", "ResourceType"):
        return any(r.get(key) == value for r in event["Resources"])
    return False


def _lookup_events(self: CloudTrailResponse) -> ActionResult:
    from moto.cloudtrail.exceptions import InvalidParameterCombinationException

    params = json.loads(self.body or "{}")
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise InvalidParameterCombinationException("LookupAttributes takes one attribute")
    size = int(params.get("MaxResults") or MAX_RESULTS)
    if not 1 <= size <= MAX_RESULTS:
        raise InvalidParameterCombinationException(f"MaxResults must be 1..{MAX_RESULTS}")
    start, end = _aware(params.get("StartTime")), _aware(params.get("EndTime"))
    events = [
        e
        for e in _events(self.current_account, self.region)
        if all(_matches(e, a) for a in attributes)
        and (start is None or e["EventTime"] >= start)
        and (end is None or e["EventTime"] <= end)
    ]
    events.sort(key=lambda e: e["EventTime"], reverse=True)
    offset = int(params.get("NextToken") or 0)
    page = events[offset : offset + size]
    body: dict[str, Any] = {"Events": page}
    if offset + size < len(events):
        body["NextToken"] = str(offset + size)
    return ActionResult(body)


_APPLIED: list[bool] = []


def apply() -> None:
    """Install LookupEvents on moto's CloudTrail responses (idempotent)."""
    if _APPLIED:
        return
    CloudTrailResponse.lookup_events = _lookup_events
    _APPLIED.append(True)
