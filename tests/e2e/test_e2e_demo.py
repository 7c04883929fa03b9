"""The embedded demo: the real scan path finds every planted waste and no busy look-alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from mlcost.demo.emulator import start_server
from mlcost.demo.org import build_org
from mlcost.demo.seed import seed_org
from mlcost.scan import run_checks
from mlcost.sources.aws import collect_inventory

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture(scope="module")
def demo_scan():
    org = build_org(now=NOW, seed=7)
    saved = dict(os.environ)
    try:
        with start_server() as server:
            os.environ.update(
                AWS_ENDPOINT_URL=server.endpoint_url,
                AWS_ACCESS_KEY_ID="demo",
                AWS_SECRET_ACCESS_KEY="demo",
                AWS_DEFAULT_REGION="us-east-1",
            )
            seed_org(org, server.endpoint_url)
            inventory = collect_inventory(["us-east-1", "eu-west-1"], 21, now=NOW)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return org, inventory, run_checks(inventory)


def test_demo_org_is_large_enough_and_fully_read(demo_scan):
    org, inventory, _ = demo_scan
    assert len(org.resources) >= 80
    assert {r.region for r in inventory.resources} == {"us-east-1", "eu-west-1"}
    assert inventory.errors == []
    # every seeded endpoint, notebook and EC2 instance in a state the checks judge was read
    # back (the checks declare them: InService notebooks, running instances; jobs: those in
    # the window), and nothing else: a stopped notebook costs no read
    judged = {"endpoint": "InService", "notebook-instance": "InService", "ec2-instance": "running"}
    for kind in ("endpoint", "notebook-instance", "ec2-instance"):
        seeded = [r for r in org.resources if r.kind == kind and r.state == judged[kind]]
        assert sum(1 for r in inventory.resources if r.kind == kind) == len(seeded)


def test_every_planted_waste_is_found(demo_scan):
    org, _, result = demo_scan
    found = {(f.check, f.resource_id) for f in result.findings}
    missing = [pair for pair in org.expected["flagged"] if pair not in found]
    assert missing == []


def test_no_busy_lookalike_or_opted_out_resource_is_flagged(demo_scan):
    org, _, result = demo_scan
    found = {(f.check, f.resource_id): f for f in result.findings}
    assert [p for p in org.expected["not_flagged"] if p in found] == []
    opted_out = {rid for _, rid in org.expected["opted_out"]}
    assert [f.resource_id for f in result.findings if f.resource_id in opted_out] == []
    for pair in org.expected["low_confidence_only"]:
        if pair in found:
            assert found[pair].confidence < 0.5


def test_every_dollar_figure_is_priced_or_explicitly_unpriced(demo_scan):
    _, _, result = demo_scan
    for f in result.findings:
        if f.monthly_cost_usd is None:
            assert "unpriced" in f.evidence
        else:
            assert f.monthly_cost_usd > 0
            assert f.monthly_savings_usd is None or 0 < f.monthly_savings_usd <= f.monthly_cost_usd


@pytest.mark.slow
def test_demo_command_prints_table_and_writes_reports(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [sys.executable, "-m", "mlcost", "demo", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "idle-endpoint" in proc.stdout and "Total" in proc.stdout
    report = json.loads((tmp_path / "findings.json").read_text())
    assert report["source"] == "demo" and report["regions"] == ["us-east-1", "eu-west-1"]
    assert len(report["findings"]) > 10
    assert "| idle-endpoint |" in (tmp_path / "findings.md").read_text()


def test_the_account_checks_see_the_budget_look_alikes_and_the_uncovered_floor(demo_scan):
    """One demo account: its look-alikes are inside it - an EC2-only cost budget and a
    SageMaker usage budget must not count as watching SageMaker spend."""
    _, _, result = demo_scan
    by_check = {f.check: f for f in result.findings if f.resource_kind == "account"}
    assert set(by_check) == {"no-budget", "savings-plan"}
    why = {b["name"]: b["why"] for b in by_check["no-budget"].evidence["budgets_not_covering"]}
    assert set(why) == {"platform-ec2-monthly", "sagemaker-instance-hours"}
    sp = by_check["savings-plan"]
    # the demo account opted in to hourly data, but this scan ends on a fixed day more than
    # 14 days ago: Cost Explorer refuses hourly data that old, so daily / 24 is used, said so
    assert sp.evidence["granularity"] == "DAILY"
    assert "14 days" in sp.evidence["granularity_note"] and sp.confidence == 0.5
    # the floor: 2 x ml.g5.xlarge (1.4084) + 3 x ml.m5.xlarge (0.23) hosting = 3.5068 $/h
    assert sp.evidence["on_demand_usd_per_hour"]["min"] == "3.51"
    assert sp.monthly_savings_usd is None  # no savings-plan rates in the demo: unpriced
    # the emulator offers no Savings Plans rate (it invents none), and the finding says so
    assert "DescribeSavingsPlansOfferingRates, us-east-1" in sp.evidence["unpriced"]
    assert "no 1-year No Upfront SageMaker Savings Plan rate for g5, m5" in sp.evidence["unpriced"]
