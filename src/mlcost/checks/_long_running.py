"""The long-running-job rule, shared by the training and processing variants.

Why one place: a training job and a processing job run away the same way (a hung data
loader, a loop that never converges, a cluster that never finishes launching) and are
priced the same way (instance count x the usage's hourly price x hours running); only
their price list (training vs processing), their stop call and whether AWS publishes a
start-up ``SecondaryStatus`` (training only) differ.

The rule, for a job still running at the end of the scan:

* **stuck in start-up**: its ``SecondaryStatus`` is one of AWS's start-up states
  (Starting, Pending, LaunchingMLInstances, PreparingTrainingStack, Downloading,
  DownloadingTrainingImage) and has been for more than ``startup_hours``;
* **far beyond its history**: it has run more than ``history_factor`` x the longest of its
  own previous runs, where its history is the jobs of the same kind that completed in the
  window with the same name prefix (the name without the SageMaker SDK's
  ``-YYYY-MM-DD-HH-MM-SS-mmm`` suffix or a trailing number) or, failing that, the same
  image on the same instance type; at least ``min_history`` of them, or nothing is said.

Money: cost accrued so far = instance count x hourly price x hours since the job's start
time (AWS bills a training job from ``TrainingStartTime``); the saving of a stop = the same
rate over the hours left before the job's own ``MaxRuntimeInSeconds`` would stop it (at
most a month; unknown limit: a month, and said so).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    add_unpriced,
    finding_for,
    hours_between,
    money,
    quote,
)
from mlcost.model import Finding, Fix, Inventory, Job, Risk, Usage

#: AWS's SecondaryStatus values before a training job trains (DescribeTrainingJob,
#: "SecondaryStatus": Starting - "Starting the training job", LaunchingMLInstances,
#: PreparingTrainingStack, Downloading / DownloadingTrainingImage; Pending for a job
#: waiting for capacity on a training plan or cluster).
STARTUP_SECONDARY_STATUSES = frozenset(
    {
        "Starting",
        "Pending",
        "LaunchingMLInstances",
        "PreparingTrainingStack",
        "Downloading",
        "DownloadingTrainingImage",
    }
)

#: The SageMaker Python SDK names a job ``<base>-YYYY-MM-DD-HH-MM-SS-mmm``
#: (sagemaker.utils.name_from_base); pipelines and schedulers often add a run number.
_SDK_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d{3})?$")
_NUMBER_SUFFIX = re.compile(r"[-_]\d+$")

#: At most this many previous runs are named (and re-read before a stop): the longest is
#: always among them.
MAX_RELATED = 40

#: The settings both variants declare (``@check`` defaults).
DEFAULTS: dict[str, Any] = {"history_factor": 2.0, "min_history": 2, "startup_hours": 1.0}


def name_prefix(name: str) -> str | None:
    """The job's base name without a generated suffix, or None when it has none."""
    for pattern in (_SDK_SUFFIX, _NUMBER_SUFFIX):
        stripped = pattern.sub("", name)
        if stripped != name and stripped:
            return stripped
    return None


@dataclass(frozen=True, slots=True)
class History:
    """A job's previous completed runs and how they were matched."""

    basis: str
    runs: list[Job]

    @property
    def longest_hours(self) -> Decimal:
        return max(Decimal(r.run_seconds or 0) for r in self.runs) / 3600

    def evidence(self) -> dict[str, Any]:
        hours = [Decimal(r.run_seconds or 0) / 3600 for r in self.runs]
        longest = max(self.runs, key=lambda r: r.run_seconds or 0)
        others = sorted(r.id for r in self.runs if r is not longest)
        return {
            "history_basis": self.basis,
            "history_runs": len(self.runs),
            # the runs compared with; the fix's re-check reads them again (CONTRACTS.md)
            "related_resources": sorted([longest.id, *others[: MAX_RELATED - 1]]),
            "history_longest_hours": str(max(hours).quantize(Decimal("0.01"))),
            "history_median_hours": str(
                Decimal(statistics.median(hours)).quantize(Decimal("0.01"))
            ),
        }


def history(job: Job, inventory: Inventory, completed: str) -> History | None:
    """The same kind's completed runs like ``job`` in the window: by name prefix first,
    else by image and instance type; None when neither matches any run."""
    done = [
        r
        for r in inventory.of_kind(job.kind)
        if isinstance(r, Job)
        and r.id != job.id
        and r.region == job.region
        and r.status == completed
        and r.run_seconds
    ]
    prefix = name_prefix(job.id)
    if prefix is not None:
        same = [r for r in done if name_prefix(r.id) == prefix]
        if same:
            return History(f"name prefix {prefix!r}", same)
    if job.image and job.instance_type:
        same = [r for r in done if r.image == job.image and r.instance_type == job.instance_type]
        if same:
            return History(f"image {job.image} on {job.instance_type}", same)
    return None


@dataclass(frozen=True, slots=True)
class Variant:
    """What differs between the training and processing variants."""

    check_id: str
    noun: str  # "Training job"
    usage: Usage
    running: tuple[str, ...]  # statuses of a job still running
    completed: str
    stop_action: str  # the fix action name
    stop_param: str  # the stop call's name parameter
    start_field: str  # the API field billing starts from


def judge(
    variant: Variant, job: Job, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """Zero or one finding: ``job`` stuck in start-up or running far beyond its history."""
    if job.status not in variant.running:
        return []
    now = inventory.end
    began = job.start or job.created
    running_hours = hours_between(began, now) if began else None
    reasons: list[str] = []
    evidence: dict[str, Any] = {
        "status": job.status,
        "secondary_status": job.secondary_status,
        "as_of": now.isoformat(),
        "start_field": variant.start_field if job.start else "CreationTime (not started yet)",
        "started": began.isoformat() if began else None,
        "running_hours": None
        if running_hours is None
        else str(running_hours.quantize(Decimal("0.01"))),
    }
    startup_limit = Decimal(str(settings["startup_hours"]))
    if job.secondary_status in STARTUP_SECONDARY_STATUSES:
        since = job.secondary_status_since or job.created
        stuck = hours_between(since, now) if since else None
        evidence["secondary_status_since"] = since.isoformat() if since else None
        evidence["startup_hours"] = None if stuck is None else str(stuck.quantize(Decimal("0.01")))
        evidence["startup_limit_hours"] = str(startup_limit)
        if stuck is not None and stuck > startup_limit:
            reasons.append(
                f"stuck in {job.secondary_status} for {stuck.quantize(Decimal('0.1'))} h "
                f"(limit {startup_limit} h)"
            )
    past = history(job, inventory, variant.completed)
    factor = Decimal(str(settings["history_factor"]))
    if past is not None:
        evidence.update(past.evidence())
    if past is not None and len(past.runs) >= settings["min_history"] and running_hours:
        limit = factor * past.longest_hours
        evidence["history_limit_hours"] = str(limit.quantize(Decimal("0.01")))
        if running_hours > limit:
            reasons.append(
                f"running {running_hours.quantize(Decimal('0.1'))} h, over {factor} x its "
                f"longest previous run ({past.longest_hours.quantize(Decimal('0.1'))} h)"
            )
    elif past is None or len(past.runs) < settings["min_history"]:
        evidence["history_note"] = (
            f"{0 if past is None else len(past.runs)} previous completed run(s) in the window; "
            f"{settings['min_history']} needed to judge the run time"
        )
    if not reasons:
        return []
    evidence["signals_used"] = [
        "status and SecondaryStatus with its transitions"
        if variant.usage is Usage.TRAINING
        else "status",
        f"{variant.start_field}, instance type and count, MaxRuntimeInSeconds",
        "previous completed runs in the window (name prefix, or image + instance type)",
    ]
    evidence["signals_not_checked"] = [
        "the job's logs and metrics (whether it is still making progress)",
        "runs older than the scan window",
    ]
    cost, saving, confidence = _price(variant, job, now, evidence)
    return [
        finding_for(
            variant.check_id,
            job,
            title=f"{variant.noun} {job.id} {'; '.join(reasons)}: investigate, stop if hung",
            evidence=evidence,
            cost=cost,
            saving=saving,
            fix=Fix(variant.stop_action, {variant.stop_param: job.id}),
            risk=Risk.DISRUPTIVE,
            confidence=confidence,
        )
    ]


def _price(
    variant: Variant, job: Job, now: datetime, evidence: dict[str, Any]
) -> tuple[Decimal | None, Decimal | None, float]:
    """(monthly cost at the job's rate, saving of a stop now, confidence); fills evidence."""
    billed_hours = hours_between(job.start, now) if job.start else None
    evidence["instance_type"] = job.instance_type
    evidence["instance_count"] = job.instance_count
    evidence["stop_cannot_be_undone"] = (
        "a stopped job cannot be resumed: a new job must be started (from its checkpoints, "
        "if it writes any)"
    )
    p = quote(job.instance_type, job.region, variant.usage)
    if p.quote is None:
        add_unpriced(evidence, job.instance_type, job.region, variant.usage, p.reason or "")
        return None, None, 0.4
    rate = p.quote.usd_per_hour * job.instance_count
    evidence["price"] = p.quote.evidence()
    evidence["usd_per_hour"] = str(rate)
    if billed_hours is None:
        evidence["cost_so_far_usd"] = None
        evidence["cost_so_far_note"] = f"{variant.start_field} not set yet: AWS bills from it"
    else:
        evidence["cost_so_far_usd"] = str(money(rate * billed_hours))
        evidence["cost_so_far_arithmetic"] = (
            f"{job.instance_count} x ${p.quote.usd_per_hour}/h x "
            f"{billed_hours.quantize(Decimal('0.01'))} h"
        )
    left = HOURS_PER_MONTH
    if job.max_runtime_seconds is not None:
        # MaxRuntimeInSeconds counts from the start of training (the job's start time)
        ran = billed_hours or Decimal(0)
        left = min(max(Decimal(job.max_runtime_seconds) / 3600 - ran, Decimal(0)), HOURS_PER_MONTH)
        evidence["hours_left_before_max_runtime"] = str(left.quantize(Decimal("0.01")))
        evidence["saving_basis"] = (
            "the job's rate over the hours left before its MaxRuntimeInSeconds stops it"
        )
    else:
        evidence["saving_basis"] = "MaxRuntimeInSeconds unknown: the job's rate for a month"
    evidence["saving_arithmetic"] = f"${rate}/h x {left.quantize(Decimal('0.01'))} h"
    return money(rate * HOURS_PER_MONTH), money(rate * left), 0.6 * p.quote.confidence
