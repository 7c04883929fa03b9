"""endpoint-inference-type: the observed traffic priced on every way SageMaker can host it.

Series: ``Invocations`` (Sum, per variant; ``AWS/SageMaker``) for the traffic and
``MemoryUtilization`` (Maximum, ``/aws/sagemaker/Endpoints``) for the model's footprint
(docs/CONTRACTS.md). Prices: the catalogue's hosting, asynchronous-inference and
batch-transform rates, each with its source, date and basis; SageMaker Serverless Inference
has no price in the catalogue (../shared/data/prices/README.md section 3), so that option is
shown as unpriced and never recommended on a guess.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mlcost.checks._endpoints import (
    instance_variants,
    judged_window,
    uses_components,
    variant_series,
)
from mlcost.checks._support import (
    HOURS_PER_MONTH,
    add_unpriced,
    finding_for,
    money,
    quote,
    spec_or_none,
    window_evidence,
)
from mlcost.checks._traffic import hourly_traffic
from mlcost.checks.registry import check
from mlcost.inference_options import (
    SERVERLESS_MEMORY_SIZES_MB,
    SERVERLESS_UNPRICED,
    batch_instance_hours,
    bulk_share,
    per_instance_capacity,
    priced_option,
    replay_target_tracking,
)
from mlcost.model import (
    Endpoint,
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    ResourceKind,
    Risk,
    Usage,
)

#: AWS's limits per option (SageMaker developer guide, "Inference options"): serverless
#: takes payloads up to 4 MB, answers within 60 s, 1-6 GB of memory and no GPU; asynchronous
#: takes payloads up to 1 GB and up to 15 minutes of processing.
NOT_CHECKED = [
    "request payload size: SageMaker publishes no payload metric (serverless takes <= 4 MB, "
    "asynchronous <= 1 GB)",
    "processing time per request: ModelLatency is not read (serverless answers within 60 s, "
    "asynchronous within 15 min)",
    "whether callers can take the answer later (asynchronous: a queue and an S3 output; "
    "batch transform: a scheduled job)",
    "cold starts after scale-to-zero (minutes for an instance, seconds for serverless)",
]
#: Order in which equal costs are resolved: fewer changes first.
PREFERENCE = ("real-time", "real-time-autoscaled", "batch-transform", "asynchronous")


def _footprint_mb(inventory: Inventory, ep: Endpoint, variant: str, memory_gib: Decimal):
    """Peak memory in use on one instance (MB), or ``None`` when not published/readable."""
    series = variant_series(inventory, ep, MetricLabel.MEMORY_UTILIZATION, variant)
    if not series or not all(s.readable for s in series):
        return None
    values = [v for s in series for v in s.values]
    if not values:
        return None
    return max(values) / 100 * float(memory_gib) * 1024


@check(
    "endpoint-inference-type",
    ResourceKind.ENDPOINT,
    needs=(MetricLabel.INVOCATIONS, MetricLabel.MEMORY_UTILIZATION),
    statuses=("InService",),
    min_hours=168,
    min_monthly_savings=10,
    batch_window_hours=3,
    batch_bulk_share=0.9,
    scale_in_lag_hours=1,
)
def endpoint_inference_type(
    resource: Endpoint, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A real-time endpoint whose traffic would cost less on another kind of inference.

    Rule: the endpoint's hourly requests over the judged window (at least ``min_hours``,
    a week by default so a weekly rhythm is seen) are replayed on each option AWS offers
    (SageMaker developer guide, "Inference options"; AWS ML cost guidance: match the
    inference option to the traffic pattern):

    * real-time as deployed: the current count every hour;
    * real-time with autoscaling (min 1 instance): the reference that tells a type change
      apart from a missing scaling policy (that is ``endpoint-no-autoscaling``'s finding);
    * asynchronous with scale-to-zero: ceil(requests / capacity) instances in each hour with
      requests, kept ``scale_in_lag_hours`` after (payload <= 1 GB, 15 min);
    * batch transform: only when the traffic comes in scheduled bulks, at least
      ``batch_bulk_share`` of requests in the ``batch_window_hours`` busiest hours of the
      day; one job a day, ceil(day's requests / capacity) instance-hours;
    * serverless: only without a GPU and with a model footprint (peak MemoryUtilization x
      the instance's memory) within 6 GB; unpriced (no serverless price in the catalogue).

    Capacity is what one instance demonstrably served: the busiest hour / the instance count.
    Each option costs instance-hours x its catalogue price x 730 h / hours observed. The
    cheapest priced option is recommended when it is asynchronous or batch and saves more
    than ``min_monthly_savings`` a month. Only endpoints with one production instance
    variant (no inference components) and readable traffic are judged; payload size and
    latency cannot be read and are listed as not checked.
    """
    if resource.status != "InService" or resource.is_async or uses_components(resource):
        return []
    variants = [v for v in instance_variants(resource) if not v.shadow]
    if len(variants) != 1 or len(instance_variants(resource)) != 1:
        return []
    v = variants[0]
    start, _ = judged_window(resource, inventory)
    traffic = hourly_traffic(inventory, resource, [v], start)
    if traffic is None or traffic.hours < int(settings["min_hours"]) or traffic.total <= 0:
        return []  # idle endpoints are idle-endpoint's finding
    share, busiest = bulk_share(traffic, int(settings["batch_window_hours"]))
    bulk = share >= float(settings["batch_bulk_share"])
    if traffic.active_hours == traffic.hours and not bulk:
        # requests every hour: scale-to-zero never happens (asynchronous costs what
        # real-time with autoscaling does) and no batch: real-time is the right type
        return []
    spec = spec_or_none(v.instance_type or "")
    window_hours = Decimal(traffic.hours)
    capacity = per_instance_capacity(traffic, v.instance_count)
    lag = int(settings["scale_in_lag_hours"])
    itype = v.instance_type or ""

    realtime_q = quote(itype, resource.region, Usage.HOSTING)
    autoscaled = replay_target_tracking(
        traffic,
        capacity,
        target=1.0,
        min_capacity=1,
        max_capacity=v.instance_count,
        scale_in_lag_hours=lag,
    )
    async_fleet = replay_target_tracking(
        traffic,
        capacity,
        target=1.0,
        min_capacity=0,
        max_capacity=v.instance_count,
        scale_in_lag_hours=lag,
    )
    batch_hours = batch_instance_hours(traffic, capacity)
    gpu = spec is None or spec.gpu_count > 0 or spec.accelerator is not None
    footprint = _footprint_mb(inventory, resource, v.name, spec.memory_gib) if spec else None
    memory_mb = (
        next((m for m in SERVERLESS_MEMORY_SIZES_MB if m >= footprint), None)
        if footprint is not None
        else None
    )
    serverless_ok = not gpu and (footprint is None or memory_mb is not None)

    options = [
        priced_option(
            "real-time",
            v.instance_count * traffic.hours,
            realtime_q,
            window_hours,
            deployed=True,
            instance_count=v.instance_count,
        ),
        priced_option(
            "real-time-autoscaled",
            sum(autoscaled),
            realtime_q,
            window_hours,
            note="reference: the same type with a target-tracking policy, min 1 instance",
        ),
        priced_option(
            "asynchronous",
            sum(async_fleet),
            quote(itype, resource.region, Usage.ASYNC_INFERENCE),
            window_hours,
            constraints="payload <= 1 GB, processing <= 15 min (not checked)",
            instance_hours_rule=f"ceil(requests / {capacity:.1f}) per hour with requests, "
            f"kept {lag} h after",
        ),
    ]
    batch: dict[str, Any] = {
        "option": "batch-transform",
        "eligible": bulk,
        "busiest_hours_of_day_utc": busiest,
        "share_of_requests_in_them": round(share, 3),
    }
    if bulk:
        batch = priced_option(
            "batch-transform",
            batch_hours,
            quote(itype, resource.region, Usage.BATCH_TRANSFORM),
            window_hours,
            **{k: val for k, val in batch.items() if k != "option"},
            instance_hours_rule=f"one job a day: ceil(day's requests / {capacity:.1f})",
        )
    else:
        batch["reason"] = (
            f"traffic is not in scheduled bulks: {share:.0%} of requests in the busiest "
            f"{settings['batch_window_hours']} hours of the day, under "
            f"{float(settings['batch_bulk_share']):.0%}"
        )
    options.append(batch)
    serverless: dict[str, Any] = {
        "option": "serverless",
        "eligible": serverless_ok,
        "model_footprint_mb": None if footprint is None else round(footprint),
        "memory_size_mb": memory_mb,
        "monthly_cost_usd": None,
        "unpriced": SERVERLESS_UNPRICED,
    }
    if gpu:
        serverless["reason"] = "serverless inference runs no GPU"
    elif footprint is None:
        serverless["reason"] = "model footprint unknown (no MemoryUtilization): not checked"
    elif memory_mb is None:
        serverless["reason"] = f"model footprint {footprint:.0f} MB is over serverless' 6 GB"
    options.append(serverless)

    priced = [o for o in options if o.get("_monthly") is not None and o.get("eligible", True)]
    current = options[0]
    best = (
        min(priced, key=lambda o: (o["_monthly"], PREFERENCE.index(o["option"])))
        if priced
        else None
    )
    evidence: dict[str, Any] = {
        **window_evidence(traffic.start, inventory.end),
        "hours_observed": traffic.hours,
        "traffic": {
            "series": f"AWS/SageMaker {traffic.label} (Sum, hourly)",
            "total_requests": round(traffic.total),
            "peak_hour_requests": round(traffic.peak),
            "hours_with_requests": traffic.active_hours,
            "idle_hours_share": round(1 - traffic.active_hours / traffic.hours, 3),
        },
        "capacity_per_instance_hour": round(capacity, 1),
        "capacity_rule": "the busiest hour's requests / the deployed instance count",
        "hours_per_month": int(HOURS_PER_MONTH),
        "signals_used": [
            f"AWS/SageMaker {traffic.label} per variant (Sum, hourly)",
            *(
                ["/aws/sagemaker/Endpoints MemoryUtilization (Maximum): model footprint"]
                if footprint is not None
                else []
            ),
        ],
        "signals_not_checked": list(NOT_CHECKED),
    }
    if current.get("_monthly") is None:
        # no price for what runs now: compare instance-hours, report without dollars
        alt = [
            o
            for o in options[2:4]
            if o.get("eligible", True) and o.get("instance_hours_observed") is not None
        ]
        if not alt:
            return []
        best = min(alt, key=lambda o: (o["instance_hours_observed"], o["option"]))
        if best["instance_hours_observed"] * 2 > current["instance_hours_observed"]:
            return []
        add_unpriced(evidence, itype, resource.region, Usage.HOSTING, realtime_q.reason or "")
        cost = saving = None
        confidence = 0.3
    else:
        if best is None or best["option"] in ("real-time", "real-time-autoscaled"):
            return []
        cost = current["_monthly"]
        saving = cost - best["_monthly"]
        if saving <= Decimal(str(settings["min_monthly_savings"])):
            return []
        confidence = 0.6 * min(current["_confidence"], best["_confidence"])
        evidence["saving_arithmetic"] = (
            f"${money(cost)} real-time - ${money(best['_monthly'])} {best['option']} = "
            f"${money(saving)} a month"
        )
    evidence["options"] = [
        {k: val for k, val in o.items() if not k.startswith("_")} for o in options
    ]
    evidence["recommended"] = best["option"]
    label = {"asynchronous": "asynchronous inference with scale-to-zero"}.get(
        best["option"], best["option"]
    )
    params: dict[str, Any] = {
        "EndpointName": resource.id,
        "recommended": best["option"],
        "InstanceType": itype,
    }
    if best["option"] == "asynchronous":
        params["ScalingPolicy"] = {
            "MinCapacity": 0,
            "MaxCapacity": v.instance_count,
            "CustomizedMetric": "AWS/SageMaker ApproximateBacklogSizePerInstance",
        }
    else:
        params["schedule_hours_utc"] = busiest
    title = (
        f"Endpoint {resource.id} serves {traffic.active_hours} of {traffic.hours} hours: "
        f"{label} would carry the same requests"
    )
    return [
        finding_for(
            "endpoint-inference-type",
            resource,
            title=title,
            evidence=evidence,
            cost=money(cost),
            saving=money(saving),
            fix=Fix("change-inference-type", params),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
