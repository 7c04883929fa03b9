"""`mlcost policy self --fix` is enough to fix and undo: with moto enforcing IAM, a user
holding exactly the printed policy deletes an idle endpoint (re-checked live with the
scan's reads) and undoes it; without DeleteEndpoint the fix ends ``failed`` naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import moto.settings
import pytest
from fix_helpers import REGION, finding_for, make_runner, scan, seed_endpoint
from typer.testing import CliRunner

from mlcost.cli import app
from mlcost.fix.findings import FindingSet
from mlcost.model import Finding


def _printed_policy() -> dict[str, Any]:
    result = CliRunner().invoke(app, ["policy", "self", "--fix", "--check", "idle-endpoint"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _user(policy: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    """An IAM user holding ``policy``, with moto enforcing IAM from then on."""
    iam = boto3.client("iam", region_name=REGION)
    iam.create_user(UserName="fixer")
    iam.put_user_policy(UserName="fixer", PolicyName="mlcost", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="fixer")["AccessKey"]
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    return boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION,
    )


def _endpoints(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The endpoints and their status, read as the (unrestricted) test account."""
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
    sm = boto3.client("sagemaker", region_name=REGION)
    return [(e["EndpointName"], e["EndpointStatus"]) for e in sm.list_endpoints()["Endpoints"]]


@pytest.fixture
def idle(aws: None) -> Iterator[tuple[FindingSet, Finding]]:
    seed_endpoint("churn-idle")
    found = scan(["idle-endpoint"])
    yield found, finding_for(found, "idle-endpoint", "churn-idle")


def test_exactly_the_printed_policy_fixes_and_undoes_an_idle_endpoint(
    idle, sqlite_journal, monkeypatch
) -> None:
    found, finding = idle
    runner = make_runner(sqlite_journal, _user(_printed_policy(), monkeypatch))

    [outcome] = runner.apply(found, [finding])  # the live re-check reads as the user too

    assert outcome.state == "done", outcome.reason
    undone = runner.undo(outcome.fix_id)
    assert undone.state == "done", undone.reason
    assert _endpoints(monkeypatch) == [("churn-idle", "InService")]


def test_without_delete_endpoint_the_fix_fails_and_names_the_denied_action(
    idle, sqlite_journal, monkeypatch
) -> None:
    found, finding = idle
    policy = _printed_policy()
    fix = next(s for s in policy["Statement"] if s["Sid"] == "MlcostFix")
    fix["Action"].remove("sagemaker:DeleteEndpoint")
    runner = make_runner(sqlite_journal, _user(policy, monkeypatch))

    [outcome] = runner.apply(found, [finding])

    assert outcome.state == "failed"
    assert "not authorized to perform: sagemaker:DeleteEndpoint" in outcome.reason
    assert _endpoints(monkeypatch) == [("churn-idle", "InService")]
