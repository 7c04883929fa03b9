"""Inventory: what each kind reads into the model, window filtering, idle guards, failures."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from sources_aws_fakes import (
    ROLE,
    AwsError,
    FakeCloudWatch,
    answer,
    deny_search,
    make_endpoints,
    make_training_job,
)

from mlcost.checks import REGISTRY as CHECKS
from mlcost.checks.registry import Check
from mlcost.model import Ec2Instance, Endpoint, Job, NotebookInstance, ResourceKind
from mlcost.sources.aws import CallCounter, collect_inventory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _training_job(sm: Any, name: str) -> None:
    make_training_job(sm, name, "ml.p3.2xlarge")


def test_a_region_that_denies_access_is_reported_and_the_other_region_still_scanned(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    make_endpoints(session, "us-east-1", ["east-endpoint"])
    make_endpoints(session, "eu-west-1", ["west-endpoint"])
    session.client("ec2", region_name="us-east-1").run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1
    )

    def deny_sagemaker(region: str, params: dict[str, Any]) -> None:
        if region == "eu-west-1":
            raise AwsError("AccessDeniedException", "no sagemaker:List* in eu-west-1")

    def deny_ec2(region: str, params: dict[str, Any]) -> None:
        if region == "eu-west-1":
            raise AwsError("UnauthorizedOperation", "You are not authorized", 403)

    for op in (
        "Search",
        "ListEndpoints",
        "ListNotebookInstances",
        "ListTrainingJobs",
        "ListProcessingJobs",
        "ListTransformJobs",
    ):
        answer(session, "sagemaker", op, deny_sagemaker)
    answer(session, "ec2", "DescribeInstances", deny_ec2)

    inv = collect_inventory(["us-east-1", "eu-west-1"], 7, session=session, now=NOW)

    assert {(r.region, r.kind) for r in inv.resources} == {
        ("us-east-1", ResourceKind.ENDPOINT),
        ("us-east-1", ResourceKind.EC2_INSTANCE),
        ("us-east-1", ResourceKind.ACCOUNT),  # global: read in the first region only
    }
    west = {(e.service, e.operation) for e in inv.errors if e.region == "eu-west-1"}
    assert ("sagemaker", "ListEndpoints") in west
    assert ("ec2", "DescribeInstances") in west
    # four SageMaker list calls (transform jobs are not scanned; processing jobs are, for
    # long-running-processing-job) and EC2
    assert len(west) == 5
    denied = next(e for e in inv.errors if e.operation == "ListEndpoints")
    assert "AccessDeniedException" in denied.message and "mlcost policy" in denied.message
    assert not [e for e in inv.errors if e.region == "us-east-1"]
    assert inv.account == "123456789012"


def test_jobs_are_listed_from_the_window_start_and_older_ones_left_out(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    sm = session.client("sagemaker", region_name="us-east-1")
    _training_job(sm, "recent")
    created = sm.describe_training_job(TrainingJobName="recent")["CreationTime"]
    params_seen: list[dict[str, Any]] = []

    def record(region: str, params: dict[str, Any]) -> None:
        params_seen.append(params)  # let the call through to moto

    deny_search(session)  # the List + Describe fallback answers these fakes
    answer(session, "sagemaker", "ListTrainingJobs", record)

    inside = collect_inventory(["us-east-1"], 7, session=session, now=created + timedelta(days=6))
    outside = collect_inventory(["us-east-1"], 7, session=session, now=created + timedelta(days=8))

    assert [j.id for j in inside.of_kind(ResourceKind.TRAINING_JOB)] == ["recent"]
    assert outside.of_kind(ResourceKind.TRAINING_JOB) == []
    assert params_seen[0]["CreationTimeAfter"] == created + timedelta(days=6) - timedelta(days=7)


def _none(*_: Any) -> list[Any]:
    return []


def test_an_old_job_returned_despite_the_filter_is_still_left_out(
    session: boto3.Session, cloudwatch: FakeCloudWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Client-side second check: a service that ignores CreationTimeAfter must not leak.

    Processing jobs are read only when a check needs them, and none does yet: a check on
    them is registered here to prove the kind's descriptor works for the check that will.
    """
    monkeypatch.setitem(
        CHECKS, "test-processing", Check("test-processing", ResourceKind.PROCESSING_JOB, _none)
    )
    old = NOW - timedelta(days=30)
    recent = NOW - timedelta(days=2)

    def listing(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ProcessingJobSummaries": [
                {
                    "ProcessingJobName": name,
                    "ProcessingJobArn": f"arn:aws:sagemaker:{region}:123456789012:processing-job/{name}",
                    "CreationTime": created,
                    "ProcessingJobStatus": "Completed",
                }
                for name, created in (("old", old), ("recent", recent))
            ]
        }

    def describe(region: str, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ProcessingJobName"]
        return {
            "ProcessingJobName": name,
            "ProcessingJobArn": f"arn:aws:sagemaker:{region}:123456789012:processing-job/{name}",
            "ProcessingResources": {
                "ClusterConfig": {
                    "InstanceCount": 3,
                    "InstanceType": "ml.m5.4xlarge",
                    "VolumeSizeInGB": 30,
                }
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
            "AppSpecification": {"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/proc:1"},
            "RoleArn": ROLE,
            "ProcessingJobStatus": "Completed",
            "CreationTime": recent,
            "ProcessingStartTime": recent + timedelta(minutes=4),
            "ProcessingEndTime": recent + timedelta(hours=1, minutes=34),
        }

    answer(session, "sagemaker", "ListProcessingJobs", listing)
    answer(session, "sagemaker", "DescribeProcessingJob", describe)
    answer(session, "sagemaker", "ListTags", lambda r, p: {"Tags": []})

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW, checks=["test-processing"])

    (job,) = inv.of_kind(ResourceKind.PROCESSING_JOB)
    assert isinstance(job, Job)
    assert job.id == "recent"
    assert (job.instance_type, job.instance_count) == ("ml.m5.4xlarge", 3)
    assert job.start == recent + timedelta(minutes=4)
    assert job.run_seconds == 90 * 60  # 1 h 34 min - 4 min
    assert job.image == "123.dkr.ecr.us-east-1.amazonaws.com/proc:1"
    assert inv.errors == []


def test_training_job_fields_come_from_describe_training_job(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    start = NOW - timedelta(days=1)

    def listing(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "TrainingJobSummaries": [
                {
                    "TrainingJobName": "spot",
                    "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/spot",
                    "CreationTime": start,
                    "TrainingJobStatus": "Completed",
                }
            ]
        }

    def describe(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "TrainingJobName": "spot",
            "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/spot",
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {
                "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1",
                "TrainingInputMode": "File",
            },
            "ResourceConfig": {
                "InstanceType": "ml.g5.12xlarge",
                "InstanceCount": 2,
                "VolumeSizeInGB": 50,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 10800},
            "CreationTime": start,
            "TrainingStartTime": start + timedelta(minutes=5),
            "TrainingEndTime": start + timedelta(hours=2, minutes=5),
            "TrainingTimeInSeconds": 7200,
            "BillableTimeInSeconds": 2160,
            "EnableManagedSpotTraining": True,
            "CheckpointConfig": {"S3Uri": "s3://b/checkpoints"},
        }

    deny_search(session)  # the List + Describe fallback answers these fakes
    answer(session, "sagemaker", "ListTrainingJobs", listing)
    answer(session, "sagemaker", "DescribeTrainingJob", describe)
    answer(
        session, "sagemaker", "ListTags", lambda r, p: {"Tags": [{"Key": "team", "Value": "nlp"}]}
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (job,) = inv.of_kind(ResourceKind.TRAINING_JOB)
    assert isinstance(job, Job)
    assert (job.instance_type, job.instance_count) == ("ml.g5.12xlarge", 2)
    assert (job.run_seconds, job.billable_seconds) == (7200, 2160)
    assert job.managed_spot is True
    assert job.checkpoint_s3_uri == "s3://b/checkpoints"
    assert job.max_wait_seconds == 10800
    assert job.image.endswith("pytorch-training:2.1")
    assert job.tags == {"team": "nlp"}
    assert job.end == start + timedelta(hours=2, minutes=5)
    assert inv.errors == []


def test_endpoint_variants_use_current_instance_count_serverless_and_async(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mixed"

    def listing(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "Endpoints": [
                {
                    "EndpointName": "mixed",
                    "EndpointArn": arn,
                    "CreationTime": NOW - timedelta(days=90),
                    "LastModifiedTime": NOW - timedelta(days=3),
                    "EndpointStatus": "InService",
                }
            ]
        }

    def describe(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "EndpointName": "mixed",
            "EndpointArn": arn,
            "EndpointConfigName": "mixed-config",
            "ProductionVariants": [
                {
                    "VariantName": "gpu",
                    "CurrentWeight": 1.0,
                    "DesiredWeight": 1.0,
                    "CurrentInstanceCount": 3,  # autoscaled up from the config's 1
                    "DesiredInstanceCount": 3,
                },
                {
                    "VariantName": "sls",
                    "CurrentWeight": 1.0,
                    "DesiredWeight": 1.0,
                    "CurrentServerlessConfig": {"MemorySizeInMB": 4096, "MaxConcurrency": 20},
                    "DesiredServerlessConfig": {"MemorySizeInMB": 4096, "MaxConcurrency": 20},
                },
            ],
            "EndpointStatus": "InService",
            "CreationTime": NOW - timedelta(days=90),
            "LastModifiedTime": NOW - timedelta(days=3),
        }

    def describe_config(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "EndpointConfigName": "mixed-config",
            "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/mixed-config",
            "ProductionVariants": [
                {
                    "VariantName": "gpu",
                    "ModelName": "llm",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.g5.2xlarge",
                },
                {
                    "VariantName": "sls",
                    "ModelName": "small",
                    "ServerlessConfig": {"MemorySizeInMB": 4096, "MaxConcurrency": 20},
                },
            ],
            "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://b/async"}},
            "CreationTime": NOW - timedelta(days=90),
        }

    deny_search(session)  # the List + Describe fallback answers these fakes
    answer(session, "sagemaker", "ListEndpoints", listing)
    answer(session, "sagemaker", "DescribeEndpoint", describe)
    answer(session, "sagemaker", "DescribeEndpointConfig", describe_config)
    answer(session, "sagemaker", "ListTags", lambda r, p: {"Tags": []})

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (ep,) = inv.of_kind(ResourceKind.ENDPOINT)
    assert isinstance(ep, Endpoint)
    gpu, sls = ep.variants
    assert (gpu.instance_type, gpu.instance_count, gpu.model_name) == ("ml.g5.2xlarge", 3, "llm")
    assert (sls.instance_type, sls.instance_count) == (None, 0)
    assert (sls.serverless_memory_mb, sls.serverless_max_concurrency) == (4096, 20)
    assert ep.is_async is True and ep.config_name == "mixed-config"
    assert inv.errors == []
    labels = sorted(
        (s.dimensions.get("VariantName", "-"), s.name, s.metric, s.stat)
        for s in inv.metrics[ep.key]
    )
    # async: no Invocations (AWS never publishes it for async endpoints); the processed count
    # per variant under both spellings, and the endpoint's queue (EndpointName only)
    assert labels == sorted(
        [
            ("gpu", "CPUUtilization", "CPUUtilization", "Maximum"),
            ("gpu", "MemoryUtilization", "MemoryUtilization", "Maximum"),
            ("gpu", "GPUUtilization", "GPUUtilization", "Maximum"),
            ("gpu", "GPUMemoryUtilization", "GPUMemoryUtilization", "Maximum"),
            ("gpu", "InvocationsProcessed", "InvocationsProcessed", "Sum"),
            ("gpu", "InvocationsProcessed", "InvocationsProcesssed", "Sum"),
            # serverless publishes no instance utilisation
            ("sls", "InvocationsProcessed", "InvocationsProcessed", "Sum"),
            ("sls", "InvocationsProcessed", "InvocationsProcesssed", "Sum"),
            ("-", "ApproximateBacklogSize", "ApproximateBacklogSize", "Maximum"),
        ]
    )
    (backlog,) = inv.series(ep, "ApproximateBacklogSize")
    assert (backlog.namespace, backlog.dimensions) == ("AWS/SageMaker", {"EndpointName": "mixed"})


def test_idle_guard_is_read_from_each_distinct_lifecycle_script_once(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    sm = session.client("sagemaker", region_name="us-east-1")
    configs = {
        "autostop": {
            "OnStart": [
                {
                    "Content": _b64(
                        "#!/bin/bash\nwget https://raw.githubusercontent.com/aws-samples/"
                        "amazon-sagemaker-notebook-instance-lifecycle-config-samples/master/scripts/"
                        'auto-stop-idle/autostop.py\n(crontab -l; echo "*/5 * * * * python autostop.py '
                        '--time 3600") | crontab -\n'
                    )
                }
            ]
        },
        "idle-time": {"OnCreate": [{"Content": _b64("export IDLE_TIME=1800\n")}]},
        "agent": {"OnStart": [{"Content": _b64("pip install mlcost && mlcost-agent --install\n")}]},
        "conda": {"OnStart": [{"Content": _b64("conda install -y pandas\n")}]},
        "hidden": {"OnStart": [{"Content": _b64("python autostop.py\n")}]},
    }
    for name, scripts in configs.items():
        sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=name, **scripts
        )
    plan = {
        "nb-autostop-1": "autostop",
        "nb-autostop-2": "autostop",
        "nb-idle": "idle-time",
        "nb-agent": "agent",
        "nb-conda": "conda",
        "nb-hidden": "hidden",
        "nb-none": None,
    }
    for nb, config in plan.items():
        extra = {"LifecycleConfigName": config} if config else {}
        sm.create_notebook_instance(
            NotebookInstanceName=nb, InstanceType="ml.t3.medium", RoleArn=ROLE, **extra
        )

    def deny_hidden(region: str, params: dict[str, Any]) -> None:
        if params["NotebookInstanceLifecycleConfigName"] == "hidden":
            raise AwsError("AccessDeniedException", "not allowed")

    answer(session, "sagemaker", "DescribeNotebookInstanceLifecycleConfig", deny_hidden)
    counter = CallCounter().attach(session)

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    guard = {}
    for nb in inv.of_kind(ResourceKind.NOTEBOOK_INSTANCE):
        assert isinstance(nb, NotebookInstance)
        guard[nb.id] = nb.has_idle_guard
        assert nb.lifecycle_config == plan[nb.id]
    assert guard == {
        "nb-autostop-1": True,
        "nb-autostop-2": True,
        "nb-idle": None,  # a custom IDLE_TIME script: it may stop, mlcost can't tell
        "nb-agent": None,  # mentions mlcost-agent, but is not the script mlcost generates
        "nb-conda": False,
        "nb-hidden": None,  # unreadable: unknown, not "no guard"
        "nb-none": False,
    }
    assert counter.counts["sagemaker.DescribeNotebookInstanceLifecycleConfig"] == 5
    assert [e.operation for e in inv.errors] == ["DescribeNotebookInstanceLifecycleConfig"]


def test_ec2_instances_carry_tags_lifecycle_and_skip_terminated(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    ec2 = session.client("ec2", region_name="us-east-1")
    kept = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        InstanceType="g5.xlarge",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "cv"}]}],
    )["Instances"][0]["InstanceId"]
    gone = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    ec2.terminate_instances(InstanceIds=[gone])

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (inst,) = inv.of_kind(ResourceKind.EC2_INSTANCE)
    assert isinstance(inst, Ec2Instance)
    assert inst.id == kept and inst.instance_type == "g5.xlarge"
    assert (inst.state, inst.lifecycle, inst.tags) == ("running", "on-demand", {"team": "cv"})
    assert inst.arn == f"arn:aws:ec2:us-east-1:123456789012:instance/{kept}"
    assert inst.launch_time is not None
    (cpu,) = inv.series(inst, "CPUUtilization")
    assert (cpu.namespace, cpu.dimensions, cpu.stat) == (
        "AWS/EC2",
        {"InstanceId": kept},
        "Maximum",
    )


def test_an_unreachable_service_endpoint_is_an_error_not_a_crash(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    make_endpoints(session, "us-east-1", ["east"])

    def unreachable(context: dict[str, Any], **_: Any) -> None:
        if context["client_region"] == "eu-west-1":
            raise EndpointConnectionError(
                endpoint_url="https://api.sagemaker.eu-west-1.amazonaws.com/"
            )

    session.events.register("before-call.sagemaker", unreachable)

    inv = collect_inventory(["us-east-1", "eu-west-1"], 7, session=session, now=NOW)

    # the account (a global kind: read in the first region) and the east endpoint
    assert [r.id for r in inv.resources] == ["east", "123456789012"]
    west = [e for e in inv.errors if e.region == "eu-west-1"]
    assert {e.service for e in west} == {"sagemaker"}
    assert all("EndpointConnectionError" in e.message for e in west)
