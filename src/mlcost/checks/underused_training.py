"""GPU training jobs that used a small part of their GPUs: fewer or smaller GPUs."""

from __future__ import annotations

from typing import Any

from mlcost.checks._support import finding_for, percentile, quote, spec_or_none, window_evidence
from mlcost.checks._training import (
    SUMMED_UNITS,
    cpu_only_framework,
    finished_run,
    gpu_evidence,
    host_use,
    resize_figures,
)
from mlcost.checks.registry import check
from mlcost.model import Finding, Fix, Inventory, Job, MetricLabel, ResourceKind, Risk, Usage
from mlcost.pricing.sizing import Demand, Fleet, cheapest_fleet, not_burstable

NOT_CHECKED = [
    "the job's speed on fewer GPUs: assumed unchanged because the GPUs were mostly idle "
    "(a job bound by inter-GPU communication may not shrink linearly)",
    "GPU memory bandwidth and interconnect (NVLink / EFA) needs",
    "heterogeneous clusters (ResourceConfig.InstanceGroups)",
]


@check(
    "underused-training",
    ResourceKind.TRAINING_JOB,
    needs=(
        MetricLabel.GPU_UTILIZATION,
        MetricLabel.GPU_MEMORY_UTILIZATION,
        MetricLabel.CPU_UTILIZATION,
        MetricLabel.MEMORY_UTILIZATION,
    ),
    statuses=("Completed", "Stopped"),
    gpu_threshold_pct=30.0,
    gpu_near_zero_pct=1.0,
    headroom=1.25,
    min_coverage=0.8,
)
def underused_training(
    resource: Job, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A finished GPU training job whose GPUs were mostly idle: the cheapest fleet of the
    same GPU model that carries its observed peak, with headroom, costs less.

    Rule: the job ended (Completed / Stopped) in the window on an NVIDIA GPU type; over its
    run (``/aws/sagemaker/TrainingJobs``, dimension ``Host`` = "<job>/algo-<n>", hourly
    Maximum, summed over the host's GPUs / vCPUs; datapoints in at least ``min_coverage`` of
    the run's hours) the 95th percentile of GPUUtilization per GPU is below
    ``gpu_threshold_pct`` (30 %) but the GPUs were used (max at or above
    ``gpu_near_zero_pct``: a GPU at ~0 % or a CPU-only image is
    ``training-cpu-framework-on-gpu``'s finding, not this one). Demand per instance: p95 busy
    GPUs and vCPUs, peak GPU memory and host memory; ``pricing.sizing.cheapest_fleet`` finds
    the cheapest priced (type, count) of the same GPU model that carries it x ``headroom``
    (1.25). Money: training price x instances x billed hours, now and proposed, scaled to a
    month by 730 / window hours. The fix applies to the job's next run.
    """
    run = finished_run(resource, inventory)
    spec = spec_or_none(resource.instance_type) if resource.instance_type else None
    if run is None or resource.instance_groups or spec is None:
        return []
    if spec.gpu_count == 0 or spec.accelerator != "nvidia" or cpu_only_framework(resource.image):
        return []
    cov = settings["min_coverage"]
    gpu = host_use(resource, inventory, MetricLabel.GPU_UTILIZATION, run, cov)
    gmem = host_use(resource, inventory, MetricLabel.GPU_MEMORY_UTILIZATION, run, cov)
    cpu = host_use(resource, inventory, MetricLabel.CPU_UTILIZATION, run, cov)
    mem = host_use(resource, inventory, MetricLabel.MEMORY_UTILIZATION, run, cov)
    if not (gpu.readable and gpu.covered and gmem.readable and gmem.covered):
        return []  # GPU memory decides what fits: without it, no smaller GPU is safe
    gpus = spec.gpu_count
    gpu_p95 = percentile(gpu.values, 95) / gpus
    gpu_max = max(gpu.values) / gpus
    if gpu_p95 >= settings["gpu_threshold_pct"] or gpu_max < settings["gpu_near_zero_pct"]:
        return []
    per_gpu_mem = float(spec.gpu_memory_gib) / gpus
    busy_gpus = percentile(gpu.values, 95) / 100
    gpu_mem_gib = max(gmem.values) / 100 * per_gpu_mem
    cpu_ok = cpu.readable and cpu.covered
    mem_ok = mem.readable and mem.covered
    busy_vcpus = percentile(cpu.values, 95) / 100 if cpu_ok else float(spec.vcpu)
    memory_gib = max(mem.values) / 100 * float(spec.memory_gib) if mem_ok else None
    demand = Demand(
        vcpus=busy_vcpus, memory_gib=memory_gib, gpus=busy_gpus, gpu_memory_gib=gpu_mem_gib
    )
    evidence: dict[str, Any] = {
        **window_evidence(inventory.start, inventory.end),
        "job_start": run.start.isoformat(),
        "job_end": run.end.isoformat(),
        "instance_type": resource.instance_type,
        "instance_count": resource.instance_count,
        **gpu_evidence(spec),
        "gpu_utilization_p95_per_gpu_pct": round(gpu_p95, 2),
        "gpu_utilization_max_per_gpu_pct": round(gpu_max, 2),
        "busy_gpus_p95_per_instance": round(busy_gpus, 3),
        "gpu_memory_peak_gib_per_instance": round(gpu_mem_gib, 2),
        "busy_vcpus_p95_per_instance": round(busy_vcpus, 2) if cpu_ok else None,
        "memory_peak_gib_per_instance": round(memory_gib, 2) if memory_gib is not None else None,
        "headroom": settings["headroom"],
        "units": SUMMED_UNITS,
        "signals_used": [
            "/aws/sagemaker/TrainingJobs GPUUtilization, GPUMemoryUtilization"
            + (", CPUUtilization" if cpu_ok else "")
            + (", MemoryUtilization" if mem_ok else "")
            + " by Host (hourly Maximum over the run)"
        ],
        "signals_not_checked": NOT_CHECKED
        + ([] if cpu_ok else ["CPU use (not covered: the proposal keeps every vCPU)"])
        + ([] if mem_ok else ["host memory (not covered: the proposal keeps it all)"]),
    }
    current = quote(resource.instance_type, resource.region, Usage.TRAINING)
    if current.quote is None:
        return []  # nothing to compare a cheaper fleet against
    target = cheapest_fleet(
        resource.region,
        Usage.TRAINING,
        Fleet(resource.instance_type, spec, resource.instance_count),
        demand,
        headroom=float(settings["headroom"]),
        allow=not_burstable,
    )
    if target is None:
        return []
    quote_t, count_t = target
    if quote_t.instance_type == resource.instance_type and count_t == resource.instance_count:
        return []
    figures, cost, saving = resize_figures(
        resource, run, inventory, current.quote, quote_t, count_t
    )
    if saving <= 0:
        return []
    evidence.update(figures)
    evidence["proposed_instance_type"] = quote_t.instance_type
    evidence["proposed_instance_count"] = count_t
    confidence = 0.6 * min(current.quote.confidence, quote_t.confidence)
    return [
        finding_for(
            "underused-training",
            resource,
            title=f"Training job {resource.id} used {gpu_p95:.0f} % of its GPUs (p95) on "
            f"{resource.instance_count} x {resource.instance_type}: "
            f"{count_t} x {quote_t.instance_type} carries it",
            evidence=evidence,
            cost=cost,
            saving=saving,
            fix=Fix(
                "change-training-instance-type",
                {
                    "TrainingJobName": resource.id,
                    "ResourceConfig": {
                        "InstanceType": quote_t.instance_type,
                        "InstanceCount": count_t,
                    },
                },
            ),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
