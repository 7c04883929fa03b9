"""modify-capacity-reservation against the emulator's ODCR calls, with its undo; it never
resizes below the instances running in the reservation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from fix_helpers import REGION, make_runner, scan

from mlcost.demo import ec2_ext, emulator

CHECK = "underused-capacity-reservation"


def _reservation(total: int, used: int, util_pct: float) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    out = ec2.create_capacity_reservation(
        InstanceType="g5.xlarge",
        InstancePlatform="Linux/UNIX",
        AvailabilityZone=f"{REGION}a",
        InstanceCount=total,
    )
    rid = out["CapacityReservation"]["CapacityReservationId"]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    ec2_ext.set_capacity_reservation(REGION, rid, start=now - timedelta(days=30), used=used)
    hours = [(now - timedelta(hours=h)).timestamp() for h in range(14 * 24, 0, -1)]
    emulator.load_metric_data(
        REGION,
        "AWS/EC2/CapacityReservations",
        "InstanceUtilization",
        {"CapacityReservationId": rid},
        hours,
        [util_pct] * len(hours),
    )
    return rid


def _total(rid: str) -> int:
    ec2 = boto3.client("ec2", region_name=REGION)
    [cr] = ec2.describe_capacity_reservations(CapacityReservationIds=[rid])["CapacityReservations"]
    return cr["TotalInstanceCount"]


def test_resize_to_the_used_count_then_undo_restores_it(aws, journal):
    rid = _reservation(total=4, used=1, util_pct=12.5)  # half an instance on average, peak 1
    found = scan([CHECK])
    [finding] = [f for f in found.findings if f.resource_id == rid]
    assert finding.fix.params == {"CapacityReservationId": rid, "InstanceCount": 1}
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    assert _total(rid) == 1
    assert runner.undo(outcome.fix_id).state == "done"
    assert _total(rid) == 4


def test_instances_launched_since_the_scan_block_the_resize(aws, journal):
    rid = _reservation(total=4, used=1, util_pct=12.5)
    found = scan([CHECK])
    [finding] = [f for f in found.findings if f.resource_id == rid]
    ec2_ext.set_capacity_reservation(REGION, rid, used=3)  # three run in it now

    [outcome] = make_runner(journal).apply(found, [finding])

    assert outcome.state == "skipped"
    assert "runs 3 instance(s) now" in outcome.reason
    assert _total(rid) == 4
