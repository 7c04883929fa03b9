"""idle-endpoint and underused-endpoint on hand-built inventories.

Prices (us-east-1, SageMaker real-time hosting) looked up by hand in
shared/data/prices: FMBench pricing_fallback.yml (list, <= 2025-01-26) ml.m5.xlarge 0.23,
ml.c5.xlarge 0.204, ml.g4dn.xlarge 0.7364, ml.g4dn.2xlarge 0.94; Studio-Notebook CSV
(2025-06-16, labelled substitution) ml.m5.4xlarge 0.922, ml.m5.large 0.115, ml.c5.large 0.102.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from checks_helpers import NOW, START, backlog_series, endpoint_series, inventory, make_endpoint

from mlcost.model import EndpointVariant, SeriesStatus
from mlcost.scan import run_checks


def _idle_two_variant_endpoint(**kw):
    ep = make_endpoint(
        variants=[
            EndpointVariant("blue", "ml.m5.xlarge", 2),
            EndpointVariant("green", "ml.c5.xlarge", 1),
        ],
        **kw,
    )
    metrics = [
        endpoint_series(ep.id, "blue", "Invocations", 0),
        endpoint_series(ep.id, "green", "Invocations", lambda t: None),  # no datapoints at all
    ]
    return ep, metrics


# --------------------------------------------------------------------------- idle-endpoint


def test_idle_endpoint_flagged_with_full_cost_of_every_variant(run_one):
    ep, metrics = _idle_two_variant_endpoint()
    [f] = run_one("idle-endpoint", ep, inventory([ep], {ep.key: metrics}))
    # 0.23 x 2 x 730 = 335.80 ; 0.204 x 1 x 730 = 148.92 ; total 484.72
    assert f.monthly_cost_usd == Decimal("484.72")
    assert f.monthly_savings_usd == Decimal("484.72")
    assert f.fix.action == "delete-endpoint"
    assert f.fix.params == {"EndpointName": "fraud-scorer"}
    assert f.risk == "review"
    assert f.confidence >= 0.9
    variants = {v["variant"]: v for v in f.evidence["variants"]}
    assert variants["blue"]["price"]["usd_per_hour"] == "0.23"
    assert variants["blue"]["instance_count"] == 2
    assert variants["green"]["invocations_sum"] == 0
    assert variants["green"]["price"]["source"] and variants["green"]["price"]["date"]
    assert f.evidence["window_hours"] == 168.0
    assert f.evidence["endpoint_config_name"] == "fraud-scorer-config-1"


def test_finding_id_is_stable_and_short(run_one):
    ep, metrics = _idle_two_variant_endpoint()
    inv = inventory([ep], {ep.key: metrics})
    a = run_one("idle-endpoint", ep, inv)[0].id
    b = run_one("idle-endpoint", ep, inv)[0].id
    assert a == b and len(a) == 12


def test_bursty_nightly_endpoint_is_not_idle(run_one):
    ep = make_endpoint()
    nightly = endpoint_series(
        ep.id, "AllTraffic", "Invocations", lambda t: 500 if t.hour == 2 else 0
    )
    assert run_one("idle-endpoint", ep, inventory([ep], {ep.key: [nightly]})) == []


def test_weekly_only_traffic_is_not_idle(run_one):
    ep = make_endpoint()
    batch_day = (START + timedelta(days=1)).replace(hour=6)
    weekly = endpoint_series(
        ep.id, "AllTraffic", "Invocations", lambda t: 3 if t == batch_day else None
    )
    assert run_one("idle-endpoint", ep, inventory([ep], {ep.key: [weekly]})) == []


def test_one_busy_variant_keeps_the_endpoint(run_one):
    ep, metrics = _idle_two_variant_endpoint()
    metrics[1] = endpoint_series(ep.id, "green", "Invocations", lambda t: 1 if t.hour == 9 else 0)
    assert run_one("idle-endpoint", ep, inventory([ep], {ep.key: metrics})) == []


def test_error_series_is_never_idle(run_one):
    ep = make_endpoint()
    failed = endpoint_series(ep.id, "AllTraffic", "Invocations", 0, status=SeriesStatus.ERROR)
    assert run_one("idle-endpoint", ep, inventory([ep], {ep.key: [failed]})) == []


def test_missing_metrics_is_never_idle(run_one):
    ep, metrics = _idle_two_variant_endpoint()
    assert run_one("idle-endpoint", ep, inventory([ep], {ep.key: metrics[:1]})) == []
    assert run_one("idle-endpoint", ep, inventory([ep], {})) == []


def test_young_endpoint_is_skipped(run_one):
    ep, metrics = _idle_two_variant_endpoint(created=NOW - timedelta(hours=10))
    assert run_one("idle-endpoint", ep, inventory([ep], {ep.key: metrics})) == []


def test_endpoint_younger_than_lookback_judged_over_its_lifetime(run_one):
    ep, metrics = _idle_two_variant_endpoint(created=NOW - timedelta(hours=72))
    # traffic before it existed cannot count (it would be another endpoint of the same name)
    metrics[0] = endpoint_series(
        ep.id, "blue", "Invocations", lambda t: 7 if t < NOW - timedelta(hours=80) else 0
    )
    [f] = run_one("idle-endpoint", ep, inventory([ep], {ep.key: metrics}))
    assert f.evidence["window_hours"] == 72.0
    assert f.confidence <= 0.7
    assert f.monthly_savings_usd == Decimal("484.72")


def test_min_age_setting_is_honoured(run_one):
    ep, metrics = _idle_two_variant_endpoint(created=NOW - timedelta(hours=30))
    inv = inventory([ep], {ep.key: metrics})
    assert run_one("idle-endpoint", ep, inv)  # default 24 h
    assert run_one("idle-endpoint", ep, inv, min_age_hours=48) == []


def test_serverless_endpoint_is_not_flagged(run_one):
    ep = make_endpoint(variants=[EndpointVariant("AllTraffic", None, 0, serverless_memory_mb=2048)])
    inv = inventory([ep], {ep.key: [endpoint_series(ep.id, "AllTraffic", "Invocations", 0)]})
    assert run_one("idle-endpoint", ep, inv) == []


def _async_endpoint():
    return make_endpoint(
        variants=[EndpointVariant("AllTraffic", "ml.g4dn.xlarge", 1)], is_async=True
    )


def test_busy_async_endpoint_is_not_flagged_from_missing_invocations(run_one):
    # Async endpoints publish no Invocations (AWS, "Monitoring asynchronous endpoints"): an
    # empty Invocations series is no evidence. The work shows in InvocationsProcessed.
    ep = _async_endpoint()
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "AllTraffic", "Invocations", lambda t: None),
                endpoint_series(
                    ep.id, "AllTraffic", "InvocationsProcessed", lambda t: 40 if t.hour == 3 else 0
                ),
                backlog_series(ep.id, 0),
            ]
        },
    )
    assert run_one("idle-endpoint", ep, inv) == []


def test_async_endpoint_with_only_a_queued_backlog_is_not_idle(run_one):
    ep = _async_endpoint()
    queued_at = NOW - timedelta(hours=5)
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "AllTraffic", "InvocationsProcessed", 0),
                backlog_series(ep.id, lambda t: 12 if t == queued_at else 0),
            ]
        },
    )
    assert run_one("idle-endpoint", ep, inv) == []


def test_async_endpoint_without_async_metrics_gets_no_verdict(run_one):
    ep = _async_endpoint()
    only_invocations = {ep.key: [endpoint_series(ep.id, "AllTraffic", "Invocations", 0)]}
    assert run_one("idle-endpoint", ep, inventory([ep], only_invocations)) == []
    no_backlog = {ep.key: [endpoint_series(ep.id, "AllTraffic", "InvocationsProcessed", 0)]}
    assert run_one("idle-endpoint", ep, inventory([ep], no_backlog)) == []
    failed_backlog = {
        ep.key: [
            endpoint_series(ep.id, "AllTraffic", "InvocationsProcessed", 0),
            backlog_series(ep.id, 0, status=SeriesStatus.ERROR),
        ]
    }
    assert run_one("idle-endpoint", ep, inventory([ep], failed_backlog)) == []


def test_async_endpoint_with_nothing_processed_or_queued_is_flagged(run_one):
    ep = _async_endpoint()
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "AllTraffic", "InvocationsProcessed", lambda t: None),
                backlog_series(ep.id, 0),
            ]
        },
    )
    [f] = run_one("idle-endpoint", ep, inv)
    assert f.monthly_savings_usd == Decimal("537.57")  # 0.7364 x 1 x 730 = 537.572
    assert f.evidence["async"] is True
    assert f.evidence["approximate_backlog_size_max"] == 0
    assert f.evidence["variants"][0]["invocations_processed_sum"] == 0


def test_underused_skips_async_endpoints(run_one):
    ep = make_endpoint(variants=[EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1)], is_async=True)
    v = "AllTraffic"
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, v, "InvocationsProcessed", 100),
                backlog_series(ep.id, 0),
                endpoint_series(ep.id, v, "CPUUtilization", _peak_once(100, 150)),
                endpoint_series(ep.id, v, "MemoryUtilization", _peak_once(5, 8)),
            ]
        },
    )
    assert run_one("underused-endpoint", ep, inv) == []


# --------------------------------------------------------------------------- deploys


def test_traffic_on_an_old_variant_keeps_the_endpoint(run_one):
    # Blue/green 48 h ago: the new variant "green" is silent since, but the old "blue" (gone
    # from the config) served requests in the hour the deploy happened (bucket 10:00 holds
    # 10:00-11:00; the deploy was at 10:20).
    deployed = (NOW - timedelta(hours=48)).replace(minute=20)
    ep = make_endpoint(
        variants=[EndpointVariant("green", "ml.m5.xlarge", 1)], last_modified=deployed
    )
    bucket = deployed.replace(minute=0)
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "green", "Invocations", 0),
                endpoint_series(ep.id, "blue", "Invocations", lambda t: 250 if t == bucket else 0),
            ]
        },
    )
    assert run_one("idle-endpoint", ep, inv) == []


def test_unreadable_old_variant_series_blocks_the_verdict(run_one):
    ep = make_endpoint(variants=[EndpointVariant("green", "ml.m5.xlarge", 1)])
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, "green", "Invocations", 0),
                endpoint_series(ep.id, "blue", "Invocations", 0, status=SeriesStatus.ERROR),
            ]
        },
    )
    assert run_one("idle-endpoint", ep, inv) == []


def test_redeploy_6_hours_ago_gets_no_verdict(run_one):
    # Created 30 days ago, updated 6 h ago: min_age_hours (24) applies to the update.
    ep = make_endpoint(
        variants=[EndpointVariant("green", "ml.m5.xlarge", 1)],
        last_modified=NOW - timedelta(hours=6),
    )
    inv = inventory([ep], {ep.key: [endpoint_series(ep.id, "green", "Invocations", 0)]})
    assert run_one("idle-endpoint", ep, inv) == []


def test_endpoint_judged_only_since_its_last_update(run_one):
    # Updated 48 h ago; the only traffic was on the current variant before the update, so
    # the endpoint in its current shape served nothing for 48 h.
    ep = make_endpoint(
        variants=[EndpointVariant("AllTraffic", "ml.m5.xlarge", 2)],
        last_modified=NOW - timedelta(hours=48),
    )
    before = NOW - timedelta(hours=100)
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(
                    ep.id, "AllTraffic", "Invocations", lambda t: 9 if t == before else 0
                )
            ]
        },
    )
    [f] = run_one("idle-endpoint", ep, inv)
    assert f.evidence["window_hours"] == 48.0
    assert f.evidence["endpoint_age_hours"] == 48.0
    assert f.confidence <= 0.7
    assert f.monthly_savings_usd == Decimal("335.80")  # 0.23 x 2 x 730 = 335.80


def test_update_before_the_window_does_not_shorten_it(run_one):
    ep, metrics = _idle_two_variant_endpoint()
    ep.last_modified = START - timedelta(days=3)
    [f] = run_one("idle-endpoint", ep, inventory([ep], {ep.key: metrics}))
    assert f.evidence["window_hours"] == 168.0


# --------------------------------------------------------------------------- inference components


def test_inference_component_endpoint_gets_no_idle_or_underused_finding(run_one):
    ep = make_endpoint(
        variants=[EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1, uses_inference_components=True)]
    )
    v = "AllTraffic"
    inv = inventory(
        [ep],
        {
            ep.key: [
                endpoint_series(ep.id, v, "Invocations", 0),
                endpoint_series(ep.id, v, "CPUUtilization", _peak_once(100, 150)),
                endpoint_series(ep.id, v, "MemoryUtilization", _peak_once(5, 8)),
            ]
        },
    )
    assert run_one("idle-endpoint", ep, inv) == []
    inv.metrics[ep.key][0] = endpoint_series(ep.id, v, "Invocations", 100)
    assert run_one("underused-endpoint", ep, inv) == []


def test_not_in_service_is_not_flagged(run_one):
    ep, metrics = _idle_two_variant_endpoint(status="Updating")
    assert run_one("idle-endpoint", ep, inventory([ep], {ep.key: metrics})) == []


def test_unpriced_type_is_reported_unpriced_never_zero():
    ep = make_endpoint(variants=[EndpointVariant("AllTraffic", "ml.zz9.xlarge", 1)])
    inv = inventory([ep], {ep.key: [endpoint_series(ep.id, "AllTraffic", "Invocations", 0)]})
    result = run_checks(inv, only=["idle-endpoint"], now=NOW)
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert "ml.zz9.xlarge" in f.evidence["unpriced"]
    assert any(w.startswith("unpriced: ml.zz9.xlarge in us-east-1") for w in result.warnings)


def test_opt_out_tag_is_honoured():
    ep, metrics = _idle_two_variant_endpoint(tags={"mlcost:skip": "true"})
    assert run_checks(inventory([ep], {ep.key: metrics}), now=NOW).findings == []
    ep2, metrics2 = _idle_two_variant_endpoint(tags={"mlcost:skip": "false"})
    assert run_checks(
        inventory([ep2], {ep2.key: metrics2}), only=["idle-endpoint"], now=NOW
    ).findings


# --------------------------------------------------------------------------- underused-endpoint


def _underused(ep_variant: EndpointVariant, cpu, mem, *, gpu=None, gpu_mem=None, invocations=100):
    ep = make_endpoint(variants=[ep_variant])
    v = ep_variant.name
    metrics = [
        endpoint_series(ep.id, v, "Invocations", invocations),
        endpoint_series(ep.id, v, "CPUUtilization", cpu),
        endpoint_series(ep.id, v, "MemoryUtilization", mem),
    ]
    if gpu is not None:
        metrics.append(endpoint_series(ep.id, v, "GPUUtilization", gpu))
    if gpu_mem is not None:
        metrics.append(endpoint_series(ep.id, v, "GPUMemoryUtilization", gpu_mem))
    return ep, inventory([ep], {ep.key: metrics})


def _peak_once(low: float, peak: float):
    """Low every hour except one peak hour (3 days ago at 14:00)."""
    peak_at = (NOW - timedelta(days=3)).replace(hour=14)
    return lambda t: peak if t == peak_at else low


def test_underused_cpu_endpoint_moves_to_cheapest_type_fitting_the_peak(run_one):
    # ml.m5.4xlarge: 16 vCPU, 64 GiB. CPU is summed over vCPUs: 100 = one vCPU busy.
    # p95 per vCPU = 100/16 = 6.25 % < 20 %; peak 150 -> 1.5 vCPU x 1.25 = 1.875 vCPU needed;
    # memory peak 8 % of 64 GiB = 5.12 GiB x 1.25 = 6.4 GiB needed.
    # Cheapest non-burstable type with >= 2 vCPU and >= 6.4 GiB: ml.m5.large (2 vCPU, 8 GiB), 0.115/h.
    ep, inv = _underused(EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), _peak_once(100, 150), 5)
    inv.metrics[ep.key][2] = endpoint_series(
        ep.id, "AllTraffic", "MemoryUtilization", _peak_once(5, 8)
    )
    [f] = run_one("underused-endpoint", ep, inv)
    # (0.922 - 0.115) x 1 x 730 = 589.11 ; current cost 0.922 x 730 = 673.06
    assert f.monthly_savings_usd == Decimal("589.11")
    assert f.monthly_cost_usd == Decimal("673.06")
    assert f.fix.action == "update-endpoint"
    assert f.fix.params["EndpointName"] == "fraud-scorer"
    assert f.fix.params["ProductionVariants"] == [
        {"VariantName": "AllTraffic", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    ]
    [v] = f.evidence["variants"]
    assert v["current"]["price"]["usd_per_hour"] == "0.9220000000"
    assert v["proposed"]["price"]["usd_per_hour"] == "0.1150000000"
    assert v["proposed"]["price"]["basis"] == "substitution"
    assert v["observed"]["cpu_p95_pct_per_vcpu"] == 6.25
    assert f.confidence <= 0.8


def test_multi_instance_variant_uses_fewer_smaller_instances_but_keeps_two(run_one):
    # 4 x ml.c5.xlarge (4 vCPU, 8 GiB, 0.204/h). Peak 60 -> 0.6 vCPU per instance; total
    # 0.6 x 4 x 1.25 = 3 vCPU; memory 20 % x 8 GiB x 1.25 = 2 GiB per instance. Keep >= 2
    # instances: 2 x ml.c5.large (2 vCPU, 4 GiB, 0.102/h) carry 4 vCPU.
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.c5.xlarge", 4), _peak_once(30, 60), _peak_once(10, 20)
    )
    [f] = run_one("underused-endpoint", ep, inv)
    # (0.204 x 4 - 0.102 x 2) x 730 = 0.612 x 730 = 446.76
    assert f.monthly_savings_usd == Decimal("446.76")
    assert f.fix.params["ProductionVariants"] == [
        {"VariantName": "AllTraffic", "InstanceType": "ml.c5.large", "InitialInstanceCount": 2}
    ]


def test_gpu_endpoint_stays_on_the_same_gpu_model(run_one):
    # ml.g4dn.2xlarge (8 vCPU, 32 GiB, 1 x T4 16 GiB, 0.94/h): GPU p95 10 %, peak 30 %; GPU
    # memory peak 25 % = 4 GiB x 1.25 = 5 GiB; CPU peak 1 vCPU; memory peak 10 % = 3.2 GiB x 1.25 = 4 GiB.
    # -> ml.g4dn.xlarge (4 vCPU, 16 GiB, 1 x T4 16 GiB, 0.7364/h); a CPU type would be cheaper but
    # the model uses its GPU.
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.g4dn.2xlarge", 1),
        _peak_once(50, 100),
        _peak_once(5, 10),
        gpu=_peak_once(10, 30),
        gpu_mem=_peak_once(20, 25),
    )
    [f] = run_one("underused-endpoint", ep, inv)
    # (0.94 - 0.7364) x 730 = 148.628
    assert f.monthly_savings_usd == Decimal("148.63")
    assert f.fix.params["ProductionVariants"][0]["InstanceType"] == "ml.g4dn.xlarge"


def test_low_p95_but_high_peak_is_not_flagged(run_one):
    # p95 is tiny but one hour hit 14 vCPUs: 14 x 1.25 = 17.5 vCPU; nothing cheaper fits.
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), _peak_once(100, 1400), _peak_once(5, 8)
    )
    assert run_one("underused-endpoint", ep, inv) == []


def test_busy_endpoint_is_not_flagged(run_one):
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), 900, 30
    )  # 56 % per vCPU
    assert run_one("underused-endpoint", ep, inv) == []


def test_failed_memory_read_blocks_downsizing(run_one):
    ep, inv = _underused(EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), _peak_once(100, 150), 5)
    inv.metrics[ep.key][2] = endpoint_series(
        ep.id, "AllTraffic", "MemoryUtilization", 5, status=SeriesStatus.ERROR
    )
    assert run_one("underused-endpoint", ep, inv) == []


def test_idle_endpoint_is_left_to_idle_check(run_one):
    ep, inv = _underused(EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), 10, 5, invocations=0)
    assert run_one("underused-endpoint", ep, inv) == []
    assert run_one("idle-endpoint", ep, inv)


def test_saving_below_minimum_is_not_reported(run_one):
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), _peak_once(100, 150), _peak_once(5, 8)
    )
    assert run_one("underused-endpoint", ep, inv, min_monthly_savings=600) == []


def test_underused_unpriced_type_is_reported_without_a_figure():
    # ml.m6i.2xlarge (8 vCPU, 32 GiB) has specs but no hosting price in the snapshot.
    # Peak 1 vCPU x 1.25, memory 12 % x 32 GiB x 1.25 = 4.8 GiB -> ml.m5.large (2 vCPU, 8 GiB),
    # the cheapest non-burstable type with >= 2 vCPU and >= 4.8 GiB (ml.c5.large has 4 GiB).
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.m6i.2xlarge", 1), _peak_once(50, 100), _peak_once(5, 12)
    )
    result = run_checks(inv, only=["underused-endpoint"], now=NOW)
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.fix.params["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    assert f.confidence <= 0.3
    assert any(
        w.startswith("unpriced: ml.m6i.2xlarge in us-east-1 (hosting)") for w in result.warnings
    )


def test_gpu_model_without_a_priced_smaller_sibling_is_not_flagged(run_one):
    # ml.g6.xlarge (NVIDIA L4): the model uses its GPU and no priced L4 type exists to move to.
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.g6.xlarge", 1),
        40,
        5,
        gpu=_peak_once(5, 15),
        gpu_mem=_peak_once(10, 12),
    )
    assert run_one("underused-endpoint", ep, inv) == []


def test_burstable_types_only_when_allowed(run_one):
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), _peak_once(100, 150), _peak_once(5, 8)
    )
    [f] = run_one("underused-endpoint", ep, inv, allow_burstable=True)
    # ml.t3.large (2 vCPU, 8 GiB) Studio-Notebook 0.10/h: (0.922 - 0.10) x 730 = 600.06
    assert f.fix.params["ProductionVariants"][0]["InstanceType"] == "ml.t3.large"
    assert f.monthly_savings_usd == Decimal("600.06")


# --------------------------------------------------------------------------- changes and scaling


def test_just_upsized_endpoint_is_not_underused(run_one):
    # Updated 48 h ago: only 48 hourly datapoints reflect the current shape (< 72 required).
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1), _peak_once(100, 150), _peak_once(5, 8)
    )
    ep.last_modified = NOW - timedelta(hours=48)
    assert run_one("underused-endpoint", ep, inv) == []
    assert run_one("underused-endpoint", ep, inv, min_hours=24)  # the gate is the reason


def test_only_datapoints_after_the_update_count(run_one):
    # Busy before the update 100 h ago (14 vCPUs at peak: nothing smaller fits), quiet since.
    # Since the update: p95 100/16 = 6.25 % per vCPU, peak 1.5 vCPU; memory peak 8 % of
    # 64 GiB -> ml.m5.large as in the first underused test: (0.922 - 0.115) x 730 = 589.11.
    changed = NOW - timedelta(hours=100)
    quiet = _peak_once(100, 150)
    ep, inv = _underused(
        EndpointVariant("AllTraffic", "ml.m5.4xlarge", 1),
        lambda t: 1400 if t < changed else quiet(t),
        _peak_once(5, 8),
    )
    ep.last_modified = changed
    [f] = run_one("underused-endpoint", ep, inv)
    assert f.monthly_savings_usd == Decimal("589.11")
    assert f.evidence["variants"][0]["observed"]["hours"] == 100
    assert f.evidence["window_start"] == changed.isoformat()


def test_autoscaled_variant_keeps_its_count_and_loses_confidence(run_one):
    # As the 4 x ml.c5.xlarge case, but an Application Auto Scaling target owns the count:
    # keep 4 instances, change only the type -> 4 x ml.c5.large (2 vCPU, 4 GiB each carry
    # 0.6 vCPU x 1.25 and 2 GiB). (0.204 - 0.102) x 4 x 730 = 297.84.
    ep, inv = _underused(
        EndpointVariant(
            "AllTraffic",
            "ml.c5.xlarge",
            4,
            autoscaling={"MinCapacity": 2, "MaxCapacity": 8},
        ),
        _peak_once(30, 60),
        _peak_once(10, 20),
    )
    [f] = run_one("underused-endpoint", ep, inv)
    assert f.fix.params["ProductionVariants"] == [
        {"VariantName": "AllTraffic", "InstanceType": "ml.c5.large", "InitialInstanceCount": 4}
    ]
    assert f.monthly_savings_usd == Decimal("297.84")
    assert f.confidence <= 0.5
    assert f.evidence["variants"][0]["autoscaling"]["MaxCapacity"] == 8
