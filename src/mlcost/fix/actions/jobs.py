"""Stop a runaway training or processing job. There is no undo: a stopped job cannot be
resumed, only started again as a new job.

Why an action at all: a job stuck for hours in start-up or running far past its history
bills every instance-hour until its MaxRuntimeInSeconds; stopping it is one call. Because it
cannot be undone, the finding is risk ``disruptive``, ``mlcost fix --all`` leaves it out
(:attr:`Action.on_all`), and ``undo`` refuses it with that reason. The snapshot keeps the
job's whole description, so the user has everything needed to start it again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import ClientError

from mlcost.fix.actions.base import Action, PlanLines, Skip, exists
from mlcost.fix.context import Clients, FixContext
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found


class StopJob(Action):
    """StopTrainingJob / StopProcessingJob, then wait until AWS shows Stopped."""

    on_all = False
    noun: ClassVar[str]
    name_param: ClassVar[str]
    status_field: ClassVar[str]
    describe_op: ClassVar[str]
    stop_op: ClassVar[str]
    waiter: ClassVar[str]  # botocore's waiter: Completed or Stopped succeeds, Failed fails

    def _status(self, ctx: FixContext, name: str) -> str | None:
        described = exists(ctx, "sagemaker", self.describe_op, **{self.name_param: name})
        return None if described is None else str(described.get(self.status_field, ""))

    def plan(self, finding: Finding) -> PlanLines:
        name = finding.fix.params[self.name_param]
        return PlanLines(
            changes=[
                f"{self.stop_op} {name} (CANNOT BE UNDONE: a stopped job is not resumed; "
                "its output and checkpoints written so far stay in S3)",
                "wait until Stopped",
            ],
            snapshot=[f"{self.noun} description (to start it again by hand)"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        name = finding.fix.params[self.name_param]

        def take() -> dict[str, Any]:
            described = exists(ctx, "sagemaker", self.describe_op, **{self.name_param: name})
            if described is None:
                raise Skip(f"the {self.noun} no longer exists")
            return {"job": described}

        snap = ctx.snapshot("job", take)
        status = snap["job"].get(self.status_field)
        if status != "InProgress" and ctx.journal.last_call(ctx.fix_id, "stop") is None:
            raise Skip(f"{self.noun} status is {status}, not InProgress")
        ctx.act(
            "stop",
            "sagemaker",
            self.stop_op,
            {self.name_param: name},
            applied=lambda: self._status(ctx, name) in ("Stopping", "Stopped", "Completed"),
        )
        ctx.wait(
            "sagemaker", self.waiter, f"stopping {self.noun} {name}", **{self.name_param: name}
        )
        return {
            "before": {self.name_param: name, "status": status},
            "after": {self.name_param: name, "status": self._status(ctx, name)},
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        raise Skip(
            f"a stopped {self.noun} cannot be resumed: start a new job from the snapshot's "
            "description (and its checkpoints) if it is still needed"
        )

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        try:
            described = getattr(clients("sagemaker", fix["region"]), _snake(self.describe_op))(
                **{self.name_param: fix["resource_id"]}
            )
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        status = described.get(self.status_field)
        return f"{self.noun} is {status}" if status == "InProgress" else None


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


class StopTrainingJob(StopJob):
    name = "stop-training-job"
    kind = ResourceKind.TRAINING_JOB
    noun = "training job"
    name_param = "TrainingJobName"
    status_field = "TrainingJobStatus"
    describe_op = "DescribeTrainingJob"
    stop_op = "StopTrainingJob"
    waiter = "training_job_completed_or_stopped"
    checks = frozenset({"long-running-job"})
    calls = frozenset({("sagemaker", "DescribeTrainingJob"), ("sagemaker", "StopTrainingJob")})


class StopProcessingJob(StopJob):
    name = "stop-processing-job"
    kind = ResourceKind.PROCESSING_JOB
    noun = "processing job"
    name_param = "ProcessingJobName"
    status_field = "ProcessingJobStatus"
    describe_op = "DescribeProcessingJob"
    stop_op = "StopProcessingJob"
    waiter = "processing_job_completed_or_stopped"
    checks = frozenset({"long-running-processing-job"})
    calls = frozenset({("sagemaker", "DescribeProcessingJob"), ("sagemaker", "StopProcessingJob")})
