"""The capacity-reservation kind (read through the emulator's ODCR calls and checked against
a Stubber response shaped like AWS's) and the per-host training / processing job series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import Stubber

from mlcost.demo import ec2_ext
from mlcost.model import CapacityReservation, Job, ResourceKind
from mlcost.sources.aws import collect_inventory
from mlcost.sources.aws.api_calls import CallCounter
from mlcost.sources.aws.kinds import REGISTRY, build_capacity_reservation

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CHECK = "underused-capacity-reservation"


class _Ctx:
    region = "us-east-1"
    partition = "aws"


def _reserve(ec2, itype: str, count: int, tags: dict[str, str] | None = None) -> str:
    extra = {}
    if tags:  # EC2 refuses a tag specification without tags
        extra["TagSpecifications"] = [
            {
                "ResourceType": "capacity-reservation",
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ]
    out = ec2.create_capacity_reservation(
        InstanceType=itype,
        InstancePlatform="Linux/UNIX",
        AvailabilityZone="us-east-1a",
        InstanceCount=count,
        **extra,
    )
    return out["CapacityReservation"]["CapacityReservationId"]


def test_active_reservations_are_read_with_tags_counts_and_their_utilisation(session, cloudwatch):
    ec2 = session.client("ec2")
    busy = _reserve(ec2, "g5.xlarge", 4, {"team": "nlp"})
    ec2_ext.set_capacity_reservation("us-east-1", busy, start=NOW - timedelta(days=30), used=1)
    gone = _reserve(ec2, "p4d.24xlarge", 1)
    ec2.cancel_capacity_reservation(CapacityReservationId=gone)
    hour = NOW - timedelta(hours=1)
    cloudwatch.put(
        "us-east-1",
        "AWS/EC2/CapacityReservations",
        "InstanceUtilization",
        [("CapacityReservationId", busy)],
        {hour: 25.0},
    )
    calls = CallCounter().attach(session)
    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW, checks=[CHECK])
    [cr] = inv.resources
    assert isinstance(cr, CapacityReservation) and cr.id == busy  # cancelled one not read
    assert (cr.total_instances, cr.available_instances) == (4, 3)
    assert cr.tags == {"team": "nlp"} and cr.instance_type == "g5.xlarge"
    assert cr.start_date == NOW - timedelta(days=30)
    [util] = inv.series(cr, "InstanceUtilization")
    assert util.stat == "Average" and util.values == [25.0]
    assert calls.counts["ec2.DescribeCapacityReservations"] == 1
    # a reservation selected by its check only: no SageMaker kind is listed
    assert not any(k.startswith("sagemaker.") for k in calls.counts)


def test_emulator_pages_reservations_at_the_requested_size(session):
    ec2 = session.client("ec2")
    for _ in range(3):
        _reserve(ec2, "g5.xlarge", 1)
    first = ec2.describe_capacity_reservations(MaxResults=2)
    assert len(first["CapacityReservations"]) == 2 and first["NextToken"]
    rest = ec2.describe_capacity_reservations(MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["CapacityReservations"]) == 1 and "NextToken" not in rest


def test_builder_reads_a_response_shaped_like_aws():
    """DescribeCapacityReservations as AWS documents it, validated by botocore's Stubber."""
    ec2 = boto3.client(
        "ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    item = {
        "CapacityReservationId": "cr-1234abcd56EXAMPLE",
        "OwnerId": "123456789012",
        "CapacityReservationArn": "arn:aws:ec2:us-east-1:123456789012:capacity-reservation/"
        "cr-1234abcd56EXAMPLE",
        "InstanceType": "p4d.24xlarge",
        "InstancePlatform": "Linux/UNIX",
        "AvailabilityZone": "us-east-1a",
        "Tenancy": "default",
        "TotalInstanceCount": 4,
        "AvailableInstanceCount": 3,
        "EbsOptimized": True,
        "EphemeralStorage": False,
        "State": "active",
        "StartDate": datetime(2026, 10, 1, tzinfo=UTC),
        "EndDate": datetime(2026, 12, 31, tzinfo=UTC),
        "EndDateType": "limited",
        "InstanceMatchCriteria": "targeted",
        "CreateDate": datetime(2026, 10, 1, tzinfo=UTC),
        "Tags": [{"Key": "team", "Value": "research"}],
        "ReservationType": "default",
    }
    with Stubber(ec2) as stub:
        stub.add_response(
            "describe_capacity_reservations",
            {"CapacityReservations": [item]},
            {"Filters": [{"Name": "state", "Values": ["active"]}], "MaxResults": 1000},
        )
        page = ec2.describe_capacity_reservations(
            Filters=[{"Name": "state", "Values": ["active"]}], MaxResults=1000
        )
    cr = build_capacity_reservation(_Ctx(), page["CapacityReservations"][0])
    assert cr.kind is ResourceKind.CAPACITY_RESERVATION
    assert (cr.end_date_type, cr.instance_match_criteria) == ("limited", "targeted")
    assert cr.end_date == datetime(2026, 12, 31, tzinfo=UTC)
    assert (cr.total_instances, cr.available_instances) == (4, 3)
    # the listing asks for exactly that: state filter, AWS's largest page
    listing = REGISTRY[ResourceKind.CAPACITY_RESERVATION].listing
    params = listing.request(None, frozenset({"active"}), None)  # type: ignore[arg-type]
    assert params["Filters"] == [{"Name": "state", "Values": ["active"]}]
    assert params["PaginationConfig"] == {"PageSize": 1000}


def _job(kind: ResourceKind, itype: str, count: int) -> Job:
    return Job(
        kind=kind,
        id="bert-ft",
        arn="",
        region="us-east-1",
        instance_type=itype,
        instance_count=count,
    )


def test_job_series_are_one_per_host_and_gpu_series_only_on_gpu_types():
    spec = REGISTRY[ResourceKind.TRAINING_JOB]
    by_label = {s.label: s for s in spec.series}
    gpu_job = _job(ResourceKind.TRAINING_JOB, "ml.g5.2xlarge", 2)
    assert {s.namespace for s in spec.series} == {"/aws/sagemaker/TrainingJobs"}
    assert list(by_label["GPUUtilization"].dimensions(gpu_job)) == [
        (("Host", "bert-ft/algo-1"),),
        (("Host", "bert-ft/algo-2"),),
    ]
    cpu_job = _job(ResourceKind.TRAINING_JOB, "ml.m5.xlarge", 1)
    assert list(by_label["GPUUtilization"].dimensions(cpu_job)) == []
    assert list(by_label["CPUUtilization"].dimensions(cpu_job)) == [(("Host", "bert-ft/algo-1"),)]
    processing = REGISTRY[ResourceKind.PROCESSING_JOB]
    assert {s.namespace for s in processing.series} == {"/aws/sagemaker/ProcessingJobs"}
