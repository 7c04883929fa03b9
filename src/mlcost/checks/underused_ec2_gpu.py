"""Self-managed EC2 GPU instances whose GPUs are used a little: a smaller GPU type."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    finding_for,
    hour_slots,
    hourly_maxima,
    in_window,
    merged_hourly_maxima,
    money,
    percentile,
    quote,
    spec_or_none,
    window_evidence,
)
from mlcost.checks.registry import check
from mlcost.errors import UserError
from mlcost.model import (
    Ec2Instance,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    MetricSeries,
    ResourceKind,
    Risk,
    Usage,
)
from mlcost.pricing.sizing import Demand, Fleet, cheapest_fleet, not_burstable

NOT_CHECKED = [
    "host memory (no memory metric is read: the proposal keeps at least the current memory)",
    "GPU memory bandwidth, NVLink / EFA and PCIe needs",
    "spot and non-Linux rates (the catalogue holds Linux on-demand prices only)",
]


def _per_gpu_hourly(
    series: list[MetricSeries], start: datetime, end: datetime
) -> dict[str, dict[datetime, float]]:
    """Hourly maxima per GPU (CloudWatch agent dimension ``index``)."""
    out: dict[str, dict[datetime, float]] = {}
    for s in series:
        index = s.dimensions.get("index", "0")
        hourly = hourly_maxima(in_window(s, start, end))
        merged = out.setdefault(index, {})
        for hour, v in hourly.items():
            merged[hour] = max(merged.get(hour, v), v)
    return out


def _summed(per_gpu: dict[str, dict[datetime, float]], scale: float) -> dict[datetime, float]:
    """Per hour, the sum over GPUs of value x scale (busy GPUs, GiB used...)."""
    out: dict[datetime, float] = {}
    for hourly in per_gpu.values():
        for hour, v in hourly.items():
            out[hour] = out.get(hour, 0.0) + v * scale
    return out


def _rated_watts(settings: dict[str, Any], gpu_model: str | None) -> float | None:
    table = settings["gpu_rated_power_watts"]
    if not isinstance(table, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in table.values()
    ):
        raise UserError(
            "underused-ec2-gpu: gpu_rated_power_watts must map GPU models to watts above 0",
            'e.g. {"NVIDIA A10G" = 300}: the "power.limit" nvidia-smi reports on that GPU',
        )
    value = table.get(gpu_model or "")
    return None if value is None else float(value)


@check(
    "underused-ec2-gpu",
    ResourceKind.EC2_INSTANCE,
    needs=(
        MetricLabel.CPU_UTILIZATION,
        MetricLabel.GPU_UTILIZATION,
        MetricLabel.GPU_MEMORY_USED,
        MetricLabel.GPU_POWER_DRAW,
        MetricLabel.GPU_TEMPERATURE,
    ),
    statuses=("running",),
    min_hours=72,
    gpu_idle_pct=5.0,
    gpu_threshold_pct=30.0,
    cpu_idle_pct=5.0,
    headroom=1.25,
    min_coverage=0.9,
    gpu_rated_power_watts={},
)
def underused_ec2_gpu(
    resource: Ec2Instance, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A running NVIDIA GPU instance whose GPUs did some work, but little: the cheapest
    smaller priced type of the same GPU model that carries the observed peak.

    Rule: over the window (the scan's lookback; the instance up for at least ``min_hours``,
    72 h; datapoints in ``min_coverage`` of its hours) the CloudWatch agent's
    ``nvidia_smi_utilization_gpu`` (``CWAgent``, one series per GPU ``index``, hourly
    Maximum) has a busiest-hour per-GPU value at or above ``gpu_idle_pct`` (5 %: below it the
    box is idle, ``idle-ec2-gpu``'s stop, never this check's resize) and a 95th percentile
    of the mean per-GPU utilisation below ``gpu_threshold_pct`` (30 %). Demand: p95 busy
    GPUs (sum over GPUs), peak GPU memory (``nvidia_smi_memory_used``, when published; else
    the current GPU memory is kept), p95 busy vCPUs (``AWS/EC2`` CPUUtilization x vCPUs);
    ``pricing.sizing.cheapest_fleet`` answers with the cheapest priced EC2 type of the same
    GPU model that carries it x ``headroom`` (1.25).

    Power instead of utilisation: where the agent publishes ``nvidia_smi_power_draw`` (and
    ``nvidia_smi_temperature_gpu``) but not utilisation, utilisation is ESTIMATED as power
    draw / the GPU's rated power, per GPU, and the evidence says so (confidence 0.4). The
    rated power is not in the shipped spec data (../shared/data has no GPU power limits),
    so it comes only from the ``gpu_rated_power_watts`` setting (GPU model -> watts, the
    ``power.limit`` nvidia-smi reports); without it nothing is estimated. Idle draw counts
    as use, so the estimate overstates use (never flags a busy GPU); a power-only box whose
    CPU is idle (p95 below ``cpu_idle_pct``) is left to ``idle-ec2-gpu``.

    Money: (current - proposed) EC2 on-demand Linux price x 730 h; spot, capacity-block and
    non-Linux instances are not judged (their rates are not in the catalogue, so the cheaper
    type cannot be chosen by price). Fix: change the instance
    type (stop, ModifyInstanceAttribute InstanceType, start) - advisory, disruptive.
    """
    if resource.state != "running":
        return []
    spec = spec_or_none(resource.instance_type)
    if spec is None or spec.gpu_count < 1 or spec.accelerator != "nvidia":
        return []
    end = inventory.end
    start = max(inventory.start, end - timedelta(days=inventory.lookback_days))
    if resource.launch_time is not None and resource.launch_time > start:
        start = resource.launch_time
    if (end - start) < timedelta(hours=float(settings["min_hours"])):
        return []
    slots = hour_slots(start, end)
    cov = float(settings["min_coverage"])
    util = inventory.series(resource, MetricLabel.GPU_UTILIZATION)
    power = inventory.series(resource, MetricLabel.GPU_POWER_DRAW)
    temps = inventory.series(resource, MetricLabel.GPU_TEMPERATURE)
    memory = inventory.series(resource, MetricLabel.GPU_MEMORY_USED)
    cpu = inventory.series(resource, MetricLabel.CPU_UTILIZATION)
    if not all(s.readable for s in util + power + temps + memory + cpu):
        return []  # a failed read is no verdict
    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "instance_type": resource.instance_type,
        "lifecycle": resource.lifecycle,
        "platform": resource.platform,
        "gpu_count": spec.gpu_count,
        "gpu_model": spec.gpu_model,
        "gpu_memory_gib_total": str(spec.gpu_memory_gib),
        "vcpus": spec.vcpu,
    }
    signals: list[str] = []
    confidence = 0.7
    if util:
        per_gpu = _per_gpu_hourly(util, start, end)
        evidence["gpu_utilization_source"] = "CWAgent nvidia_smi_utilization_gpu (per GPU)"
        signals.append("CWAgent nvidia_smi_utilization_gpu by InstanceId, index")
    elif power:
        rated = _rated_watts(settings, spec.gpu_model)
        if rated is None:
            return []
        cpu_hourly = merged_hourly_maxima(cpu, start, end)
        if not cpu_hourly or percentile(cpu_hourly.values(), 95) < settings["cpu_idle_pct"]:
            return []  # looks idle: idle-ec2-gpu's call, not a resize
        draw = _per_gpu_hourly(power, start, end)
        per_gpu = {i: {h: w / rated * 100 for h, w in hs.items()} for i, hs in draw.items()}
        peak_w = max(w for hs in draw.values() for w in hs.values())
        evidence["gpu_utilization_source"] = (
            "ESTIMATED: no utilisation metric; CWAgent nvidia_smi_power_draw / rated power "
            f"({rated:g} W per {spec.gpu_model}, from the setting gpu_rated_power_watts). Idle "
            "draw counts as use, so the estimate overstates use"
        )
        evidence["gpu_power_draw_peak_w"] = round(peak_w, 1)
        evidence["gpu_rated_power_w"] = rated
        signals.append("CWAgent nvidia_smi_power_draw by InstanceId, index")
        if temps:
            t_hourly = merged_hourly_maxima(temps, start, end)
            if t_hourly:
                evidence["gpu_temperature_max_c"] = round(max(t_hourly.values()), 1)
                signals.append("CWAgent nvidia_smi_temperature_gpu (shown, not judged)")
        confidence = 0.4
    else:
        return []
    busy = _summed(per_gpu, 1 / 100)  # busy GPUs per hour
    if len(busy) < cov * slots:
        return []
    mean_pct = {h: b / spec.gpu_count * 100 for h, b in busy.items()}
    busiest_gpu = max(v for hs in per_gpu.values() for v in hs.values())
    p95_pct = percentile(mean_pct.values(), 95)
    if busiest_gpu < settings["gpu_idle_pct"] or p95_pct >= settings["gpu_threshold_pct"]:
        return []
    busy_p95 = percentile(busy.values(), 95)
    gpu_mem_gib: float | None = None
    if memory:
        mem_hourly = _summed(_per_gpu_hourly(memory, start, end), 1 / 1024)  # MiB -> GiB
        if len(mem_hourly) >= cov * slots:
            gpu_mem_gib = max(mem_hourly.values())
            signals.append("CWAgent nvidia_smi_memory_used by InstanceId, index")
    cpu_hourly = merged_hourly_maxima(cpu, start, end)
    cpu_ok = len(cpu_hourly) >= cov * slots
    busy_vcpus = percentile(cpu_hourly.values(), 95) / 100 * spec.vcpu if cpu_ok else spec.vcpu
    if cpu_ok:
        signals.append("AWS/EC2 CPUUtilization by InstanceId")
    evidence.update(
        {
            "gpu_utilization_p95_mean_per_gpu_pct": round(p95_pct, 2),
            "gpu_utilization_busiest_gpu_hour_pct": round(busiest_gpu, 2),
            "busy_gpus_p95": round(busy_p95, 3),
            "gpu_memory_peak_gib": None if gpu_mem_gib is None else round(gpu_mem_gib, 2),
            "busy_vcpus_p95": round(busy_vcpus, 2),
            "thresholds": {
                k: settings[k] for k in ("gpu_idle_pct", "gpu_threshold_pct", "headroom")
            },
            "signals_used": signals,
            "signals_not_checked": NOT_CHECKED
            + ([] if gpu_mem_gib is not None else ["GPU memory (not published: kept whole)"]),
        }
    )
    if resource.platform not in ("Linux/UNIX", "") or resource.lifecycle != "on-demand":
        return []  # its rate is not in the catalogue: no priced comparison to offer
    current = quote(resource.instance_type, resource.region, Usage.EC2)
    if current.quote is None:
        return []
    demand = Demand(vcpus=busy_vcpus, memory_gib=None, gpus=busy_p95, gpu_memory_gib=gpu_mem_gib)
    target = cheapest_fleet(
        resource.region,
        Usage.EC2,
        Fleet(resource.instance_type, spec, 1),
        demand,
        headroom=float(settings["headroom"]),
        allow=not_burstable,
    )
    if target is None or target[0].instance_type == resource.instance_type:
        return []
    proposed = target[0]
    cost = money(current.quote.usd_per_hour * HOURS_PER_MONTH)
    delta = current.quote.usd_per_hour - proposed.usd_per_hour
    if delta <= 0:
        return []
    saving = money(delta * HOURS_PER_MONTH)
    evidence.update(
        {
            "price": current.quote.evidence(),
            "proposed_instance_type": proposed.instance_type,
            "proposed_price": proposed.evidence(),
            "monthly_arithmetic": f"({current.quote.usd_per_hour} - {proposed.usd_per_hour}) "
            f"$/h x {int(HOURS_PER_MONTH)} h",
            "hours_per_month": int(HOURS_PER_MONTH),
        }
    )
    confidence *= min(current.quote.confidence, proposed.confidence)
    how = "estimated from power draw" if confidence < 0.5 else "p95"
    return [
        finding_for(
            "underused-ec2-gpu",
            resource,
            title=f"GPU instance {resource.id} ({resource.instance_type}) uses "
            f"{p95_pct:.0f} % of its GPUs ({how}): {proposed.instance_type} carries it",
            evidence=evidence,
            cost=cost,
            saving=saving,
            fix=Fix(
                "change-instance-type",
                {"InstanceId": resource.id, "InstanceType": proposed.instance_type},
            ),
            risk=Risk.DISRUPTIVE,
            confidence=confidence,
        )
    ]
