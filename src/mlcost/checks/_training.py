"""What the training-job checks share: the job's run as a window, its per-host instance
metrics normalised with the instance spec, its billed hours, and whether its image's
framework can use a GPU at all.

Why one place: ``training-cpu-framework-on-gpu`` (a GPU the job cannot or did not use) and
``underused-training`` (a GPU it used a little) must read the same numbers the same way, and
a job one of them claims must not be claimed by the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mlcost.checks._support import hour_slots, hourly_maxima, in_window
from mlcost.model import Inventory, Job, MetricLabel, MetricSeries, usd
from mlcost.pricing import InstanceSpec

#: ECR repositories of SageMaker framework / algorithm images that cannot use a GPU, with
#: where AWS says so. Matched on the repository name of the job's image URI.
CPU_ONLY_REPOSITORIES: dict[str, str] = {
    # SageMaker's scikit-learn containers are CPU builds only (scikit-learn has no GPU
    # support): docs.aws.amazon.com/sagemaker/latest/dg/sklearn.html and
    # github.com/aws/sagemaker-scikit-learn-container ("Docker images ... CPU").
    "sagemaker-scikit-learn": "SageMaker scikit-learn container (CPU only)",
    # The legacy built-in XGBoost 0.72 image: CPU only (xgboost.html, "EC2 instance
    # recommendation for the XGBoost algorithm": 1.0-1 or earlier trains on CPUs only).
    "xgboost": "legacy SageMaker XGBoost 0.72 algorithm image (CPU only)",
}

#: SageMaker XGBoost trains on GPUs from version 1.2 on; "SageMaker AI XGBoost 1.0-1 or
#: earlier only trains using CPUs" (xgboost.html, EC2 instance recommendation).
XGBOOST_REPOSITORY = "sagemaker-xgboost"
XGBOOST_FIRST_GPU_VERSION = (1, 2)

#: Deep-learning-container tags name their build: "2.1.0-cpu-py310-ubuntu20.04-sagemaker",
#: "1.2-1-cpu-py3"; a CPU build of any framework cannot use the GPU it runs on.
_CPU_TAG = re.compile(r"(^|[-_.])cpu([-_.]|$)")


def image_repository(image: str | None) -> tuple[str, str]:
    """(repository, tag) of an image URI: ``acct.dkr.ecr.region.amazonaws.com/repo:tag``
    -> ("repo", "tag"); a digest (``@sha256:...``) gives an empty tag."""
    if not image:
        return "", ""
    path = image.split("/", 1)[1] if "/" in image else image
    if "@" in path:
        return path.split("@", 1)[0], ""
    repo, _, tag = path.partition(":")
    return repo, tag


def cpu_only_framework(image: str | None) -> str | None:
    """Why the image's framework cannot use a GPU, or None when it can (or is unknown)."""
    repo, tag = image_repository(image)
    name = repo.rsplit("/", 1)[-1]
    if name in CPU_ONLY_REPOSITORIES:
        return f"{CPU_ONLY_REPOSITORIES[name]}: image repository {name!r}"
    if name == XGBOOST_REPOSITORY:
        version = re.match(r"^(\d+)\.(\d+)", tag)
        if version and (int(version[1]), int(version[2])) < XGBOOST_FIRST_GPU_VERSION:
            return (
                f"SageMaker XGBoost {tag}: versions before 1.2 train on CPUs only "
                "(docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html)"
            )
    if tag and _CPU_TAG.search(tag):
        return f"a CPU build of the framework: image tag {tag!r} of {name!r}"
    return None


@dataclass(frozen=True, slots=True)
class JobRun:
    """A finished job's run: when, how long billed, and the window it is judged over."""

    start: datetime
    end: datetime
    billed_hours: Decimal  # per instance
    billed_field: str


def finished_run(job: Job, inventory: Inventory) -> JobRun | None:
    """The run of a Completed/Stopped job that ended in the scan window, else None."""
    if job.status not in ("Completed", "Stopped") or job.start is None or job.end is None:
        return None
    if not inventory.start <= job.end <= inventory.end:
        return None
    if job.billable_seconds is not None:
        seconds, fld = job.billable_seconds, "BillableTimeInSeconds"
    elif job.run_seconds is not None:
        seconds, fld = job.run_seconds, "TrainingTimeInSeconds"
    else:
        seconds, fld = int((job.end - job.start).total_seconds()), "end - start"
    return JobRun(job.start, job.end, Decimal(seconds) / Decimal(3600), fld)


@dataclass(frozen=True, slots=True)
class HostUse:
    """One label's hourly maxima over the run, merged across the job's hosts, with coverage."""

    hourly: dict[datetime, float]
    hosts: int
    readable: bool
    covered: bool

    @property
    def values(self) -> list[float]:
        return list(self.hourly.values())


def host_use(
    job: Job, inventory: Inventory, label: MetricLabel, run: JobRun, min_coverage: float
) -> HostUse:
    """Hourly maxima of one per-host series (max across hosts) over the job's run.

    ``covered``: datapoints in at least ``min_coverage`` of the run's clock hours (a job
    shorter than an hour has one); ``readable`` False when any host's read failed."""
    series: list[MetricSeries] = inventory.series(job, label)
    if not series:
        return HostUse({}, 0, True, False)
    if not all(s.readable for s in series):
        return HostUse({}, len(series), False, False)
    merged: dict[datetime, float] = {}
    for s in series:
        for hour, v in hourly_maxima(in_window(s, run.start, run.end)).items():
            merged[hour] = max(merged.get(hour, v), v)
    slots = max(hour_slots(run.start, run.end), 1)
    return HostUse(merged, len(series), True, len(merged) >= min_coverage * slots)


def gpu_evidence(spec: InstanceSpec) -> dict[str, Any]:
    return {
        "gpu_count": spec.gpu_count,
        "gpu_model": spec.gpu_model,
        "gpu_memory_gib_total": str(spec.gpu_memory_gib),
        "vcpus": spec.vcpu,
        "memory_gib": str(spec.memory_gib),
    }


#: The unit SageMaker publishes job GPU/CPU utilisation in (training-metrics.html).
SUMMED_UNITS = (
    "/aws/sagemaker/TrainingJobs GPUUtilization, GPUMemoryUtilization and CPUUtilization are "
    "summed over the host's GPUs / vCPUs (0-100 % x count); per-GPU % = value / GPUs"
)


def resize_figures(
    job: Job,
    run: JobRun,
    inventory: Inventory,
    current: Any,
    target: Any,
    target_count: int,
) -> tuple[dict[str, Any], Decimal, Decimal]:
    """The dollar arithmetic of running the same job on ``target_count`` x ``target``:
    (evidence, monthly cost, monthly saving). ``current`` / ``target`` are PriceQuotes.

    Window figures are price x instances x billed hours; the month scales them by
    730 / window hours (jobs like this assumed to recur at the same rate)."""
    window_hours = Decimal(str((inventory.end - inventory.start).total_seconds())) / 3600
    scale = Decimal(730) / window_hours
    now_w = current.usd_per_hour * job.instance_count * run.billed_hours
    new_w = target.usd_per_hour * target_count * run.billed_hours
    evidence = {
        "billed_hours_per_instance": str(run.billed_hours.quantize(Decimal("0.0001"))),
        "billed_hours_field": run.billed_field,
        "price": current.evidence(),
        "proposed_price": target.evidence(),
        "window_cost_usd": str(usd(now_w)),
        "window_cost_arithmetic": f"{current.usd_per_hour} $/h x {job.instance_count} x "
        f"{run.billed_hours.quantize(Decimal('0.0001'))} h",
        "proposed_window_cost_usd": str(usd(new_w)),
        "proposed_window_cost_arithmetic": f"{target.usd_per_hour} $/h x {target_count} x "
        f"{run.billed_hours.quantize(Decimal('0.0001'))} h",
        "window_savings_usd": str(usd(now_w - new_w)),
        "monthly_scaling": f"window figures x 730 / {window_hours.normalize()} h "
        "(assumes jobs like this recur at the same rate)",
    }
    return evidence, usd(now_w * scale), usd((now_w - new_w) * scale)
