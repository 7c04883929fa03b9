"""SageMaker training jobs that ran on-demand and could have used managed spot capacity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    add_unpriced,
    finding_for,
    hours_between,
    money,
    quote,
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


def managed_spot_discount(
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
    # finished runs only: describing InProgress/Failed/Stopping jobs would be reads for nothing
    statuses=("Completed", "Stopped"),
    min_hours=1.0,
    spot_discount=None,
)
def training_spot(resource: Job, inventory: Inventory, settings: dict[str, Any]) -> list[Finding]:
    """A completed (or stopped) training job that ran on on-demand capacity for at least
    ``min_hours``: managed spot training with checkpoints would have cost less.

    Rule: ``EnableManagedSpotTraining`` was off, the job ended Completed or Stopped in the
    window (failed jobs and short runs are not worth the interruption risk), and its
    billable time per instance is at least ``min_hours``. A job that ran on a SageMaker
    training plan (``ResourceConfig.TrainingPlanArn``) is left alone: that capacity is
    reserved and paid up front, and a training-plan job cannot use managed spot. AWS: managed spot training saves
    "up to 90%" over on-demand (model-managed-spot-training.html).

    Saving over the window: training price x instance count x billable hours x discount (for
    a heterogeneous cluster, summed over its instance groups; unpriced if any group is),
    where the discount is the ``spot_discount`` setting or, failing that, the EC2 spot saving
    of the same type and region as a labelled proxy (capped at 90%). The monthly figure
    scales the window's spend to a month (x 730 / window hours), assuming such jobs recur at
    the same rate. Without any discount evidence the saving is reported as unpriced (None).
    """
    if resource.managed_spot or resource.status not in ("Completed", "Stopped"):
        return []
    if resource.training_plan_arn:
        return []  # reserved training-plan capacity: paid up front, and never managed spot
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
    # A heterogeneous cluster (ResourceConfig.InstanceGroups) bills each group at its own
    # type's price; a homogeneous one is a single group.
    groups = resource.instance_groups or [(resource.instance_type, resource.instance_count)]
    heterogeneous = bool(resource.instance_groups)
    evidence: dict[str, Any] = {
        **window_evidence(inventory.start, inventory.end),
        "instance_type": resource.instance_type,
        "instance_count": sum(n for _, n in groups),
        "billable_seconds": seconds,
        "billable_seconds_field": "BillableTimeInSeconds"
        if resource.billable_seconds is not None
        else "TrainingTimeInSeconds (billable time not reported)",
        "billable_hours": str(hours.quantize(Decimal("0.0001"))),
        "monthly_scaling": f"window figures x {int(HOURS_PER_MONTH)} / {window_hours.normalize()} h "
        "(assumes jobs like this recur at the same rate)",
        "checkpoint_s3_uri": resource.checkpoint_s3_uri,
    }
    confidence = 0.6 if settings["spot_discount"] is None else 0.7
    window_cost: Decimal | None = Decimal(0)
    window_saving: Decimal | None = Decimal(0)
    group_evidence: list[dict[str, Any]] = []
    for instance_type, count in groups:
        discount, discount_evidence = managed_spot_discount(
            instance_type, resource.region, settings["spot_discount"]
        )
        p = quote(instance_type, resource.region, Usage.TRAINING)
        g: dict[str, Any] = {
            "instance_type": instance_type,
            "instance_count": count,
            "spot_discount": None if discount is None else str(discount),
            **discount_evidence,
        }
        group_evidence.append(g)
        if p.quote is None:
            add_unpriced(evidence, instance_type, resource.region, Usage.TRAINING, p.reason or "")
            window_cost = window_saving = None
            confidence = 0.3
            continue
        g["price"] = p.quote.evidence()
        cost_g = p.quote.usd_per_hour * count * hours
        g["window_cost_usd"] = str(money(cost_g))
        confidence = min(confidence, confidence * p.quote.confidence)
        if window_cost is not None:
            window_cost += cost_g
        if discount is None:
            add_unpriced(
                evidence,
                instance_type,
                resource.region,
                "managed-spot discount",
                g["discount_source"],
            )
            window_saving = None
            confidence = min(confidence, 0.4)
        elif window_saving is not None:
            g["window_savings_usd"] = str(money(cost_g * discount))
            window_saving += cost_g * discount
    if heterogeneous:
        evidence["instance_groups"] = group_evidence
    else:
        # One group: keep its keys at the top level, where they always were.
        single = dict(group_evidence[0])
        for k in ("instance_type", "instance_count", "window_cost_usd", "window_savings_usd"):
            single.pop(k, None)
        evidence.update(single)
    cost = saving = None
    if window_cost is not None:
        evidence["window_cost_usd"] = str(money(window_cost))
        cost = money(window_cost * scale)
        if window_saving is not None:
            evidence["window_savings_usd"] = str(money(window_saving))
            saving = money(window_saving * scale)

    # StoppingCondition (the CreateTrainingJob name): keep the job's own MaxRuntimeInSeconds;
    # AWS requires MaxWaitTimeInSeconds >= MaxRuntimeInSeconds for managed spot.
    if resource.max_runtime_seconds is not None:
        max_runtime = resource.max_runtime_seconds
        evidence["max_runtime_source"] = "the job's StoppingCondition.MaxRuntimeInSeconds"
    else:
        max_runtime = resource.run_seconds or seconds
        evidence["max_runtime_source"] = (
            "the job's MaxRuntimeInSeconds is unknown: set to the observed run time "
            f"({max_runtime} s); raise it if later runs take longer"
        )
    params: dict[str, Any] = {
        "TrainingJobName": resource.id,
        "EnableManagedSpotTraining": True,
        "StoppingCondition": {
            "MaxRuntimeInSeconds": max_runtime,
            # room to wait for spot capacity: twice the run-time limit
            "MaxWaitTimeInSeconds": max(resource.max_wait_seconds or 0, 2 * max_runtime),
        },
    }
    if resource.checkpoint_s3_uri:
        params["CheckpointConfig"] = {"S3Uri": resource.checkpoint_s3_uri}
    else:
        evidence["checkpointing"] = (
            "no CheckpointConfig: set CheckpointConfig.S3Uri and save checkpoints so an interrupted job resumes"
        )
    shape = (
        " + ".join(f"{n} x {t}" for t, n in groups)
        if heterogeneous
        else f"{resource.instance_count} x {resource.instance_type}"
    )
    return [
        finding_for(
            "training-spot",
            resource,
            title=f"Training job {resource.id} ran {hours.quantize(Decimal('0.1'))} h on-demand on "
            f"{shape}: use managed spot",
            evidence=evidence,
            cost=cost,
            saving=saving,
            fix=Fix("enable-managed-spot-training", params),
            risk=Risk.REVIEW,
            confidence=confidence,
        )
    ]
