"""idle-bedrock-provisioned-throughput: zero AWS/Bedrock Invocations (ModelId = the
provisioned model's ARN) over the window. No Bedrock price is in the data: figures are
null with a warning, never $0."""

from __future__ import annotations

from datetime import timedelta

from checks_helpers import NOW, REGION, START, inventory, series

from mlcost.model import ProvisionedThroughput, ResourceKind, SeriesStatus
from mlcost.scan import run_checks

ARN = f"arn:aws:bedrock:{REGION}:123456789012:provisioned-model/abc123def456"


def pt(*, age_days: float = 30, commitment: str | None = None, ends_in_days: float = 0):
    return ProvisionedThroughput(
        kind=ResourceKind.BEDROCK_PROVISIONED_THROUGHPUT,
        id="support-bot-pt",
        arn=ARN,
        region=REGION,
        created=NOW - timedelta(days=age_days),
        status="InService",
        model_arn=f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0:200k",
        model_units=2,
        commitment=commitment,
        commitment_expires=NOW + timedelta(days=ends_in_days) if commitment else None,
    )


def invocations(value, **kw):
    return series("Invocations", "AWS/Bedrock", {"ModelId": ARN}, value, stat="Sum", **kw)


def test_unused_no_commitment_throughput_is_deleted_and_unpriced():
    p = pt()
    result = run_checks(
        inventory([p], {p.key: [invocations(lambda t: None)]}),
        only=["idle-bedrock-provisioned-throughput"],
        now=NOW,
    )
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.fix.action == "delete-provisioned-model-throughput"
    assert f.fix.params == {"provisionedModelId": ARN}
    assert f.evidence["commitment"] == "none" and f.confidence == 0.8
    assert f.evidence["window_hours"] == 168.0
    assert any(
        w.startswith("unpriced: 2 model unit(s) of anthropic.claude-3-haiku")
        for w in result.warnings
    )


def test_one_invocation_in_the_window_keeps_it(run_one):
    p = pt()
    one = invocations(lambda t: 1 if t == START + timedelta(days=3) else None)
    assert run_one("idle-bedrock-provisioned-throughput", p, inventory([p], {p.key: [one]})) == []


def test_running_commitment_says_it_bills_to_the_end_of_the_term(run_one):
    p = pt(commitment="SixMonths", ends_in_days=40)
    [f] = run_one(
        "idle-bedrock-provisioned-throughput",
        p,
        inventory([p], {p.key: [invocations(lambda t: None)]}),
    )
    assert f.confidence == 0.5
    assert f.evidence["deletable_after"] == (NOW + timedelta(days=40)).isoformat()
    assert "bills until" in f.title and "SixMonths" in f.title


def test_ended_commitment_is_like_none(run_one):
    p = pt(commitment="OneMonth", ends_in_days=-2)
    [f] = run_one(
        "idle-bedrock-provisioned-throughput",
        p,
        inventory([p], {p.key: [invocations(lambda t: None)]}),
    )
    assert f.confidence == 0.8 and "deletable_after" not in f.evidence


def test_unreadable_or_missing_series_gives_no_verdict(run_one):
    p = pt()
    broken = invocations(0, status=SeriesStatus.ERROR)
    assert (
        run_one("idle-bedrock-provisioned-throughput", p, inventory([p], {p.key: [broken]})) == []
    )
    assert run_one("idle-bedrock-provisioned-throughput", p, inventory([p])) == []


def test_a_model_younger_than_a_day_is_not_judged(run_one):
    p = pt(age_days=0.5)
    assert (
        run_one(
            "idle-bedrock-provisioned-throughput",
            p,
            inventory([p], {p.key: [invocations(lambda t: None)]}),
        )
        == []
    )
