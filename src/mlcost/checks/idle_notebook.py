"""idle-notebook: an InService notebook instance the mlcost agent has seen idle.

The only reliable activity signal is on the instance itself (Jupyter kernels, terminals,
GPU): the mlcost agent publishes it as ``MLCost/Agent`` ``Busy`` (label ``AgentBusy``, 0/1).
CPU metrics are not published for notebook instances, so without the agent nothing here
calls a notebook idle.
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
    NotebookInstance,
    ResourceKind,
    Risk,
    Usage,
)


def _agent_idle_since(inventory: Inventory, nb: NotebookInstance) -> datetime | None:
    """Since when the agent has seen every signal idle, from its newest ``IdleSeconds``
    (hourly Maximum: measured before that hour ended, so the answer is never too early);
    None when the series is missing, unread or empty."""
    series = inventory.series(nb, MetricLabel.AGENT_IDLE_SECONDS)
    if not series or not all(s.readable for s in series):
        return None
    points = [(t, v) for s in series for t, v in zip(s.timestamps, s.values, strict=True)]
    if not points:
        return None
    hour, seconds = max(points)
    return hour + timedelta(hours=1) - timedelta(seconds=seconds)


@check(
    "idle-notebook",
    ResourceKind.NOTEBOOK_INSTANCE,
    needs=(MetricLabel.AGENT_BUSY, MetricLabel.AGENT_IDLE_SECONDS),
    statuses=("InService",),
    idle_hours=72,
    min_coverage=0.9,
    max_staleness_hours=2,
)
def idle_notebook(
    resource: NotebookInstance, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An InService notebook instance the mlcost agent has seen idle for ``idle_hours``.

    Rule: every ``AgentBusy`` series (``MLCost/Agent`` ``Busy``) was read successfully, has
    datapoints in at least ``min_coverage`` of the hours of the last ``idle_hours`` up to the
    scan, the newest no older than
    ``max_staleness_hours``, and every one of them is 0; and the agent's own idle time
    (``AgentIdleSeconds``, its newest hourly maximum, taken as measured at that hour's end)
    reaches back to the window's start. Busy and IdleSeconds come from the same samples by
    different routes: a notebook is called idle only when both agree (an agent that missed
    activity between samples in Busy still counts it in IdleSeconds). No agent data means
    "unknown", never idle. Saving: the notebook's whole monthly cost (notebook price x 730 h).

    ``idle_hours`` defaults to 72, longer than a weekend (Friday 17:00 to Monday 09:00 is
    64 h): a notebook used on weekdays and idle over the weekend is not forgotten, and
    claiming its whole monthly cost would overstate the saving. Its nights and weekends are
    the business of ``notebook-no-autostop``, which prices the observed idle share.
    Fix: StopNotebookInstance (the ML storage volume is kept; kernels' memory is lost).
    """
    if resource.status != "InService":
        return []
    series = inventory.series(resource, MetricLabel.AGENT_BUSY)
    if not series or not all(s.readable for s in series):
        return []
    end = inventory.end
    start = end - timedelta(hours=float(settings["idle_hours"]))
    hourly = merged_hourly_maxima(series, start, end)
    if not hourly or any(v > 0 for v in hourly.values()):
        return []
    if len(hourly) < float(settings["min_coverage"]) * hour_slots(start, end):
        return []
    newest = max(t for s in series for t in s.timestamps)
    if end - newest > timedelta(hours=float(settings["max_staleness_hours"])):
        return []
    idle_since = _agent_idle_since(inventory, resource)
    if idle_since is None or idle_since > start:
        return []

    p = quote(resource.instance_type, resource.region, Usage.NOTEBOOK)
    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "instance_type": resource.instance_type,
        "agent_busy_max": 0,
        "hours_with_data": len(hourly),
        "newest_datapoint": newest.isoformat(),
        "agent_idle_since": idle_since.isoformat(),
        "hours_per_month": int(HOURS_PER_MONTH),
    }
    confidence = 0.9
    if p.quote is None:
        cost = None
        evidence.update(
            unpriced_evidence(
                resource.instance_type, resource.region, Usage.NOTEBOOK, p.reason or ""
            )
        )
        confidence = 0.5
    else:
        cost = money(p.quote.usd_per_hour * HOURS_PER_MONTH)
        evidence["price"] = p.quote.evidence()
        confidence *= p.quote.confidence
    return [
        finding_for(
            "idle-notebook",
            resource,
            title=f"Notebook {resource.id} idle for {settings['idle_hours']} h (mlcost agent)",
            evidence=evidence,
            cost=cost,
            saving=cost,
            fix=Fix("stop-notebook-instance", {"NotebookInstanceName": resource.id}),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
