"""The emulator's Studio settings, MLflow, CloudTrail and Bedrock calls (moto 5.2.5 lacks
them), held to botocore's response shapes (Stubber validates each) and AWS's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mlcost.demo import emulator

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sm"


def _assert_shape(client, operation: str, response: dict) -> None:
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    with Stubber(client) as stub:
        stub.add_response(xform_name(operation), body)


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


def _idle(minutes: int, **extra) -> dict:
    return {
        "AppLifecycleManagement": {
            "IdleSettings": {
                "LifecycleManagement": "ENABLED",
                "IdleTimeoutInMinutes": minutes,
                **extra,
            }
        }
    }


def test_update_domain_and_user_profile_merge_settings_within_aws_bounds(aws):
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_domain(
        DomainName="team",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
    )
    sm.update_domain(DomainId="d-team", DefaultUserSettings={"JupyterLabAppSettings": _idle(60)})
    domain = sm.describe_domain(DomainId="d-team")
    _assert_shape(sm, "DescribeDomain", domain)
    assert domain["DefaultUserSettings"]["ExecutionRole"] == ROLE  # other members kept
    assert domain["DefaultUserSettings"]["JupyterLabAppSettings"] == _idle(60)
    # below 60 minutes botocore refuses it before sending (the model's min); the server
    # checks what the model cannot: the timeout within the min..max given
    with pytest.raises(ClientError) as err:  # the timeout must lie within min..max
        sm.update_domain(
            DomainId="d-team",
            DefaultUserSettings={
                "JupyterLabAppSettings": _idle(
                    60, MinIdleTimeoutInMinutes=120, MaxIdleTimeoutInMinutes=240
                )
            },
        )
    assert _code(err) == "ValidationException"
    with pytest.raises(ClientError) as err:
        sm.describe_domain(DomainId="d-missing")
    assert _code(err) == "ResourceNotFound"

    sm.create_user_profile(DomainId="d-team", UserProfileName="ana")
    sm.update_user_profile(
        DomainId="d-team", UserProfileName="ana", UserSettings={"CodeEditorAppSettings": _idle(90)}
    )
    profile = sm.describe_user_profile(DomainId="d-team", UserProfileName="ana")
    _assert_shape(sm, "DescribeUserProfile", profile)
    assert profile["UserSettings"]["CodeEditorAppSettings"] == _idle(90)


def test_tags_on_studio_arns_with_several_path_parts(aws):
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_domain(
        DomainName="team", AuthMode="IAM", DefaultUserSettings={}, SubnetIds=["s"], VpcId="v"
    )
    arn = sm.create_user_profile(
        DomainId="d-team", UserProfileName="ana", Tags=[{"Key": "team", "Value": "a"}]
    )["UserProfileArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "b"}]
    domain_arn = sm.describe_domain(DomainId="d-team")["DomainArn"]
    assert sm.list_tags(ResourceArn=domain_arn)["Tags"] == []  # moto kept None


def test_mlflow_tracking_servers_stop_and_start(aws):
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_mlflow_tracking_server(
        TrackingServerName="exp",
        ArtifactStoreUri="s3://b/exp",
        RoleArn=ROLE,
        TrackingServerSize="Large",
    )
    server = sm.describe_mlflow_tracking_server(TrackingServerName="exp")
    _assert_shape(sm, "DescribeMlflowTrackingServer", server)
    assert (server["TrackingServerStatus"], server["IsActive"]) == ("Created", "Active")
    listed = sm.list_mlflow_tracking_servers(MaxResults=100)
    _assert_shape(sm, "ListMlflowTrackingServers", listed)
    sm.stop_mlflow_tracking_server(TrackingServerName="exp")
    assert sm.describe_mlflow_tracking_server(TrackingServerName="exp")["IsActive"] == "Inactive"
    with pytest.raises(ClientError):  # already stopped
        sm.stop_mlflow_tracking_server(TrackingServerName="exp")
    sm.start_mlflow_tracking_server(TrackingServerName="exp")
    assert (
        sm.describe_mlflow_tracking_server(TrackingServerName="exp")["TrackingServerStatus"]
        == "Started"
    )
    with pytest.raises(ClientError) as err:
        sm.create_mlflow_tracking_server(
            TrackingServerName="x",
            ArtifactStoreUri="s3://b/x",
            RoleArn=ROLE,
            TrackingServerSize="Huge",
        )
    assert _code(err) == "ValidationException"


def test_cloudtrail_lookup_events_pages_newest_first_at_most_50(aws):
    now = datetime.now(UTC)
    for h in range(60):
        emulator.record_mlflow_ui_session("exp", now - timedelta(hours=h), REGION)
    ct = boto3.client("cloudtrail", region_name=REGION)
    attrs = [
        {"AttributeKey": "EventName", "AttributeValue": "CreatePresignedMlflowTrackingServerUrl"}
    ]
    first = ct.lookup_events(LookupAttributes=attrs, MaxResults=50)
    _assert_shape(ct, "LookupEvents", first)
    assert len(first["Events"]) == 50 and first["NextToken"]
    times = [e["EventTime"] for e in first["Events"]]
    assert times == sorted(times, reverse=True)
    second = ct.lookup_events(LookupAttributes=attrs, MaxResults=50, NextToken=first["NextToken"])
    assert len(second["Events"]) == 10
    recent = ct.lookup_events(
        LookupAttributes=attrs, StartTime=now - timedelta(hours=4, minutes=30)
    )
    assert len(recent["Events"]) == 5
    with pytest.raises(ClientError):
        ct.lookup_events(LookupAttributes=attrs, MaxResults=51)


def test_bedrock_provisioned_throughput_and_the_commitment_rule(aws):
    br = boto3.client("bedrock", region_name=REGION)
    arn = br.create_provisioned_model_throughput(
        modelUnits=1, provisionedModelName="pt", modelId="amazon.titan-text-express-v1:0:8k"
    )["provisionedModelArn"]
    got = br.get_provisioned_model_throughput(provisionedModelId=arn)
    _assert_shape(br, "GetProvisionedModelThroughput", got)
    listed = br.list_provisioned_model_throughputs(maxResults=1000)
    _assert_shape(br, "ListProvisionedModelThroughputs", listed)
    br.create_provisioned_model_throughput(
        modelUnits=1,
        provisionedModelName="pt-6m",
        modelId="amazon.titan-text-express-v1:0:8k",
        commitmentDuration="SixMonths",
    )
    with pytest.raises(ClientError) as err:  # AWS: not before the commitment term is over
        br.delete_provisioned_model_throughput(provisionedModelId="pt-6m")
    assert _code(err) == "ValidationException"
    br.delete_provisioned_model_throughput(provisionedModelId="pt")
    with pytest.raises(ClientError) as err:
        br.get_provisioned_model_throughput(provisionedModelId="pt")
    assert _code(err) == "ResourceNotFoundException"
