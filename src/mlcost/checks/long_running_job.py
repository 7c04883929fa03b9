"""SageMaker training jobs running far beyond their own history, or stuck starting up."""

from __future__ import annotations

from typing import Any

from mlcost.checks._long_running import DEFAULTS, Variant, judge
from mlcost.checks.registry import check
from mlcost.model import Finding, Inventory, Job, ResourceKind, Usage

TRAINING = Variant(
    check_id="long-running-job",
    noun="Training job",
    usage=Usage.TRAINING,
    running=("InProgress",),
    completed="Completed",
    stop_action="stop-training-job",
    stop_param="TrainingJobName",
    start_field="TrainingStartTime",
)


@check(
    "long-running-job",
    ResourceKind.TRAINING_JOB,
    # running jobs are judged; completed ones are their history
    statuses=("InProgress", "Completed"),
    **DEFAULTS,
)
def long_running_job(
    resource: Job, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A training job still InProgress that is stuck in a start-up ``SecondaryStatus``
    (Starting, Pending, LaunchingMLInstances, PreparingTrainingStack, Downloading,
    DownloadingTrainingImage) for more than ``startup_hours``, or has run more than
    ``history_factor`` x the longest of its previous completed runs (same name prefix, else
    same image and instance type; at least ``min_history`` runs in the window).

    Source: DescribeTrainingJob's SecondaryStatus and SecondaryStatusTransitions
    (docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTrainingJob.html); AWS
    bills a training job from TrainingStartTime to TrainingEndTime.

    Money: cost so far = instance count x training price x hours since TrainingStartTime;
    the saving of a stop = that rate over the hours left before the job's own
    MaxRuntimeInSeconds would stop it (at most 730 h). The fix, StopTrainingJob, cannot be
    undone (a stopped job cannot be resumed): risk disruptive, and `mlcost fix --all`
    leaves it out; choose it by id or with --check.
    """
    return judge(TRAINING, resource, inventory, settings)
