"""Resource kinds as declarative descriptors (Cloud Custodian style).

Why: adding a kind should be writing data - which service, which list call and result key,
which describe call, which id field, how to build our model object - not plumbing. The
collector (``collector.py``) walks the registry the same way for every kind: paginate the
list call, describe each item concurrently, read its tags, build the model object.

Builders are pure functions of the AWS response (plus :class:`BuildContext` for values
shared between resources, such as an endpoint config or a lifecycle config, each read once
per region).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from mlcost.model import (
    Ec2Instance,
    Endpoint,
    EndpointVariant,
    Job,
    NotebookInstance,
    Resource,
    ResourceKind,
)
from mlcost.sources.aws import idle_guard


@dataclass(frozen=True, slots=True)
class Window:
    """The lookback window [start, end) of a scan."""

    start: datetime
    end: datetime


class BuildContext(Protocol):
    """What a builder may ask of the collector besides the resource's own response."""

    region: str
    partition: str
    window: Window

    def lookup(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call a describe operation once per region per distinct params (memoised).

        Raises the call's exception (already recorded as a SourceError) when it failed.
        """
        ...


Builder = Callable[[BuildContext, dict[str, Any]], Resource]


@dataclass(frozen=True, slots=True)
class KindSpec:
    """How one kind of resource is listed, described, tagged and built."""

    kind: ResourceKind
    service: str  # boto3 client name
    list_op: str  # paginator name (snake_case, as boto3 names it)
    result_key: str  # where the items are in each page
    id_field: str  # the item's id/name field
    build: Builder
    describe_op: str | None = None  # per-item describe call; None when the list has it all
    describe_param: str | None = None  # the describe call's parameter (default: id_field)
    list_params: Callable[[Window], dict[str, Any]] | None = None
    #: Items of a page (default: ``page[result_key]``); EC2 nests instances in reservations.
    items: Callable[[dict[str, Any]], Iterable[dict[str, Any]]] | None = None
    #: Keep only items in the window (a second, client-side check of the list filter).
    keep: Callable[[dict[str, Any], Window], bool] | None = None
    #: "sagemaker": ListTags per resource ARN; "inline": tags come with the describe.
    tags: str = "sagemaker"
    arn_field: str | None = None
    #: Disabled kinds stay registered (their builders and tests keep working) but are not
    #: listed, described or tagged by a scan: each item costs a describe and a ListTags
    #: call, so a kind no check reads is pure cost on a pipeline-heavy account.
    enabled: bool = True

    def page_items(self, page: dict[str, Any]) -> Iterable[dict[str, Any]]:
        return self.items(page) if self.items else page.get(self.result_key, [])


REGISTRY: dict[ResourceKind, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    """Add a kind to the registry (one per ResourceKind)."""
    if spec.kind in REGISTRY:
        raise ValueError(f"kind {spec.kind} is registered twice")
    REGISTRY[spec.kind] = spec
    return spec


# --------------------------------------------------------------------------- builders


def _tags(pairs: Iterable[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in pairs or []}


def build_notebook(ctx: BuildContext, item: dict[str, Any]) -> NotebookInstance:
    config_name = item.get("NotebookInstanceLifecycleConfigName")
    guard: bool | None = False
    if config_name:
        try:
            config = ctx.lookup(
                "sagemaker",
                "describe_notebook_instance_lifecycle_config",
                NotebookInstanceLifecycleConfigName=config_name,
            )
            guard = idle_guard.has_idle_guard(config)
        except (ClientError, BotoCoreError):  # unreadable: unknown, never "no guard"
            guard = None
    return NotebookInstance(
        kind=ResourceKind.NOTEBOOK_INSTANCE,
        id=item["NotebookInstanceName"],
        arn=item.get("NotebookInstanceArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        status=item.get("NotebookInstanceStatus", ""),
        instance_type=item.get("InstanceType", ""),
        lifecycle_config=config_name,
        last_modified=item.get("LastModifiedTime"),
        has_idle_guard=guard,
    )


def build_endpoint(ctx: BuildContext, item: dict[str, Any]) -> Endpoint:
    """DescribeEndpoint gives the CURRENT instance counts; its config gives the types."""
    config_name = item.get("EndpointConfigName", "")
    config: dict[str, Any] = {}
    if config_name:
        try:
            config = ctx.lookup(
                "sagemaker", "describe_endpoint_config", EndpointConfigName=config_name
            )
        except (ClientError, BotoCoreError):  # recorded by lookup; types then stay unknown
            config = {}
    configured = {v["VariantName"]: v for v in config.get("ProductionVariants", [])}
    variants: list[EndpointVariant] = []
    for current in item.get("ProductionVariants", []):
        name = current["VariantName"]
        conf = configured.get(name, {})
        serverless = current.get("CurrentServerlessConfig") or conf.get("ServerlessConfig")
        instance_type = None if serverless else conf.get("InstanceType")
        variants.append(
            EndpointVariant(
                name=name,
                instance_type=instance_type,
                instance_count=0 if serverless else int(current.get("CurrentInstanceCount", 0)),
                serverless_memory_mb=serverless.get("MemorySizeInMB") if serverless else None,
                serverless_max_concurrency=serverless.get("MaxConcurrency") if serverless else None,
                model_name=conf.get("ModelName"),
                # An inference-component endpoint's config names no model on its variants
                # (models are attached later with CreateInferenceComponent); only a config we
                # actually read can say so, hence the instance_type condition.
                uses_inference_components=bool(instance_type) and not conf.get("ModelName"),
            )
        )
    return Endpoint(
        kind=ResourceKind.ENDPOINT,
        id=item["EndpointName"],
        arn=item.get("EndpointArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        status=item.get("EndpointStatus", ""),
        config_name=config_name,
        variants=variants,
        is_async=bool(config.get("AsyncInferenceConfig") or item.get("AsyncInferenceConfig")),
        last_modified=item.get("LastModifiedTime"),
    )


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


def build_training_job(ctx: BuildContext, item: dict[str, Any]) -> Job:
    resources = item.get("ResourceConfig", {})
    instance_type = resources.get("InstanceType")
    count = resources.get("InstanceCount")
    groups = [
        (str(g.get("InstanceType", "")), int(g.get("InstanceCount", 0)))
        for g in resources.get("InstanceGroups") or []
    ]
    if not instance_type and groups:
        types = {t for t, _ in groups}
        count = sum(n for _, n in groups)
        # one type across groups prices as that type; several types must be priced per
        # group (instance_groups), never as the first group's type x the total count
        instance_type = types.pop() if len(types) == 1 else ""
    algorithm = item.get("AlgorithmSpecification", {})
    stopping = item.get("StoppingCondition") or {}
    return Job(
        kind=ResourceKind.TRAINING_JOB,
        id=item["TrainingJobName"],
        arn=item.get("TrainingJobArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        status=item.get("TrainingJobStatus", ""),
        instance_type=instance_type or "",
        instance_count=int(count or 1),
        start=item.get("TrainingStartTime"),
        end=item.get("TrainingEndTime"),
        run_seconds=item.get("TrainingTimeInSeconds"),
        billable_seconds=item.get("BillableTimeInSeconds"),
        managed_spot=bool(item.get("EnableManagedSpotTraining", False)),
        checkpoint_s3_uri=(item.get("CheckpointConfig") or {}).get("S3Uri"),
        max_wait_seconds=stopping.get("MaxWaitTimeInSeconds"),
        max_runtime_seconds=stopping.get("MaxRuntimeInSeconds"),
        image=algorithm.get("TrainingImage") or algorithm.get("AlgorithmName"),
        instance_groups=groups,
    )


def build_processing_job(ctx: BuildContext, item: dict[str, Any]) -> Job:
    cluster = (item.get("ProcessingResources") or {}).get("ClusterConfig", {})
    start, end = item.get("ProcessingStartTime"), item.get("ProcessingEndTime")
    return Job(
        kind=ResourceKind.PROCESSING_JOB,
        id=item["ProcessingJobName"],
        arn=item.get("ProcessingJobArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        status=item.get("ProcessingJobStatus", ""),
        instance_type=cluster.get("InstanceType", ""),
        instance_count=int(cluster.get("InstanceCount", 1)),
        start=start,
        end=end,
        run_seconds=_seconds(start, end),
        image=(item.get("AppSpecification") or {}).get("ImageUri"),
    )


def build_transform_job(ctx: BuildContext, item: dict[str, Any]) -> Job:
    resources = item.get("TransformResources") or {}
    start, end = item.get("TransformStartTime"), item.get("TransformEndTime")
    return Job(
        kind=ResourceKind.TRANSFORM_JOB,
        id=item["TransformJobName"],
        arn=item.get("TransformJobArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        status=item.get("TransformJobStatus", ""),
        instance_type=resources.get("InstanceType", ""),
        instance_count=int(resources.get("InstanceCount", 1)),
        start=start,
        end=end,
        run_seconds=_seconds(start, end),
    )


def build_ec2_instance(ctx: BuildContext, item: dict[str, Any]) -> Ec2Instance:
    instance_id = item["InstanceId"]
    owner = item.get("OwnerId", "")
    return Ec2Instance(
        kind=ResourceKind.EC2_INSTANCE,
        id=instance_id,
        arn=f"arn:{ctx.partition}:ec2:{ctx.region}:{owner}:instance/{instance_id}" if owner else "",
        region=ctx.region,
        tags=_tags(item.get("Tags")),
        state=(item.get("State") or {}).get("Name", ""),
        instance_type=item.get("InstanceType", ""),
        launch_time=item.get("LaunchTime"),
        lifecycle=item.get("InstanceLifecycle") or "on-demand",
        platform=item.get("PlatformDetails") or "Linux/UNIX",
    )


def _ec2_items(page: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for reservation in page.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            yield {**instance, "OwnerId": reservation.get("OwnerId", "")}


def _created_in_window(item: dict[str, Any], window: Window) -> bool:
    created = item.get("CreationTime")
    return created is None or created >= window.start


#: Training statuses a check reads (training-spot judges finished runs only); describing
#: InProgress/Failed/Stopping jobs would be a describe + ListTags call each for nothing.
TRAINING_STATUSES_READ = frozenset({"Completed", "Stopped"})


def _finished_training_in_window(item: dict[str, Any], window: Window) -> bool:
    return (
        _created_in_window(item, window) and item.get("TrainingJobStatus") in TRAINING_STATUSES_READ
    )


def _jobs_since(window: Window) -> dict[str, Any]:
    return {"CreationTimeAfter": window.start}


# --------------------------------------------------------------------------- the registry

register(
    KindSpec(
        kind=ResourceKind.NOTEBOOK_INSTANCE,
        service="sagemaker",
        list_op="list_notebook_instances",
        result_key="NotebookInstances",
        id_field="NotebookInstanceName",
        arn_field="NotebookInstanceArn",
        build=build_notebook,
    )
)
register(
    KindSpec(
        kind=ResourceKind.ENDPOINT,
        service="sagemaker",
        list_op="list_endpoints",
        result_key="Endpoints",
        id_field="EndpointName",
        arn_field="EndpointArn",
        describe_op="describe_endpoint",
        build=build_endpoint,
    )
)
register(
    KindSpec(
        kind=ResourceKind.TRAINING_JOB,
        service="sagemaker",
        list_op="list_training_jobs",
        result_key="TrainingJobSummaries",
        id_field="TrainingJobName",
        arn_field="TrainingJobArn",
        describe_op="describe_training_job",
        list_params=_jobs_since,
        keep=_finished_training_in_window,
        build=build_training_job,
    )
)
register(
    KindSpec(
        kind=ResourceKind.PROCESSING_JOB,
        service="sagemaker",
        list_op="list_processing_jobs",
        result_key="ProcessingJobSummaries",
        id_field="ProcessingJobName",
        arn_field="ProcessingJobArn",
        describe_op="describe_processing_job",
        list_params=_jobs_since,
        keep=_created_in_window,
        enabled=False,  # no check reads this kind yet (review P3-13); enable with one
        build=build_processing_job,
    )
)
register(
    KindSpec(
        kind=ResourceKind.TRANSFORM_JOB,
        service="sagemaker",
        list_op="list_transform_jobs",
        result_key="TransformJobSummaries",
        id_field="TransformJobName",
        arn_field="TransformJobArn",
        describe_op="describe_transform_job",
        list_params=_jobs_since,
        keep=_created_in_window,
        enabled=False,  # no check reads this kind yet (review P3-13); enable with one
        build=build_transform_job,
    )
)
register(
    KindSpec(
        kind=ResourceKind.EC2_INSTANCE,
        service="ec2",
        list_op="describe_instances",
        result_key="Reservations",
        id_field="InstanceId",
        items=_ec2_items,
        # terminated instances cost nothing and vanish within the hour
        list_params=lambda _w: {
            "Filters": [
                {
                    "Name": "instance-state-name",
                    "Values": ["pending", "running", "shutting-down", "stopping", "stopped"],
                }
            ]
        },
        tags="inline",
        build=build_ec2_instance,
    )
)
