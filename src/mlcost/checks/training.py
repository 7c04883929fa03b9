"""SageMaker training jobs that ran on-demand and could have used managed spot capacity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    finding_id,
    hours_between,
    money,
    quote,
    unpriced_evidence,
    window_evidence,
)
from mlcost.checks.registry import check
from mlcost.errors import UserError
from mlcost.model import Finding, Fix, Inventory, Job, ResourceKind, Risk, Usage
from mlcost.pricing.catalogue import spot_savings

#: AWS: "Managed spot training can optimize the cost of training models up to 90% over
#: on-demand instances" (docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html).
MAX_SPOT_DISCOUNT = Decimal("0.90")
SPOT_DOC = "docs.aws.amazon.com/sagemaker/latest/dg/model-managed-spot-training.html"


def _discount(
    instance_type: str, region: str, setting: Any
) -> tuple[Decimal | None, dict[str, Any]]:
    """The spot discount to assume and where it comes from.

    A user setting wins. Otherwise the EC2 spot saving of the same underlying type and region
    (a labelled proxy: SageMaker publishes no managed-spot price list), capped at AWS's
    documented "up to 90%". No evidence and no setting: ``None``, never a made-up rate."""
    if setting is not None:
        d = Decimal(str(setting))
        if not 0 < d < 1:
            raise UserError(
                f"training-spot: spot_discount={setting!r} is not a fraction between 0 and 1",
                "use e.g. 0.6 for 60% off on-demand",
            )
        return min(d, MAX_SPOT_DISCOUNT), {"discount_source": "setting spot_discount"}
    ec2_type = instance_type.removeprefix("ml.")
    found = spot_savings(ec2_type, region)
    if found is None:
        return None, {"discount_source": f"none: no spot evidence for {ec2_type} in {region}"}
    d = Decimal(found.pct) / 100  # SpotSavings.pct is in percent (56 means 56 %)
    capped = min(d, MAX_SPOT_DISCOUNT)
    return capped, {
        "discount_source": f"proxy: EC2 spot saving for {ec2_type} in {region} "
        f"(SageMaker managed spot is not price-listed), capped at AWS's 'up to 90%' ({SPOT_DOC})",
        "spot_evidence": found.evidence(),
        "discount_capped": capped < d,
    }


@check(
    "training-spot",
    ResourceKind.TRAINING_JOB,
    min_hours=1.0,
    spot_discount=None,
)
def training_spot(resource: Job, inventory: Inventory, settings: dict[str, Any]) -> list[Finding]:
    """A completed (or stopped) training job that ran on on-demand capacity for at least
    ``min_hours``: managed spot training with checkpoints would have cost less.

    Rule: ``EnableManagedSpotTraining`` was off, the job ended Completed or Stopped in the
    window (failed jobs and short runs are not worth the interruption risk), and its
    billable time per instance is at least ``min_hours``. AWS: managed spot training saves
    "up to 90%" over on-demand (model-managed-spot-training.html).

    Saving over the window: training price x instance count x billable hours x discount,
    where the discount is the ``spot_discount`` setting or, failing that, the EC2 spot saving
    of the same type and region as a labelled proxy (capped at 90%). The monthly figure
    scales the window's spend to a month (x 730 / window hours), assuming such jobs recur at
    the same rate. Without any discount evidence the saving is reported as unpriced (None).
    """
    if resource.managed_spot or resource.status not in ("Completed", "Stopped"):
        return []
    if resource.end is not None and not (inventory.start <= resource.end <= inventory.end):
        return []
    seconds = (
        resource.billable_seconds if resource.billable_seconds is not None else resource.run_seconds
    )
    if seconds is None or Decimal(seconds) < Decimal(str(settings["min_hours"])) * 3600:
        return []

    hours = Decimal(seconds) / Decimal(3600)
    window_hours = hours_between(inventory.start, inventory.end)
    scale = HOURS_PER_MONTH / window_hours
    discount, discount_evidence = _discount(
        resource.instance_type, resource.region, settings["spot_discount"]
    )
    p = quote(resource.instance_type, resource.region, Usage.TRAINING)
    evidence: dict[str, Any] = {
        **window_evidence(inventory.start, inventory.end),
        "instance_type": resource.instance_type,
        "instance_count": resource.instance_count,
        "billable_seconds": seconds,
        "billable_seconds_field": "BillableTimeInSeconds"
        if resource.billable_seconds is not None
        else "TrainingTimeInSeconds (billable time not reported)",
        "billable_hours": str(hours.quantize(Decimal("0.0001"))),
        "monthly_scaling": f"window figures x {int(HOURS_PER_MONTH)} / {window_hours.normalize()} h "
        "(assumes jobs like this recur at the same rate)",
        "spot_discount": None if discount is None else str(discount),
        **discount_evidence,
        "checkpoint_s3_uri": resource.checkpoint_s3_uri,
    }
    confidence = 0.6 if settings["spot_discount"] is None else 0.7
    cost = saving = None
    if p.quote is None:
        evidence.update(
            unpriced_evidence(
                resource.instance_type, resource.region, Usage.TRAINING, p.reason or ""
            )
        )
        confidence = 0.3
    else:
        window_cost = p.quote.usd_per_hour * resource.instance_count * hours
        evidence["price"] = p.quote.evidence()
        evidence["window_cost_usd"] = str(money(window_cost))
        cost = money(window_cost * scale)
        confidence = min(confidence, confidence * p.quote.confidence)
        if discount is not None:
            evidence["window_savings_usd"] = str(money(window_cost * discount))
            saving = money(window_cost * discount * scale)
        else:
            evidence["unpriced"] = evidence["discount_source"]
            evidence["unpriced_instance_type"] = resource.instance_type
            evidence["unpriced_usage"] = "managed-spot discount"
            confidence = min(confidence, 0.4)

    params: dict[str, Any] = {
        "TrainingJobName": resource.id,
        "EnableManagedSpotTraining": True,
        "StopCondition": {
            "MaxRuntimeInSeconds": resource.run_seconds or seconds,
            # room to wait for capacity: twice the run time (MaxWait must be >= MaxRuntime)
            "MaxWaitTimeInSeconds": max(
                resource.max_wait_seconds or 0, 2 * (resource.run_seconds or seconds)
            ),
        },
    }
    if resource.checkpoint_s3_uri:
        params["CheckpointConfig"] = {"S3Uri": resource.checkpoint_s3_uri}
    else:
        evidence["checkpointing"] = (
            "no CheckpointConfig: set CheckpointConfig.S3Uri and save checkpoints so an interrupted job resumes"
        )
    return [
        Finding(
            id=finding_id("training-spot", resource.key),
            check="training-spot",
            resource_kind=ResourceKind.TRAINING_JOB,
            resource_id=resource.id,
            resource_arn=resource.arn,
            region=resource.region,
            title=f"Training job {resource.id} ran {hours.quantize(Decimal('0.1'))} h on-demand on "
            f"{resource.instance_count} x {resource.instance_type}: use managed spot",
            evidence=evidence,
            monthly_cost_usd=cost,
            monthly_savings_usd=saving,
            fix=Fix("enable-managed-spot-training", params),
            risk=Risk.REVIEW,
            confidence=round(confidence, 2),
        )
    ]
