"""SageMaker notebook instances: no idle guard attached, or idle by the mlcost agent's word.

A notebook instance bills for every hour it is InService, used or not. The only reliable
activity signal is on the instance itself (Jupyter kernels, terminals, GPU): the mlcost agent
publishes it as ``MLCost/Agent`` ``Busy`` (label ``AgentBusy``, 0/1). CPU metrics are not
published for notebook instances, so without the agent nothing here calls a notebook idle.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
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
from mlcost.model import Finding, Fix, Inventory, NotebookInstance, ResourceKind, Risk, Usage

HOURS_PER_WEEK = 168


def _observed_busy_share(
    inventory: Inventory, nb: NotebookInstance, min_hours: int
) -> tuple[Decimal, int, int] | None:
    """Share of observed hours in which the agent saw any activity, when at least
    ``min_hours`` hours were observed and all agent series were read."""
    series = inventory.series(nb, "AgentBusy")
    if not series or not all(s.readable for s in series):
        return None
    hourly = merged_hourly_maxima(series, inventory.start, inventory.end)
    if len(hourly) < min_hours:
        return None
    busy = sum(1 for v in hourly.values() if v > 0)
    return Decimal(busy) / Decimal(len(hourly)), busy, len(hourly)


@check(
    "notebook-no-autostop",
    ResourceKind.NOTEBOOK_INSTANCE,
    busy_hours_per_week=50,
    min_observed_hours=72,
    flag_unknown_guard=False,
    lifecycle_config_name="mlcost-autostop",
)
def notebook_no_autostop(
    resource: NotebookInstance, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An InService notebook instance with no idle guard: it runs (and bills) all night and
    every weekend once someone forgets it.

    Rule: ``has_idle_guard`` is False (no lifecycle config, or scripts that stop nothing:
    ``sources/aws/idle_guard.py``; AWS's cost guidance for notebook instances is to attach an
    auto-stop lifecycle configuration,
    github.com/aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples).
    ``None`` (unreadable, or a script mlcost can't recognise that might stop the instance) is
    not claimed unless ``flag_unknown_guard``.

    Saving: the hours outside use. Assumed use is ``busy_hours_per_week`` (default 50: ten
    hours on five days) of 168, so saving = price x 730 x (1 - 50/168). When the agent's
    ``AgentBusy`` series covers at least ``min_observed_hours``, the observed share of busy
    hours replaces the assumption. Fix: attach the mlcost autostop lifecycle config
    (UpdateNotebookInstance needs the instance Stopped, hence risk "review").
    """
    if resource.status != "InService":
        return []
    if resource.has_idle_guard is True:
        return []
    if resource.has_idle_guard is None and not settings["flag_unknown_guard"]:
        return []

    observed = _observed_busy_share(inventory, resource, int(settings["min_observed_hours"]))
    if observed is not None:
        busy_share, busy, hours = observed
        assumption: dict[str, Any] = {
            "busy_share_basis": "observed (MLCost/Agent Busy, hours with any activity)",
            "busy_hours_observed": busy,
            "hours_observed": hours,
        }
    else:
        busy_hours = Decimal(str(settings["busy_hours_per_week"]))
        busy_share = busy_hours / HOURS_PER_WEEK
        assumption = {
            "busy_share_basis": f"assumed: busy {busy_hours} of {HOURS_PER_WEEK} hours a week "
            "(setting busy_hours_per_week)",
        }
    assumption["busy_share"] = str(busy_share.quantize(Decimal("0.0001")))

    p = quote(resource.instance_type, resource.region, Usage.NOTEBOOK)
    confidence = 0.6 if observed is None else 0.8
    if resource.has_idle_guard is None:
        confidence = 0.3
    evidence: dict[str, Any] = {
        "instance_type": resource.instance_type,
        "lifecycle_config": resource.lifecycle_config,
        "has_idle_guard": resource.has_idle_guard,
        "hours_per_month": int(HOURS_PER_MONTH),
        **assumption,
    }
    if p.quote is None:
        cost = saving = None
        evidence.update(
            unpriced_evidence(
                resource.instance_type, resource.region, Usage.NOTEBOOK, p.reason or ""
            )
        )
        confidence = min(confidence, 0.3)
    else:
        full = p.quote.usd_per_hour * HOURS_PER_MONTH
        cost, saving = money(full), money(full * (1 - busy_share))
        evidence["price"] = p.quote.evidence()
        confidence = min(confidence, confidence * p.quote.confidence)
    return [
        finding_for(
            "notebook-no-autostop",
            resource,
            title=f"Notebook {resource.id} has no auto-stop: it bills while nobody uses it"
            if resource.has_idle_guard is False
            else f"Notebook {resource.id} may have no auto-stop: mlcost cannot tell what its "
            f"lifecycle config {resource.lifecycle_config} does (unknown guard)",
            evidence=evidence,
            cost=cost,
            saving=saving,
            fix=Fix(
                "attach-lifecycle-config",
                {
                    "NotebookInstanceName": resource.id,
                    "LifecycleConfigName": settings["lifecycle_config_name"],
                },
            ),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]


def _agent_idle_since(inventory: Inventory, nb: NotebookInstance) -> datetime | None:
    """Since when the agent has seen every signal idle, from its newest ``IdleSeconds``
    (hourly Maximum: measured before that hour ended, so the answer is never too early);
    None when the series is missing, unread or empty."""
    series = inventory.series(nb, "AgentIdleSeconds")
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
    series = inventory.series(resource, "AgentBusy")
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
