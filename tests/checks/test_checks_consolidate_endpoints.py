"""consolidate-endpoints: under-used endpoints of one family -> one shared endpoint.

Prices (us-east-1 hosting): ml.m5.xlarge $0.23/h (FMBench list, 2025-01-26); ml.r5.large
$0.151/h (labelled substitution of the Studio-Notebook list, 2025-06-16). A month is 730 h.
"""

from __future__ import annotations

from decimal import Decimal

from checks_helpers import endpoint_series, inventory, make_endpoint

from mlcost.checks import load_all
from mlcost.model import EndpointVariant

CHECK = "consolidate-endpoints"


def _ep(name, *, cpu_pct_per_vcpu=10.0, mem_pct=15.0, itype="ml.m5.xlarge", vcpus=4, gpu=None):
    ep = make_endpoint(name, [EndpointVariant("AllTraffic", itype, 1, model_name=f"{name}-model")])
    metrics = [
        endpoint_series(name, "AllTraffic", "Invocations", 50.0),
        endpoint_series(name, "AllTraffic", "CPUUtilization", cpu_pct_per_vcpu * vcpus),
        endpoint_series(name, "AllTraffic", "MemoryUtilization", mem_pct),
    ]
    if gpu is not None:
        metrics += [
            endpoint_series(name, "AllTraffic", "GPUUtilization", gpu),
            endpoint_series(name, "AllTraffic", "GPUMemoryUtilization", 30.0),
        ]
    return ep, metrics


def _run(*eps):
    inv = inventory([e for e, _ in eps], {e.key: m for e, m in eps})
    check = load_all()[CHECK]
    return {e.id: check.run(e, inv) for e, _ in eps}


def test_three_quiet_m5_endpoints_share_one_instance():
    found = _run(
        _ep("churn-a"), _ep("churn-b"), _ep("churn-c"), _ep("busy-m5", cpu_pct_per_vcpu=60)
    )
    # reported once, on the first member by name; the busy look-alike is not a member
    assert [len(found[n]) for n in ("churn-a", "churn-b", "churn-c", "busy-m5")] == [1, 0, 0, 0]
    [f] = found["churn-a"]
    assert [m["endpoint"] for m in f.evidence["members"]] == ["churn-a", "churn-b", "churn-c"]
    # summed peak: 3 x 0.4 vCPU = 1.2 (x 1.25 = 1.5); memory 3 x 15 % x 16 GiB = 7.2 GiB
    # (x 1.25 = 9): the cheapest non-burstable type with >= 9 GiB and >= 1.5 vCPUs is
    # ml.r5.large (2 vCPUs, 16 GiB, $0.151/h); ml.m5.large has 8 GiB
    assert f.evidence["summed_peak"]["vcpus_busy"] == 1.2
    assert f.evidence["summed_peak"]["memory_gib_all_models"] == 7.2
    assert f.fix.params["InstanceType"] == "ml.r5.large"
    assert f.fix.params["InitialInstanceCount"] == 1
    # current 3 x 0.23 x 730 = 503.70; shared 0.151 x 730 = 110.23; saving 393.47
    assert f.monthly_cost_usd == Decimal("503.70")
    assert f.evidence["proposed"]["monthly_cost_usd"] == "110.23"
    assert f.monthly_savings_usd == Decimal("393.47")
    assert any("frameworks" in s for s in f.evidence["signals_not_checked"])


def test_one_quiet_endpoint_per_family_is_not_a_group():
    found = _run(
        _ep("solo-m5"),
        _ep("busy-m5", cpu_pct_per_vcpu=60),
        _ep("solo-g4dn", itype="ml.g4dn.xlarge", gpu=5.0),
    )
    assert all(f == [] for f in found.values())


def test_idle_endpoints_are_left_to_idle_endpoint():
    a, ma = _ep("quiet-a")
    b, mb = _ep("quiet-b")
    ma[0] = endpoint_series("quiet-a", "AllTraffic", "Invocations", lambda _t: None)
    assert all(f == [] for f in _run((a, ma), (b, mb)).values())


def test_groups_are_capped_at_max_endpoints():
    eps = [_ep("churn-a"), _ep("churn-b"), _ep("churn-c")]
    inv = inventory([e for e, _ in eps], {e.key: m for e, m in eps})
    check = load_all()[CHECK]
    found = {e.id: check.run(e, inv, {"max_endpoints": 2}) for e, _ in eps}
    # 3 members, at most 2 a group: [churn-a, churn-b] and [churn-c] (alone: no group)
    assert [len(found[n]) for n in ("churn-a", "churn-b", "churn-c")] == [1, 0, 0]
    [f] = found["churn-a"]
    assert [m["endpoint"] for m in f.evidence["members"]] == ["churn-a", "churn-b"]
    # 2 x 0.4 vCPU x 1.25 = 1 vCPU; 2 x 2.4 GiB x 1.25 = 6 GiB: ml.m5.large (2 vCPUs, 8 GiB,
    # $0.115/h); saving (2 x 0.23 - 0.115) x 730 = 251.85
    assert f.fix.params["InstanceType"] == "ml.m5.large"
    assert f.monthly_savings_usd == Decimal("251.85")
