"""Where moto is more lenient than AWS: the calls are checked with botocore's Stubber against
responses shaped as AWS answers them (every response and request is validated against the
service model by the Stubber)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber
from botocore.validate import ParamValidator
from fix_helpers import IMAGE, MODEL_DATA, REGION, ROLE

from mlcost.fix.actions.endpoint_resize import on_config, resized_variants
from mlcost.fix.actions.endpoints import model_params
from mlcost.fix.actions.scaling import restore_scaling, snapshot_scaling
from mlcost.fix.context import Clients, FixContext
from mlcost.fix.waiters import Waiter

WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
RID = "endpoint/churn/variant/AllTraffic"
DIM = "sagemaker:variant:DesiredInstanceCount"
SLR = (
    "arn:aws:iam::123456789012:role/aws-service-role/sagemaker.application-autoscaling."
    "amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)
OLD_POLICY = (
    "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:6d8972f3-efc8-437c-92d1-"
    "6270f29a66e7:resource/sagemaker/endpoint/churn/variant/AllTraffic:policyName/backlog-out"
)
NEW_POLICY = OLD_POLICY.replace("6d8972f3", "a0b1c2d3")
PAGER = "arn:aws:sns:us-east-1:123456789012:oncall"
STEPS = {
    "AdjustmentType": "ChangeInCapacity",
    "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
    "Cooldown": 300,
    "MetricAggregationType": "Average",
}
ALARM_FIELDS = {
    "AlarmName": "churn-backlog-high",
    "ActionsEnabled": True,
    "MetricName": "ApproximateBacklogSizePerInstance",
    "Namespace": "AWS/SageMaker",
    "Statistic": "Average",
    "Dimensions": [{"Name": "EndpointName", "Value": "churn"}],
    "Period": 60,
    "EvaluationPeriods": 3,
    "Threshold": 5.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "missing",
}


@pytest.fixture
def ctx(sqlite_journal) -> FixContext:
    session = boto3.Session(
        region_name=REGION, aws_access_key_id="stub", aws_secret_access_key="stub"
    )
    fix_id = sqlite_journal.create_fix(
        run_id="run",
        action="delete-endpoint",
        resource_kind="endpoint",
        resource_id="churn",
        region=REGION,
        params={},
    )
    return FixContext(sqlite_journal, fix_id, REGION, Clients(session), Waiter())


def test_step_scaling_comes_back_with_its_alarm_pointing_at_the_new_policy(ctx):
    """PutScalingPolicy gives the re-created policy a new ARN; the user's alarm that drove
    it still names the old one, and would scale nothing. The service-linked role is not
    passed back (it needs iam:PassRole and AWS uses it anyway)."""
    aas = Stubber(ctx.clients("application-autoscaling", REGION))
    cw = Stubber(ctx.clients("cloudwatch", REGION))
    target = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": RID,
        "ScalableDimension": DIM,
        "MinCapacity": 1,
        "MaxCapacity": 4,
    }
    aas.add_response(
        "describe_scalable_targets",
        {"ScalableTargets": [{**target, "RoleARN": SLR, "CreationTime": WHEN}]},
    )
    policy = {
        "PolicyName": "backlog-out",
        "ServiceNamespace": "sagemaker",
        "ResourceId": RID,
        "ScalableDimension": DIM,
        "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": STEPS,
    }
    alarm_ref = {
        "AlarmName": "churn-backlog-high",
        "AlarmARN": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:churn-backlog-high",
    }
    aas.add_response(
        "describe_scaling_policies",
        {
            "ScalingPolicies": [
                {**policy, "PolicyARN": OLD_POLICY, "Alarms": [alarm_ref], "CreationTime": WHEN}
            ]
        },
    )
    aas.add_response("describe_scheduled_actions", {"ScheduledActions": []})
    cw.add_response(
        "describe_alarms",
        {
            "MetricAlarms": [
                {
                    **ALARM_FIELDS,
                    "AlarmArn": alarm_ref["AlarmARN"],
                    "AlarmConfigurationUpdatedTimestamp": WHEN,
                    "OKActions": [],
                    "AlarmActions": [OLD_POLICY, PAGER],
                    "InsufficientDataActions": [],
                    "StateValue": "OK",
                    "StateReason": "Threshold Crossed",
                    "StateUpdatedTimestamp": WHEN,
                }
            ]
        },
        {"AlarmNames": ["churn-backlog-high"]},
    )
    aas.add_response("register_scalable_target", {}, target)
    aas.add_response("put_scaling_policy", {"PolicyARN": NEW_POLICY, "Alarms": []}, policy)
    cw.add_response("put_metric_alarm", {}, {**ALARM_FIELDS, "AlarmActions": [NEW_POLICY, PAGER]})

    with aas, cw:
        snap = ctx.snapshot("endpoint", lambda: snapshot_scaling(ctx, [RID]))
        restore_scaling(ctx, snap)
        aas.assert_no_pending_responses()
        cw.assert_no_pending_responses()


def _sagemaker_ctx() -> SimpleNamespace:
    session = boto3.Session(
        region_name=REGION, aws_access_key_id="stub", aws_secret_access_key="stub"
    )
    return SimpleNamespace(clients=Clients(session), region=REGION)


def test_create_model_gets_one_container_form_and_no_read_only_fields():
    container = {"Image": IMAGE, "ModelDataUrl": MODEL_DATA, "Environment": {"A": "1"}}
    described = {
        "ModelName": "churn-model",
        "PrimaryContainer": container,
        "Containers": [container],
        "ExecutionRoleArn": ROLE,
        "VpcConfig": {"SecurityGroupIds": ["sg-0a1b"], "Subnets": ["subnet-0c2d"]},
        "EnableNetworkIsolation": True,
        "InferenceExecutionConfig": {"Mode": "Serial"},
        "CreationTime": WHEN,
        "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/churn-model",
        "DeploymentRecommendation": {"RecommendationStatus": "COMPLETED"},
    }
    params = model_params(_sagemaker_ctx(), described)

    shape = (
        _sagemaker_ctx()
        .clients("sagemaker", REGION)
        .meta.service_model.operation_model("CreateModel")
        .input_shape
    )
    assert not ParamValidator().validate(params, shape).has_errors()
    assert params == {
        "ModelName": "churn-model",
        "PrimaryContainer": container,
        "ExecutionRoleArn": ROLE,
        "VpcConfig": {"SecurityGroupIds": ["sg-0a1b"], "Subnets": ["subnet-0c2d"]},
        "EnableNetworkIsolation": True,
        "InferenceExecutionConfig": {"Mode": "Serial"},
    }


def test_an_inference_pipeline_keeps_its_containers():
    first = {"Image": IMAGE, "ModelDataUrl": MODEL_DATA}
    second = {"Image": IMAGE + "-post"}
    params = model_params(
        _sagemaker_ctx(),
        {"ModelName": "p", "PrimaryContainer": first, "Containers": [first, second]},
    )
    assert params == {"ModelName": "p", "Containers": [first, second]}


def test_an_update_in_progress_counts_as_applied_on_resume():
    """While updating, AWS names the old config in EndpointConfigName and the new one in
    PendingDeploymentSummary; calling UpdateEndpoint again would be refused."""
    updating = {
        "EndpointName": "churn",
        "EndpointConfigName": "churn-config",
        "EndpointStatus": "Updating",
        "PendingDeploymentSummary": {"EndpointConfigName": "churn-config-mlcost-1a2b3c4d"},
    }
    assert on_config(updating, "churn-config-mlcost-1a2b3c4d")
    assert not on_config({**updating, "PendingDeploymentSummary": None}, "churn-config-mlcost-x")
    assert not on_config(None, "churn-config")


def test_variants_the_fix_does_not_resize_keep_their_live_count_and_weight():
    """UpdateEndpoint applies the new config's initial count and weight to every variant; a
    variant auto scaling grew to 5 must not drop back to the 1 it was deployed with."""
    configured = [
        {
            "VariantName": "big",
            "ModelName": "m",
            "InstanceType": "ml.g5.12xlarge",
            "InitialInstanceCount": 2,
            "InitialVariantWeight": 0.5,
        },
        {
            "VariantName": "steady",
            "ModelName": "m",
            "InstanceType": "ml.c5.xlarge",
            "InitialInstanceCount": 1,
            "InitialVariantWeight": 0.5,
        },
    ]
    live = [
        {"VariantName": "big", "CurrentInstanceCount": 2, "DesiredInstanceCount": 2},
        {
            "VariantName": "steady",
            "CurrentInstanceCount": 5,
            "DesiredInstanceCount": 5,
            "CurrentWeight": 0.8,
            "DesiredWeight": 0.8,
        },
    ]
    changes = {"big": {"InstanceType": "ml.g5.2xlarge", "InitialInstanceCount": 2}}

    assert resized_variants(configured, live, changes) == [
        {
            "VariantName": "big",
            "ModelName": "m",
            "InstanceType": "ml.g5.2xlarge",
            "InitialInstanceCount": 2,
            "InitialVariantWeight": 0.5,
        },
        {
            "VariantName": "steady",
            "ModelName": "m",
            "InstanceType": "ml.c5.xlarge",
            "InitialInstanceCount": 5,
            "InitialVariantWeight": 0.8,
        },
    ]
