"""Resizing an endpoint under Application Auto Scaling, against moto with mlcost's emulator
(which refuses, as AWS does, an UpdateEndpoint that changes a scaled variant's instance type,
and deletes a deregistered target's policies as AWS does)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from fix_helpers import (
    REGION,
    endpoint_config,
    finding_for,
    invocations,
    make_runner,
    scaling_picture,
    scan,
    seed_endpoint,
)
from test_fix_endpoints import _busy_but_small

RID = "endpoint/search-big/variant/AllTraffic"
DIM = "sagemaker:variant:DesiredInstanceCount"


def _scaling() -> dict:
    return scaling_picture(RID)


def _variant() -> tuple[str, str, int]:
    sm = boto3.client("sagemaker", region_name=REGION)
    ep = sm.describe_endpoint(EndpointName="search-big")
    v = sm.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])[
        "ProductionVariants"
    ][0]
    return ep["EndpointConfigName"], v["InstanceType"], v["InitialInstanceCount"]


def _seed_scaled(min_capacity: int = 3):
    """search-big: 2 x ml.g5.12xlarge, underused, under a target (min ``min_capacity``, max
    4) with a target-tracking policy; and the underused-endpoint finding the scan makes."""
    seed_endpoint("search-big", itype="ml.g5.12xlarge", count=2, autoscaling=True)
    boto3.client("application-autoscaling", region_name=REGION).register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=RID,
        ScalableDimension=DIM,
        MinCapacity=min_capacity,
        MaxCapacity=4,
    )
    _busy_but_small(invocations)
    found = scan(["underused-endpoint"])
    return found, finding_for(found, "underused-endpoint", "search-big")


def test_the_emulator_refuses_a_type_change_under_auto_scaling(aws):
    """The rule the fix works around, so the tests below would fail without it."""
    seed_endpoint("search-big", itype="ml.g5.12xlarge", count=2, autoscaling=True)
    endpoint_config("smaller", "search-big-model", "ml.g5.2xlarge", 2)
    sm = boto3.client("sagemaker", region_name=REGION)
    with pytest.raises(ClientError, match="deregister the scalable target"):
        sm.update_endpoint(EndpointName="search-big", EndpointConfigName="smaller")


def test_resize_under_auto_scaling_then_undo(aws, journal):
    found, finding = _seed_scaled(min_capacity=3)
    [proposed] = finding.fix.params["ProductionVariants"]
    assert (proposed["InstanceType"], proposed["InitialInstanceCount"]) == ("ml.g5.2xlarge", 2)
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    config, itype, count = _variant()
    assert config != "search-big-config"
    assert (itype, count) == ("ml.g5.2xlarge", 2)
    # the same target and policy on the variant; MinCapacity 3 would undo the resize: 2 now
    assert _scaling() == {
        "targets": [(RID, 2, 4)],
        "policies": [("search-big-invocations", "TargetTrackingScaling", 70.0)],
    }

    undone = runner.undo(outcome.fix_id)

    assert undone.state == "done", undone.reason
    assert _variant() == ("search-big-config", "ml.g5.12xlarge", 2)
    assert _scaling() == {
        "targets": [(RID, 3, 4)],
        "policies": [("search-big-invocations", "TargetTrackingScaling", 70.0)],
    }


def test_an_update_aws_rolls_back_fails_the_fix_and_keeps_auto_scaling(aws, journal):
    """AWS ends a failed update InService on the old config: the waiter succeeds, so the fix
    must look at the config, report the failure, and register the scaling again."""
    from moto.sagemaker.models import sagemaker_backends

    found, finding = _seed_scaled(min_capacity=1)
    session = boto3.Session(region_name=REGION)

    def roll_back(**_):
        endpoint = sagemaker_backends["123456789012"][REGION].endpoints["search-big"]
        endpoint.endpoint_config_name = "search-big-config"

    session.events.register("after-call.sagemaker.UpdateEndpoint", roll_back)
    runner = make_runner(journal, session)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "failed"
    assert "rolled back" in outcome.reason
    assert _scaling() == {
        "targets": [(RID, 1, 4)],
        "policies": [("search-big-invocations", "TargetTrackingScaling", 70.0)],
    }
