"""The emulator's On-Demand Capacity Reservations keep AWS's state rules and error codes."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from mlcost.demo import ec2_ext


def _ec2():
    return boto3.client("ec2", region_name="us-east-1")


def _create(ec2, count: int = 2) -> str:
    out = ec2.create_capacity_reservation(
        InstanceType="g5.xlarge",
        InstancePlatform="Linux/UNIX",
        AvailabilityZone="us-east-1a",
        InstanceCount=count,
        TagSpecifications=[
            {"ResourceType": "capacity-reservation", "Tags": [{"Key": "team", "Value": "nlp"}]}
        ],
    )
    cr = out["CapacityReservation"]
    assert cr["State"] == "active" and cr["AvailableInstanceCount"] == count
    return cr["CapacityReservationId"]


def _error(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_modify_changes_the_count_and_available_follows_the_instances_in_use(aws):
    ec2 = _ec2()
    rid = _create(ec2, 4)
    ec2_ext.set_capacity_reservation("us-east-1", rid, used=1)
    assert ec2.modify_capacity_reservation(CapacityReservationId=rid, InstanceCount=2)["Return"]
    [cr] = ec2.describe_capacity_reservations(CapacityReservationIds=[rid])["CapacityReservations"]
    assert (cr["TotalInstanceCount"], cr["AvailableInstanceCount"]) == (2, 1)
    assert cr["Tags"] == [{"Key": "team", "Value": "nlp"}]


def test_a_cancelled_reservation_stays_listed_and_cannot_be_changed(aws):
    ec2 = _ec2()
    rid = _create(ec2)
    ec2.cancel_capacity_reservation(CapacityReservationId=rid)
    listed = ec2.describe_capacity_reservations(
        Filters=[{"Name": "state", "Values": ["cancelled"]}]
    )["CapacityReservations"]
    assert [c["CapacityReservationId"] for c in listed] == [rid]
    active = ec2.describe_capacity_reservations(Filters=[{"Name": "state", "Values": ["active"]}])
    assert active["CapacityReservations"] == []
    for call in (
        lambda: ec2.modify_capacity_reservation(CapacityReservationId=rid, InstanceCount=1),
        lambda: ec2.cancel_capacity_reservation(CapacityReservationId=rid),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == "IncorrectState"


def test_unknown_id_and_bad_counts_are_refused(aws):
    ec2 = _ec2()
    rid = _create(ec2)
    with pytest.raises(ClientError) as exc:
        ec2.describe_capacity_reservations(CapacityReservationIds=["cr-00000000000000000"])
    assert _error(exc) == "InvalidCapacityReservationId.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.modify_capacity_reservation(CapacityReservationId=rid, InstanceCount=0)
    assert _error(exc) == "InvalidParameterValue"
    with pytest.raises((ClientError, ParamValidationError)):
        ec2.describe_capacity_reservations(MaxResults=1001)
