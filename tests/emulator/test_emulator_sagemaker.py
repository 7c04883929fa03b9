"""SageMaker calls moto lacks, and AWS behaviour where moto differs, through real boto3 clients."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mlcost.demo.emulator import backdate, set_job_times

ROLE = "arn:aws:iam::123456789012:role/sm"
REGION = "us-east-1"


def _sm():
    return boto3.client("sagemaker", region_name=REGION)


def _assert_shape(client, operation: str, response: dict) -> None:
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    with Stubber(client) as stub:
        stub.add_response(xform_name(operation), body)


def _endpoint(sm, name: str, itype: str = "ml.g5.xlarge", config: str | None = None) -> str:
    sm.create_model(ModelName=f"{name}-m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    config = config or f"{name}-c"
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-m",
                "InstanceType": itype,
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
    return config


def _error(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


@pytest.mark.parametrize(
    "itype",
    [
        "ml.g5.12xlarge",
        "ml.g6.xlarge",
        "ml.g6e.2xlarge",
        "ml.p4d.24xlarge",
        "ml.p5.48xlarge",
        "ml.inf2.xlarge",
        "ml.trn1.2xlarge",
    ],
)
def test_current_instance_types_accepted_for_endpoints(aws, itype):
    sm = _sm()
    _endpoint(sm, "ep", itype)
    config = sm.describe_endpoint_config(EndpointConfigName="ep-c")
    assert config["ProductionVariants"][0]["InstanceType"] == itype


def test_unknown_instance_type_still_rejected(aws):
    sm = _sm()
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    with pytest.raises(ClientError) as err:
        sm.create_endpoint_config(
            EndpointConfigName="c",
            ProductionVariants=[
                {
                    "VariantName": "v",
                    "ModelName": "m",
                    "InstanceType": "ml.x9.huge",
                    "InitialInstanceCount": 1,
                }
            ],
        )
    assert _error(err) == ("ValidationException", 400)
    with pytest.raises(ClientError):
        sm.create_notebook_instance(
            NotebookInstanceName="nb", InstanceType="ml.x9.huge", RoleArn=ROLE
        )


def test_update_notebook_instance_only_when_stopped(aws):
    sm = _sm()
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.g5.2xlarge", RoleArn=ROLE
    )
    with pytest.raises(ClientError) as err:
        sm.update_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium")
    assert _error(err) == ("ValidationException", 400)
    assert "InService" in err.value.response["Error"]["Message"]
    sm.stop_notebook_instance(NotebookInstanceName="nb")
    script = base64.b64encode(b"#!/bin/bash\nIDLE_TIME=3600\n").decode()
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="autostop", OnStart=[{"Content": script}]
    )
    sm.update_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", LifecycleConfigName="autostop"
    )
    nb = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert nb["InstanceType"] == "ml.t3.medium"
    assert nb["NotebookInstanceLifecycleConfigName"] == "autostop"
    sm.update_notebook_instance(NotebookInstanceName="nb", DisassociateLifecycleConfig=True)
    assert "NotebookInstanceLifecycleConfigName" not in sm.describe_notebook_instance(
        NotebookInstanceName="nb"
    )
    with pytest.raises(ClientError):
        sm.update_notebook_instance(NotebookInstanceName="nb", LifecycleConfigName="missing")


def test_list_and_update_lifecycle_configs(aws):
    sm = _sm()
    for name in ("b-conda", "a-autostop", "c-other"):
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=name,
            OnStart=[{"Content": base64.b64encode(b"echo").decode()}],
        )
    listed = sm.list_notebook_instance_lifecycle_configs(SortBy="Name")
    assert [
        c["NotebookInstanceLifecycleConfigName"] for c in listed["NotebookInstanceLifecycleConfigs"]
    ] == ["a-autostop", "b-conda", "c-other"]
    _assert_shape(sm, "ListNotebookInstanceLifecycleConfigs", listed)
    pages = list(
        sm.get_paginator("list_notebook_instance_lifecycle_configs").paginate(
            PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["NotebookInstanceLifecycleConfigs"]) for p in pages] == [2, 1]
    assert (
        len(
            sm.list_notebook_instance_lifecycle_configs(NameContains="conda")[
                "NotebookInstanceLifecycleConfigs"
            ]
        )
        == 1
    )
    new = base64.b64encode(b"#!/bin/bash\nmlcost-agent run\n").decode()
    sm.update_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="b-conda", OnStart=[{"Content": new}]
    )
    got = sm.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="b-conda"
    )
    assert got["OnStart"] == [{"Content": new}]
    with pytest.raises(ClientError) as err:
        sm.update_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="nope", OnStart=[]
        )
    assert _error(err) == ("ValidationException", 400)


def test_update_endpoint_switches_config(aws):
    sm = _sm()
    _endpoint(sm, "ep", "ml.g5.12xlarge")
    sm.create_endpoint_config(
        EndpointConfigName="ep-small",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "ep-m",
                "InstanceType": "ml.g5.xlarge",
                "InitialInstanceCount": 2,
            }
        ],
    )
    out = sm.update_endpoint(EndpointName="ep", EndpointConfigName="ep-small")
    assert out["EndpointArn"].endswith(":endpoint/ep")
    ep = sm.describe_endpoint(EndpointName="ep")
    assert ep["EndpointConfigName"] == "ep-small"
    assert ep["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    with pytest.raises(ClientError):
        sm.update_endpoint(EndpointName="ep", EndpointConfigName="missing-config")
    with pytest.raises(ClientError):
        sm.update_endpoint(EndpointName="missing", EndpointConfigName="ep-small")


def test_delete_endpoint_deregisters_autoscaling(aws):
    sm = _sm()
    aas = boto3.client("application-autoscaling", region_name=REGION)
    _endpoint(sm, "ep")
    rid = "endpoint/ep/variant/AllTraffic"
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=rid,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=4,
    )
    aas.put_scaling_policy(
        PolicyName="tt",
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
    _endpoint(sm, "other")
    other = "endpoint/other/variant/AllTraffic"
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=other,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=2,
    )
    sm.delete_endpoint(EndpointName="ep")
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert [t["ResourceId"] for t in targets] == [other]
    assert aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []


def test_list_tags_on_deleted_resource_is_400(aws):
    sm = _sm()
    _endpoint(sm, "ep")
    arn = sm.describe_endpoint(EndpointName="ep")["EndpointArn"]
    sm.delete_endpoint(EndpointName="ep")
    with pytest.raises(ClientError) as err:
        sm.list_tags(ResourceArn=arn)
    assert _error(err) == ("ValidationException", 400)


def test_add_tags_replaces_existing_key(aws):
    sm = _sm()
    _endpoint(sm, "ep")
    arn = sm.describe_endpoint(EndpointName="ep")["EndpointArn"]
    sm.add_tags(
        ResourceArn=arn, Tags=[{"Key": "team", "Value": "nlp"}, {"Key": "env", "Value": "dev"}]
    )
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "vision"}])
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "vision", "env": "dev"}
    assert len(sm.list_tags(ResourceArn=arn)["Tags"]) == 2


def test_studio_apps_spaces_and_user_profiles(aws):
    sm = _sm()
    domain = sm.create_domain(
        DomainName="d",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )
    domain_id = domain["DomainArn"].split("/")[-1]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="ana")
    sm.create_space(
        DomainId=domain_id,
        SpaceName="ana-space",
        SpaceSettings={"AppType": "JupyterLab"},
        OwnershipSettings={"OwnerUserProfileName": "ana"},
        SpaceSharingSettings={"SharingType": "Private"},
    )
    sm.create_app(
        DomainId=domain_id,
        SpaceName="ana-space",
        AppType="JupyterLab",
        AppName="default",
        ResourceSpec={"InstanceType": "ml.g5.xlarge"},
    )
    sm.create_app(
        DomainId=domain_id, UserProfileName="ana", AppType="JupyterServer", AppName="default"
    )
    profiles = sm.list_user_profiles(DomainIdEquals=domain_id)
    assert [p["UserProfileName"] for p in profiles["UserProfiles"]] == ["ana"]
    _assert_shape(sm, "ListUserProfiles", profiles)
    spaces = sm.list_spaces(DomainIdEquals=domain_id)
    assert spaces["Spaces"][0]["SpaceSettingsSummary"] == {"AppType": "JupyterLab"}
    _assert_shape(sm, "ListSpaces", spaces)
    space = sm.describe_space(DomainId=domain_id, SpaceName="ana-space")
    assert space["Status"] == "InService"
    _assert_shape(sm, "DescribeSpace", space)
    apps = sm.list_apps(DomainIdEquals=domain_id)
    assert sorted(a["AppType"] for a in apps["Apps"]) == ["JupyterLab", "JupyterServer"]
    _assert_shape(sm, "ListApps", apps)
    app = sm.describe_app(
        DomainId=domain_id, SpaceName="ana-space", AppType="JupyterLab", AppName="default"
    )
    assert app["Status"] == "InService" and app["ResourceSpec"]["InstanceType"] == "ml.g5.xlarge"
    _assert_shape(sm, "DescribeApp", app)
    sm.delete_app(
        DomainId=domain_id, SpaceName="ana-space", AppType="JupyterLab", AppName="default"
    )
    app = sm.describe_app(
        DomainId=domain_id, SpaceName="ana-space", AppType="JupyterLab", AppName="default"
    )
    assert app["Status"] == "Deleted"  # AWS keeps a deleted app listed as Deleted
    only_space = sm.list_apps(DomainIdEquals=domain_id, SpaceNameEquals="ana-space")["Apps"]
    assert [a["Status"] for a in only_space] == ["Deleted"]
    with pytest.raises(ClientError) as err:
        sm.describe_app(
            DomainId=domain_id, SpaceName="ana-space", AppType="JupyterLab", AppName="nope"
        )
    assert _error(err)[1] == 400
    with pytest.raises(ClientError):
        sm.create_app(DomainId="d-missing", SpaceName="x", AppType="JupyterLab", AppName="default")


def test_training_job_timeline_and_spot_fields(aws):
    sm = _sm()
    common = dict(
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://b/out"},
        ResourceConfig={
            "InstanceType": "ml.p4d.24xlarge",
            "InstanceCount": 2,
            "VolumeSizeInGB": 100,
        },
    )
    sm.create_training_job(
        TrainingJobName="od", StoppingCondition={"MaxRuntimeInSeconds": 86400}, **common
    )
    sm.create_training_job(
        TrainingJobName="spot",
        EnableManagedSpotTraining=True,
        CheckpointConfig={"S3Uri": "s3://b/ckpt"},
        StoppingCondition={"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
        **common,
    )
    start = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    set_job_times("training-job", "od", start, start + timedelta(hours=2, minutes=30), REGION)
    set_job_times(
        "training-job", "spot", start, start + timedelta(hours=1), REGION, billable_seconds=1200
    )
    od = sm.describe_training_job(TrainingJobName="od")
    assert od["TrainingTimeInSeconds"] == 9000 and od["BillableTimeInSeconds"] == 9000
    assert od["EnableManagedSpotTraining"] is False
    assert od["TrainingStartTime"] == start and od["CreationTime"] == start
    assert od["TrainingEndTime"] == start + timedelta(hours=2, minutes=30)
    spot = sm.describe_training_job(TrainingJobName="spot")
    assert spot["EnableManagedSpotTraining"] is True and spot["BillableTimeInSeconds"] == 1200
    assert spot["StoppingCondition"]["MaxWaitTimeInSeconds"] == 7200
    assert spot["CheckpointConfig"]["S3Uri"] == "s3://b/ckpt"
    listed = sm.list_training_jobs(CreationTimeAfter=start - timedelta(days=1))[
        "TrainingJobSummaries"
    ]
    assert {j["TrainingJobName"] for j in listed} == {"od", "spot"}
    assert (
        sm.list_training_jobs(CreationTimeAfter=start + timedelta(days=1))["TrainingJobSummaries"]
        == []
    )


def test_processing_job_keeps_resources_and_times(aws):
    sm = _sm()
    sm.create_processing_job(
        ProcessingJobName="pj",
        RoleArn=ROLE,
        AppSpecification={"ImageUri": "img"},
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 3,
                "InstanceType": "ml.m5.4xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    set_job_times("processing-job", "pj", start, start + timedelta(minutes=45), REGION)
    pj = sm.describe_processing_job(ProcessingJobName="pj")
    assert pj["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.4xlarge"
    assert pj["ProcessingStartTime"] == start
    assert pj["ProcessingEndTime"] - pj["ProcessingStartTime"] == timedelta(minutes=45)


def test_backdate_notebook_endpoint_and_ec2(aws):
    sm = _sm()
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    _endpoint(sm, "ep")
    ec2 = boto3.client("ec2", region_name=REGION)
    iid = ec2.run_instances(
        ImageId="ami-12c6146b", InstanceType="g5.xlarge", MinCount=1, MaxCount=1
    )["Instances"][0]["InstanceId"]
    when = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    backdate("notebook-instance", "nb", when, REGION)
    backdate("endpoint", "ep", when, REGION)
    backdate("ec2-instance", iid, when, REGION)
    assert sm.describe_notebook_instance(NotebookInstanceName="nb")["CreationTime"] == when
    assert sm.describe_endpoint(EndpointName="ep")["CreationTime"] == when
    launched = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
        "LaunchTime"
    ]
    assert launched == when
    with pytest.raises(KeyError, match="create it first"):
        backdate("endpoint", "missing", when, REGION)


def _content(n: int) -> str:
    """A base64 ``Content`` of exactly ``n`` characters (AWS counts the encoded text)."""
    text = base64.b64encode(b"#!/bin/bash\n" + b"#" * (n * 3 // 4)).decode()[:n]
    assert len(text) == n
    return text


def _too_long(err: pytest.ExceptionInfo, where: str) -> None:
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert f"at '{where}' failed to satisfy constraint" in error["Message"]
    assert error["Message"].startswith("1 validation error detected: Value '")
    assert error["Message"].endswith("Member must have length less than or equal to 16384")


def test_lifecycle_content_over_16384_characters_is_rejected_like_aws(aws):
    sm = _sm()
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="at-limit", OnStart=[{"Content": _content(16384)}]
    )
    with pytest.raises(ClientError) as err:
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="over", OnStart=[{"Content": _content(16385)}]
        )
    _too_long(err, "onStart.1.member.content")
    with pytest.raises(ClientError) as err:
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="over", OnCreate=[{"Content": _content(20000)}]
        )
    _too_long(err, "onCreate.1.member.content")
    with pytest.raises(ClientError) as err:
        sm.update_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="at-limit", OnStart=[{"Content": _content(16385)}]
        )
    _too_long(err, "onStart.1.member.content")
    got = sm.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="at-limit"
    )
    assert len(got["OnStart"][0]["Content"]) == 16384  # the rejected update changed nothing
    names = [
        c["NotebookInstanceLifecycleConfigName"]
        for c in sm.list_notebook_instance_lifecycle_configs()["NotebookInstanceLifecycleConfigs"]
    ]
    assert names == ["at-limit"]


def test_studio_lifecycle_config_limit_and_shape(aws):
    sm = _sm()
    arn = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="agent",
        StudioLifecycleConfigContent=_content(16384),
        StudioLifecycleConfigAppType="JupyterLab",
    )["StudioLifecycleConfigArn"]
    assert arn.endswith(":studio-lifecycle-config/agent")
    got = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="agent")
    _assert_shape(sm, "DescribeStudioLifecycleConfig", got)
    assert got["StudioLifecycleConfigAppType"] == "JupyterLab"
    with pytest.raises(ClientError) as err:
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName="too-long",
            StudioLifecycleConfigContent=_content(16385),
            StudioLifecycleConfigAppType="JupyterLab",
        )
    _too_long(err, "studioLifecycleConfigContent")


# ----------------------------------------------------------------- Search and page sizes


def test_list_endpoints_pages_ten_by_default_and_refuses_more_than_100(aws):
    sm = _sm()
    for i in range(23):
        _endpoint(sm, f"page-{i:02d}", config="shared" if i else None)
    first = sm.list_endpoints()
    assert len(first["Endpoints"]) == 10 and "NextToken" in first
    pages = list(sm.get_paginator("list_endpoints").paginate())
    assert [len(p["Endpoints"]) for p in pages] == [10, 10, 3]
    assert len(sm.list_endpoints(MaxResults=100)["Endpoints"]) == 23
    with pytest.raises(ClientError, match="less than or equal to 100"):
        sm.list_endpoints(MaxResults=101)


def test_search_returns_endpoints_with_tags_ten_a_page_and_filters(aws):
    sm = _sm()
    for i in range(12):
        _endpoint(sm, f"s-{i:02d}", config="shared" if i else None)
    arn = sm.describe_endpoint(EndpointName="s-03")["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "nlp"}])

    first = sm.search(Resource="Endpoint")
    assert len(first["Results"]) == 10 and "NextToken" in first
    _assert_shape(sm, "Search", first)
    every = [
        r["Endpoint"]
        for p in sm.get_paginator("search").paginate(
            Resource="Endpoint", PaginationConfig={"PageSize": 100}
        )
        for r in p["Results"]
    ]
    assert sorted(e["EndpointName"] for e in every) == [f"s-{i:02d}" for i in range(12)]
    record = next(e for e in every if e["EndpointName"] == "s-03")
    assert record["Tags"] == [{"Key": "team", "Value": "nlp"}]
    assert record["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    assert record["EndpointConfigName"] == "shared"

    def names(expression):
        found = sm.search(Resource="Endpoint", SearchExpression=expression, MaxResults=100)
        return sorted(r["Endpoint"]["EndpointName"] for r in found["Results"])

    assert names({"Filters": [{"Name": "Tags.team", "Operator": "Equals", "Value": "nlp"}]}) == [
        "s-03"
    ]
    either = {
        "SubExpressions": [
            {
                "Filters": [
                    {"Name": "EndpointName", "Operator": "Equals", "Value": "s-01"},
                    {"Name": "EndpointName", "Operator": "Equals", "Value": "s-07"},
                ],
                "Operator": "Or",
            }
        ],
        "Filters": [{"Name": "EndpointStatus", "Operator": "Equals", "Value": "InService"}],
        "Operator": "And",
    }
    assert names(either) == ["s-01", "s-07"]
    with pytest.raises(ClientError, match="less than or equal to 100"):
        sm.search(Resource="Endpoint", MaxResults=101)


def test_search_filters_training_jobs_on_iso_timestamps(aws):
    sm = _sm()
    for name in ("old-job", "new-job"):
        sm.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": "img:1", "TrainingInputMode": "File"},
            RoleArn=ROLE,
            OutputDataConfig={"S3OutputPath": "s3://b/out"},
            ResourceConfig={
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 5,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            Tags=[{"Key": "team", "Value": "cv"}],
        )
    backdate("training-job", "old-job", datetime.now(UTC) - timedelta(days=30), REGION)
    since = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
    found = sm.search(
        Resource="TrainingJob",
        SearchExpression={
            "Filters": [
                {"Name": "CreationTime", "Operator": "GreaterThanOrEqualTo", "Value": since}
            ]
        },
    )
    _assert_shape(sm, "Search", found)
    (record,) = [r["TrainingJob"] for r in found["Results"]]
    assert record["TrainingJobName"] == "new-job"
    assert record["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"
    assert record["Tags"] == [{"Key": "team", "Value": "cv"}]


def test_inference_components_as_aws_answers_them(aws):
    """Create, Describe, List (filters, AWS's shapes) and tags of an inference component."""
    sm = _sm()
    _endpoint(sm, "llm")
    sm.create_inference_component(
        InferenceComponentName="llm-ic",
        EndpointName="llm",
        VariantName="AllTraffic",
        Specification={"ModelName": "llm-m", "ComputeResourceRequirements": {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 1024}},
        RuntimeConfig={"CopyCount": 2},
        Tags=[{"Key": "team", "Value": "nlp"}],
    )  # fmt: skip
    described = sm.describe_inference_component(InferenceComponentName="llm-ic")
    _assert_shape(sm, "DescribeInferenceComponent", described)
    assert described["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}
    listed = sm.list_inference_components(EndpointNameEquals="llm")
    _assert_shape(sm, "ListInferenceComponents", listed)
    assert [c["InferenceComponentName"] for c in listed["InferenceComponents"]] == ["llm-ic"]
    assert sm.list_inference_components(EndpointNameEquals="other")["InferenceComponents"] == []
    tags = sm.list_tags(ResourceArn=described["InferenceComponentArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "nlp"}]
