"""underused-endpoint: an instance-based endpoint whose instances are mostly idle.

Series labels and units are those of docs/CONTRACTS.md: ``Invocations`` (Sum, per variant,
including variants that no longer exist), ``InvocationsProcessed`` (Sum, per variant, async
endpoints) and ``ApproximateBacklogSize`` (Maximum, per endpoint, async endpoints),
``CPUUtilization`` / ``GPUUtilization`` / ``GPUMemoryUtilization`` (Maximum, summed over the
instance's vCPUs / GPUs, so they are divided by the spec's count here) and
``MemoryUtilization`` (Maximum, 0-100).
"""

from __future__ import annotations

import re
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

#: Burstable families (t2, t3, t3a, t4g): CPU credits, not sustained vCPUs.
_BURSTABLE = re.compile(r"^t\d")

# --------------------------------------------------------------------------- underused


@dataclass(frozen=True, slots=True)
class _Demand:
    """Observed per-instance demand of one variant, normalised to 0-100 per unit."""

    cpu_p95: float
    cpu_peak_vcpus: float  # peak vCPUs busy on one instance (sum metric / 100)
    mem_p95: float | None
    mem_peak_gib: float | None
    gpu_p95: float | None
    gpu_peak_units: float | None  # peak GPUs busy on one instance
    gpu_mem_p95: float | None
    gpu_mem_peak_gib: float | None
    hours: int


def _stats(
    inventory: Inventory,
    ep: Endpoint,
    label: MetricLabel,
    variant: str,
    start: datetime,
    end: datetime,
) -> list[float] | None:
    """Hourly maxima of a variant's series; ``None`` if absent, failed, or empty."""
    series = variant_series(inventory, ep, label, variant)
    if not series or not all(s.readable for s in series):
        return None
    merged: dict[datetime, float] = {}
    for s in series:
        for h, v in hourly_maxima(in_window(s, start, end)).items():
            merged[h] = max(merged.get(h, v), v)
    return list(merged.values()) or None


def _demand(
    inventory: Inventory,
    ep: Endpoint,
    v: EndpointVariant,
    spec: pricing.InstanceSpec,
    start: datetime,
) -> _Demand | None:
    end = inventory.end
    cpu = _stats(inventory, ep, MetricLabel.CPU_UTILIZATION, v.name, start, end)
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
    mem = _stats(inventory, ep, MetricLabel.MEMORY_UTILIZATION, v.name, start, end)
    gpu = gpu_mem = None
    if spec.gpu_count > 0:
        gpu = _stats(inventory, ep, MetricLabel.GPU_UTILIZATION, v.name, start, end)
        if gpu is None:
            return None  # a GPU instance without GPU metrics cannot be judged
        gpu_mem = _stats(inventory, ep, MetricLabel.GPU_MEMORY_UTILIZATION, v.name, start, end)
    n_gpu = spec.gpu_count or 1
    mem_gib = float(spec.memory_gib)
    gpu_mem_gib = float(spec.gpu_memory_gib)
    return _Demand(
        cpu_p95=percentile(cpu, 95) / spec.vcpu,
        cpu_peak_vcpus=max(cpu) / 100,
        mem_p95=percentile(mem, 95) if mem else None,
        mem_peak_gib=max(mem) / 100 * mem_gib if mem else None,
        gpu_p95=percentile(gpu, 95) / n_gpu if gpu else None,
        gpu_peak_units=max(gpu) / 100 if gpu else None,
        gpu_mem_p95=percentile(gpu_mem, 95) / n_gpu if gpu_mem else None,
        # GPUMemoryUtilization is summed over GPUs: sum/100 x (total GiB / GPUs) = GiB in use
        gpu_mem_peak_gib=max(gpu_mem) / 100 * gpu_mem_gib / n_gpu if gpu_mem else None,
        hours=len(cpu),
    )


def _is_low(d: _Demand, s: dict[str, Any]) -> bool:
    if d.cpu_p95 >= s["cpu_threshold_pct"]:
        return False
    if d.mem_p95 is not None and d.mem_p95 >= s["memory_threshold_pct"]:
        return False
    if d.gpu_p95 is not None and d.gpu_p95 >= s["gpu_threshold_pct"]:
        return False
    return not (d.gpu_mem_p95 is not None and d.gpu_mem_p95 >= s["gpu_memory_threshold_pct"])


def _fits(
    cand: pricing.InstanceSpec,
    n: int,
    cur: pricing.InstanceSpec,
    count: int,
    d: _Demand,
    headroom: float,
) -> bool:
    """Does ``n`` x ``cand`` carry the observed PEAK of ``count`` x current, with headroom?

    CPU and GPU compute spread across instances; memory and GPU memory do not (each
    instance loads the whole model), so they must fit on one candidate instance."""
    if n * cand.vcpu < d.cpu_peak_vcpus * count * headroom:
        return False
    mem_need = d.mem_peak_gib * headroom if d.mem_peak_gib is not None else float(cur.memory_gib)
    if float(cand.memory_gib) < mem_need:
        return False
    if cur.gpu_count == 0:
        return cand.gpu_count == 0 and cand.accelerator is None
    gpu_used = (
        (d.gpu_peak_units or 0) > 0 or (d.gpu_mem_peak_gib or 0) > 0 or d.gpu_mem_peak_gib is None
    )
    if not gpu_used:
        return True  # never touched its GPU: a CPU type (or a smaller GPU) will do
    # A different GPU model runs the model at a different speed: only size within the model.
    if cand.gpu_count == 0 or cand.gpu_model != cur.gpu_model:
        return False
    if n * cand.gpu_count < (d.gpu_peak_units or 0) * count * headroom:
        return False
    gpu_mem_need = (
        (d.gpu_mem_peak_gib * headroom)
        if d.gpu_mem_peak_gib is not None
        else float(cur.gpu_memory_gib)
    )
    return float(cand.gpu_memory_gib) >= gpu_mem_need


def _propose(
    region: str,
    cur_type: str,
    cur: pricing.InstanceSpec,
    count: int,
    d: _Demand,
    s: dict[str, Any],
    *,
    keep_count: bool = False,
) -> tuple[pricing.PriceQuote, int] | None:
    """The cheapest (type, count) in the region that fits the peak; ``None`` if nothing fits.
    ``keep_count`` only changes the type (an autoscaled variant's count is the scaler's)."""
    min_count = count if keep_count else min(count, int(s["min_instance_count"]))
    best: tuple[Decimal, int, pricing.PriceQuote, int] | None = None
    for t in pricing.priced_types(region, Usage.HOSTING):
        cand = spec_or_none(t)
        if cand is None or (not s["allow_burstable"] and _BURSTABLE.match(cand.family)):
            continue
        p = quote(t, region, Usage.HOSTING)
        if p.quote is None:
            continue
        for n in range(max(min_count, 1), count + 1):
            if not _fits(cand, n, cur, count, d, float(s["headroom"])):
                continue
            hourly = p.quote.usd_per_hour * n
            # prefer cheaper, then fewer changes (same type, then more instances kept)
            rank = (hourly, 0 if t == cur_type else 1)
            if best is None or rank < (best[0], best[1]):
                best = (hourly, rank[1], p.quote, n)
            break  # more instances of the same type only cost more
    return None if best is None else (best[2], best[3])


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
        d = _demand(inventory, resource, v, cur, since)
        if d is None or d.hours < int(settings["min_hours"]) or not _is_low(d, settings):
            continue
        current = quote(cur_type, resource.region, Usage.HOSTING)
        autoscaled = bool(v.autoscaling)  # None or {}: no scalable target
        proposal = _propose(
            resource.region, cur_type, cur, v.instance_count, d, settings, keep_count=autoscaled
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
                    "cpu_peak_vcpus_per_instance": round(d.cpu_peak_vcpus, 3),
                    "memory_p95_pct": None if d.mem_p95 is None else round(d.mem_p95, 2),
                    "memory_peak_gib": None if d.mem_peak_gib is None else round(d.mem_peak_gib, 3),
                    "gpu_p95_pct_per_gpu": None if d.gpu_p95 is None else round(d.gpu_p95, 2),
                    "gpu_peak_gpus_per_instance": None
                    if d.gpu_peak_units is None
                    else round(d.gpu_peak_units, 3),
                    "gpu_memory_p95_pct_per_gpu": None
                    if d.gpu_mem_p95 is None
                    else round(d.gpu_mem_p95, 2),
                    "gpu_memory_peak_gib": None
                    if d.gpu_mem_peak_gib is None
                    else round(d.gpu_mem_peak_gib, 3),
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
