"""Delete an idle Bedrock Provisioned Throughput (moto with the emulator's Bedrock calls);
undo buys it again without commitment; a running commitment is skipped (AWS refuses it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from fix_helpers import REGION, make_runner, scan

from mlcost.demo import emulator

MODEL = "anthropic.claude-3-haiku-20240307-v1:0:200k"


def _create(name: str, *, commitment: str | None = None) -> str:
    kwargs = {"commitmentDuration": commitment} if commitment else {}
    arn = boto3.client("bedrock", region_name=REGION).create_provisioned_model_throughput(
        modelUnits=2,
        provisionedModelName=name,
        modelId=MODEL,
        tags=[{"key": "team", "value": "nlp"}],
        **kwargs,
    )["provisionedModelArn"]
    now = datetime.now(UTC)
    emulator.backdate_provisioned_throughput(
        name, now - timedelta(days=20), REGION, commitment_ends=now + timedelta(days=10)
    )
    return arn


def _models() -> dict[str, dict]:
    items = boto3.client("bedrock", region_name=REGION).list_provisioned_model_throughputs()
    return {m["provisionedModelName"]: m for m in items["provisionedModelSummaries"]}


def test_delete_unused_throughput_then_undo_buys_it_again_without_commitment(aws, journal):
    _create("support-bot-pt")
    found = scan(["idle-bedrock-provisioned-throughput"])
    [finding] = found.findings
    runner = make_runner(journal)

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "done", outcome.reason
    assert "support-bot-pt" not in _models()
    assert runner.undo(outcome.fix_id).state == "done"
    again = _models()["support-bot-pt"]
    assert (again["modelUnits"], again["status"]) == (2, "InService")
    assert "commitmentDuration" not in again
    tags = boto3.client("bedrock", region_name=REGION).list_tags_for_resource(
        resourceARN=again["provisionedModelArn"]
    )["tags"]
    assert tags == [{"key": "team", "value": "nlp"}]


def test_a_running_commitment_is_skipped(aws, journal):
    _create("committed-pt", commitment="OneMonth")
    found = scan(["idle-bedrock-provisioned-throughput"])
    [finding] = found.findings
    assert "bills until" in finding.title

    [outcome] = make_runner(journal).apply(found, [finding])

    assert outcome.state == "skipped"
    assert "commitment runs until" in outcome.reason
    assert "committed-pt" in _models()


def test_traffic_keeps_it(aws, journal):
    arn = _create("busy-pt")
    emulator.load_metric_data(
        REGION,
        "AWS/Bedrock",
        "Invocations",
        {"ModelId": arn},
        [datetime.now(UTC) - timedelta(hours=5)],
        [12.0],
    )
    assert scan(["idle-bedrock-provisioned-throughput"]).findings == []
