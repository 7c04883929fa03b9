"""Resources for the schedule tests, created through the real API calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import boto3

from mlcost.fix.context import Clients
from mlcost.fix.waiters import Waiter
from mlcost.schedule.model import Period, Schedule
from mlcost.schedule.run import SchedulePass

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
BERLIN = "Europe/Berlin"
#: Tuesday 1 December 2026, a working day in Berlin (UTC+1 in winter).
TUESDAY = date(2026, 12, 1)

OFFICE = Schedule(
    name="office-hours",
    timezone=BERLIN,
    periods=[Period(days=["mon-fri"], begin="08:00", end="18:00")],
    names=["dev-*"],
)


def berlin(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), ZoneInfo(BERLIN)).astimezone(UTC)


def sm():
    return boto3.client("sagemaker", region_name=REGION)


def notebook(name: str, tags: dict[str, str] | None = None, itype: str = "ml.t3.medium") -> None:
    sm().create_notebook_instance(
        NotebookInstanceName=name,
        InstanceType=itype,
        RoleArn=ROLE,
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )


def notebook_status(name: str) -> str:
    return sm().describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]


def instance(tags: dict[str, str], itype: str = "g5.xlarge") -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    out = ec2.run_instances(
        ImageId="ami-12c6146b",
        InstanceType=itype,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ],
    )
    return out["Instances"][0]["InstanceId"]


def instance_state(iid: str) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    return ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"][
        "Name"
    ]


def endpoint(name: str, tags: dict[str, str]) -> None:
    """A model, its config, the endpoint (tagged), a scalable target and a policy."""
    client = sm()
    client.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-gpu-py310",
            "ModelDataUrl": "s3://models-bucket/churn/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        },
        Tags=[{"Key": "team", "Value": "churn"}],
    )
    client.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-model",
                "InstanceType": "ml.g5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    client.create_endpoint(
        EndpointName=name,
        EndpointConfigName=f"{name}-config",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    aas = boto3.client("application-autoscaling", region_name=REGION)
    rid = f"endpoint/{name}/variant/AllTraffic"
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=rid,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=4,
    )
    aas.put_scaling_policy(
        PolicyName=f"{name}-invocations",
        ServiceNamespace="sagemaker",
        ResourceId=rid,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    )


def endpoint_picture(name: str) -> dict:
    """What a user sees of an endpoint: config, model, tags, autoscaling."""
    client = sm()
    ep = client.describe_endpoint(EndpointName=name)
    config = client.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])
    aas = boto3.client("application-autoscaling", region_name=REGION)
    rid = f"endpoint/{name}/variant/AllTraffic"
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)
    return {
        "status": ep["EndpointStatus"],
        "config": ep["EndpointConfigName"],
        "variants": [
            (v["VariantName"], v["ModelName"], v["InstanceType"], v["InitialInstanceCount"])
            for v in config["ProductionVariants"]
        ],
        "tags": sorted(
            (t["Key"], t["Value"]) for t in client.list_tags(ResourceArn=ep["EndpointArn"])["Tags"]
        ),
        "targets": [(t["MinCapacity"], t["MaxCapacity"]) for t in targets["ScalableTargets"]],
        "policies": [
            (p["PolicyName"], p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"])
            for p in policies["ScalingPolicies"]
        ],
    }


def run_pass(journal, at: datetime, *, schedules=None, apply: bool = True):
    return SchedulePass(
        schedules or {OFFICE.name: OFFICE},
        [REGION],
        Clients(),
        journal,
        apply=apply,
        waiter=Waiter(timeout_s=5, delay_s=0),
    ).run(at=at)


def changes(report) -> list[tuple[str, str, str]]:
    return sorted((s.member.resource_id, s.action, s.outcome) for s in report.changes())
