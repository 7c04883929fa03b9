"""SageMaker processing jobs running far beyond their own history."""

from __future__ import annotations

from typing import Any

from mlcost.checks._long_running import DEFAULTS, Variant, judge
from mlcost.checks.registry import check
from mlcost.model import Finding, Inventory, Job, ResourceKind, Usage

PROCESSING = Variant(
    check_id="long-running-processing-job",
    noun="Processing job",
    usage=Usage.PROCESSING,
    running=("InProgress",),
    completed="Completed",
    stop_action="stop-processing-job",
    stop_param="ProcessingJobName",
    start_field="ProcessingStartTime",
)


@check(
    "long-running-processing-job",
    ResourceKind.PROCESSING_JOB,
    statuses=("InProgress", "Completed"),
    **DEFAULTS,
)
def long_running_processing_job(
    resource: Job, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A processing job still InProgress that has run more than ``history_factor`` x the
    longest of its previous completed runs (same name prefix, else same image and instance
    type; at least ``min_history`` runs in the window). The same rule as
    ``long-running-job``; processing jobs publish no SecondaryStatus, so ``startup_hours``
    only applies to training.

    Source: DescribeProcessingJob (ProcessingStartTime, ProcessingJobStatus,
    StoppingCondition.MaxRuntimeInSeconds).

    Money: cost so far = instance count x processing price x hours since
    ProcessingStartTime; the saving of a stop = that rate over the hours left before
    MaxRuntimeInSeconds (at most 730 h). StopProcessingJob cannot be undone: risk
    disruptive, left out of `mlcost fix --all`.

    Read: jobs created in the window, and (a second ListProcessingJobs pass, StatusEquals
    InProgress) jobs still running whenever they were created.
    """
    return judge(PROCESSING, resource, inventory, settings)
