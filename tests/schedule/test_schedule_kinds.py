"""Studio apps (deleted off-hours, nothing to start) and asynchronous endpoints (MinCapacity 0
off-hours, the snapshot's floor back on), on the emulator."""

from __future__ import annotations

import boto3
from seed import REGION, ROLE, TUESDAY, berlin, changes, run_pass, sm

TAG = [{"Key": "mlcost:schedule", "Value": "office-hours"}]


def _studio() -> str:
    domain = (
        sm()
        .create_domain(
            DomainName="research",
            AuthMode="IAM",
            DefaultUserSettings={"ExecutionRole": ROLE},
            SubnetIds=["subnet-1"],
            VpcId="vpc-1",
        )["DomainArn"]
        .split("/")[-1]
    )
    for space in ("dev-alice", "prod-pipeline"):
        sm().create_space(DomainId=domain, SpaceName=space)
        sm().create_app(
            DomainId=domain,
            SpaceName=space,
            AppType="JupyterLab",
            AppName="default",
            ResourceSpec={"InstanceType": "ml.t3.medium"},
        )
    return domain


def _app_status(domain: str, space: str) -> str:
    return sm().describe_app(
        DomainId=domain, SpaceName=space, AppType="JupyterLab", AppName="default"
    )["Status"]


def test_studio_apps_are_deleted_off_hours_and_left_for_their_user_to_reopen(aws, journal):
    domain = _studio()
    evening = run_pass(journal, berlin(TUESDAY, 18, 1))
    key = f"{domain}/dev-alice/JupyterLab/default"
    assert changes(evening) == [(key, "stop", "done")]
    assert _app_status(domain, "dev-alice") == "Deleted"
    assert _app_status(domain, "prod-pipeline") == "InService"  # look-alike: not scheduled
    # the space (and its storage) stays
    assert sm().describe_space(DomainId=domain, SpaceName="dev-alice")["SpaceName"] == "dev-alice"

    morning = run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 1))
    assert changes(morning) == []  # nothing to start: the user reopens the app
    assert [(c.resource_id, c.held) for c in morning.confirmations] == [(key, True)]


def _async_endpoint(name: str) -> str:
    client = sm()
    client.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/x:1"},
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
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://out/async/"}},
    )
    client.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config", Tags=TAG)
    rid = f"endpoint/{name}/variant/AllTraffic"
    boto3.client("application-autoscaling", region_name=REGION).register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=rid,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=2,
        MaxCapacity=5,
    )
    return rid


def _floor(rid: str) -> tuple[int, int]:
    [t] = boto3.client("application-autoscaling", region_name=REGION).describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[rid]
    )["ScalableTargets"]
    return t["MinCapacity"], t["MaxCapacity"]


def test_an_async_endpoint_scales_to_zero_off_hours_and_gets_its_floor_back(aws, journal):
    rid = _async_endpoint("batchy")
    evening = run_pass(journal, berlin(TUESDAY, 18, 1))
    assert changes(evening) == [("batchy", "stop", "done")]
    assert _floor(rid) == (0, 5)
    assert sm().describe_endpoint(EndpointName="batchy")["EndpointStatus"] == "InService"
    assert changes(run_pass(journal, berlin(TUESDAY, 22, 0))) == []

    morning = run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 1))
    assert changes(morning) == [("batchy", "start", "done")]
    assert _floor(rid) == (2, 5)
    assert changes(run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 2))) == []


def test_an_inference_component_scales_its_copy_floor_to_zero_and_back(aws, journal):
    client = sm()
    client.create_model(
        ModelName="llm-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/x:1"},
    )
    client.create_endpoint_config(
        EndpointConfigName="llm-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "llm-model",  # moto requires one; AWS's component endpoints omit it
                "InstanceType": "ml.g5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    client.create_endpoint(EndpointName="llm", EndpointConfigName="llm-config")
    for name, tags in (("llm-dev", TAG), ("llm-prod", [])):
        client.create_inference_component(
            InferenceComponentName=name,
            EndpointName="llm",
            VariantName="AllTraffic",
            Specification={"ModelName": "llm-model"},
            RuntimeConfig={"CopyCount": 1},
            Tags=tags,
        )
        boto3.client("application-autoscaling", region_name=REGION).register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=f"inference-component/{name}",
            ScalableDimension="sagemaker:inference-component:DesiredCopyCount",
            MinCapacity=1,
            MaxCapacity=3,
        )

    evening = run_pass(journal, berlin(TUESDAY, 18, 1))
    # the endpoint itself is not a member (untagged); its scheduled component is
    assert changes(evening) == [("llm-dev", "stop", "done")]
    assert _floor("inference-component/llm-dev") == (0, 3)
    assert _floor("inference-component/llm-prod") == (1, 3)  # look-alike, untouched
    assert changes(run_pass(journal, berlin(TUESDAY, 22, 0))) == []
    morning = run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 1))
    assert changes(morning) == [("llm-dev", "start", "done")]
    assert _floor("inference-component/llm-dev") == (1, 3)


def test_an_async_endpoint_without_a_scalable_target_is_reported_not_journaled(aws, journal):
    rid = _async_endpoint("batchy")
    boto3.client("application-autoscaling", region_name=REGION).deregister_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=rid,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    )
    evening = run_pass(journal, berlin(TUESDAY, 18, 1))
    [step] = evening.steps
    assert (step.member.resource_id, step.outcome) == ("batchy", "skipped")
    assert step.reason.startswith("no scalable target to lower")
    assert journal.fixes() == []  # a pass every 5 minutes must not grow the journal
