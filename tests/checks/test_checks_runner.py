"""The scan runner: selection, settings validation, opt-out, ordering, warnings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from checks_helpers import (
    NOW,
    START,
    agent_busy,
    agent_idle,
    ec2_cpu,
    ec2_gpu,
    endpoint_series,
    inventory,
    make_ec2,
    make_endpoint,
    make_job,
    make_notebook,
)

from mlcost.checks import load_all
from mlcost.checks.registry import Check
from mlcost.errors import UserError
from mlcost.model import EndpointVariant, ResourceKind, SourceError
from mlcost.scan import run_checks


def _mixed():
    ep = make_endpoint(
        variants=[EndpointVariant("AllTraffic", "ml.m5.xlarge", 1)]
    )  # 0.23 x 730 = 167.90
    nb = make_notebook()  # idle: 0.05 x 730 = 36.50 ; no autostop: 36.50 x (1 - 0/168)
    gpu = make_ec2()  # 1.006 x 730 = 734.38
    spot_box = make_ec2("i-0spot", lifecycle="spot")  # unpriced
    metrics = {
        ep.key: [endpoint_series(ep.id, "AllTraffic", "Invocations", 0)],
        nb.key: [agent_busy(nb.id, 0), agent_idle(nb.id, START - timedelta(days=1))],
        gpu.key: [ec2_cpu(gpu.id, 1.0), ec2_gpu(gpu.id, 0.0)],
        spot_box.key: [ec2_cpu(spot_box.id, 1.0), ec2_gpu(spot_box.id, 0.0)],
    }
    return inventory([ep, nb, gpu, spot_box], metrics)


def test_all_checks_registered_with_docstrings():
    reg = load_all()
    expected = {
        "idle-endpoint",
        "underused-endpoint",
        "notebook-no-autostop",
        "idle-notebook",
        "training-spot",
        "idle-ec2-gpu",
    }
    assert expected <= set(reg)
    for check_id in expected:
        assert len(reg[check_id].doc) > 100, check_id


def test_findings_sorted_by_saving_with_unpriced_last():
    result = run_checks(_mixed(), now=NOW)
    savings = [f.monthly_savings_usd for f in result.findings]
    assert savings == [
        Decimal("734.38"),
        Decimal("167.90"),
        Decimal("36.50"),
        Decimal("36.50"),  # no autostop: observed busy share 0/168 replaces 50/168
        None,
    ]
    assert result.generated_at == NOW
    assert result.source == "test" and result.lookback_days == 7


def test_only_limits_the_checks():
    result = run_checks(_mixed(), only=["idle-notebook"], now=NOW)
    assert {f.check for f in result.findings} == {"idle-notebook"}


def test_unknown_check_or_setting_is_a_user_error():
    with pytest.raises(UserError, match="unknown check 'idle-thing'") as e:
        run_checks(_mixed(), only=["idle-thing"])
    assert "idle-endpoint" in str(e.value)
    with pytest.raises(UserError, match="min_age_hour"):
        run_checks(_mixed(), settings={"idle-endpoint": {"min_age_hour": 1}})


def test_settings_override_defaults():
    inv = _mixed()
    result = run_checks(
        inv, only=["idle-notebook"], settings={"idle-notebook": {"idle_hours": 24 * 30}}, now=NOW
    )
    assert result.findings == []  # 30 days of quiet cannot be seen in a 7-day window


def test_source_errors_are_carried_and_a_crashing_check_becomes_a_warning(monkeypatch):
    inv = _mixed()
    inv.errors.append(SourceError("eu-west-1", "sagemaker", "ListEndpoints", "AccessDenied"))

    def boom(resource, inventory, settings):
        raise RuntimeError("bad data")

    reg = load_all()
    monkeypatch.setitem(reg, "zz-broken", Check("zz-broken", ResourceKind.TRAINING_JOB, boom))
    job = make_job()
    inv.resources.append(job)
    result = run_checks(inv, now=NOW)
    assert result.errors == inv.errors
    assert any("zz-broken" in w and job.key in w and "bad data" in w for w in result.warnings)
    assert any(w.startswith("unpriced: g5.xlarge in us-east-1") for w in result.warnings)
    assert len(result.findings) >= 5


def test_opt_out_only_affects_the_tagged_resource():
    inv = _mixed()
    inv.resources[1].tags["mlcost:skip"] = "true"
    result = run_checks(inv, now=NOW)
    assert all(f.resource_id != "alice-nb" for f in result.findings)
    assert any(f.resource_id == "fraud-scorer" for f in result.findings)


def test_time_moves_on():
    # the same inventory judged later: the notebook's quiet stretch ends before "now" -> stale
    inv = _mixed()
    inv.end = NOW + timedelta(hours=12)
    result = run_checks(inv, only=["idle-notebook"], now=inv.end)
    assert result.findings == []


def test_every_check_serialises_to_the_json_contract():
    """All six checks' real evidence goes through to_json (no Decimal/datetime leaks)."""
    import json

    from mlcost.report import to_json

    inv = _mixed()
    under = make_endpoint("ranker", [EndpointVariant("AllTraffic", "ml.c5.xlarge", 4)])
    inv.resources += [under, make_job()]
    inv.metrics[under.key] = [
        endpoint_series(under.id, "AllTraffic", "Invocations", 10),
        endpoint_series(under.id, "AllTraffic", "CPUUtilization", 40),
        endpoint_series(under.id, "AllTraffic", "MemoryUtilization", 15),
    ]
    doc = json.loads(to_json(run_checks(inv, now=NOW)))
    assert {f["check"] for f in doc["findings"]} == {
        "idle-endpoint",
        "underused-endpoint",
        "notebook-no-autostop",
        "idle-notebook",
        "training-spot",
        "idle-ec2-gpu",
    }
    for f in doc["findings"]:
        assert set(f) == {
            "id", "check", "resource_kind", "resource_id", "resource_arn", "region", "title",
            "evidence", "monthly_cost_usd", "monthly_savings_usd", "fix", "risk", "confidence",
        }  # fmt: skip
        assert f["monthly_savings_usd"] is None or f["monthly_savings_usd"] > 0


def test_every_check_module_is_found_and_holds_one_check():
    """No list to keep: a module in mlcost/checks registers its check by being there."""
    from mlcost.checks import check_modules

    registry = load_all()
    modules = [chk.fn.__module__ for chk in registry.values()]
    assert sorted(modules) == check_modules()  # one check per module, every module a check
    for chk in registry.values():
        assert chk.fn.__module__.rsplit(".", 1)[1] == chk.id.replace("-", "_")


def test_checks_declare_what_the_source_reads_for_them():
    from mlcost.checks import needs_for
    from mlcost.model import MetricLabel

    needs = needs_for(["idle-notebook"])
    assert needs.kinds == {ResourceKind.NOTEBOOK_INSTANCE}
    assert needs.labels[ResourceKind.NOTEBOOK_INSTANCE] == {
        MetricLabel.AGENT_BUSY,
        MetricLabel.AGENT_IDLE_SECONDS,
    }
    assert needs.statuses[ResourceKind.NOTEBOOK_INSTANCE] == {"InService"}
    every = needs_for(None)
    # long-running-job reads running jobs; training-spot alone reads finished ones only
    assert every.statuses[ResourceKind.TRAINING_JOB] == {"Completed", "Stopped", "InProgress"}
    spot = needs_for(["training-spot"])
    assert spot.statuses[ResourceKind.TRAINING_JOB] == {"Completed", "Stopped"}
    assert MetricLabel.INVOCATIONS in every.labels[ResourceKind.ENDPOINT]
    with pytest.raises(UserError, match="unknown check"):
        needs_for(["no-such-check"])


def test_settings_are_typed_and_a_bad_value_fails_before_any_check_runs():
    ep = make_endpoint()
    inv = inventory([ep], {ep.key: [endpoint_series(ep.id, "AllTraffic", "Invocations", 0)]})
    with pytest.raises(UserError, match="min_age_hours"):
        run_checks(inv, settings={"idle-endpoint": {"min_age_hours": "a day"}})
    with pytest.raises(UserError, match="headroom"):
        run_checks(inv, settings={"underused-endpoint": {"headroom": [1.5]}})
    # a number given as text is read as the number
    result = run_checks(
        inv, only=["idle-endpoint"], settings={"idle-endpoint": {"min_age_hours": "48"}}
    )
    assert [f.check for f in result.findings] == ["idle-endpoint"]
