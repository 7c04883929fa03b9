"""Re-check a finding against live AWS just before its fix.

Why: between the scan and the fix, traffic may have arrived, someone may have resized the
endpoint, stopped the notebook or tagged it ``mlcost:skip=true``. The only judge of "still
waste" is the check itself, so the resource is read again and the finding's check re-run
over the scan's window extended up to now; the fix goes ahead only if the same finding, with
the same fix, comes out.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from mlcost.model import Ec2Instance, Endpoint, Finding, Inventory, NotebookInstance, Resource
from mlcost.report.json_report import finding_dict
from mlcost.scan import opted_out, run_checks
from mlcost.sources.aws import collect_inventory


def _collect(
    finding: Finding, lookback_days: int, session: boto3.Session, now: datetime
) -> Inventory:
    """Read only this resource, and only what its check needs (a Search or Describe by name,
    ListMetrics filtered on its dimension): a fix run of N findings costs N small reads, not
    N reads of the whole region."""
    return collect_inventory(
        regions=[finding.region],
        lookback_days=lookback_days,
        session=session,
        now=now,
        checks=[finding.check],
        targets=[finding.resource_id, *_related(finding)],
    )


def _related(finding: Finding) -> list[str]:
    """Resources of the same kind the finding was judged against (a job's previous runs),
    named in its evidence's ``related_resources``: the re-check reads them too."""
    related = finding.evidence.get("related_resources") or []
    return [str(r) for r in related if r != finding.resource_id]


def _lookback_days(window_start: datetime, now: datetime) -> int:
    """Whole days from the scan's window start up to now (never less than one)."""
    return max(1, math.ceil((now - window_start) / timedelta(days=1)))


def _state_reason(finding: Finding, resource: Resource) -> str | None:
    """A plain reason when the resource's state no longer fits the fix."""
    if isinstance(resource, Endpoint):
        if resource.status != "InService":
            return f"endpoint status is {resource.status}, not InService"
        before = {
            v.get("variant"): v.get("instance_type")
            for v in finding.evidence.get("variants", [])
            if isinstance(v, dict)
        }
        now_types = {v.name: v.instance_type for v in resource.variants}
        changed = [n for n, t in before.items() if n in now_types and t and now_types[n] != t]
        if changed:
            return "instance type changed since the scan: " + ", ".join(
                f"{n} {before[n]} -> {now_types[n]}" for n in changed
            )
    if isinstance(resource, NotebookInstance) and resource.status != "InService":
        return f"notebook status is {resource.status}, not InService"
    if isinstance(resource, Ec2Instance) and resource.state != "running":
        return f"instance state is {resource.state}, not running"
    return None


def recheck(
    finding: Finding,
    *,
    window_start: datetime,
    session: boto3.Session,
    now: datetime | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
) -> str | None:
    """``None`` when the finding still holds with the same fix; otherwise why not.

    ``settings`` are the per-check overrides the scan ran with (``mlcost.toml``): the check is
    re-run with the same thresholds, or a tuned-up threshold would refuse every fix."""
    now = now or datetime.now(UTC)
    inventory = _collect(finding, _lookback_days(window_start, now), session, now)
    resource = next(
        (
            r
            for r in inventory.resources
            if r.kind is finding.resource_kind and r.id == finding.resource_id
        ),
        None,
    )
    if resource is None:
        errors = [e for e in inventory.errors if e.region == finding.region]
        if errors:
            return f"could not re-read {finding.region}: {errors[0].operation}: {errors[0].message}"
        return (
            f"{finding.resource_kind} {finding.resource_id} is gone, or no longer in a status "
            f"{finding.check} reads (deleted or stopped since the scan)"
        )
    if opted_out(resource):
        return "tagged mlcost:skip=true since the scan"
    reason = _state_reason(finding, resource)
    if reason:
        return reason
    related = set(_related(finding))
    inventory.resources = [resource] + [
        r for r in inventory.resources if r.kind is finding.resource_kind and r.id in related
    ]
    own = (settings or {}).get(finding.check)
    result = run_checks(
        inventory, only=[finding.check], settings={finding.check: own} if own else None
    )
    again = next((f for f in result.findings if f.id == finding.id), None)
    if again is None:
        return (
            f"{finding.check} no longer holds over {inventory.start:%Y-%m-%d %H:%M} to "
            f"{inventory.end:%Y-%m-%d %H:%M} UTC (e.g. traffic or activity since the scan)"
        )
    if finding_dict(again)["fix"] != finding_dict(finding)["fix"]:
        return f"the check now proposes {again.fix.action} {again.fix.params}, not the scanned fix"
    return None
