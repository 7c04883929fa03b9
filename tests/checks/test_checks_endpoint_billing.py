"""What an endpoint bills while idle: shadow variants, provisioned serverless capacity, the
asynchronous-inference rate, and every unpriced type named.

Prices by hand (us-east-1 real-time hosting, FMBench pricing_fallback.yml, <= 2025-01-26):
ml.m5.xlarge 0.23, ml.g4dn.xlarge 0.7364.
"""

from __future__ import annotations

from decimal import Decimal

from checks_helpers import backlog_series, endpoint_series, inventory, make_endpoint

from mlcost.model import EndpointVariant
from mlcost.scan import run_checks


def test_a_shadow_variant_is_counted_in_cost_and_in_idleness(run_one):
    prod = EndpointVariant("prod", "ml.m5.xlarge", 1)
    shadow = EndpointVariant("challenger", "ml.g4dn.xlarge", 2, shadow=True)
    ep = make_endpoint(variants=[prod, shadow])
    idle = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "prod", "Invocations", 0),
                endpoint_series(ep.id, "challenger", "Invocations", 0),
            ]
        },
    )
    [f] = run_one("idle-endpoint", ep, idle)
    # (0.23 x 1 + 0.7364 x 2) x 730 = 167.90 + 1075.144 = 1243.044
    assert f.monthly_cost_usd == Decimal("1243.04")
    assert {v["variant"]: v.get("shadow", False) for v in f.evidence["variants"]} == {
        "prod": False,
        "challenger": True,
    }
    # the shadow copy of the traffic is traffic: not idle; its series unread: no verdict
    busy_shadow = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "prod", "Invocations", 0),
                endpoint_series(ep.id, "challenger", "Invocations", 5),
            ]
        },
    )
    assert run_one("idle-endpoint", ep, busy_shadow) == []
    unread = inventory([ep], {ep.key: [endpoint_series(ep.id, "prod", "Invocations", 0)]})
    assert run_one("idle-endpoint", ep, unread) == []


def test_serverless_with_provisioned_concurrency_is_judged_and_reported_unpriced(run_one):
    warm = EndpointVariant(
        "AllTraffic",
        None,
        0,
        serverless_memory_mb=4096,
        serverless_max_concurrency=20,
        serverless_provisioned_concurrency=5,
    )
    ep = make_endpoint("sls-warm", variants=[warm])
    inv = inventory([ep], {ep.key: [endpoint_series(ep.id, "AllTraffic", "Invocations", 0)]})
    [f] = run_one("idle-endpoint", ep, inv)
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None  # never $0
    assert "provisioned-concurrency" in f.evidence["unpriced"]
    assert f.evidence["variants"][0]["provisioned_concurrency"] == 5
    busy = inventory([ep], {ep.key: [endpoint_series(ep.id, "AllTraffic", "Invocations", 3)]})
    assert run_one("idle-endpoint", ep, busy) == []
    # without provisioned concurrency it bills per request only: nothing idle to pay for
    cold = EndpointVariant("AllTraffic", None, 0, serverless_memory_mb=4096)
    ep_cold = make_endpoint("sls-cold", variants=[cold])
    inv_cold = inventory(
        [ep_cold], {ep_cold.key: [endpoint_series(ep_cold.id, "AllTraffic", "Invocations", 0)]}
    )
    assert run_one("idle-endpoint", ep_cold, inv_cold) == []


def test_an_async_endpoint_is_priced_at_the_async_rate_or_a_labelled_substitute(run_one):
    ep = make_endpoint(variants=[EndpointVariant("AllTraffic", "ml.g4dn.xlarge", 1)], is_async=True)
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "AllTraffic", "InvocationsProcessed", 0),
                backlog_series(ep.id, 0),
            ]
        },
    )
    [f] = run_one("idle-endpoint", ep, inv)
    price = f.evidence["variants"][0]["price"]
    assert price["usage"] == "async-inference"
    assert price["basis"] == "substitution" and price["substituted_from"] == "hosting"
    assert f.confidence < 0.95  # a substituted price lowers it


def test_every_unpriced_type_of_an_endpoint_gets_its_warning(run_one):
    ep = make_endpoint(
        "mixed-unknown",
        variants=[
            EndpointVariant("a", "ml.zz1.xlarge", 1),
            EndpointVariant("b", "ml.zz2.xlarge", 1),
        ],
    )
    inv = inventory(
        [ep],
        {ep.key: [endpoint_series(ep.id, v, "Invocations", 0) for v in ("a", "b")]},
    )
    result = run_checks(inv, only=["idle-endpoint"])
    unpriced = [w for w in result.warnings if w.startswith("unpriced:")]
    assert any("ml.zz1.xlarge" in w for w in unpriced)
    assert any("ml.zz2.xlarge" in w for w in unpriced)
