"""underused-endpoint: an instance-based endpoint whose instances are mostly idle.

Series labels and units are those of docs/CONTRACTS.md: ``Invocations`` (Sum, per variant,
including variants that no longer exist), ``InvocationsProcessed`` (Sum, per variant, async
endpoints) and ``ApproximateBacklogSize`` (Maximum, per endpoint, async endpoints),
``CPUUtilization`` / ``GPUUtilization`` / ``GPUMemoryUtilization`` (Maximum, summed over the
instance's vCPUs / GPUs, so they are divided by the spec's count here) and
``MemoryUtilization`` (Maximum, 0-100).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mlcost import pricing
from mlcost.checks._endpoints import (
    instance_variants,
    judged_window,
    no_invocations,
    variant_series,
)
from mlcost.checks._support import (
    HOURS_PER_MONTH,
    add_unpriced,
    ceil_hour,
    finding_for,
    hourly_maxima,
    in_window,
    money,
    percentile,
    quote,
    spec_or_none,
    window_evidence,
)
from mlcost.checks.registry import check
from mlcost.model import (
    Endpoint,
    EndpointVariant,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    ResourceKind,
    Risk,
    Usage,
)
from mlcost.pricing.sizing import Demand, Fleet, cheapest_fleet, not_burstable

# --------------------------------------------------------------------------- underused


@dataclass(frozen=True, slots=True)
class _Observed:
    """What one variant's instances did: 95th percentiles normalised to 0-100 per vCPU /
    GPU (is it under-used?) and the peak in absolute units (what must a smaller fleet
    carry?), over ``hours`` hourly maxima."""

    cpu_p95: float
    mem_p95: float | None
    gpu_p95: float | None
    gpu_mem_p95: float | None
    peak: Demand
    hours: int


def _hourly_maxima(
    inventory: Inventory,
    ep: Endpoint,
    label: MetricLabel,
    variant: str,
    start: datetime,
    end: datetime,
) -> list[float] | None:
    """Hourly maxima of a variant's series (the last hour's maximum is the peak the fleet
    must carry); ``None`` if absent, failed, or empty."""
    series = variant_series(inventory, ep, label, variant)
    if not series or not all(s.readable for s in series):
        return None
    merged: dict[datetime, float] = {}
    for s in series:
        for h, v in hourly_maxima(in_window(s, start, end)).items():
            merged[h] = max(merged.get(h, v), v)
    return list(merged.values()) or None


def _observe(
    inventory: Inventory,
    ep: Endpoint,
    v: EndpointVariant,
    spec: pricing.InstanceSpec,
    start: datetime,
) -> _Observed | None:
    end = inventory.end
    cpu = _hourly_maxima(inventory, ep, MetricLabel.CPU_UTILIZATION, v.name, start, end)
    if cpu is None:
        return None
    # A series that exists but failed to read hides demand: refuse to size down blind.
    for label in (
        MetricLabel.MEMORY_UTILIZATION,
        MetricLabel.GPU_UTILIZATION,
        MetricLabel.GPU_MEMORY_UTILIZATION,
    ):
        if any(not s.readable for s in variant_series(inventory, ep, label, v.name)):
            return None
    mem = _hourly_maxima(inventory, ep, MetricLabel.MEMORY_UTILIZATION, v.name, start, end)
    gpu = gpu_mem = None
    if spec.gpu_count > 0:
        gpu = _hourly_maxima(inventory, ep, MetricLabel.GPU_UTILIZATION, v.name, start, end)
        if gpu is None:
            return None  # a GPU instance without GPU metrics cannot be judged
        gpu_mem = _hourly_maxima(
            inventory, ep, MetricLabel.GPU_MEMORY_UTILIZATION, v.name, start, end
        )
    n_gpu = spec.gpu_count or 1
    mem_gib = float(spec.memory_gib)
    gpu_mem_gib = float(spec.gpu_memory_gib)
    return _Observed(
        cpu_p95=percentile(cpu, 95) / spec.vcpu,
        mem_p95=percentile(mem, 95) if mem else None,
        gpu_p95=percentile(gpu, 95) / n_gpu if gpu else None,
        gpu_mem_p95=percentile(gpu_mem, 95) / n_gpu if gpu_mem else None,
        peak=Demand(
            vcpus=max(cpu) / 100,  # CPUUtilization is summed over vCPUs
            memory_gib=max(mem) / 100 * mem_gib if mem else None,
            gpus=max(gpu) / 100 if gpu else None,
            # GPUMemoryUtilization is summed over GPUs: sum/100 x (total GiB / GPUs) = GiB
            gpu_memory_gib=max(gpu_mem) / 100 * gpu_mem_gib / n_gpu if gpu_mem else None,
        ),
        hours=len(cpu),
    )


def _is_low(d: _Observed, s: dict[str, Any]) -> bool:
    if d.cpu_p95 >= s["cpu_threshold_pct"]:
        return False
    if d.mem_p95 is not None and d.mem_p95 >= s["memory_threshold_pct"]:
        return False
    if d.gpu_p95 is not None and d.gpu_p95 >= s["gpu_threshold_pct"]:
        return False
    return not (d.gpu_mem_p95 is not None and d.gpu_mem_p95 >= s["gpu_memory_threshold_pct"])


@check(
    "underused-endpoint",
    ResourceKind.ENDPOINT,
    needs=(
        MetricLabel.INVOCATIONS,
        MetricLabel.CPU_UTILIZATION,
        MetricLabel.MEMORY_UTILIZATION,
        MetricLabel.GPU_UTILIZATION,
        MetricLabel.GPU_MEMORY_UTILIZATION,
    ),
    statuses=("InService",),
    cpu_threshold_pct=20.0,
    gpu_threshold_pct=20.0,
    memory_threshold_pct=40.0,
    gpu_memory_threshold_pct=40.0,
    headroom=1.25,
    min_instance_count=2,
    min_monthly_savings=10,
    allow_burstable=False,
    min_hours=72,
)
def underused_endpoint(
    resource: Endpoint, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An instance-based endpoint whose instances are mostly idle: a smaller type or fewer
    instances carries the same peak for less.

    Rule: per variant, the 95th percentile of hourly maxima of CPU (and GPU, GPU memory and
    memory when published) utilisation, normalised per vCPU / GPU, is below every threshold
    (AWS's right-sizing guidance for SageMaker inference recommends acting on sustained low
    utilisation, and Inference Recommender sizes against peak load). The proposal is the
    cheapest hosting type priced in the same region that still carries the observed PEAK
    with ``headroom`` (CPU and GPU spread across instances; memory and GPU memory must fit on
    one instance; GPU work stays on the same GPU model). A multi-instance variant keeps at
    least ``min_instance_count`` instances (AWS recommends two or more for availability).
    Burstable (T-family) types are not proposed unless ``allow_burstable``: their CPU
    credits run out under sustained load, which the peak-based sizing cannot see.
    Idle endpoints (zero invocations) are left to ``idle-endpoint``; only savings above
    ``min_monthly_savings`` dollars a month are reported.

    Only datapoints after the endpoint last changed (max(created, last_modified), rounded up
    to the next whole hour) count, and a variant needs at least ``min_hours`` (72) hourly
    datapoints of them: a just-upsized endpoint has not yet shown its new load. Skipped:
    asynchronous endpoints (queue-driven: a smaller type drains the queue more slowly, which
    utilisation cannot show, and ``InvocationsProcessed`` / backlog are not sizing data),
    and variants built on inference components (utilisation is per component). A variant
    with an Application Auto Scaling target keeps its count (the scaler owns it; the current
    count is a snapshot): only a type change is proposed, with confidence at most 0.5.

    Saving: (current hourly x count - proposed hourly x new count) x 730 h.
    """
    if resource.status != "InService" or resource.is_async:
        return []
    # a shadow variant's copy of the traffic is not its own load, and UpdateEndpoint's
    # ProductionVariants cannot resize it: sizing is for production variants
    variants = [v for v in instance_variants(resource) if not v.shadow]
    judged_start, judged_end = judged_window(resource, inventory)
    if not variants or no_invocations(inventory, resource, judged_start, judged_end) is not None:
        return []
    # Whole hours only: the hour the endpoint changed mixes the old and the new shape.
    since = ceil_hour(judged_start)
    changes: list[dict[str, Any]] = []
    evidence_variants: list[dict[str, Any]] = []
    saving: Decimal | None = Decimal(0)
    cost: Decimal | None = Decimal(0)
    unpriced: dict[str, Any] = {}
    confidence = 0.8
    for v in variants:
        cur_type = v.instance_type or ""
        cur = spec_or_none(cur_type)
        if cur is None or (cur.accelerator not in (None, "nvidia")) or v.uses_inference_components:
            continue
        d = _observe(inventory, resource, v, cur, since)
        if d is None or d.hours < int(settings["min_hours"]) or not _is_low(d, settings):
            continue
        current = quote(cur_type, resource.region, Usage.HOSTING)
        autoscaled = bool(v.autoscaling)  # None or {}: no scalable target
        # the cheapest priced fleet that carries the observed peak (an autoscaled
        # variant keeps its count: the scaler owns it)
        proposal = cheapest_fleet(
            resource.region,
            Usage.HOSTING,
            Fleet(cur_type, cur, v.instance_count),
            d.peak,
            headroom=float(settings["headroom"]),
            min_count=v.instance_count
            if autoscaled
            else min(v.instance_count, int(settings["min_instance_count"])),
            allow=None if settings["allow_burstable"] else not_burstable,
        )
        if proposal is None:
            continue
        new_quote, new_count = proposal
        new_monthly = new_quote.usd_per_hour * new_count * HOURS_PER_MONTH
        if current.quote is None:
            # No price for what runs now: still say it is oversized (the finding is
            # unpriced), but only for a strictly smaller footprint.
            new_spec = spec_or_none(new_quote.instance_type)
            if new_spec is None or (new_quote.instance_type, new_count) == (
                cur_type,
                v.instance_count,
            ):
                continue
            if (
                new_spec.vcpu * new_count > cur.vcpu * v.instance_count
                or new_spec.memory_gib > cur.memory_gib
            ):
                continue
            cur_monthly = None
            add_unpriced(unpriced, cur_type, resource.region, Usage.HOSTING, current.reason or "")
            confidence = min(confidence, 0.3)
        else:
            cur_monthly = current.quote.usd_per_hour * v.instance_count * HOURS_PER_MONTH
            if new_monthly >= cur_monthly:
                continue
            if saving is not None and cost is not None:
                saving += cur_monthly - new_monthly
                cost += cur_monthly
            confidence = min(confidence, 0.8 * current.quote.confidence, 0.8 * new_quote.confidence)
        if autoscaled:
            confidence = min(confidence, 0.5)  # the count (and so the figure) moves with load
        changes.append(
            {
                "VariantName": v.name,
                "InstanceType": new_quote.instance_type,
                "InitialInstanceCount": new_count,
            }
        )
        evidence_variants.append(
            {
                "variant": v.name,
                "autoscaling": None
                if not autoscaled
                else {
                    **(v.autoscaling or {}),
                    "note": "Application Auto Scaling target: the instance count is kept "
                    "(the scaler sets it) and only the type is changed; the saving assumes the "
                    "current count. Deregister the scalable target before UpdateEndpoint and "
                    "register it again afterwards.",
                },
                "current": {
                    "instance_type": cur_type,
                    "instance_count": v.instance_count,
                    "price": current.quote.evidence() if current.quote else None,
                    "monthly_cost_usd": str(money(cur_monthly))
                    if cur_monthly is not None
                    else None,
                },
                "proposed": {
                    "instance_type": new_quote.instance_type,
                    "instance_count": new_count,
                    "price": new_quote.evidence(),
                    "monthly_cost_usd": str(money(new_monthly)),
                },
                "observed": {
                    "hours": d.hours,
                    "cpu_p95_pct_per_vcpu": round(d.cpu_p95, 2),
                    "cpu_peak_vcpus_per_instance": round(d.peak.vcpus, 3),
                    "memory_p95_pct": None if d.mem_p95 is None else round(d.mem_p95, 2),
                    "memory_peak_gib": None
                    if d.peak.memory_gib is None
                    else round(d.peak.memory_gib, 3),
                    "gpu_p95_pct_per_gpu": None if d.gpu_p95 is None else round(d.gpu_p95, 2),
                    "gpu_peak_gpus_per_instance": None
                    if d.peak.gpus is None
                    else round(d.peak.gpus, 3),
                    "gpu_memory_p95_pct_per_gpu": None
                    if d.gpu_mem_p95 is None
                    else round(d.gpu_mem_p95, 2),
                    "gpu_memory_peak_gib": None
                    if d.peak.gpu_memory_gib is None
                    else round(d.peak.gpu_memory_gib, 3),
                },
            }
        )
    if not changes:
        return []
    if unpriced:
        saving = cost = None  # part of the figure is unknown: say so rather than under-state it
    elif saving is not None and saving <= Decimal(str(settings["min_monthly_savings"])):
        return []
    return [
        finding_for(
            "underused-endpoint",
            resource,
            title=f"Endpoint {resource.id} is over-provisioned: "
            + ", ".join(
                f"{c['VariantName']} -> {c['InitialInstanceCount']} x {c['InstanceType']}"
                for c in changes
            ),
            evidence={
                **window_evidence(since, inventory.end),
                "min_hours": int(settings["min_hours"]),
                "statistic": "95th percentile (nearest rank) of hourly maxima; sizing on the peak",
                "thresholds": {
                    k: settings[k]
                    for k in (
                        "cpu_threshold_pct",
                        "gpu_threshold_pct",
                        "memory_threshold_pct",
                        "gpu_memory_threshold_pct",
                    )
                },
                "headroom": settings["headroom"],
                "hours_per_month": int(HOURS_PER_MONTH),
                "endpoint_config_name": resource.config_name,
                "variants": evidence_variants,
                **unpriced,
            },
            cost=money(cost),
            saving=money(saving),
            fix=Fix(
                "update-endpoint",
                {
                    "EndpointName": resource.id,
                    "EndpointConfigName": resource.config_name,
                    "ProductionVariants": changes,
                },
            ),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
