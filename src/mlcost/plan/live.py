"""What the planners read from AWS: an endpoint's hourly Invocations and fleet
(``plan inference --endpoint``), a training job's shape (``plan training --job``).

The series is the one the checks read (docs/CONTRACTS.md): ``AWS/SageMaker`` ``Invocations``
(``InvocationsProcessed`` for an asynchronous endpoint), Sum, by ``EndpointName`` +
``VariantName``, one query per instance variant in one
``GetMetricData`` call (hourly over at most 14 days is 336 datapoints a query, far below the
100,800 a call allows), read by the scan's own pager (``sources.aws.metrics.fetch_batch``:
``NextToken`` followed, a series still PartialData on its last page or InternalError /
Forbidden is an error). A failed read is an error, never "no traffic".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from mlcost.bench.sagemaker import VARIANT_CALLS, Variant, variants
from mlcost.errors import UserError
from mlcost.inference_options import Traffic
from mlcost.model import MetricLabel
from mlcost.plan.training import TrainingSpec
from mlcost.sources.aws.kinds import ASYNC_PROCESSED_METRICS
from mlcost.sources.aws.metrics import MetricQuery, fetch_batch

HOUR = timedelta(hours=1)

#: Every call the planners make live, as (boto3 client, method): the source of
#: ``mlcost policy self --plan``.
CALLS: tuple[tuple[str, str], ...] = (
    *VARIANT_CALLS,
    ("cloudwatch", "get_metric_data"),
    ("sagemaker", "describe_training_job"),
)


def endpoint_traffic(
    sagemaker: Any, cloudwatch: Any, endpoint: str, days: int, *, now: datetime | None = None
) -> tuple[Traffic, list[Variant]]:
    """The endpoint's requests per clock hour over the last ``days`` whole days' hours, summed
    over its instance variants, and those variants (type and current count)."""
    found = variants(sagemaker, endpoint)
    if not found:
        raise UserError(
            f"endpoint {endpoint!r} has no instance variant (serverless only)",
            "plan inference prices instance-backed endpoints; pass --trace for a file",
        )
    # an asynchronous endpoint's requests under both spellings AWS uses, as the scan reads them
    metrics = ASYNC_PROCESSED_METRICS if found[0].asynchronous else ("Invocations",)
    metric = metrics[0]
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    queries = [
        (
            i,
            MetricQuery(
                resource_key=endpoint,
                label=name,
                namespace="AWS/SageMaker",
                metric=name,
                dimensions=(("EndpointName", endpoint), ("VariantName", v.name)),
                stat="Sum",
            ),
        )
        for i, (v, name) in enumerate((v, name) for v in found for name in metrics)
    ]
    try:
        read = fetch_batch(cloudwatch, queries, start, end)
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", str(err))
        raise UserError(f"cannot read {metric} of {endpoint}: {message}", None) from None
    if read.errors:
        raise UserError(
            f"CloudWatch could not read {metric} of {endpoint}: "
            + "; ".join(sorted(set(read.errors.values()))),
            "try again, or pass --trace FILE",
        )
    hours = int((end - start) / HOUR)
    hourly = [0.0] * hours
    for points in read.points.values():
        for t, v in points:
            i = int((t.astimezone(UTC) - start) / HOUR)
            if 0 <= i < hours:
                hourly[i] += float(v)
    label = MetricLabel.INVOCATIONS_PROCESSED if found[0].asynchronous else MetricLabel.INVOCATIONS
    return Traffic(start, tuple(hourly), label), found


def training_job_spec(
    sagemaker: Any, job: str, checkpoint_minutes: float, restart_minutes: float
) -> TrainingSpec:
    """A finished training job's type, count and work hours (``TrainingTimeInSeconds``; for
    a job that already ran on spot, its work without interruptions is unknown, so that time
    is an upper bound) from DescribeTrainingJob."""
    try:
        d = sagemaker.describe_training_job(TrainingJobName=job)
    except ClientError as err:
        message = err.response.get("Error", {}).get("Message", str(err))
        raise UserError(
            f"cannot read training job {job!r}: {message}",
            "check the name and --region (`aws sagemaker list-training-jobs`)",
        ) from None
    rc = d.get("ResourceConfig") or {}
    if not rc.get("InstanceType"):
        raise UserError(
            f"training job {job!r} uses instance groups or a training plan",
            "pass --spec TYPE,COUNT,HOURS for one group",
        )
    seconds = d.get("TrainingTimeInSeconds")
    if not seconds:
        start, end = d.get("TrainingStartTime"), d.get("TrainingEndTime")
        if start is None or end is None:
            raise UserError(
                f"training job {job!r} has no training time yet ({d.get('TrainingJobStatus')})",
                "plan a finished job, or pass --spec",
            )
        seconds = (end - start).total_seconds()
    stop = d.get("StoppingCondition") or {}
    return TrainingSpec(
        instance_type=rc["InstanceType"],
        instance_count=int(rc.get("InstanceCount") or 1),
        hours=float(seconds) / 3600,
        checkpoint_minutes=checkpoint_minutes,
        restart_minutes=restart_minutes,
        max_runtime_seconds=stop.get("MaxRuntimeInSeconds"),
    )
