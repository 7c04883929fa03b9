"""Endpoint fixes against moto: delete an idle endpoint and undo it; resize one and undo it."""

from __future__ import annotations

import boto3
from fix_helpers import (
    IMAGE,
    MODEL_DATA,
    REGION,
    ROLE,
    finding_for,
    make_runner,
    scaling_picture,
    scan,
    seed_endpoint,
)


def _endpoint_picture(name: str) -> dict:
    """What a user would check after an undo: endpoint, config, model, tags, scaling."""
    sm = boto3.client("sagemaker", region_name=REGION)
    ep = sm.describe_endpoint(EndpointName=name)
    config = sm.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])
    variant = config["ProductionVariants"][0]
    model = sm.describe_model(ModelName=variant["ModelName"])
    return {
        "status": ep["EndpointStatus"],
        "config": ep["EndpointConfigName"],
        "variant": (
            variant["VariantName"],
            variant["InstanceType"],
            variant["InitialInstanceCount"],
        ),
        "model": (
            model["ModelName"],
            model["PrimaryContainer"]["Image"],
            model["PrimaryContainer"]["ModelDataUrl"],
            model["PrimaryContainer"]["Environment"],
            model["ExecutionRoleArn"],
        ),
        "tags": {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=ep["EndpointArn"])["Tags"]},
        **scaling_picture(f"endpoint/{name}/variant/AllTraffic"),
    }


def test_delete_idle_endpoint_then_undo_restores_config_model_tags_and_scaling(aws, journal):
    seed_endpoint("churn-idle", tags={"team": "churn", "cost-center": "ml-42"})
    found = scan(["idle-endpoint"])
    finding = finding_for(found, "idle-endpoint", "churn-idle")
    sm = boto3.client("sagemaker", region_name=REGION)
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == []
    aas = boto3.client("application-autoscaling", region_name=REGION)
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []

    undone = runner.undo(outcome.fix_id)

    assert undone.state == "done", undone.reason
    assert _endpoint_picture("churn-idle") == {
        "status": "InService",
        "config": "churn-idle-config",
        "variant": ("AllTraffic", "ml.g5.xlarge", 1),
        "model": (
            "churn-idle-model",
            IMAGE,
            MODEL_DATA,
            {"SAGEMAKER_PROGRAM": "inference.py", "MAX_BATCH": "8"},
            ROLE,
        ),
        "tags": {"team": "churn", "cost-center": "ml-42"},
        "targets": [("endpoint/churn-idle/variant/AllTraffic", 1, 4)],
        "policies": [("churn-idle-invocations", "TargetTrackingScaling", 70.0)],
    }


def test_undo_recreates_a_model_and_config_deleted_after_the_fix(aws, journal):
    seed_endpoint("fraud-idle", autoscaling=False)
    found = scan(["idle-endpoint"])
    runner = make_runner(journal)
    [outcome] = runner.apply(found, [finding_for(found, "idle-endpoint", "fraud-idle")])
    assert outcome.state == "done", outcome.reason
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.delete_endpoint_config(EndpointConfigName="fraud-idle-config")
    sm.delete_model(ModelName="fraud-idle-model")

    undone = runner.undo(outcome.fix_id)
    assert undone.state == "done", undone.reason

    picture = _endpoint_picture("fraud-idle")
    assert picture["model"] == (
        "fraud-idle-model",
        IMAGE,
        MODEL_DATA,
        {"SAGEMAKER_PROGRAM": "inference.py", "MAX_BATCH": "8"},
        ROLE,
    )
    assert picture["variant"] == ("AllTraffic", "ml.g5.xlarge", 1)
    model = sm.describe_model(ModelName="fraud-idle-model")
    assert sm.list_tags(ResourceArn=model["ModelArn"])["Tags"] == [
        {"Key": "team", "Value": "churn"}
    ]


def test_update_endpoint_moves_to_the_proposed_type_and_undo_moves_back(aws, journal):
    from fix_helpers import invocations

    seed_endpoint("search-big", itype="ml.g5.12xlarge", count=2, autoscaling=False)
    _busy_but_small(invocations)
    found = scan(["underused-endpoint"])
    finding = finding_for(found, "underused-endpoint", "search-big")
    proposed = {
        (v["VariantName"], v["InstanceType"], v["InitialInstanceCount"])
        for v in finding.fix.params["ProductionVariants"]
    }
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    picture = _endpoint_picture("search-big")
    assert {picture["variant"]} == proposed
    assert picture["config"] != "search-big-config"
    assert runner.undo(outcome.fix_id).state == "done"
    picture = _endpoint_picture("search-big")
    assert picture["config"] == "search-big-config"
    assert picture["variant"] == ("AllTraffic", "ml.g5.12xlarge", 2)


def _busy_but_small(invocations) -> None:
    """Steady traffic on search-big at low utilisation for 14 days (underused, not idle)."""
    from datetime import UTC, datetime, timedelta

    from mlcost.demo import emulator

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=h) for h in range(1, 14 * 24)]
    dims = {"EndpointName": "search-big", "VariantName": "AllTraffic"}
    emulator.load_metric_data(
        REGION, "AWS/SageMaker", "Invocations", dims, hours, [500.0] * len(hours)
    )
    for metric, value in (
        ("CPUUtilization", 40.0),
        ("MemoryUtilization", 10.0),
        ("GPUUtilization", 20.0),
        ("GPUMemoryUtilization", 20.0),
    ):
        emulator.load_metric_data(
            REGION, "/aws/sagemaker/Endpoints", metric, dims, hours, [value] * len(hours)
        )
