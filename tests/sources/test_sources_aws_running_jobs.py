"""Training jobs still running are listed whenever they were created (a long-running job
began before the window), and carry their SecondaryStatus and since when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import Stubber
from moto import mock_aws

from mlcost.demo import emulator
from mlcost.model import ResourceKind
from mlcost.sources.aws import collect_inventory
from mlcost.sources.aws.descriptors import Window
from mlcost.sources.aws.kinds import REGISTRY, build_training_job

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(days=14), NOW)


def test_search_asks_for_jobs_in_the_window_or_still_running_in_the_shape_aws_takes():
    search = REGISTRY[ResourceKind.TRAINING_JOB].listing
    params = search.request(WINDOW, frozenset({"InProgress", "Completed"}), None)
    [running_or_recent, statuses] = params["SearchExpression"]["SubExpressions"]
    assert running_or_recent == {
        "Operator": "Or",
        "Filters": [{"Name": "TrainingJobStatus", "Operator": "Equals", "Value": "InProgress"}],
        "SubExpressions": [
            {
                "Operator": "And",
                "Filters": [
                    {
                        "Name": "CreationTime",
                        "Operator": "GreaterThanOrEqualTo",
                        "Value": "2026-11-17T12:00:00",
                    }
                ],
            }
        ],
    }
    assert {f["Value"] for f in statuses["Filters"]} == {"InProgress", "Completed"}
    # botocore validates the request against SageMaker's model
    sm = boto3.client(
        "sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    request = {k: v for k, v in params.items() if k != "PaginationConfig"}
    with Stubber(sm) as stub:
        stub.add_response("search", {"Results": []}, {**request, "MaxResults": 100})
        sm.search(**request, MaxResults=100)
    # checks that read finished jobs only: the plain window filter, no running clause
    finished = search.request(WINDOW, frozenset({"Completed", "Stopped"}), None)
    assert "Filters" in finished["SearchExpression"]
    assert all("SubExpressions" not in s for s in finished["SearchExpression"]["SubExpressions"])


def test_the_builder_keeps_the_secondary_status_and_when_it_began():
    t0 = NOW - timedelta(hours=5)
    item = {
        "TrainingJobName": "detr-a",
        "TrainingJobStatus": "InProgress",
        "SecondaryStatus": "Downloading",
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": t0, "EndTime": t0 + timedelta(hours=1)},
            {"Status": "Downloading", "StartTime": t0 + timedelta(hours=1)},
        ],
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
    }

    class Ctx:
        region = REGION

    job = build_training_job(Ctx(), item)  # type: ignore[arg-type]
    assert (job.secondary_status, job.secondary_status_since) == (
        "Downloading",
        t0 + timedelta(hours=1),
    )


def test_a_job_running_since_before_the_window_is_listed_a_finished_one_is_not():
    with mock_aws():
        emulator.patch_moto()
        sm = boto3.client("sagemaker", region_name=REGION)
        for name, end in (("old-running", None), ("old-done", timedelta(hours=3))):
            sm.create_training_job(
                TrainingJobName=name,
                AlgorithmSpecification={"TrainingImage": "img:1", "TrainingInputMode": "File"},
                RoleArn=ROLE,
                OutputDataConfig={"S3OutputPath": "s3://out/"},
                ResourceConfig={
                    "InstanceType": "ml.m5.xlarge",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 5,
                },
                StoppingCondition={"MaxRuntimeInSeconds": 86400},
            )
            start = datetime.now(UTC) - timedelta(days=20)
            emulator.set_job_times("training-job", name, start, end and start + end, REGION)
        inventory = collect_inventory(
            [REGION], 14, session=boto3.Session(), checks=["long-running-job"]
        )
    assert [r.id for r in inventory.resources] == ["old-running"]
    assert inventory.resources[0].secondary_status == "Training"


def test_processing_jobs_still_running_are_listed_in_a_second_pass_by_status():
    with mock_aws():
        emulator.patch_moto()
        sm = boto3.client("sagemaker", region_name=REGION)
        for name, end in (("old-running", None), ("old-done", timedelta(hours=1))):
            sm.create_processing_job(
                ProcessingJobName=name,
                ProcessingResources={
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.xlarge",
                        "VolumeSizeInGB": 5,
                    }
                },
                AppSpecification={"ImageUri": "img:1"},
                RoleArn=ROLE,
            )
            start = datetime.now(UTC) - timedelta(days=20)
            emulator.set_job_times("processing-job", name, start, end and start + end, REGION)
        from mlcost.sources.aws import CallCounter

        session = boto3.Session()
        counter = CallCounter().attach(session)
        inventory = collect_inventory(
            [REGION], 14, session=session, checks=["long-running-processing-job"]
        )
    assert [r.id for r in inventory.resources] == ["old-running"]
    # CreationTimeAfter = window start, then StatusEquals = InProgress
    assert counter.counts["sagemaker.ListProcessingJobs"] == 2
