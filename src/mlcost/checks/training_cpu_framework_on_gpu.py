"""GPU training jobs that could not, or did not, use their GPUs."""

from __future__ import annotations

import re
from typing import Any

from mlcost.checks._support import finding_for, quote, spec_or_none, window_evidence
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
from mlcost.pricing import InstanceSpec
from mlcost.pricing.sizing import Demand, Fleet, cheapest_fleet

#: General-purpose (M) and compute-optimised (C) families: m5, m6i, c5, c7i ... (not T:
#: burstable CPU credits run out under a training loop).
CPU_FAMILY = re.compile(r"^[mc]\d")

NOT_CHECKED = [
    "GPU calls made by the job's own code inside a CPU-only image (only the image "
    "repository / tag and GPUUtilization are read)",
    "the CPU type's speed: sized to the same or more vCPUs and memory, not to observed use; "
    "the run time is assumed unchanged (the GPU did no work)",
    "heterogeneous clusters (ResourceConfig.InstanceGroups) and processing jobs",
]


def _cpu_family(candidate: InstanceSpec) -> bool:
    return (
        candidate.gpu_count == 0
        and candidate.accelerator is None
        and bool(CPU_FAMILY.match(candidate.family))
    )


@check(
    "training-cpu-framework-on-gpu",
    ResourceKind.TRAINING_JOB,
    needs=(MetricLabel.GPU_UTILIZATION,),
    statuses=("Completed", "Stopped"),
    gpu_near_zero_pct=1.0,
    min_coverage=0.8,
)
def training_cpu_framework_on_gpu(
    resource: Job, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A finished training job on an NVIDIA GPU instance whose framework cannot use a GPU,
    or whose GPUs stayed at ~0 % for the whole run: an M or C type does the same work.

    Rule: the job ended (Completed / Stopped) in the window on a GPU type (catalogue spec),
    and EITHER its image is a CPU-only framework - matched on the ECR repository name and
    tag of ``AlgorithmSpecification.TrainingImage``: ``sagemaker-scikit-learn`` (SageMaker's
    scikit-learn containers are CPU builds, sklearn.html), ``sagemaker-xgboost`` before 1.2
    ("1.0-1 or earlier only trains using CPUs", xgboost.html), the legacy ``xgboost``
    image, or any tag naming a ``cpu`` build (deep-learning-container tags such as
    ``2.1.0-cpu-py310``) - OR ``/aws/sagemaker/TrainingJobs`` ``GPUUtilization`` (dimension
    ``Host`` = "<job>/algo-<n>", hourly Maximum, summed over the host's GPUs) stayed below
    ``gpu_near_zero_pct`` per GPU on every host for the whole run (datapoints in at least
    ``min_coverage`` of its hours; a failed read is no verdict).

    Proposal: the cheapest M or C type priced for training in the region with the same or
    more vCPUs and memory (``pricing.sizing.cheapest_fleet``), same instance count. Money:
    training price x instances x billed hours (BillableTimeInSeconds) for the window, now and
    proposed; the month scales the window by 730 / window hours. The fix applies to the
    job's next run (``ResourceConfig``); nothing is changed in AWS.
    """
    run = finished_run(resource, inventory)
    spec = spec_or_none(resource.instance_type) if resource.instance_type else None
    if run is None or resource.instance_groups or spec is None:
        return []
    if spec.gpu_count == 0 or spec.accelerator != "nvidia":
        return []
    reasons: list[str] = []
    signals: list[str] = []
    image_reason = cpu_only_framework(resource.image)
    if image_reason:
        reasons.append(image_reason)
    signals.append(f"image {resource.image!r}")
    gpu = host_use(resource, inventory, MetricLabel.GPU_UTILIZATION, run, settings["min_coverage"])
    evidence: dict[str, Any] = {
        **window_evidence(inventory.start, inventory.end),
        "job_start": run.start.isoformat(),
        "job_end": run.end.isoformat(),
        "instance_type": resource.instance_type,
        "instance_count": resource.instance_count,
        **gpu_evidence(spec),
        "image": resource.image,
        "image_verdict": image_reason or "no CPU-only framework recognised in the image",
    }
    if gpu.readable and gpu.covered:
        per_gpu_max = max(gpu.values) / spec.gpu_count
        evidence["gpu_utilization_max_per_gpu_pct"] = round(per_gpu_max, 2)
        evidence["gpu_hosts_read"] = gpu.hosts
        evidence["gpu_units"] = SUMMED_UNITS
        signals.append("/aws/sagemaker/TrainingJobs GPUUtilization by Host")
        if per_gpu_max < settings["gpu_near_zero_pct"]:
            reasons.append(
                f"GPUUtilization at most {per_gpu_max:.2f} % per GPU over the run "
                f"(below {settings['gpu_near_zero_pct']} %)"
            )
        elif image_reason:
            return []  # the GPUs did work: the image tag misled us, trust the metric
    else:
        evidence["gpu_utilization"] = (
            "read failed: no verdict from it"
            if not gpu.readable
            else "not published or not covering the run"
        )
    if not reasons:
        return []
    evidence["reasons"] = reasons
    evidence["signals_used"] = signals
    evidence["signals_not_checked"] = NOT_CHECKED

    demand = Demand(
        vcpus=float(spec.vcpu), memory_gib=float(spec.memory_gib), gpus=0.0, gpu_memory_gib=0.0
    )
    current = quote(resource.instance_type, resource.region, Usage.TRAINING)
    target = cheapest_fleet(
        resource.region,
        Usage.TRAINING,
        Fleet(resource.instance_type, spec, resource.instance_count),
        demand,
        headroom=1.0,
        min_count=resource.instance_count,
        allow=_cpu_family,
    )
    confidence = 0.9 if len(reasons) == 2 else (0.8 if image_reason else 0.7)
    cost = saving = None
    proposed = "an M or C type with the same vCPUs and memory"
    params: dict[str, Any] = {"TrainingJobName": resource.id}
    if current.quote is None or target is None:
        evidence["unpriced"] = (
            current.reason
            if current.quote is None
            else f"no M or C type with >= {spec.vcpu} vCPUs and >= {spec.memory_gib} GiB is "
            f"priced for training in {resource.region}"
        )
        evidence["unpriced_instance_type"] = resource.instance_type
        evidence["unpriced_usage"] = str(Usage.TRAINING)
        confidence = min(confidence, 0.5)
    else:
        quote_t, count_t = target
        figures, cost, saving = resize_figures(
            resource, run, inventory, current.quote, quote_t, count_t
        )
        if saving <= 0:
            return []
        evidence.update(figures)
        evidence["proposed_instance_type"] = quote_t.instance_type
        evidence["proposed_instance_count"] = count_t
        proposed = f"{count_t} x {quote_t.instance_type}"
        params["ResourceConfig"] = {"InstanceType": quote_t.instance_type, "InstanceCount": count_t}
        confidence *= min(current.quote.confidence, quote_t.confidence)
    return [
        finding_for(
            "training-cpu-framework-on-gpu",
            resource,
            title=f"Training job {resource.id} ran on {resource.instance_count} x "
            f"{resource.instance_type} without using the GPU: run it on {proposed}",
            evidence=evidence,
            cost=cost,
            saving=saving,
            fix=Fix("change-training-instance-type", params),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
