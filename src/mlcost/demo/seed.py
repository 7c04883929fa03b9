"""Create a synthetic :class:`~mlcost.demo.org.Org` in the emulator through real API calls.

Resources are created with boto3 (so requests are validated against botocore's model and
go through the same moto code the scan reads), then given their history with the
emulator's helpers (creation times, job timelines, stopped states) and their metrics with
the bulk loader. Works against a server (``endpoint_url``) or in-process under
``mock_aws`` (``endpoint_url=None``); either way the emulator runs in this process.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3

from mlcost.demo import ec2_ext, emulator
from mlcost.demo.org import IMAGE, ROLE_ARN, TRAIN_IMAGE, Org, ResourceSpec

AMI_ID = "ami-12c6146b"  # one of moto's built-in images


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def seed_org(org: Org, endpoint_url: str | None) -> dict[str, str]:
    """Create every resource and load every series of ``org``; return EC2 Name -> instance id.

    The mapping is also stored in ``org.ec2_instance_ids`` (EC2 ids are chosen at launch).
    """
    emulator.patch_moto()
    clients: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        key = (service, region)
        if key not in clients:
            clients[key] = boto3.client(service, **emulator.client_kwargs(endpoint_url, region))
        return clients[key]

    for spec in org.resources:
        _CREATORS[spec.kind](spec, client)
    ids = {s.name: s.extra["instance_id"] for s in org.resources if s.kind == "ec2-instance"}
    org.ec2_instance_ids.update(ids)

    for series in org.series:
        dims = dict(series.dimensions)
        if "InstanceId" in dims:
            dims["InstanceId"] = ids.get(dims["InstanceId"], dims["InstanceId"])
        emulator.load_metric_data(
            series.region,
            series.namespace,
            series.metric,
            dims,
            series.timestamps,
            series.values,
            unit=series.unit,
        )
    return ids


def _endpoint(spec: ResourceSpec, client: Any) -> None:
    sm = client("sagemaker", spec.region)
    image = IMAGE.format(region=spec.region)
    model = f"{spec.name}-model"
    sm.create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={
            "Image": image,
            "ModelDataUrl": f"s3://demo-ml-{spec.region}/models/{spec.name}/model.tar.gz",
        },
        Tags=_tags(spec.tags),
    )
    config: dict[str, Any] = {
        "EndpointConfigName": f"{spec.name}-config",
        "ProductionVariants": [
            {
                "VariantName": spec.extra["variant"],
                "ModelName": model,
                "InstanceType": spec.instance_type,
                "InitialInstanceCount": spec.instance_count,
                "InitialVariantWeight": 1.0,
            }
        ],
        "Tags": _tags(spec.tags),
    }
    if "async_output" in spec.extra:
        config["AsyncInferenceConfig"] = {
            "OutputConfig": {"S3OutputPath": spec.extra["async_output"]}
        }
    sm.create_endpoint_config(**config)
    sm.create_endpoint(
        EndpointName=spec.name,
        EndpointConfigName=config["EndpointConfigName"],
        Tags=_tags(spec.tags),
    )
    emulator.backdate("endpoint-config", config["EndpointConfigName"], spec.created, spec.region)
    emulator.backdate("endpoint", spec.name, spec.created, spec.region)
    if "autoscaling" in spec.extra:
        low, high = spec.extra["autoscaling"]
        client("application-autoscaling", spec.region).register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=f"endpoint/{spec.name}/variant/{spec.extra['variant']}",
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            MinCapacity=low,
            MaxCapacity=high,
        )


def _notebook(spec: ResourceSpec, client: Any) -> None:
    sm = client("sagemaker", spec.region)
    kwargs: dict[str, Any] = {}
    if "lifecycle_config" in spec.extra:
        content = base64.b64encode(spec.extra["on_start"].encode()).decode()
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=spec.extra["lifecycle_config"],
            OnStart=[{"Content": content}],
        )
        emulator.backdate(
            "notebook-lifecycle-config", spec.extra["lifecycle_config"], spec.created, spec.region
        )
        kwargs["LifecycleConfigName"] = spec.extra["lifecycle_config"]
    sm.create_notebook_instance(
        NotebookInstanceName=spec.name,
        InstanceType=spec.instance_type,
        RoleArn=ROLE_ARN,
        VolumeSizeInGB=50,
        Tags=_tags(spec.tags),
        **kwargs,
    )
    if spec.state == "Stopped":
        sm.stop_notebook_instance(NotebookInstanceName=spec.name)
    emulator.backdate("notebook-instance", spec.name, spec.created, spec.region)


def _training(spec: ResourceSpec, client: Any) -> None:
    sm = client("sagemaker", spec.region)
    x = spec.extra
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": x["max_runtime"]}
    kwargs: dict[str, Any] = {}
    if x["spot"]:
        stopping["MaxWaitTimeInSeconds"] = x["max_wait"]
        kwargs["EnableManagedSpotTraining"] = True
        kwargs["CheckpointConfig"] = {
            "S3Uri": x["checkpoint_s3_uri"],
            "LocalPath": "/opt/ml/checkpoints",
        }
    sm.create_training_job(
        TrainingJobName=spec.name,
        AlgorithmSpecification={
            "TrainingImage": x.get("image") or TRAIN_IMAGE.format(region=spec.region),
            "TrainingInputMode": "File",
        },
        RoleArn=ROLE_ARN,
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://demo-ml-{spec.region}/data/{spec.name}/",
                    }
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://demo-ml-{spec.region}/output/"},
        ResourceConfig={
            "InstanceType": spec.instance_type,
            "InstanceCount": spec.instance_count,
            "VolumeSizeInGB": 100,
        },
        StoppingCondition=stopping,
        Tags=_tags(spec.tags),
        **kwargs,
    )
    emulator.set_job_times(
        "training-job",
        spec.name,
        x["start"],
        x["end"],
        spec.region,
        status=spec.state,
        billable_seconds=x["billable_seconds"],
        failure_reason=x.get("failure_reason"),
        secondary_status=x.get("secondary_status"),
    )


def _processing(spec: ResourceSpec, client: Any) -> None:
    sm = client("sagemaker", spec.region)
    sm.create_processing_job(
        ProcessingJobName=spec.name,
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": spec.instance_count,
                "InstanceType": spec.instance_type,
                "VolumeSizeInGB": 30,
            }
        },
        AppSpecification={
            "ImageUri": f"683313688378.dkr.ecr.{spec.region}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
        },
        RoleArn=ROLE_ARN,
        StoppingCondition={"MaxRuntimeInSeconds": 86400},
        Tags=_tags(spec.tags),
    )
    emulator.set_job_times(
        "processing-job",
        spec.name,
        spec.extra["start"],
        spec.extra["end"],
        spec.region,
        status=spec.state,
    )


def _transform(spec: ResourceSpec, client: Any) -> None:
    sm = client("sagemaker", spec.region)
    model = f"{spec.name}-model"
    sm.create_model(
        ModelName=model,
        ExecutionRoleArn=ROLE_ARN,
        PrimaryContainer={"Image": IMAGE.format(region=spec.region)},
    )
    sm.create_transform_job(
        TransformJobName=spec.name,
        ModelName=model,
        TransformInput={
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://demo-ml-{spec.region}/batch-in/",
                }
            }
        },
        TransformOutput={"S3OutputPath": f"s3://demo-ml-{spec.region}/batch-out/"},
        TransformResources={
            "InstanceType": spec.instance_type,
            "InstanceCount": spec.instance_count,
        },
        Tags=_tags(spec.tags),
    )
    emulator.set_job_times(
        "transform-job",
        spec.name,
        spec.extra["start"],
        spec.extra["end"],
        spec.region,
        status=spec.state,
    )


def _ec2(spec: ResourceSpec, client: Any) -> None:
    ec2 = client("ec2", spec.region)
    out = ec2.run_instances(
        ImageId=AMI_ID,
        InstanceType=spec.instance_type,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": _tags(spec.tags)}],
    )
    instance_id = out["Instances"][0]["InstanceId"]
    spec.extra["instance_id"] = instance_id
    if spec.state == "stopped":
        ec2.stop_instances(InstanceIds=[instance_id])
    emulator.backdate("ec2-instance", instance_id, spec.created, spec.region)


def _capacity_reservation(spec: ResourceSpec, client: Any) -> None:
    """An ODCR whose id is the spec's name (the manifest names it), started at
    ``spec.created``, with ``extra["used"]`` instances running in it now."""
    ec2 = client("ec2", spec.region)
    out = ec2.create_capacity_reservation(
        InstanceType=spec.instance_type,
        InstancePlatform="Linux/UNIX",
        AvailabilityZone=spec.extra.get("az", f"{spec.region}a"),
        InstanceCount=spec.instance_count,
        InstanceMatchCriteria=spec.extra.get("match", "open"),
        TagSpecifications=[{"ResourceType": "capacity-reservation", "Tags": _tags(spec.tags)}],
    )
    ec2_ext.set_capacity_reservation(
        spec.region,
        out["CapacityReservation"]["CapacityReservationId"],
        new_id=spec.name,
        start=spec.created,
        used=spec.extra.get("used", 0),
    )


def _iam_role(spec: ResourceSpec, client: Any) -> None:
    """An IAM role (global: created once, whatever ``spec.region``) with the inline policy
    documents of ``extra["policies"]`` ({name: document})."""
    iam = client("iam", spec.region)
    iam.create_role(
        RoleName=spec.name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sagemaker.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        Tags=_tags(spec.tags),
    )
    for name, document in spec.extra.get("policies", {}).items():
        iam.put_role_policy(
            RoleName=spec.name, PolicyName=name, PolicyDocument=json.dumps(document)
        )


def _studio_domain(spec: ResourceSpec, client: Any) -> None:
    """A Studio domain, its user profiles, spaces and apps (demo/scenarios/_studio.py)."""
    sm = client("sagemaker", spec.region)
    x = spec.extra
    sm.create_domain(
        DomainName=spec.name.removeprefix("d-"),  # moto's id is d-<DomainName>
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE_ARN, **x["settings"]},
        SubnetIds=["subnet-0demo"],
        VpcId="vpc-0demo",
        Tags=_tags(spec.tags),
    )
    domain_id = spec.name
    emulator.backdate_studio_domain(domain_id, spec.created, spec.region)
    for p in x["profiles"]:
        sm.create_user_profile(
            DomainId=domain_id, UserProfileName=p["name"], UserSettings=p["settings"]
        )
    for s in x["spaces"]:
        kwargs: dict[str, Any] = {}
        if s["owner"]:
            kwargs["OwnershipSettings"] = {"OwnerUserProfileName": s["owner"]}
            kwargs["SpaceSharingSettings"] = {"SharingType": "Private"}
        sm.create_space(
            DomainId=domain_id,
            SpaceName=s["name"],
            SpaceSettings={
                "AppType": s["app_type"],
                "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 50}},
            },
            **kwargs,
        )


def _studio_app(spec: ResourceSpec, client: Any) -> None:
    """A Studio app in its space (the domain and space are seeded before it)."""
    x = spec.extra
    client("sagemaker", spec.region).create_app(
        DomainId=x["domain_id"],
        SpaceName=x["space"],
        AppType=x["app_type"],
        AppName="default",
        ResourceSpec={"InstanceType": spec.instance_type},
        Tags=_tags(spec.tags),
    )
    emulator.set_studio_app_times(
        x["domain_id"],
        x["space"],
        x["app_type"],
        "default",
        spec.region,
        created=spec.created,
        last_user_activity=x["activity"] or x["health_check"],
        last_health_check=x["health_check"],
    )


def _mlflow_tracking_server(spec: ResourceSpec, client: Any) -> None:
    """A managed MLflow tracking server, its age, state and CloudTrail's UI sessions."""
    sm = client("sagemaker", spec.region)
    sm.create_mlflow_tracking_server(
        TrackingServerName=spec.name,
        ArtifactStoreUri=f"s3://demo-ml-{spec.region}/mlflow/{spec.name}",
        TrackingServerSize=spec.extra["size"],
        RoleArn=ROLE_ARN,
        Tags=_tags(spec.tags),
    )
    if spec.state == "Stopped":
        sm.stop_mlflow_tracking_server(TrackingServerName=spec.name)
    emulator.backdate_mlflow_tracking_server(spec.name, spec.created, spec.region)
    for when in spec.extra["ui_sessions"]:
        emulator.record_mlflow_ui_session(spec.name, when, spec.region)


def _provisioned_throughput(spec: ResourceSpec, client: Any) -> None:
    """A Bedrock Provisioned Throughput, its age and commitment, and its invocations
    (AWS/Bedrock Invocations by ModelId = the provisioned model's ARN, hours with requests)."""
    x = spec.extra
    kwargs = {"commitmentDuration": x["commitment"]} if x["commitment"] else {}
    arn = client("bedrock", spec.region).create_provisioned_model_throughput(
        modelUnits=spec.instance_count,
        provisionedModelName=spec.name,
        modelId=x["model"],
        tags=[{"key": k, "value": v} for k, v in spec.tags.items()],
        **kwargs,
    )["provisionedModelArn"]
    emulator.backdate_provisioned_throughput(
        spec.name, spec.created, spec.region, commitment_ends=x["ends"]
    )
    if x["invocations"] is not None:
        hours = [(t, v) for t, v in zip(x["hours"], x["invocations"], strict=True) if v > 0]
        emulator.load_metric_data(
            spec.region,
            "AWS/Bedrock",
            "Invocations",
            {"ModelId": arn},
            [t for t, _ in hours],
            [v for _, v in hours],
            unit="Count",
        )


def _account(spec: ResourceSpec, client: Any) -> None:
    """The account's budgets (Budgets CreateBudget) and what Cost Explorer reports for it:
    cost lines, Savings Plans coverage, hourly granularity (demo/scenarios/_account.py)."""
    from mlcost.demo import ce_ext

    budgets = client("budgets", spec.region)
    for budget in spec.extra.get("budgets", []):
        budgets.create_budget(AccountId=spec.name, Budget=budget)
    for line in spec.extra.get("cost_lines", []):
        ce_ext.record_cost(
            spec.name,
            hour=line["hour"],
            service=line["service"],
            instance_type=line["instance_type"],
            amount=line["amount"],
        )
    coverage = spec.extra.get("coverage")
    if coverage:
        ce_ext.set_coverage(spec.name, float(coverage["covered"]), float(coverage["on_demand"]))
    if spec.extra.get("hourly"):
        ce_ext.enable_hourly(spec.name)


_CREATORS = {
    "endpoint": _endpoint,
    "notebook-instance": _notebook,
    "training-job": _training,
    "processing-job": _processing,
    "transform-job": _transform,
    "ec2-instance": _ec2,
    "capacity-reservation": _capacity_reservation,
    "iam-role": _iam_role,
    "studio-domain": _studio_domain,
    "studio-app": _studio_app,
    "mlflow-tracking-server": _mlflow_tracking_server,
    "bedrock-provisioned-throughput": _provisioned_throughput,
    "account": _account,
}
