"""endpoint-no-autoscaling: variable traffic served by a fixed instance count.

Series: ``Invocations`` (Sum, per variant) for real-time endpoints and
``InvocationsProcessed`` (Sum, per variant) for asynchronous ones (docs/CONTRACTS.md). The
variant's Application Auto Scaling target comes from ``DescribeScalableTargets``
(``EndpointVariant.autoscaling``: ``{}`` read and none, ``None`` unknown).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mlcost.checks._endpoints import instance_variants, judged_window, uses_components
from mlcost.checks._support import (
    HOURS_PER_MONTH,
    add_unpriced,
    finding_for,
    money,
    quote,
    window_evidence,
)
from mlcost.checks._traffic import hourly_traffic, per_instance_capacity, replay_target_tracking
from mlcost.checks.registry import check
from mlcost.model import Endpoint, Finding, Fix, Inventory, MetricLabel, ResourceKind, Risk, Usage

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
#: AWS's example target for asynchronous endpoints ("Autoscale an asynchronous endpoint").
ASYNC_BACKLOG_TARGET = 5.0


def _policy(ep: Endpoint, variant: str, target_per_minute: float, lag_s: int) -> dict[str, Any]:
    """The target-tracking configuration to put (PutScalingPolicy's shape)."""
    if ep.is_async:
        return {
            "TargetValue": ASYNC_BACKLOG_TARGET,
            "CustomizedMetricSpecification": {
                "MetricName": "ApproximateBacklogSizePerInstance",
                "Namespace": "AWS/SageMaker",
                "Dimensions": [{"Name": "EndpointName", "Value": ep.id}],
                "Statistic": "Average",
            },
            "ScaleInCooldown": lag_s,
            "ScaleOutCooldown": 300,
        }
    return {
        "TargetValue": round(target_per_minute, 2),
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
        },
        "ScaleInCooldown": lag_s,
        "ScaleOutCooldown": 300,
    }


@check(
    "endpoint-no-autoscaling",
    ResourceKind.ENDPOINT,
    needs=(MetricLabel.INVOCATIONS, MetricLabel.INVOCATIONS_PROCESSED),
    statuses=("InService",),
    min_hours=168,
    min_capacity=2,
    target_utilization=0.7,
    scale_in_lag_hours=1,
    min_monthly_savings=10,
)
def endpoint_no_autoscaling(
    resource: Endpoint, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An endpoint variant on a fixed instance count, with no scalable target, whose traffic
    varies enough that a target-tracking policy would have run fewer instance-hours.

    Rule (AWS, "Automatic scaling of Amazon SageMaker AI models"; ML cost guidance: scale
    inference with demand): per production variant with no Application Auto Scaling target,
    the hourly requests over the judged window (at least ``min_hours``) are replayed on a
    target-tracking policy: each hour needs ceil(requests / (capacity x
    ``target_utilization``)) instances, between ``min_capacity`` (AWS recommends two or
    more for a real-time endpoint's availability; 0 for asynchronous endpoints, which scale
    to zero on ``ApproximateBacklogSizePerInstance``) and today's count; scale-in waits
    ``scale_in_lag_hours``. Capacity is what one instance demonstrably served: the busiest
    hour's requests / the count. Cost: instance-hours x the catalogue's hosting (or
    asynchronous-inference) price x 730 h / hours observed; fixed minus replayed is the
    saving, reported above ``min_monthly_savings``. Skipped: variants whose scaling target
    could not be read, shadow and inference-component variants, idle endpoints
    (``idle-endpoint``).
    """
    if resource.status != "InService" or uses_components(resource):
        return []
    start, _ = judged_window(resource, inventory)
    usage = Usage.ASYNC_INFERENCE if resource.is_async else Usage.HOSTING
    floor = 0 if resource.is_async else int(settings["min_capacity"])
    target = float(settings["target_utilization"])
    lag = int(settings["scale_in_lag_hours"])
    variants_ev: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    cost = saving = Decimal(0)
    unpriced: dict[str, Any] = {}
    hours = 0
    window_start = start
    confidence = 0.7
    for v in instance_variants(resource):
        if v.shadow or v.autoscaling is None or v.autoscaling:
            continue  # unknown, or a scaler already owns the count
        if v.instance_count <= floor:
            continue
        traffic = hourly_traffic(inventory, resource, [v], start)
        if traffic is None or traffic.hours < int(settings["min_hours"]) or traffic.total <= 0:
            continue
        capacity = per_instance_capacity(traffic, v.instance_count)
        fleet = replay_target_tracking(
            traffic,
            capacity,
            target=target,
            min_capacity=floor,
            max_capacity=v.instance_count,
            scale_in_lag_hours=lag,
        )
        fixed_hours = v.instance_count * traffic.hours
        replayed_hours = sum(fleet)
        if replayed_hours >= fixed_hours:
            continue
        hours = traffic.hours
        window_start = traffic.start
        priced = quote(v.instance_type or "", resource.region, usage)
        entry: dict[str, Any] = {
            "variant": v.name,
            "instance_type": v.instance_type,
            "instance_count": v.instance_count,
            "traffic_series": f"AWS/SageMaker {traffic.label} (Sum, hourly)",
            "peak_hour_requests": round(traffic.peak),
            "quietest_hour_requests": round(min(traffic.hourly)),
            "capacity_per_instance_hour": round(capacity, 1),
            "replay": {
                "min_capacity": floor,
                "max_capacity": v.instance_count,
                "target_utilization": target,
                "scale_in_lag_hours": lag,
                "instances_by_count": {
                    str(n): fleet.count(n) for n in sorted(set(fleet), reverse=True)
                },
            },
            "fixed_instance_hours": fixed_hours,
            "replayed_instance_hours": replayed_hours,
        }
        if priced.quote is None:
            add_unpriced(
                unpriced, v.instance_type or "", resource.region, usage, priced.reason or ""
            )
            confidence = 0.3
        else:
            q = priced.quote
            fixed = q.usd_per_hour * fixed_hours * HOURS_PER_MONTH / traffic.hours
            replayed = q.usd_per_hour * replayed_hours * HOURS_PER_MONTH / traffic.hours
            cost += fixed
            saving += fixed - replayed
            confidence = min(confidence, 0.7 * q.confidence)
            entry.update(
                price=q.evidence(),
                fixed_monthly_cost_usd=str(money(fixed)),
                replayed_monthly_cost_usd=str(money(replayed)),
                arithmetic=f"({fixed_hours} - {replayed_hours}) instance-h x ${q.usd_per_hour}/h "
                f"x {int(HOURS_PER_MONTH)} h / {traffic.hours} h = ${money(fixed - replayed)}",
            )
        variants_ev.append(entry)
        targets.append(
            {
                "ServiceNamespace": "sagemaker",
                "ResourceId": f"endpoint/{resource.id}/variant/{v.name}",
                "ScalableDimension": SCALABLE_DIMENSION,
                "MinCapacity": floor,
                "MaxCapacity": v.instance_count,
                "TargetTrackingScalingPolicyConfiguration": _policy(
                    resource, v.name, capacity * target / 60, lag * 3600
                ),
            }
        )
    if not variants_ev:
        return []
    if unpriced:
        money_cost = money_saving = None
    else:
        if saving <= Decimal(str(settings["min_monthly_savings"])):
            return []
        money_cost, money_saving = money(cost), money(saving)
    evidence: dict[str, Any] = {
        **window_evidence(window_start, inventory.end),
        "hours_observed": hours,
        "hours_per_month": int(HOURS_PER_MONTH),
        "variants": variants_ev,
        "signals_used": [
            "Application Auto Scaling DescribeScalableTargets: no target on the variant",
            "AWS/SageMaker "
            + ("InvocationsProcessed" if resource.is_async else "Invocations")
            + " per variant (Sum, hourly)",
        ],
        "signals_not_checked": [
            "per-request latency under load (ModelLatency is not read): the target value "
            "should be load-tested",
            "start-up time of a new instance (minutes): traffic ramps faster than that need "
            "a higher minimum",
        ],
        **unpriced,
    }
    if resource.is_async:
        evidence["note"] = (
            "asynchronous endpoints scale to zero: MinCapacity 0 with a target on "
            "ApproximateBacklogSizePerInstance, plus a step-scaling policy on "
            "HasBacklogWithoutCapacity to start from zero"
        )
    kind = "asynchronous endpoint" if resource.is_async else "endpoint"
    return [
        finding_for(
            "endpoint-no-autoscaling",
            resource,
            title=f"Fixed-size {kind} {resource.id}: a target-tracking policy would run "
            + ", ".join(
                f"{e['replayed_instance_hours']} instead of {e['fixed_instance_hours']} "
                f"instance-hours ({e['variant']})"
                for e in variants_ev
            ),
            evidence=evidence,
            cost=money_cost,
            saving=money_saving,
            fix=Fix("register-scalable-target", {"EndpointName": resource.id, "targets": targets}),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
