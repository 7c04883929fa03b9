"""`mlcost scan` exit codes: 3 when nothing could be read (every region failed), after the
report is printed; 0 when at least one region read cleanly, even if it was empty."""

from __future__ import annotations

import json

import pytest
from checks_helpers import NOW, inventory, make_ec2
from typer.testing import CliRunner

from mlcost.cli import app
from mlcost.model import SourceError

REGIONS = ["us-east-1", "eu-west-1"]


def _denied(region: str) -> SourceError:
    return SourceError(
        region,
        "sagemaker",
        "ListEndpoints",
        "UnrecognizedClientException: The security token included in the request is invalid",
    )


@pytest.fixture
def fake_collect(monkeypatch):
    """Replace the live collector; ``set(errors=..., resources=...)`` chooses what it read."""
    import mlcost.sources.aws as aws

    state: dict = {"errors": [], "resources": []}

    def collect(regions, lookback_days, **_kw):
        inv = inventory(list(state["resources"]), end=NOW)
        inv.regions = list(regions)
        inv.errors = list(state["errors"])
        return inv

    monkeypatch.setattr(aws, "collect_inventory", collect)
    return state


def _scan():
    args = ["scan", "--format", "json"]
    for r in REGIONS:
        args += ["--region", r]
    return CliRunner().invoke(app, args)


def test_every_region_failed_exits_3_after_printing_the_report(fake_collect):
    fake_collect["errors"] = [_denied(r) for r in REGIONS]
    res = _scan()
    assert res.exit_code == 3
    doc = json.loads(res.stdout)
    assert {e["region"] for e in doc["errors"]} == set(REGIONS)
    assert doc["findings"] == []


def test_one_region_read_cleanly_exits_0(fake_collect):
    fake_collect["errors"] = [_denied("eu-west-1")]
    res = _scan()
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["errors"][0]["region"] == "eu-west-1"


def test_resources_seen_despite_errors_exits_0(fake_collect):
    fake_collect["errors"] = [_denied(r) for r in REGIONS]
    fake_collect["resources"] = [make_ec2(state="stopped")]
    assert _scan().exit_code == 0


def test_exit_code_3_is_documented_in_the_help():
    res = CliRunner().invoke(app, ["scan", "--help"])
    assert res.exit_code == 0
    assert "3 nothing could be read" in " ".join(res.output.split())
