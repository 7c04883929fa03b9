"""Jobs and EC2: what is read (groups, runtime limit, platform), what is no longer read
(unfinished training jobs, processing and transform jobs), and rejected credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from sources_aws_fakes import AwsError, FakeCloudWatch, answer, deny_search

from mlcost.errors import UserError
from mlcost.model import Ec2Instance, Job, ResourceKind
from mlcost.sources.aws import CallCounter, collect_inventory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=1)
JOB_ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/{}"


def _answer_training_jobs(
    session: boto3.Session, statuses: dict[str, str], resources: dict[str, dict[str, Any]]
) -> None:
    def listing(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "TrainingJobSummaries": [
                {
                    "TrainingJobName": name,
                    "TrainingJobArn": JOB_ARN.format(name),
                    "CreationTime": START,
                    "TrainingJobStatus": status,
                }
                for name, status in statuses.items()
            ]
        }

    def describe(region: str, params: dict[str, Any]) -> dict[str, Any]:
        name = params["TrainingJobName"]
        return {
            "TrainingJobName": name,
            "TrainingJobArn": JOB_ARN.format(name),
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/model.tar.gz"},
            "TrainingJobStatus": statuses[name],
            "SecondaryStatus": statuses[name],
            "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
            "ResourceConfig": resources.get(
                name, {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5}
            ),
            "StoppingCondition": {"MaxRuntimeInSeconds": 14400},
            "CreationTime": START,
            "TrainingStartTime": START,
            "TrainingEndTime": START + timedelta(hours=2),
            "TrainingTimeInSeconds": 7200,
            "BillableTimeInSeconds": 7200,
        }

    deny_search(session)  # the List + Describe fallback answers these fakes
    answer(session, "sagemaker", "ListTrainingJobs", listing)
    answer(session, "sagemaker", "DescribeTrainingJob", describe)
    answer(session, "sagemaker", "ListTags", lambda r, p: {"Tags": []})


def test_only_training_jobs_of_a_status_a_check_reads_are_described_and_tagged(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    statuses = {
        "done": "Completed",
        "halted": "Stopped",
        "broken": "Failed",
        "running": "InProgress",
        "stopping": "Stopping",
    }
    _answer_training_jobs(session, statuses, {})
    counter = CallCounter().attach(session)

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    # finished runs (training-spot, history) and running ones (long-running-job); no check
    # reads Failed or Stopping jobs
    jobs = sorted(j.id for j in inv.of_kind(ResourceKind.TRAINING_JOB))
    assert jobs == ["done", "halted", "running"]
    assert counter.counts["sagemaker.DescribeTrainingJob"] == 3
    assert counter.counts["sagemaker.ListTags"] == 3
    # no check reads transform jobs: not even listed
    assert "sagemaker.ListTransformJobs" not in counter.counts


def test_instance_groups_and_the_runtime_limit_are_kept_on_the_job(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    _answer_training_jobs(
        session,
        {"hetero": "Completed", "homo": "Completed", "plain": "Stopped"},
        {
            "hetero": {
                "VolumeSizeInGB": 30,
                "InstanceGroups": [
                    {
                        "InstanceType": "ml.p4d.24xlarge",
                        "InstanceCount": 2,
                        "InstanceGroupName": "g",
                    },
                    {
                        "InstanceType": "ml.c5.18xlarge",
                        "InstanceCount": 4,
                        "InstanceGroupName": "c",
                    },
                ],
            },
            "homo": {
                "VolumeSizeInGB": 30,
                "InstanceGroups": [
                    {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "InstanceGroupName": "a"},
                    {"InstanceType": "ml.g5.xlarge", "InstanceCount": 3, "InstanceGroupName": "b"},
                ],
            },
        },
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    jobs = {j.id: j for j in inv.of_kind(ResourceKind.TRAINING_JOB)}
    assert all(isinstance(j, Job) for j in jobs.values())
    hetero, homo, plain = jobs["hetero"], jobs["homo"], jobs["plain"]
    # two types: no single type to price by, so none is given
    assert hetero.instance_type == ""
    assert hetero.instance_groups == [("ml.p4d.24xlarge", 2), ("ml.c5.18xlarge", 4)]
    assert hetero.instance_count == 6
    # one type across groups prices as that type x every instance
    assert (homo.instance_type, homo.instance_count) == ("ml.g5.xlarge", 4)
    assert homo.instance_groups == [("ml.g5.xlarge", 1), ("ml.g5.xlarge", 3)]
    assert (plain.instance_type, plain.instance_count, plain.instance_groups) == (
        "ml.m5.xlarge",
        1,
        [],
    )
    assert {j.max_runtime_seconds for j in jobs.values()} == {14400}
    assert inv.errors == []


def test_ec2_platform_comes_from_platform_details(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    def describe(region: str, params: dict[str, Any]) -> dict[str, Any]:
        def instance(iid: str, **extra: Any) -> dict[str, Any]:
            return {
                "InstanceId": iid,
                "InstanceType": "g5.xlarge",
                "State": {"Code": 16, "Name": "running"},
                "LaunchTime": NOW - timedelta(days=3),
                **extra,
            }

        return {
            "Reservations": [
                {
                    "OwnerId": "123456789012",
                    "Instances": [
                        instance("i-0win", Platform="windows", PlatformDetails="Windows"),
                        instance("i-0rhel", PlatformDetails="Red Hat Enterprise Linux"),
                        instance("i-0old"),  # no PlatformDetails: Linux, as EC2 defaults
                    ],
                }
            ]
        }

    answer(session, "ec2", "DescribeInstances", describe)

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    platforms = {
        r.id: r.platform
        for r in inv.of_kind(ResourceKind.EC2_INSTANCE)
        if isinstance(r, Ec2Instance)
    }
    assert platforms == {
        "i-0win": "Windows",
        "i-0rhel": "Red Hat Enterprise Linux",
        "i-0old": "Linux/UNIX",
    }


@pytest.mark.parametrize(
    "code",
    [
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "AuthFailure",
    ],
)
def test_credentials_aws_rejects_stop_the_scan_with_what_to_do(
    session: boto3.Session, code: str
) -> None:
    def reject(region: str, params: dict[str, Any]) -> None:
        raise AwsError(code, "The security token included in the request is expired", 403)

    answer(session, "sts", "GetCallerIdentity", reject)
    counter = CallCounter().attach(session)

    with pytest.raises(UserError) as caught:
        collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    assert caught.value.problem == f"AWS rejected the credentials ({code})"
    assert "aws sso login" in (caught.value.hint or "")
    assert counter.counts == {"sts.GetCallerIdentity": 1}  # nothing else was tried


def test_rejected_in_every_region_given_is_a_user_error(session: boto3.Session) -> None:
    def reject(region: str, params: dict[str, Any]) -> None:
        raise AwsError("ExpiredToken", "The security token included in the request is expired")

    answer(session, "sts", "GetCallerIdentity", reject)
    counter = CallCounter().attach(session)

    with pytest.raises(UserError, match=r"AWS rejected the credentials \(ExpiredToken\)"):
        collect_inventory(["us-east-1", "eu-west-1"], 7, session=session, now=NOW)
    assert counter.counts == {"sts.GetCallerIdentity": 2}


def test_a_denied_get_caller_identity_is_recorded_and_the_scan_goes_on(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    def deny(region: str, params: dict[str, Any]) -> None:
        raise AwsError("AccessDenied", "sts:GetCallerIdentity denied by SCP", 403)

    answer(session, "sts", "GetCallerIdentity", deny)

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    assert inv.account is None
    assert [(e.service, e.operation) for e in inv.errors] == [("sts", "GetCallerIdentity")]


def test_a_region_whose_sts_rejects_while_another_accepts_is_only_that_regions_error(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    """STS in an opt-in region that is not enabled says InvalidClientTokenId: not a bad key."""

    def reject_in_bahrain(region: str, params: dict[str, Any]) -> None:
        if region == "me-south-1":
            raise AwsError("InvalidClientTokenId", "The security token is invalid.", 403)

    answer(session, "sts", "GetCallerIdentity", reject_in_bahrain)

    inv = collect_inventory(["me-south-1", "us-east-1"], 7, session=session, now=NOW)

    assert inv.account == "123456789012"
    sts = [e for e in inv.errors if e.service == "sts"]
    assert [(e.region, e.operation) for e in sts] == [("me-south-1", "GetCallerIdentity")]
    assert "InvalidClientTokenId" in sts[0].message


def test_a_training_plan_job_carries_its_plan_arn(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    plan = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p5-reserved"
    _answer_training_jobs(
        session,
        {"planned": "Completed", "plain": "Completed"},
        {
            "planned": {
                "InstanceType": "ml.p5.48xlarge",
                "InstanceCount": 2,
                "VolumeSizeInGB": 100,
                "TrainingPlanArn": plan,
            }
        },
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    jobs = {j.id: j for j in inv.of_kind(ResourceKind.TRAINING_JOB)}
    assert isinstance(jobs["planned"], Job) and jobs["planned"].training_plan_arn == plan
    assert jobs["plain"].training_plan_arn is None
