"""Reports that do not mislead: the account scanned, what was read, ``partial`` whenever a
read failed, and a scan that read nothing failing loudly (issue 20)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from mlcost.model import Inventory, SourceError

MOTO_ACCOUNT = "123456789012"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    """moto with the project's emulator fixes: stock moto lacks calls a scan now makes
    (Studio ListApps, MLflow, Bedrock, capacity reservations)."""
    from mlcost.demo.emulator import patch_moto

    patch_moto()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def test_an_empty_account_says_what_was_scanned(cli, aws) -> None:
    r = cli("scan", "--region", "us-east-1,eu-west-1", "-f", "json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["account_id"] == MOTO_ACCOUNT
    assert doc["regions"] == ["us-east-1", "eu-west-1"]  # the comma list, in order
    assert doc["findings"] == [] and doc["errors"] == []
    assert doc["totals"]["partial"] is False
    resources = doc["scanned"]["resources"]
    # every kind the checks read, each counted (zero here), not just "0 findings"
    assert {"notebook-instance", "endpoint", "training-job", "ec2-instance"} <= set(resources)
    # the account itself is read (no-budget, savings-plan): one, with nothing to report
    assert resources.pop("account") == 1
    assert set(resources.values()) == {0}
    table = cli("scan", "--region", "us-east-1", "--region", "eu-west-1")
    assert table.code == 0
    line = " ".join(table.out.split())
    assert f"scanned account {MOTO_ACCOUNT}, us-east-1, eu-west-1 (14 days): " in line
    for kind in ("ec2-instance", "endpoint", "notebook-instance", "training-job"):
        assert f"0 {kind}" in line


def test_region_all_scans_the_enabled_sagemaker_regions(cli, aws, monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    r = cli("scan", "--region", "all", "--check", "idle-endpoint", "-f", "json")
    assert r.code == 0, r.err
    regions = json.loads(r.out)["regions"]
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(regions)
    assert regions == sorted(regions)
    mixed = cli("scan", "--region", "all,us-east-1")
    assert mixed.code == 2
    mixed.one_error_line("--region all cannot be combined")


def test_an_unknown_region_in_a_comma_list_is_named(cli, aws) -> None:
    r = cli("scan", "--region", "us-east-1,us-east-9")
    assert r.code == 2
    r.one_error_line("'us-east-9'")


def _failed_everywhere(regions, lookback_days, **kwargs) -> Inventory:
    end = datetime(2026, 12, 1, tzinfo=UTC)
    inventory = Inventory(
        source="aws",
        regions=list(regions),
        lookback_days=lookback_days,
        start=end - timedelta(days=lookback_days),
        end=end,
        account="111122223333",
    )
    inventory.errors = [
        SourceError(r, "sagemaker", "Search", "AccessDeniedException: denied by SCP")
        for r in regions
    ]
    return inventory


def test_when_every_region_fails_the_report_is_partial_and_the_exit_is_3(cli, monkeypatch) -> None:
    monkeypatch.setattr("mlcost.sources.aws.collect_inventory", _failed_everywhere)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    r = cli("scan", "--region", "us-east-1,eu-west-1", "-f", "json")
    assert r.code == 3
    doc = json.loads(r.out)
    assert doc["totals"]["monthly_savings_usd"] == 0.0
    assert doc["totals"]["partial"] is True  # $0.00 is not "nothing to save"
    assert doc["account_id"] == "111122223333"
    assert "nothing could be read" in r.err
    table = cli("scan", "--region", "us-east-1,eu-west-1")
    assert table.code == 3
    assert "partial: 2 read(s) failed in eu-west-1, us-east-1" in " ".join(table.out.split())


def test_one_unavailable_service_in_an_empty_account_is_not_nothing_read(aws) -> None:
    """Bedrock refused in every region (not enabled, denied): the other kinds were listed,
    so an empty account is an empty report with errors, not "nothing could be read"."""
    from mlcost.scan import nothing_read
    from mlcost.sources.aws import collect_inventory

    inventory = collect_inventory(["us-east-1", "eu-west-1"], 7)
    assert [r.kind for r in inventory.resources] == ["account"]  # the account, nothing in it
    assert inventory.errors == []
    assert {"endpoint", "notebook-instance"} <= set(inventory.listed["us-east-1"])
    assert not nothing_read(inventory)
    inventory.errors = [
        SourceError(r, "bedrock", "ListProvisionedModelThroughputs", "AccessDeniedException")
        for r in inventory.regions
    ]
    assert not nothing_read(inventory)  # the old rule said True: an error in every region
    inventory.listed = {r: [] for r in inventory.regions}  # no listing completed anywhere
    assert not nothing_read(inventory)  # ... but the account's budgets were read
    inventory.resources[0].budgets = None  # and not even those
    inventory.resources[0].monthly_spend = inventory.resources[0].savings_plans_coverage = None
    inventory.resources[0].on_demand_spend = None
    assert nothing_read(inventory)
