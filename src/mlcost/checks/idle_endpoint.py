"""idle-endpoint: an instance-based endpoint that served no request in the lookback."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mlcost.checks._endpoints import (
    billed_variants,
    judged_window,
    last_change,
    no_invocations,
    provisioned_serverless,
    uses_components,
    variant_label,
    variant_price,
    variant_usage,
)
from mlcost.checks._support import (
    HOURS_PER_MONTH,
    add_unpriced,
    finding_for,
    hours_between,
    money,
    window_evidence,
)
from mlcost.checks.registry import check
from mlcost.model import Endpoint, Finding, Fix, Inventory, MetricLabel, ResourceKind, Risk


@check(
    "idle-endpoint",
    ResourceKind.ENDPOINT,
    needs=(
        MetricLabel.INVOCATIONS,
        MetricLabel.INVOCATIONS_PROCESSED,
        MetricLabel.APPROXIMATE_BACKLOG_SIZE,
    ),
    statuses=("InService",),
    min_age_hours=24,
)
def idle_endpoint(
    resource: Endpoint, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An InService instance-based endpoint that served no request in the lookback.

    Rule: every variant that bills per instance-hour has an ``AWS/SageMaker`` ``Invocations``
    series that was read successfully and sums to 0 (or has no datapoints, which is how
    CloudWatch shows no traffic) over the window. AWS's own example alarm for an idle endpoint
    is "Invocations = 0 for 24 hours"
    (docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html); endpoints younger
    than ``min_age_hours`` are skipped, and one younger than the lookback is judged over its
    lifetime with lower confidence. Serverless variants without provisioned concurrency cost
    nothing idle and are ignored; with it, their warm capacity bills every hour and they are
    judged like instance variants (unpriced: the catalogue holds no serverless prices).
    Shadow variants run and bill instances like production ones and are judged and counted
    too. Asynchronous endpoints count while they keep instances running, judged from
    ``InvocationsProcessed`` and ``ApproximateBacklogSize`` because they publish no
    ``Invocations``. Traffic on any ``Invocations`` series of the endpoint, old variants
    included, means not idle. An endpoint updated inside the lookback is judged only since
    ``last_modified``, and ``min_age_hours`` applies to that update (a redeploy 6 h ago gets no
    verdict). Endpoints built on inference components are skipped: their traffic is published
    per component, so a variant-level zero proves nothing.

    Saving: the endpoint's whole cost, hosting price x current instance count x 730 h per
    billed variant (asynchronous endpoints at the asynchronous-inference rate, or the
    real-time rate as a labelled substitution when the catalogue has none). Fix: delete the endpoint after snapshotting its config (``undo`` recreates it).
    """
    if resource.status != "InService" or uses_components(resource):
        return []
    variants = billed_variants(resource)
    if not variants:
        return []
    start, end = judged_window(resource, inventory)
    changed = last_change(resource)
    age_hours = hours_between(changed, end) if changed else None
    if age_hours is not None and age_hours < Decimal(str(settings["min_age_hours"])):
        return []
    judged = no_invocations(inventory, resource, start, end)
    if judged is None:
        return []
    idle, endpoint_evidence = judged

    lookback_hours = hours_between(inventory.start, inventory.end)
    window_hours = hours_between(start, end)
    confidence = 0.95 if window_hours >= lookback_hours else 0.7
    if resource.created is None:
        confidence = min(confidence, 0.8)

    total: Decimal | None = Decimal(0)
    priced_variants: list[dict[str, Any]] = []
    unpriced: dict[str, Any] = {}
    for v in variants:
        p = variant_price(resource, v)
        entry: dict[str, Any] = {
            "variant": v.name,
            "instance_type": v.instance_type,
            "instance_count": v.instance_count,
            **idle[v.name],
        }
        if v.shadow:
            entry["shadow"] = True
        if provisioned_serverless(v):
            entry["serverless_memory_mb"] = v.serverless_memory_mb
            entry["provisioned_concurrency"] = v.serverless_provisioned_concurrency
        if p.quote is None:
            total = None
            add_unpriced(
                unpriced,
                variant_label(v),
                resource.region,
                variant_usage(resource, v),
                p.reason or "",
            )
        else:
            entry["price"] = p.quote.evidence()
            entry["monthly_cost_usd"] = str(
                money(p.quote.usd_per_hour * v.instance_count * HOURS_PER_MONTH)
            )
            confidence = min(confidence, 0.95 * p.quote.confidence)
            if total is not None:
                total += p.quote.usd_per_hour * v.instance_count * HOURS_PER_MONTH
        priced_variants.append(entry)

    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "lookback_hours": float(lookback_hours),
        "endpoint_age_hours": float(age_hours) if age_hours is not None else None,
        "endpoint_created": resource.created.isoformat() if resource.created else None,
        "endpoint_last_modified": resource.last_modified.isoformat()
        if resource.last_modified
        else None,
        "endpoint_config_name": resource.config_name,
        "async": resource.is_async,
        "traffic_metrics": [
            str(MetricLabel.INVOCATIONS_PROCESSED),
            str(MetricLabel.APPROXIMATE_BACKLOG_SIZE),
            str(MetricLabel.INVOCATIONS),
        ]
        if resource.is_async
        else [str(MetricLabel.INVOCATIONS)],
        **endpoint_evidence,
        "hours_per_month": int(HOURS_PER_MONTH),
        "variants": priced_variants,
        **unpriced,
    }
    cost = money(total)
    return [
        finding_for(
            "idle-endpoint",
            resource,
            title=f"Endpoint {resource.id} served no requests in {float(window_hours):g} h",
            evidence=evidence,
            cost=cost,
            saving=cost,
            fix=Fix("delete-endpoint", {"EndpointName": resource.id}),
            risk=Risk.REVIEW,
            confidence=confidence if total is not None else min(confidence, 0.5),
        )
    ]
