"""oversized-notebook: a GPU or large notebook instance whose own agent shows little use.

Series: the mlcost agent's ``MLCost/Agent`` ``CPUUtilization`` (label ``AgentCPUUtilization``,
0-100 for the whole machine, excluding the agent) and ``GPUUtilization``
(``AgentGPUUtilization``, the busiest device), by ``NotebookInstanceName``, read as hourly
maxima (docs/CONTRACTS.md). SageMaker publishes no utilisation for notebook instances, so
without the agent this check has nothing to judge.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    add_unpriced,
    finding_for,
    merged_hourly_maxima,
    money,
    percentile,
    quote,
    spec_or_none,
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
from mlcost.pricing.sizing import Demand, Fleet, cheapest_fleet, not_burstable


def _maxima(inventory: Inventory, nb: NotebookInstance, label: MetricLabel) -> list[float] | None:
    """Hourly maxima of one agent series; ``None`` when absent, unreadable or empty."""
    series = inventory.series(nb, label)
    if not series or not all(s.readable for s in series):
        return None
    values = list(merged_hourly_maxima(series, inventory.start, inventory.end).values())
    return values or None


@check(
    "oversized-notebook",
    ResourceKind.NOTEBOOK_INSTANCE,
    needs=(MetricLabel.AGENT_CPU_UTILIZATION, MetricLabel.AGENT_GPU_UTILIZATION),
    statuses=("InService",),
    min_vcpus=8,
    cpu_threshold_pct=30.0,
    gpu_threshold_pct=10.0,
    headroom=1.25,
    min_hours=72,
    min_monthly_savings=10,
    allow_burstable=False,
)
def oversized_notebook(
    resource: NotebookInstance, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A GPU notebook instance, or one with at least ``min_vcpus`` vCPUs, whose agent-measured
    use stays low: a smaller type carries its peak for less.

    Rule (AWS ML cost guidance: right-size notebook instances; start small and move up only
    when the work needs it): over at least ``min_hours`` hourly maxima of the mlcost agent's
    CPU (and, on a GPU type, GPU) utilisation, the 95th percentile is below
    ``cpu_threshold_pct`` (and ``gpu_threshold_pct``). The proposal is the cheapest notebook
    type priced in the region that carries the observed PEAK with ``headroom``. The agent
    does not report memory, so the proposal keeps the current memory (never less); a GPU
    that never ran (maximum 0 %) may go, a GPU that ran keeps its model and memory.
    Burstable types are proposed only with ``allow_burstable``. Saving: (current hourly -
    proposed hourly) x 730 h, reported above ``min_monthly_savings``. A current type
    without a notebook price gives an unpriced finding (null dollars, a warning), and only
    for a proposal no bigger in vCPUs, memory or GPUs.
    """
    if resource.status != "InService":
        return []
    spec = spec_or_none(resource.instance_type)
    if spec is None or (spec.gpu_count == 0 and spec.vcpu < int(settings["min_vcpus"])):
        return []
    cpu = _maxima(inventory, resource, MetricLabel.AGENT_CPU_UTILIZATION)
    if cpu is None or len(cpu) < int(settings["min_hours"]):
        return []
    gpu: list[float] | None = None
    if spec.gpu_count:
        gpu = _maxima(inventory, resource, MetricLabel.AGENT_GPU_UTILIZATION)
        if gpu is None:
            return []  # a GPU notebook without a GPU signal cannot be judged
    cpu_p95 = percentile(cpu, 95)
    gpu_p95 = percentile(gpu, 95) if gpu else None
    if cpu_p95 >= float(settings["cpu_threshold_pct"]):
        return []
    if gpu_p95 is not None and gpu_p95 >= float(settings["gpu_threshold_pct"]):
        return []
    gpu_peak = max(gpu) if gpu else None
    demand = Demand(
        vcpus=max(cpu) / 100 * spec.vcpu,
        memory_gib=None,  # not measured: keep what the instance has
        # the agent reports the busiest device: assume every device ran that hard
        gpus=None if gpu_peak is None else gpu_peak / 100 * spec.gpu_count,
        gpu_memory_gib=0.0 if gpu_peak == 0 else None,
    )
    current = quote(resource.instance_type, resource.region, Usage.NOTEBOOK)
    proposal = cheapest_fleet(
        resource.region,
        Usage.NOTEBOOK,
        Fleet(resource.instance_type, spec, 1),
        demand,
        headroom=float(settings["headroom"]),
        allow=None if settings["allow_burstable"] else not_burstable,
    )
    if proposal is None or proposal[0].instance_type == resource.instance_type:
        return []
    new = proposal[0]
    new_spec = spec_or_none(new.instance_type)
    new_monthly = new.usd_per_hour * HOURS_PER_MONTH
    unpriced: dict[str, Any] = {}
    if current.quote is None:
        # no price for what runs now: still say it is oversized (the finding is unpriced),
        # but only for a type that is no bigger in any dimension
        if new_spec is None or (
            new_spec.vcpu > spec.vcpu
            or new_spec.memory_gib > spec.memory_gib
            or new_spec.gpu_count > spec.gpu_count
        ):
            return []
        add_unpriced(
            unpriced, resource.instance_type, resource.region, Usage.NOTEBOOK, current.reason or ""
        )
        cur_monthly = saving = None
    else:
        cur_monthly = current.quote.usd_per_hour * HOURS_PER_MONTH
        saving = cur_monthly - new_monthly
        if saving <= Decimal(str(settings["min_monthly_savings"])):
            return []
    evidence: dict[str, Any] = {
        **window_evidence(inventory.start, inventory.end),
        "hours_measured": len(cpu),
        "observed": {
            "agent_cpu_p95_pct": round(cpu_p95, 2),
            "agent_cpu_peak_pct": round(max(cpu), 2),
            "cpu_peak_vcpus": round(demand.vcpus, 3),
            "agent_gpu_p95_pct": None if gpu_p95 is None else round(gpu_p95, 2),
            "agent_gpu_peak_pct": None if gpu_peak is None else round(gpu_peak, 2),
        },
        "thresholds": {
            "cpu_threshold_pct": settings["cpu_threshold_pct"],
            "gpu_threshold_pct": settings["gpu_threshold_pct"],
        },
        "headroom": settings["headroom"],
        "current": {
            "instance_type": resource.instance_type,
            "vcpu": spec.vcpu,
            "memory_gib": str(spec.memory_gib),
            "gpus": spec.gpu_count,
            "price": current.quote.evidence() if current.quote else None,
            "monthly_cost_usd": None if cur_monthly is None else str(money(cur_monthly)),
        },
        "proposed": {
            "instance_type": new.instance_type,
            "vcpu": new_spec.vcpu if new_spec else None,
            "memory_gib": str(new_spec.memory_gib) if new_spec else None,
            "gpus": new_spec.gpu_count if new_spec else None,
            "price": new.evidence(),
            "monthly_cost_usd": str(money(new_monthly)),
        },
        "saving_arithmetic": None
        if current.quote is None or saving is None
        else f"(${current.quote.usd_per_hour} - ${new.usd_per_hour})/h x "
        f"{int(HOURS_PER_MONTH)} h = ${money(saving)}",
        "signals_used": [
            "MLCost/Agent CPUUtilization (Maximum, hourly)",
            *(["MLCost/Agent GPUUtilization (Maximum, hourly)"] if gpu else []),
        ],
        "signals_not_checked": [
            "memory in use (the agent does not report it): the proposal keeps "
            f"{spec.memory_gib} GiB",
            *(["GPU memory in use: a GPU that ran keeps its model and memory"] if gpu else []),
            "the EBS volume stays as it is (its size is not changed by a type change)",
        ],
    }
    evidence.update(unpriced)
    confidence = (
        0.3
        if current.quote is None
        else min(0.7, 0.7 * current.quote.confidence, 0.7 * new.confidence)
    )
    return [
        finding_for(
            "oversized-notebook",
            resource,
            title=f"Notebook {resource.id} on {resource.instance_type} peaks at "
            f"{max(cpu):.0f}% CPU"
            + ("" if gpu_peak is None else f" and {gpu_peak:.0f}% GPU")
            + f": {new.instance_type} carries it",
            evidence=evidence,
            cost=money(cur_monthly),
            saving=money(saving),
            fix=Fix(
                "resize-notebook-instance",
                {"NotebookInstanceName": resource.id, "InstanceType": new.instance_type},
            ),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
