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
    CapacityReservation,
    Ec2Instance,
    Endpoint,
    EndpointVariant,
    IamPrincipal,
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
    secondary = item.get("SecondaryStatus")
    # when the current secondary status began: its latest transition of that name
    since = next(
        (
            t.get("StartTime")
            for t in reversed(item.get("SecondaryStatusTransitions") or [])
            if t.get("Status") == secondary
        ),
        None,
    )
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
        secondary_status=secondary,
        secondary_status_since=since,
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
        max_runtime_seconds=(item.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds"),
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


def build_capacity_reservation(ctx: RegionContext, item: dict[str, Any]) -> CapacityReservation:
    rid = item["CapacityReservationId"]
    return CapacityReservation(
        kind=ResourceKind.CAPACITY_RESERVATION,
        id=rid,
        arn=item.get("CapacityReservationArn", ""),
        region=ctx.region,
        created=item.get("CreateDate"),
        tags=_tags(item.get("Tags")),
        state=item.get("State", ""),
        instance_type=item.get("InstanceType", ""),
        platform=item.get("InstancePlatform") or "Linux/UNIX",
        availability_zone=item.get("AvailabilityZone", ""),
        tenancy=item.get("Tenancy") or "default",
        total_instances=int(item.get("TotalInstanceCount") or 0),
        available_instances=int(item.get("AvailableInstanceCount") or 0),
        start_date=item.get("StartDate"),
        end_date=item.get("EndDate"),
        end_date_type=item.get("EndDateType") or "unlimited",
        instance_match_criteria=item.get("InstanceMatchCriteria") or "open",
        reservation_type=item.get("ReservationType") or "default",
    )


def _policy_document(doc: Any) -> dict[str, Any]:
    """A policy document as a dict: boto3 decodes IAM's URL-encoded JSON; a string that is
    not JSON stays unreadable ({})."""
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, str):
        import json
        from urllib.parse import unquote

        try:
            return json.loads(unquote(doc))
        except ValueError:
            return {}
    return {}


def build_iam_principal(ctx: RegionContext, item: dict[str, Any]) -> IamPrincipal:
    """A role (RoleDetailList) or user (UserDetailList) of GetAccountAuthorizationDetails;
    the ``_type`` key is added by the listing."""
    is_role = item.get("_type") == "role"
    inline = item.get("RolePolicyList" if is_role else "UserPolicyList") or []
    boundary = item.get("PermissionsBoundary") or {}
    return IamPrincipal(
        kind=ResourceKind.IAM_PRINCIPAL,
        id=item["RoleName" if is_role else "UserName"],
        arn=item.get("Arn", ""),
        region=ctx.region,
        created=item.get("CreateDate"),
        tags=_tags(item.get("Tags")),
        principal_type="role" if is_role else "user",
        inline_policies=[_policy_document(p.get("PolicyDocument")) for p in inline],
        attached_policy_arns=[p["PolicyArn"] for p in item.get("AttachedManagedPolicies") or []],
        groups=list(item.get("GroupList") or []),
        permissions_boundary_arn=boundary.get("PermissionsBoundaryArn"),
    )


def _iam_principals(page: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for role in page.get("RoleDetailList", []):
        yield {**role, "_type": "role"}
    for user in page.get("UserDetailList", []):
        yield {**user, "_type": "user"}


def attach_policy_documents(ctx: RegionContext, resources: list[Resource]) -> None:
    """Complete each principal with its groups' policies (users) and the documents of every
    managed policy attached: one paginated GetAccountAuthorizationDetails for the groups,
    then GetPolicy + GetPolicyVersion once per distinct policy ARN. A document that cannot
    be read is left out of ``managed_policies`` (and the failure recorded): the check then
    says it could not judge, never "unrestricted" from half the policies."""
    principals = [r for r in resources if isinstance(r, IamPrincipal)]
    groups: dict[str, dict[str, Any]] = {}
    if any(p.groups for p in principals):
        try:
            client = ctx.client("iam")
            pages = client.get_paginator("get_account_authorization_details").paginate(
                Filter=["Group"], PaginationConfig={"PageSize": 1000}
            )
            for page in pages:
                for g in page.get("GroupDetailList", []):
                    groups[g["GroupName"]] = g
        except Exception as exc:
            ctx.error("iam", "GetAccountAuthorizationDetails", exc)
    for p in principals:
        for name in p.groups:
            g = groups.get(name)
            if g is None:
                continue
            p.inline_policies += [
                _policy_document(d.get("PolicyDocument")) for d in g.get("GroupPolicyList") or []
            ]
            p.attached_policy_arns += [
                a["PolicyArn"] for a in g.get("AttachedManagedPolicies") or []
            ]
    documents: dict[str, dict[str, Any]] = {}
    for arn in sorted({a for p in principals for a in p.attached_policy_arns}):
        try:
            policy = ctx.lookup("iam", "get_policy", PolicyArn=arn)["Policy"]
            version = ctx.lookup(
                "iam",
                "get_policy_version",
                PolicyArn=arn,
                VersionId=policy["DefaultVersionId"],
            )["PolicyVersion"]
            documents[arn] = _policy_document(version.get("Document"))
        except Exception:  # recorded by lookup; the principal stays partly unread
            continue
    for p in principals:
        p.managed_policies = {a: documents[a] for a in p.attached_policy_arns if a in documents}


def _ec2_items(page: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for reservation in page.get("Reservations", []):
        for instance in reservation.get("Instances", []):
            yield {**instance, "OwnerId": reservation.get("OwnerId", "")}


def _created_in_window(item: dict[str, Any], window: Window) -> bool:
    created = item.get("CreationTime")
    return created is None or created >= window.start


#: Training job statuses of a job that is still running (and billing).
TRAINING_RUNNING_STATUSES = ("InProgress", "Stopping")


def _training_in_window(item: dict[str, Any], window: Window) -> bool:
    """Created in the window, or still running whenever it was created."""
    return item.get("TrainingJobStatus") in TRAINING_RUNNING_STATUSES or _created_in_window(
        item, window
    )


def _processing_in_window(item: dict[str, Any], window: Window) -> bool:
    """Created in the window, or still running whenever it was created."""
    return item.get("ProcessingJobStatus") in ("InProgress", "Stopping") or _created_in_window(
        item, window
    )


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
#: Further CloudWatch agent nvidia_gpu measurements (per GPU, dimension ``index``) -> label.
CWAGENT_GPU_EXTRA_METRICS = {
    "nvidia_smi_power_draw": MetricLabel.GPU_POWER_DRAW,
    "nvidia_smi_temperature_gpu": MetricLabel.GPU_TEMPERATURE,
    "nvidia_smi_memory_used": MetricLabel.GPU_MEMORY_USED,
}
AGENT_NAMESPACE = "MLCost/Agent"
#: MLCost/Agent metric -> our label
AGENT_METRICS = {
    "Busy": MetricLabel.AGENT_BUSY,
    "IdleSeconds": MetricLabel.AGENT_IDLE_SECONDS,
    "GPUUtilization": MetricLabel.AGENT_GPU_UTILIZATION,
    "CPUUtilization": MetricLabel.AGENT_CPU_UTILIZATION,
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
    *(
        SeriesSpec(label, CWAGENT_NAMESPACE, (metric,), "Maximum", listed_by=_instance_id)
        for metric, label in CWAGENT_GPU_EXTRA_METRICS.items()
    ),
    *_agent_series(_instance_id),
)


# SageMaker training / processing job instance metrics: one series per host, dimension
# ``Host`` = "<job name>/algo-<n>" (n = 1..InstanceCount), published every minute while
# the job runs (training-metrics.html, "Training job metrics"). GPUUtilization and
# GPUMemoryUtilization, like CPUUtilization, are summed over the host's GPUs / vCPUs.
TRAINING_JOB_NAMESPACE = "/aws/sagemaker/TrainingJobs"
PROCESSING_JOB_NAMESPACE = "/aws/sagemaker/ProcessingJobs"


def _host_dims(r: Resource, *, gpu: bool = False) -> list[Dims]:
    """``Host`` = "<job>/algo-<n>" per instance of a homogeneous job; ``gpu``: NVIDIA types
    only (a CPU host publishes no GPU metric, and reading one would cost a query)."""
    assert isinstance(r, Job)
    if not r.instance_type or (gpu and not is_gpu_type(r.instance_type)):
        return []
    return [(("Host", f"{r.id}/algo-{n}"),) for n in range(1, max(r.instance_count, 1) + 1)]


def _job_series(namespace: str) -> tuple[SeriesSpec, ...]:
    return tuple(
        SeriesSpec(
            label,
            namespace,
            (str(label),),
            "Maximum",
            dimensions=functools.partial(_host_dims, gpu=gpu),
        )
        for label, gpu in (
            (MetricLabel.CPU_UTILIZATION, False),
            (MetricLabel.MEMORY_UTILIZATION, False),
            (MetricLabel.GPU_UTILIZATION, True),
            (MetricLabel.GPU_MEMORY_UTILIZATION, True),
        )
    )


TRAINING_JOB_SERIES = _job_series(TRAINING_JOB_NAMESPACE)
PROCESSING_JOB_SERIES = _job_series(PROCESSING_JOB_NAMESPACE)

#: AWS/EC2/CapacityReservations publishes, per reservation, InstanceUtilization (percent
#: of the reserved instances in use) every five minutes (capacity-reservation-cw-metrics).
CAPACITY_RESERVATION_NAMESPACE = "AWS/EC2/CapacityReservations"
CAPACITY_RESERVATION_SERIES: tuple[SeriesSpec, ...] = (
    SeriesSpec(
        MetricLabel.INSTANCE_UTILIZATION,
        CAPACITY_RESERVATION_NAMESPACE,
        ("InstanceUtilization",),
        "Average",
        dimensions=lambda r: [(("CapacityReservationId", r.id),)],
    ),
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
            running_statuses=TRAINING_RUNNING_STATUSES,
        ),
        fallback=ListCall(
            "list_training_jobs",
            "TrainingJobSummaries",
            params=_jobs_since,
            running=("InProgress", {"StatusEquals": "InProgress"}),
        ),
        describe=Describe("describe_training_job", ("TrainingJobName",)),
        keep=_training_in_window,
        series=TRAINING_JOB_SERIES,
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
        listing=ListCall(
            "list_processing_jobs",
            "ProcessingJobSummaries",
            params=_jobs_since,
            running=("InProgress", {"StatusEquals": "InProgress"}),
        ),
        describe=Describe("describe_processing_job", ("ProcessingJobName",)),
        keep=_processing_in_window,
        series=PROCESSING_JOB_SERIES,
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

register(
    KindSpec(
        kind=ResourceKind.CAPACITY_RESERVATION,
        service="ec2",
        id_field="CapacityReservationId",
        arn_field="CapacityReservationArn",
        listing=ListCall(
            "describe_capacity_reservations",
            "CapacityReservations",
            page_size=1000,  # DescribeCapacityReservations MaxResults: 1..1000
            statuses=lambda states: {"Filters": [{"Name": "state", "Values": sorted(states)}]},
            # no id filter exists; CapacityReservationIds fails the call on an unknown id,
            # which a re-check reads as "gone"
            targets=lambda ids: {"CapacityReservationIds": list(ids)},
        ),
        status_field="State",
        tags=Tagging.INLINE,
        series=CAPACITY_RESERVATION_SERIES,
        build=build_capacity_reservation,
        model=CapacityReservation,
    )
)

register(
    KindSpec(
        kind=ResourceKind.IAM_PRINCIPAL,
        service="iam",
        id_field="Arn",
        arn_field="Arn",
        listing=ListCall(
            "get_account_authorization_details",
            "RoleDetailList",
            params=lambda _w: {"Filter": ["Role", "User"]},
            page_size=1000,  # MaxItems: 1..1000
            items=_iam_principals,
        ),
        tags=Tagging.INLINE,
        enrich=(
            Enrichment(
                "iam",
                ("get_account_authorization_details", "get_policy", "get_policy_version"),
                attach_policy_documents,
            ),
        ),
        build=build_iam_principal,
        model=IamPrincipal,
        global_service=True,
    )
)
# Kinds with modules of their own (Bedrock Provisioned Throughput; SageMaker managed MLflow; Studio: domains with their user
# profiles, and apps); importing them registers them after the kinds above.
from mlcost.sources.aws import account as _account  # noqa: E402,F401
from mlcost.sources.aws import bedrock as _bedrock  # noqa: E402,F401
from mlcost.sources.aws import mlflow as _mlflow  # noqa: E402,F401
from mlcost.sources.aws import studio as _studio  # noqa: E402,F401
