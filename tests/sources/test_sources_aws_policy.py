"""`mlcost policy self`: the scan's IAM policy, derived from the descriptors, is enough and
no more: moto enforcing IAM, a user holding exactly that policy scans without an error, and
one action removed is named in the report while the rest completes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import moto.settings
import pytest
from sources_aws_fakes import make_endpoints, make_training_job
from typer.testing import CliRunner

from mlcost.checks import needs_for
from mlcost.cli import app
from mlcost.model import ResourceKind
from mlcost.sources.aws import collect_inventory
from mlcost.sources.aws.policy import scan_policy


def _scan_as(session: boto3.Session, policy: dict[str, Any], monkeypatch: pytest.MonkeyPatch):
    """Scan as an IAM user holding ``policy``, with moto enforcing IAM from then on."""
    iam = session.client("iam")
    iam.create_user(UserName="scan")
    iam.put_user_policy(UserName="scan", PolicyName="mlcost", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="scan")["AccessKey"]
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    user = boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name="us-east-1",
    )
    return collect_inventory(["us-east-1"], 7, session=user)


@pytest.fixture
def account(session: boto3.Session) -> boto3.Session:
    # real CloudWatch (the emulator's), not the fake: IAM must see every call
    make_endpoints(session, "us-east-1", ["ep-a", "ep-b"])
    sm = session.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::1:role/r"
    )
    make_training_job(sm, "job")
    return session


def _without(policy: dict[str, Any], action: str) -> dict[str, Any]:
    trimmed = json.loads(json.dumps(policy))
    trimmed["Statement"][0]["Action"].remove(action)
    return trimmed


def test_exactly_the_derived_policy_scans_without_an_error(
    account: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = _scan_as(account, scan_policy(needs_for(None)), monkeypatch)
    assert inv.errors == [] and inv.notes == []
    assert sorted(r.id for r in inv.of_kind(ResourceKind.ENDPOINT)) == ["ep-a", "ep-b"]
    assert [r.id for r in inv.of_kind(ResourceKind.NOTEBOOK_INSTANCE)] == ["nb"]


def test_one_action_removed_is_named_and_the_rest_completes(
    account: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = _without(scan_policy(needs_for(None)), "ec2:DescribeInstances")
    inv = _scan_as(account, policy, monkeypatch)
    assert [(e.service, e.operation) for e in inv.errors] == [("ec2", "DescribeInstances")]
    assert "not authorized to perform: ec2:DescribeInstances" in inv.errors[0].message
    assert sorted(r.id for r in inv.of_kind(ResourceKind.ENDPOINT)) == ["ep-a", "ep-b"]


def test_without_search_the_scan_falls_back_and_says_so(
    account: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = _without(scan_policy(needs_for(None)), "sagemaker:Search")
    inv = _scan_as(account, policy, monkeypatch)
    assert inv.errors == []
    assert len(inv.notes) == 1 and "sagemaker:Search was denied" in inv.notes[0]
    assert sorted(r.id for r in inv.of_kind(ResourceKind.ENDPOINT)) == ["ep-a", "ep-b"]


def test_policy_self_prints_the_read_only_policy_of_the_selected_checks() -> None:
    result = CliRunner().invoke(app, ["policy", "self", "--check", "idle-notebook"])
    assert result.exit_code == 0, result.output
    actions = json.loads(result.stdout)["Statement"][0]["Action"]
    assert "sagemaker:ListNotebookInstances" in actions
    assert "cloudwatch:GetMetricData" in actions
    assert not [a for a in actions if a.startswith("ec2:") or "Endpoint" in a]
    # read-only: no action that changes anything
    every = json.loads(CliRunner().invoke(app, ["policy", "self"]).stdout)
    # Lookup: CloudTrail LookupEvents; ViewBudget: Budgets DescribeBudgets (IAM names it so)
    verbs = ("Describe", "List", "Get", "Search", "Lookup", "ViewBudget")
    for action in every["Statement"][0]["Action"]:
        assert action.split(":")[1].startswith(verbs), action


def test_region_discovery_is_added_only_when_asked() -> None:
    """`--region all` calls ec2:DescribeRegions; a scan of named regions never does, so the
    least-privilege default leaves it out and `--all-regions` adds it."""
    plain = json.loads(CliRunner().invoke(app, ["policy", "self"]).stdout)
    assert "ec2:DescribeRegions" not in json.dumps(plain)
    wider = json.loads(CliRunner().invoke(app, ["policy", "self", "--all-regions"]).stdout)
    (regions,) = [s for s in wider["Statement"] if s["Sid"] == "MlcostRegions"]
    assert regions["Action"] == ["ec2:DescribeRegions"]
