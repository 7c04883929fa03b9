"""Builders for inventories, resources and hourly metric series, so each test states only
what its scenario is about. All times are UTC; the scan "now" is NOW and the lookback is
seven days (168 hourly slots)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mlcost.model import (
    Ec2Instance,
    Endpoint,
    EndpointVariant,
    Inventory,
    Job,
    MetricSeries,
    NotebookInstance,
    Resource,
    ResourceKind,
    SeriesStatus,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LOOKBACK_DAYS = 7
START = NOW - timedelta(days=LOOKBACK_DAYS)
REGION = "us-east-1"
ACCOUNT = "123456789012"


def hours(start: datetime = START, end: datetime = NOW) -> list[datetime]:
    """Hour-start timestamps in [start, end), as CloudWatch returns for a 3600 s period."""
    out, t = [], start
    while t < end:
        out.append(t)
        t += timedelta(hours=1)
    return out


def series(
    name: str,
    namespace: str,
    dims: dict[str, str],
    value: Callable[[datetime], float | None] | float,
    *,
    stat: str = "Maximum",
    start: datetime = START,
    end: datetime = NOW,
    status: SeriesStatus = SeriesStatus.OK,
    metric: str | None = None,
) -> MetricSeries:
    """An hourly series; ``value(t)`` returning None leaves the hour without a datapoint."""
    fn = value if callable(value) else (lambda _t, v=value: v)
    ts, vs = [], []
    if status is SeriesStatus.OK:
        for t in hours(start, end):
            v = fn(t)
            if v is not None:
                ts.append(t)
                vs.append(float(v))
    return MetricSeries(
        name=name,
        namespace=namespace,
        metric=metric or name,
        dimensions=dims,
        stat=stat,
        period_s=3600,
        timestamps=ts,
        values=vs,
        status=status,
        error="AccessDenied: not authorized to perform cloudwatch:GetMetricData"
        if status is SeriesStatus.ERROR
        else None,
    )


def endpoint_series(ep: str, variant: str, label: str, value, **kw) -> MetricSeries:
    """A per-variant endpoint series with the namespace and statistic of docs/CONTRACTS.md."""
    if label in ("Invocations", "InvocationsProcessed"):
        return series(
            label,
            "AWS/SageMaker",
            {"EndpointName": ep, "VariantName": variant},
            value,
            stat="Sum",
            **kw,
        )
    return series(
        label, "/aws/sagemaker/Endpoints", {"EndpointName": ep, "VariantName": variant}, value, **kw
    )


def backlog_series(ep: str, value, **kw) -> MetricSeries:
    """An async endpoint's ApproximateBacklogSize (AWS/SageMaker, EndpointName only, Maximum)."""
    return series("ApproximateBacklogSize", "AWS/SageMaker", {"EndpointName": ep}, value, **kw)


def make_endpoint(
    name: str = "fraud-scorer",
    variants: list[EndpointVariant] | None = None,
    *,
    created: datetime | None = None,
    status: str = "InService",
    tags: dict[str, str] | None = None,
    is_async: bool = False,
    last_modified: datetime | None = None,
) -> Endpoint:
    return Endpoint(
        kind=ResourceKind.ENDPOINT,
        id=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{name}",
        region=REGION,
        created=created or NOW - timedelta(days=30),
        tags=tags or {},
        status=status,
        config_name=f"{name}-config-1",
        variants=variants or [EndpointVariant("AllTraffic", "ml.m5.xlarge", 1)],
        is_async=is_async,
        last_modified=last_modified,
    )


def make_notebook(
    name: str = "alice-nb",
    instance_type: str = "ml.t3.medium",
    *,
    has_idle_guard: bool | None = False,
    status: str = "InService",
    tags: dict[str, str] | None = None,
) -> NotebookInstance:
    return NotebookInstance(
        kind=ResourceKind.NOTEBOOK_INSTANCE,
        id=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}",
        region=REGION,
        created=NOW - timedelta(days=60),
        tags=tags or {},
        status=status,
        instance_type=instance_type,
        has_idle_guard=has_idle_guard,
    )


def agent_busy(nb: str, value, **kw) -> MetricSeries:
    return series(
        "AgentBusy", "MLCost/Agent", {"NotebookInstanceName": nb}, value, metric="Busy", **kw
    )


def agent_idle(nb: str, since: datetime, **kw) -> MetricSeries:
    """The agent's IdleSeconds (hourly Maximum) for a notebook idle since ``since``: each
    hour's last 5-minute datapoint, at its end."""
    return series(
        "AgentIdleSeconds",
        "MLCost/Agent",
        {"NotebookInstanceName": nb},
        lambda t: max(0.0, (t + timedelta(minutes=55) - since).total_seconds()),
        metric="IdleSeconds",
        **kw,
    )


def make_job(
    name: str = "train-resnet-42",
    instance_type: str = "ml.g4dn.xlarge",
    *,
    count: int = 1,
    billable_seconds: int | None = 3 * 3600,
    run_seconds: int | None = None,
    status: str = "Completed",
    managed_spot: bool = False,
    end: datetime | None = None,
    tags: dict[str, str] | None = None,
    instance_groups: list[tuple[str, int]] | None = None,
    max_runtime_seconds: int | None = None,
) -> Job:
    end = end or NOW - timedelta(days=2)
    run = run_seconds if run_seconds is not None else billable_seconds
    return Job(
        kind=ResourceKind.TRAINING_JOB,
        id=name,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}",
        region=REGION,
        created=end - timedelta(seconds=run or 0),
        tags=tags or {},
        status=status,
        instance_type=instance_type,
        instance_count=count,
        start=end - timedelta(seconds=run or 0),
        end=end,
        run_seconds=run,
        billable_seconds=billable_seconds,
        managed_spot=managed_spot,
        instance_groups=instance_groups or [],
        max_runtime_seconds=max_runtime_seconds,
    )


def make_ec2(
    instance_id: str = "i-0abc1234def567890",
    instance_type: str = "g5.xlarge",
    *,
    lifecycle: str = "on-demand",
    launched: datetime | None = None,
    state: str = "running",
    tags: dict[str, str] | None = None,
    platform: str = "Linux/UNIX",
) -> Ec2Instance:
    return Ec2Instance(
        kind=ResourceKind.EC2_INSTANCE,
        id=instance_id,
        arn=f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}",
        region=REGION,
        created=launched or NOW - timedelta(days=20),
        tags=tags or {},
        state=state,
        instance_type=instance_type,
        launch_time=launched or NOW - timedelta(days=20),
        lifecycle=lifecycle,
        platform=platform,
    )


def ec2_cpu(iid: str, value, **kw) -> MetricSeries:
    return series("CPUUtilization", "AWS/EC2", {"InstanceId": iid}, value, **kw)


def ec2_gpu(iid: str, value, index: str = "0", **kw) -> MetricSeries:
    return series(
        "GPUUtilization",
        "CWAgent",
        {"InstanceId": iid, "index": index},
        value,
        metric="nvidia_smi_utilization_gpu",
        **kw,
    )


def inventory(
    resources: list[Resource],
    metrics: dict[str, list[MetricSeries]] | None = None,
    *,
    end: datetime = NOW,
) -> Inventory:
    """An inventory over the standard window (or the week before ``end``), metrics keyed by
    resource (key computed here)."""
    return Inventory(
        source="test",
        regions=[REGION],
        lookback_days=LOOKBACK_DAYS,
        start=end - timedelta(days=LOOKBACK_DAYS),
        end=end,
        resources=resources,
        metrics=metrics or {},
    )
