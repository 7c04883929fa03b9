"""The resource kinds mlcost reads, as :class:`~mlcost.sources.aws.descriptors.KindSpec` data.

Why: adding a kind is writing its descriptor and its model class - how it is listed
(SageMaker ``Search`` where it exists, else a List call with ``MaxResults=100``), described,
enriched, tagged, which CloudWatch series it has (docs/CONTRACTS.md) and a pure builder
from the AWS response - not editing the collector or the metrics planner.

Builders are pure functions of the AWS response (plus :class:`RegionContext` for values
shared between resources, such as an endpoint config or a lifecycle config, each read once
per region).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mlcost.model import (
    Ec2Instance,
    Endpoint,
    EndpointVariant,
    Job,
    MetricLabel,
    NotebookInstance,
    Resource,
    ResourceKind,
)
from mlcost.sources.aws import idle_guard
from mlcost.sources.aws.descriptors import (
    Describe,
    Dims,
    Enrichment,
    KindSpec,
    ListCall,
    RegionContext,
    SearchCall,
    SeriesSpec,
    Tagging,
    Window,
)

REGISTRY: dict[ResourceKind, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    """Add a kind to the registry (one per ResourceKind)."""
    if spec.kind in REGISTRY:
        raise ValueError(f"kind {spec.kind} is registered twice")
    REGISTRY[spec.kind] = spec
    return spec


@functools.cache
def is_gpu_type(instance_type: str | None) -> bool:
    """Whether SageMaker publishes GPUUtilization for this type: NVIDIA GPUs only.

    Inferentia/Trainium (Neuron) instances publish no GPU metrics; querying them would give
    an empty "ok" series that a check could misread as an idle GPU. Asks the price
    catalogue's specs first; falls back to the family letter (g*, p*) when the catalogue
    does not know the type.
    """
    if not instance_type:
        return False
    try:
        from mlcost.pricing import catalogue

        spec = catalogue.spec(instance_type)
        return spec.gpu_count > 0 and spec.accelerator == "nvidia"
    except (NotImplementedError, LookupError, ValueError, OSError):
        from mlcost.instance_types import family

        return family(instance_type)[:1] in {"g", "p"}


# --------------------------------------------------------------------------- builders


def _tags(pairs: Iterable[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in pairs or []}


def build_notebook(ctx: RegionContext, item: dict[str, Any]) -> NotebookInstance:
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
        except (ClientError, BotoCoreError, ValueError):  # unreadable (or not base64): unknown
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


def build_endpoint(ctx: RegionContext, item: dict[str, Any]) -> Endpoint:
    """The endpoint (DescribeEndpoint or a Search record) gives the CURRENT instance counts;
    its config gives the types. Shadow variants bill like production ones and are kept,
    marked ``shadow``."""
    config_name = item.get("EndpointConfigName", "")
    config: dict[str, Any] = {}
    if config_name:
        try:
            config = ctx.lookup(
                "sagemaker", "describe_endpoint_config", EndpointConfigName=config_name
            )
        except (ClientError, BotoCoreError):  # recorded by lookup; types then stay unknown
            config = {}
    variants: list[EndpointVariant] = []
    for key, shadow in (("ProductionVariants", False), ("ShadowProductionVariants", True)):
        configured = {v["VariantName"]: v for v in config.get(key) or []}
        for current in item.get(key) or []:
            variants.append(_variant(current, configured.get(current["VariantName"], {}), shadow))
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


def _variant(current: dict[str, Any], conf: dict[str, Any], shadow: bool) -> EndpointVariant:
    serverless = current.get("CurrentServerlessConfig") or conf.get("ServerlessConfig")
    instance_type = None if serverless else conf.get("InstanceType")
    return EndpointVariant(
        name=current["VariantName"],
        instance_type=instance_type,
        instance_count=0 if serverless else int(current.get("CurrentInstanceCount", 0)),
        serverless_memory_mb=serverless.get("MemorySizeInMB") if serverless else None,
        serverless_max_concurrency=serverless.get("MaxConcurrency") if serverless else None,
        serverless_provisioned_concurrency=serverless.get("ProvisionedConcurrency")
        if serverless
        else None,
        model_name=conf.get("ModelName"),
        # An inference-component endpoint's config names no model on its variants
        # (models are attached later with CreateInferenceComponent); only a config we
        # actually read can say so, hence the instance_type condition.
        uses_inference_components=bool(instance_type) and not conf.get("ModelName"),
        shadow=shadow,
    )


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


def build_training_job(ctx: RegionContext, item: dict[str, Any]) -> Job:
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
        training_plan_arn=resources.get("TrainingPlanArn") or None,
    )


def build_processing_job(ctx: RegionContext, item: dict[str, Any]) -> Job:
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


def build_transform_job(ctx: RegionContext, item: dict[str, Any]) -> Job:
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


def build_ec2_instance(ctx: RegionContext, item: dict[str, Any]) -> Ec2Instance:
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


def _jobs_since(window: Window) -> dict[str, Any]:
    return {"CreationTimeAfter": window.start}


def _search_since(window: Window) -> list[dict[str, str]]:
    """Search's timestamp filter value: ISO 8601 ``YYYY-mm-ddTHH:MM:SS`` (UTC)."""
    return [
        {
            "Name": "CreationTime",
            "Operator": "GreaterThanOrEqualTo",
            "Value": window.start.strftime("%Y-%m-%dT%H:%M:%S"),
        }
    ]


# --------------------------------------------------------------------------- enrichment

#: Application Auto Scaling's dimension for an endpoint variant's instance count.
VARIANT_SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"


def attach_autoscaling(ctx: RegionContext, resources: list[Resource]) -> None:
    """Attach each endpoint variant's Application Auto Scaling target.

    One paginated DescribeScalableTargets per region, not one per variant. A variant with
    no target gets ``{}``; when the call fails every variant keeps ``None`` (unknown) and
    the failure is recorded.
    """
    targets: dict[str, dict[str, int]] = {}
    try:
        client = ctx.client("application-autoscaling")
        pages = client.get_paginator("describe_scalable_targets").paginate(
            ServiceNamespace="sagemaker"
        )
        for page in pages:
            for t in page.get("ScalableTargets", []):
                if t.get("ScalableDimension") != VARIANT_SCALABLE_DIMENSION:
                    continue
                targets[t["ResourceId"]] = {
                    "MinCapacity": int(t.get("MinCapacity", 0)),
                    "MaxCapacity": int(t.get("MaxCapacity", 0)),
                }
    except Exception as exc:
        ctx.error("application-autoscaling", "DescribeScalableTargets", exc)
        return
    for endpoint in resources:
        assert isinstance(endpoint, Endpoint)
        for variant in endpoint.variants:
            resource_id = f"endpoint/{endpoint.id}/variant/{variant.name}"
            variant.autoscaling = dict(targets.get(resource_id, {}))


# --------------------------------------------------------------------------- metric series

SAGEMAKER_NAMESPACE = "AWS/SageMaker"
ENDPOINT_INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"
CWAGENT_NAMESPACE = "CWAgent"
CWAGENT_GPU_METRIC = "nvidia_smi_utilization_gpu"
AGENT_NAMESPACE = "MLCost/Agent"
#: MLCost/Agent metric -> our label
AGENT_METRICS = {
    "Busy": MetricLabel.AGENT_BUSY,
    "IdleSeconds": MetricLabel.AGENT_IDLE_SECONDS,
    "GPUUtilization": MetricLabel.AGENT_GPU_UTILIZATION,
}

#: Asynchronous endpoints publish no ``Invocations`` (async-inference-monitor.html); their
#: traffic is the processed count per variant and the queue per endpoint. The processed
#: count is published as ``InvocationsProcessed``; AWS's metric table spells it
#: ``InvocationsProcesssed``. Both spellings are read under one label (a name CloudWatch
#: does not have reads as an empty series, at the price of one query), so neither a doc
#: typo nor its later correction can make a busy endpoint look idle.
ASYNC_PROCESSED_METRICS = ("InvocationsProcessed", "InvocationsProcesssed")


def _variant_dims(r: Resource, *, instance: bool = False, gpu: bool = False) -> list[Dims]:
    """EndpointName + VariantName per variant; ``instance``: instance-based variants only
    (serverless variants publish no instance utilisation); ``gpu``: NVIDIA types only."""
    assert isinstance(r, Endpoint)
    out: list[Dims] = []
    for v in r.variants:
        serverless = v.instance_type is None and v.serverless_memory_mb is not None
        if (instance or gpu) and serverless:
            continue
        if gpu and not is_gpu_type(v.instance_type):
            continue
        out.append((("EndpointName", r.id), ("VariantName", v.name)))
    return out


def _realtime_variant_dims(r: Resource) -> list[Dims]:
    assert isinstance(r, Endpoint)
    return [] if r.is_async else _variant_dims(r)


def _async_variant_dims(r: Resource) -> list[Dims]:
    assert isinstance(r, Endpoint)
    return _variant_dims(r) if r.is_async else []


def _async_endpoint_dims(r: Resource) -> list[Dims]:
    assert isinstance(r, Endpoint)
    return [(("EndpointName", r.id),)] if r.is_async else []


def _replaced_variant(r: Resource, dims: Dims) -> bool:
    """A listed EndpointName+VariantName set whose variant is no longer current: traffic of
    a variant replaced by a blue/green deploy stays under the OLD VariantName."""
    assert isinstance(r, Endpoint)
    names = dict(dims)
    return set(names) == {"EndpointName", "VariantName"} and names["VariantName"] not in {
        v.name for v in r.variants
    }


def _per_variant_or_endpoint(r: Resource) -> list[Dims]:
    """Error series when replaced variants could not be looked for: one per current variant,
    so no check reads "no traffic" from the current ones alone."""
    assert isinstance(r, Endpoint)
    return _variant_dims(r) or [(("EndpointName", r.id),)]


def _endpoint_name(r: Resource) -> tuple[str, str]:
    return ("EndpointName", r.id)


def _instance_id(r: Resource) -> tuple[str, str]:
    return ("InstanceId", r.id)


def _notebook_name(r: Resource) -> tuple[str, str]:
    return ("NotebookInstanceName", r.id)


def _utilisation(label: MetricLabel, *, gpu: bool = False) -> SeriesSpec:
    return SeriesSpec(
        label,
        ENDPOINT_INSTANCE_NAMESPACE,
        (str(label),),
        "Maximum",
        dimensions=functools.partial(_variant_dims, instance=True, gpu=gpu),
    )


ENDPOINT_SERIES: tuple[SeriesSpec, ...] = (
    SeriesSpec(
        MetricLabel.INVOCATIONS,
        SAGEMAKER_NAMESPACE,
        ("Invocations",),
        "Sum",
        dimensions=_realtime_variant_dims,  # never published for async endpoints
    ),
    SeriesSpec(
        MetricLabel.INVOCATIONS,
        SAGEMAKER_NAMESPACE,
        ("Invocations",),
        "Sum",
        # No RecentlyActive (it keeps only the last 3 h): without it CloudWatch lists
        # metrics with data in the last two weeks.
        listed_by=_endpoint_name,
        keep_listed=_replaced_variant,
        unreadable=_per_variant_or_endpoint,
    ),
    SeriesSpec(
        MetricLabel.INVOCATIONS_PROCESSED,
        SAGEMAKER_NAMESPACE,
        ASYNC_PROCESSED_METRICS,
        "Sum",
        dimensions=_async_variant_dims,
    ),
    SeriesSpec(
        MetricLabel.APPROXIMATE_BACKLOG_SIZE,
        SAGEMAKER_NAMESPACE,
        ("ApproximateBacklogSize",),
        "Maximum",
        dimensions=_async_endpoint_dims,
    ),
    _utilisation(MetricLabel.CPU_UTILIZATION),
    _utilisation(MetricLabel.MEMORY_UTILIZATION),
    _utilisation(MetricLabel.GPU_UTILIZATION, gpu=True),
    _utilisation(MetricLabel.GPU_MEMORY_UTILIZATION, gpu=True),
)


def _agent_series(listed_by: Any) -> tuple[SeriesSpec, ...]:
    return tuple(
        SeriesSpec(label, AGENT_NAMESPACE, (metric,), "Maximum", listed_by=listed_by)
        for metric, label in AGENT_METRICS.items()
    )


EC2_SERIES: tuple[SeriesSpec, ...] = (
    SeriesSpec(
        MetricLabel.CPU_UTILIZATION,
        "AWS/EC2",
        ("CPUUtilization",),
        "Maximum",
        dimensions=lambda r: [(("InstanceId", r.id),)],
    ),
    SeriesSpec(
        MetricLabel.GPU_UTILIZATION,
        CWAGENT_NAMESPACE,
        (CWAGENT_GPU_METRIC,),
        "Maximum",
        listed_by=_instance_id,
    ),
    *_agent_series(_instance_id),
)


# --------------------------------------------------------------------------- the registry

register(
    KindSpec(
        kind=ResourceKind.NOTEBOOK_INSTANCE,
        service="sagemaker",
        id_field="NotebookInstanceName",
        arn_field="NotebookInstanceArn",
        status_field="NotebookInstanceStatus",
        listing=ListCall("list_notebook_instances", "NotebookInstances"),
        # the listing has every field; DescribeNotebookInstance fetches one named notebook
        describe=Describe("describe_notebook_instance", ("NotebookInstanceName",), per_item=False),
        lookups=("describe_notebook_instance_lifecycle_config",),
        series=_agent_series(_notebook_name),
        build=build_notebook,
        model=NotebookInstance,
    )
)
register(
    KindSpec(
        kind=ResourceKind.ENDPOINT,
        service="sagemaker",
        id_field="EndpointName",
        arn_field="EndpointArn",
        status_field="EndpointStatus",
        listing=SearchCall("Endpoint", "EndpointName", status_field="EndpointStatus"),
        fallback=ListCall("list_endpoints", "Endpoints"),
        describe=Describe("describe_endpoint", ("EndpointName",)),
        lookups=("describe_endpoint_config",),
        enrich=(
            Enrichment(
                "application-autoscaling", ("describe_scalable_targets",), attach_autoscaling
            ),
        ),
        series=ENDPOINT_SERIES,
        build=build_endpoint,
        model=Endpoint,
    )
)
register(
    KindSpec(
        kind=ResourceKind.TRAINING_JOB,
        service="sagemaker",
        id_field="TrainingJobName",
        arn_field="TrainingJobArn",
        status_field="TrainingJobStatus",
        listing=SearchCall(
            "TrainingJob",
            "TrainingJobName",
            status_field="TrainingJobStatus",
            window_filters=_search_since,
        ),
        fallback=ListCall("list_training_jobs", "TrainingJobSummaries", params=_jobs_since),
        describe=Describe("describe_training_job", ("TrainingJobName",)),
        keep=_created_in_window,
        build=build_training_job,
        model=Job,
    )
)
register(
    KindSpec(
        kind=ResourceKind.PROCESSING_JOB,
        service="sagemaker",
        id_field="ProcessingJobName",
        arn_field="ProcessingJobArn",
        status_field="ProcessingJobStatus",
        listing=ListCall("list_processing_jobs", "ProcessingJobSummaries", params=_jobs_since),
        describe=Describe("describe_processing_job", ("ProcessingJobName",)),
        keep=_created_in_window,
        build=build_processing_job,
        model=Job,
    )
)
register(
    KindSpec(
        kind=ResourceKind.TRANSFORM_JOB,
        service="sagemaker",
        id_field="TransformJobName",
        arn_field="TransformJobArn",
        status_field="TransformJobStatus",
        listing=ListCall("list_transform_jobs", "TransformJobSummaries", params=_jobs_since),
        describe=Describe("describe_transform_job", ("TransformJobName",)),
        keep=_created_in_window,
        build=build_transform_job,
        model=Job,
    )
)

#: EC2 states that cost money; terminated instances cost nothing and vanish within the hour.
EC2_BILLED_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")

register(
    KindSpec(
        kind=ResourceKind.EC2_INSTANCE,
        service="ec2",
        id_field="InstanceId",
        listing=ListCall(
            "describe_instances",
            "Reservations",
            page_size=None,
            items=_ec2_items,
            params=lambda _w: {
                "Filters": [{"Name": "instance-state-name", "Values": list(EC2_BILLED_STATES)}]
            },
            statuses=lambda states: {
                "Filters": [{"Name": "instance-state-name", "Values": sorted(states)}]
            },
            # a filter, not InstanceIds: an unknown id then matches nothing instead of
            # failing the whole call
            targets=lambda ids: {"Filters": [{"Name": "instance-id", "Values": list(ids)}]},
        ),
        status_field="State.Name",
        tags=Tagging.INLINE,
        series=EC2_SERIES,
        build=build_ec2_instance,
        model=Ec2Instance,
    )
)
