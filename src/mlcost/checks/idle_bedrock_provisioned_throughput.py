"""idle-bedrock-provisioned-throughput: a Bedrock Provisioned Throughput with no invocations
over the window.

Provisioned Throughput bills every hour for its model units, invoked or not. Its traffic is
CloudWatch ``AWS/Bedrock`` ``Invocations`` (Sum) with ``ModelId`` = the provisioned model's
ARN; Bedrock publishes no datapoint in an hour without requests, so "no traffic" is a
successful read with no datapoints (a failed read is never taken for it).

A provisioned model bought with a commitment (one or six months) cannot be deleted before
the term ends (DeleteProvisionedModelThroughput's documented rule), and its hours bill to
the end of the term whatever is done: the finding says so and names the date from which the
delete can run (``mlcost fix`` skips it before then).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mlcost.checks._support import finding_for, window_evidence
from mlcost.checks.registry import check
from mlcost.model import (
    Finding,
    Fix,
    Inventory,
    MetricLabel,
    ProvisionedThroughput,
    ResourceKind,
    Risk,
)

USAGE = "bedrock-provisioned-throughput"
NO_PRICE = (
    "no Bedrock Provisioned Throughput price per model unit in the catalogue "
    "(../shared/data/prices holds none for this model and term)"
)


@check(
    "idle-bedrock-provisioned-throughput",
    ResourceKind.BEDROCK_PROVISIONED_THROUGHPUT,
    needs=(MetricLabel.INVOCATIONS,),
    statuses=("InService",),
    min_idle_hours=24,
)
def idle_bedrock_provisioned_throughput(
    resource: ProvisionedThroughput, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An InService provisioned model with zero ``Invocations`` over the scan's window.

    Rule: the window is the lookback, from the model's creation when it is younger; it must
    span at least ``min_idle_hours`` (default 24, AWS's example idle alarm for endpoints);
    every ``Invocations`` series (ModelId = its ARN) was read and holds no request in it.

    Money: model units x the hourly price per unit of its model and commitment term x 730 h
    when the catalogue has one; it has none today, so the figure is null with a warning,
    never $0. No commitment (or an ended one): DeleteProvisionedModelThroughput, risk
    "review" (undo buys a new no-commitment Provisioned Throughput of the same units). A
    running commitment: the same fix, which ``mlcost fix`` skips until the term ends; the
    commitment bills to its end either way, so there is no saving before then.
    """
    if resource.status != "InService":
        return []
    series = inventory.series(resource, MetricLabel.INVOCATIONS)
    if not series or not all(s.readable for s in series):
        return []
    end = inventory.end
    start = inventory.start
    if resource.created is not None and resource.created > start:
        start = resource.created
    if end - start < timedelta(hours=float(settings["min_idle_hours"])):
        return []
    total = sum(
        v for s in series for t, v in zip(s.timestamps, s.values, strict=False) if t >= start
    )
    if total > 0:
        return []
    committed = _running_commitment(resource, end)
    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "invocations": 0,
        "model_id_dimension": resource.arn,
        "model_arn": resource.model_arn,
        "model_units": resource.model_units,
        "commitment": resource.commitment or "none",
        "commitment_expires": resource.commitment_expires.isoformat()
        if resource.commitment_expires
        else None,
        "signals_not_checked": [
            "invocations under the base model id (on-demand use of the same model is not "
            "this provisioned model's traffic)"
        ],
        "unpriced": NO_PRICE,
        "unpriced_instance_type": f"{resource.model_units} model unit(s) of "
        f"{resource.model_arn.rsplit('/', 1)[-1]}",
        "unpriced_usage": USAGE,
    }
    if committed:
        evidence["deletable_after"] = resource.commitment_expires.isoformat()  # type: ignore[union-attr]
        evidence["note"] = (
            "the commitment bills until its term ends whatever is done; AWS refuses the delete "
            "before then: plan it for the end of the term (mlcost fix --after)"
        )
        title = (
            f"Bedrock Provisioned Throughput {resource.id}: no invocations; its "
            f"{resource.commitment} commitment bills until "
            f"{resource.commitment_expires:%Y-%m-%d}: delete it then"  # type: ignore[union-attr]
        )
    else:
        title = f"Bedrock Provisioned Throughput {resource.id}: no invocations, no commitment"
    return [
        finding_for(
            "idle-bedrock-provisioned-throughput",
            resource,
            title=title,
            evidence=evidence,
            cost=None,
            saving=None,
            fix=Fix("delete-provisioned-model-throughput", {"provisionedModelId": resource.arn}),
            risk=Risk.REVIEW,
            confidence=0.5 if committed else 0.8,
        )
    ]


def _running_commitment(resource: ProvisionedThroughput, now: datetime) -> bool:
    return bool(
        resource.commitment
        and resource.commitment_expires is not None
        and resource.commitment_expires > now
    )
