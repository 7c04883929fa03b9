"""idle-studio-app: a SageMaker Studio app (JupyterLab, Code Editor, KernelGateway) left
InService with nobody using it.

A Studio app bills its instance for every hour it is InService. Deleting the app stops the
bill; the space and its EBS volume (the user's files) stay, and opening the space again
starts a new app. What can really be observed about an app's use:

* the mlcost agent's ``MLCost/Agent`` ``Busy`` / ``IdleSeconds`` with ``DomainId`` +
  ``SpaceName`` (kernels, terminals, GPU inside the space): the one reliable signal;
* DescribeApp's ``LastUserActivityTimestamp``: AWS documents that it "is also updated when
  SageMaker AI performs health checks without user activity", and is then equal to
  ``LastHealthCheckTimestamp``: it says something only when it is older than the last
  health check (it was not refreshed by it).

AWS publishes no per-app CloudWatch metric (no CPU, no kernel activity), so without one of
the two signals above nothing here calls an app idle.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    finding_for,
    hour_slots,
    merged_hourly_maxima,
    money,
    quote,
    unpriced_evidence,
    window_evidence,
)
from mlcost.checks.registry import check
from mlcost.model import (
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    ResourceKind,
    Risk,
    StudioApp,
    Usage,
)

#: What no scan can read about a Studio app, whatever the signals.
NOT_OBSERVABLE = "CPU, memory or kernel activity from AWS: SageMaker publishes no per-app metric"
#: How far LastUserActivityTimestamp must lag the last health check to be a real activity
#: time rather than the health check's own refresh.
HEALTH_CHECK_SLACK = timedelta(minutes=1)


def _agent_verdict(
    inventory: Inventory, app: StudioApp, start: datetime, end: datetime, settings: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """``("idle" | "busy" | "none" | "unreadable", evidence)`` from the agent's series.

    Idle as ``idle-notebook`` judges it: every Busy datapoint 0 over the window with
    ``min_coverage``, the newest no older than ``max_staleness_hours``, and the agent's own
    IdleSeconds reaching back to the window's start."""
    busy = inventory.series(app, MetricLabel.AGENT_BUSY)
    idle_s = inventory.series(app, MetricLabel.AGENT_IDLE_SECONDS)
    if not busy and not idle_s:
        return "none", {}
    if not all(s.readable for s in busy + idle_s):
        return "unreadable", {}
    hourly = merged_hourly_maxima(busy, start, end)
    if not hourly:
        return "none", {}
    if any(v > 0 for v in hourly.values()):
        return "busy", {}
    if len(hourly) < float(settings["min_coverage"]) * hour_slots(start, end):
        return "none", {}
    newest = max(t for s in busy for t in s.timestamps)
    if end - newest > timedelta(hours=float(settings["max_staleness_hours"])):
        return "none", {}
    points = [(t, v) for s in idle_s for t, v in zip(s.timestamps, s.values, strict=True)]
    if not points:
        return "none", {}
    hour, seconds = max(points)
    idle_since = hour + timedelta(hours=1) - timedelta(seconds=seconds)
    if idle_since > start:
        return "busy", {}
    return "idle", {
        "agent_busy_max": 0,
        "hours_with_data": len(hourly),
        "newest_datapoint": newest.isoformat(),
        "agent_idle_since": idle_since.isoformat(),
    }


def _activity_timestamp(app: StudioApp) -> tuple[datetime | None, str]:
    """LastUserActivityTimestamp when it is a real activity time, else None and why not."""
    if app.last_user_activity is None:
        return None, "LastUserActivityTimestamp: not reported by DescribeApp"
    if app.last_health_check is None:
        return None, "LastUserActivityTimestamp: no LastHealthCheckTimestamp to tell it apart"
    if app.last_user_activity >= app.last_health_check - HEALTH_CHECK_SLACK:
        return None, (
            "LastUserActivityTimestamp: equal to LastHealthCheckTimestamp, refreshed by "
            "SageMaker's health checks (DescribeApp docs), so it says nothing about use"
        )
    return app.last_user_activity, ""


@check(
    "idle-studio-app",
    ResourceKind.STUDIO_APP,
    needs=(MetricLabel.AGENT_BUSY, MetricLabel.AGENT_IDLE_SECONDS),
    statuses=("InService",),
    idle_hours=72,
    min_coverage=0.9,
    max_staleness_hours=2,
    app_types=["JupyterLab", "CodeEditor", "KernelGateway"],
)
def idle_studio_app(
    resource: StudioApp, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An InService Studio app of ``app_types`` with no use for ``idle_hours``.

    Rule: the app runs on a billed instance (not ``system``), and either (a) the mlcost
    agent in its space saw it idle for the last ``idle_hours`` (every ``AgentBusy`` 0, with
    ``min_coverage`` of the hours, no older than ``max_staleness_hours``, and
    ``AgentIdleSeconds`` reaching back to the window's start; confidence 0.9), or (b) without
    agent data, DescribeApp's ``LastUserActivityTimestamp`` is older than ``idle_hours`` and
    older than the last health check (otherwise it is the health check's refresh, not use;
    confidence 0.6). Agent data that shows activity, or that could not be read, is never
    overruled by the timestamp. ``idle_hours`` defaults to 72, longer than a weekend, as for
    ``idle-notebook``: an app used on weekdays is not "forgotten".

    Saving: the app's whole monthly cost, Studio-Notebook price of its instance type x 730 h
    (the catalogue's SageMaker Studio price, AWS pricing-page feed). Fix: DeleteApp; the
    space and its EBS volume stay (undo creates the app again with the same spec).
    Source: AWS's Studio guidance to shut down idle apps
    (docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-idle-shutdown.html).
    """
    if resource.status != "InService" or resource.app_type not in settings["app_types"]:
        return []
    if not resource.instance_type or resource.instance_type == "system":
        return []
    end = inventory.end
    start = end - timedelta(hours=float(settings["idle_hours"]))
    if resource.created is not None and resource.created > start:
        return []
    verdict, agent_evidence = _agent_verdict(inventory, resource, start, end, settings)
    if verdict in ("busy", "unreadable"):
        return []
    activity, activity_reason = _activity_timestamp(resource)
    not_checked = [NOT_OBSERVABLE]
    if verdict == "idle":
        basis = "mlcost agent (MLCost/Agent Busy and IdleSeconds in the space)"
        confidence = 0.9
        if activity_reason:
            not_checked.append(activity_reason)
    elif activity is not None and activity <= start:
        basis = "DescribeApp LastUserActivityTimestamp (older than the last health check)"
        confidence = 0.6
        not_checked.append("kernels and terminals inside the app: no mlcost agent metrics")
    else:
        return []

    p = quote(resource.instance_type, resource.region, Usage.STUDIO_NOTEBOOK)
    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "app_type": resource.app_type,
        "instance_type": resource.instance_type,
        "domain_id": resource.domain_id,
        "space": resource.space_name,
        "user_profile": resource.user_profile_name,
        "idle_basis": basis,
        **agent_evidence,
        "last_user_activity": activity.isoformat() if activity else None,
        "last_health_check": resource.last_health_check.isoformat()
        if resource.last_health_check
        else None,
        "signals_not_checked": not_checked,
        "space_ebs_gib_kept": resource.space_ebs_gib,
        "space_idle_timeout_minutes": resource.space_idle_timeout_minutes,
        "hours_per_month": int(HOURS_PER_MONTH),
    }
    if p.quote is None:
        cost = None
        evidence.update(
            unpriced_evidence(
                resource.instance_type, resource.region, Usage.STUDIO_NOTEBOOK, p.reason or ""
            )
        )
        confidence = min(confidence, 0.5)
    else:
        cost = money(p.quote.usd_per_hour * HOURS_PER_MONTH)
        evidence["price"] = p.quote.evidence()
        confidence *= p.quote.confidence
    owner = (
        {"SpaceName": resource.space_name}
        if resource.space_name
        else {"UserProfileName": resource.user_profile_name}
    )
    where = (
        f"space {resource.space_name}"
        if resource.space_name
        else (f"user {resource.user_profile_name}")
    )
    return [
        finding_for(
            "idle-studio-app",
            resource,
            title=f"Studio {resource.app_type} app in {where} ({resource.instance_type}) idle "
            f"for {settings['idle_hours']} h",
            evidence=evidence,
            cost=cost,
            saving=cost,
            fix=Fix(
                "delete-studio-app",
                {
                    "DomainId": resource.domain_id,
                    **owner,
                    "AppType": resource.app_type,
                    "AppName": resource.app_name,
                },
            ),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
