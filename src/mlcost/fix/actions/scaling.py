"""Application Auto Scaling of endpoint variants: snapshot, take off, put back.

Why a module of its own: two fixes lose a variant's scaling on AWS and must put it back
exactly. DeleteEndpoint deregisters the variants' scalable targets (and with them their
policies and scheduled actions); an UpdateEndpoint that changes a scaled variant's instance
type is refused until its target is deregistered (SageMaker's "Update endpoints that use
auto scaling"). Putting a policy back is not enough for step scaling: PutScalingPolicy gives
the policy a new ARN, while the CloudWatch alarm that drives it (made by the user, it
survives) still names the old ARN in its actions, so the alarm is re-pointed at the new one.
Target-tracking alarms belong to Application Auto Scaling and are recreated by the policy.
"""

from __future__ import annotations

from typing import Any

from mlcost.fix.actions.base import Calls, input_members
from mlcost.fix.context import FixContext

AAS = "application-autoscaling"
_ALARM_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")

#: What :func:`snapshot_scaling` reads.
SCALING_SNAPSHOT_CALLS: Calls = frozenset(
    {
        (AAS, "DescribeScalableTargets"),
        (AAS, "DescribeScalingPolicies"),
        (AAS, "DescribeScheduledActions"),
        ("cloudwatch", "DescribeAlarms"),
    }
)
#: What :func:`deregister_targets` and :func:`restore_scaling` call (restore re-points
#: step-scaling alarms with PutMetricAlarm).
SCALING_CHANGE_CALLS: Calls = frozenset(
    {
        (AAS, "DescribeScalableTargets"),
        (AAS, "DescribeScalingPolicies"),
        (AAS, "DeregisterScalableTarget"),
        (AAS, "RegisterScalableTarget"),
        (AAS, "PutScalingPolicy"),
        (AAS, "PutScheduledAction"),
        ("cloudwatch", "PutMetricAlarm"),
    }
)


def variant_resource_id(endpoint: str, variant: str) -> str:
    """Application Auto Scaling's ResourceId of a SageMaker endpoint variant."""
    return f"endpoint/{endpoint}/variant/{variant}"


def snapshot_scaling(ctx: FixContext, resource_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Targets, policies, scheduled actions of these variants, and the step-scaling alarms."""
    out: dict[str, list[dict[str, Any]]] = {
        "scalable_targets": [],
        "scaling_policies": [],
        "scheduled_actions": [],
        "alarms": [],
    }
    if not resource_ids:
        return out
    out["scalable_targets"] = ctx.read(
        AAS, "DescribeScalableTargets", ServiceNamespace="sagemaker", ResourceIds=resource_ids
    ).get("ScalableTargets", [])
    for rid in resource_ids:
        out["scaling_policies"] += ctx.read(
            AAS, "DescribeScalingPolicies", ServiceNamespace="sagemaker", ResourceId=rid
        ).get("ScalingPolicies", [])
        out["scheduled_actions"] += ctx.read(
            AAS, "DescribeScheduledActions", ServiceNamespace="sagemaker", ResourceId=rid
        ).get("ScheduledActions", [])
    names = sorted(
        {
            alarm["AlarmName"]
            for policy in out["scaling_policies"]
            if policy.get("PolicyType") == "StepScaling"
            for alarm in policy.get("Alarms", [])
        }
    )
    for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
        out["alarms"] += ctx.read(
            "cloudwatch", "DescribeAlarms", AlarmNames=names[start : start + 100]
        ).get("MetricAlarms", [])
    return out


def deregister_targets(ctx: FixContext, targets: list[dict[str, Any]]) -> None:
    """DeregisterScalableTarget each target (AWS deletes its policies and scheduled actions).

    A target already gone counts as done: that is what a crash after the call left."""
    for target in targets:
        rid, dim = target["ResourceId"], target["ScalableDimension"]

        def gone(rid: str = rid, dim: str = dim) -> bool:
            found = ctx.read(
                AAS,
                "DescribeScalableTargets",
                ServiceNamespace="sagemaker",
                ResourceIds=[rid],
                ScalableDimension=dim,
            ).get("ScalableTargets", [])
            return not found

        if ctx.journal.last_call(ctx.fix_id, f"DeregisterScalableTarget:{rid}:{dim}") is None and (
            gone()
        ):
            continue
        ctx.act(
            f"DeregisterScalableTarget:{rid}:{dim}",
            AAS,
            "DeregisterScalableTarget",
            {"ServiceNamespace": "sagemaker", "ResourceId": rid, "ScalableDimension": dim},
            applied=gone,
        )


def _target_params(
    ctx: FixContext, target: dict[str, Any], min_capacity: dict[str, int]
) -> dict[str, Any]:
    params = input_members(ctx, AAS, "RegisterScalableTarget", target)
    # SageMaker's service-linked role is used whatever is passed; passing it only adds an
    # iam:PassRole requirement on the undo's caller.
    if ":role/aws-service-role/" in str(params.get("RoleARN", "")):
        params.pop("RoleARN")
    floor = min_capacity.get(target["ResourceId"])
    if floor is not None and floor < params["MinCapacity"]:
        params["MinCapacity"] = floor
    return params


def restore_scaling(
    ctx: FixContext, snap: dict[str, Any], *, min_capacity: dict[str, int] | None = None
) -> None:
    """Register the targets, put back the policies (re-pointing step-scaling alarms at the
    new policy ARN) and the scheduled actions. Every call is an upsert, so repeating one
    after a crash is harmless. ``min_capacity`` lowers a target's MinCapacity (ResourceId ->
    floor) where a resize went below it, so the target does not scale the fix back."""
    for target in snap.get("scalable_targets", []):
        ctx.act(
            f"RegisterScalableTarget:{target['ResourceId']}:{target['ScalableDimension']}",
            AAS,
            "RegisterScalableTarget",
            _target_params(ctx, target, min_capacity or {}),
        )
    moved: dict[str, str] = {}  # old policy ARN -> new
    for policy in snap.get("scaling_policies", []):
        step = f"PutScalingPolicy:{policy['ResourceId']}:{policy['PolicyName']}"
        params = input_members(ctx, AAS, "PutScalingPolicy", policy)
        answer = ctx.act(step, AAS, "PutScalingPolicy", params)
        if policy.get("PolicyType") == "StepScaling":
            moved[policy["PolicyARN"]] = answer.get("PolicyARN") or _policy_arn(ctx, policy)
    _repoint_alarms(ctx, snap.get("alarms", []), moved)
    for action in snap.get("scheduled_actions", []):
        ctx.act(
            f"PutScheduledAction:{action['ResourceId']}:{action['ScheduledActionName']}",
            AAS,
            "PutScheduledAction",
            input_members(ctx, AAS, "PutScheduledAction", action),
        )


def _policy_arn(ctx: FixContext, policy: dict[str, Any]) -> str:
    found = ctx.read(
        AAS,
        "DescribeScalingPolicies",
        ServiceNamespace="sagemaker",
        ResourceId=policy["ResourceId"],
        PolicyNames=[policy["PolicyName"]],
    ).get("ScalingPolicies", [])
    return str(found[0]["PolicyARN"]) if found else ""


def _repoint_alarms(ctx: FixContext, alarms: list[dict[str, Any]], moved: dict[str, str]) -> None:
    """PutMetricAlarm each alarm that named a re-created policy, with its new ARN instead."""
    moved = {old: new for old, new in moved.items() if new and new != old}
    for alarm in alarms:
        if not any(a in moved for key in _ALARM_ACTIONS for a in alarm.get(key, [])):
            continue
        params = input_members(ctx, "cloudwatch", "PutMetricAlarm", alarm)
        for key in _ALARM_ACTIONS:
            if key in params:
                params[key] = [moved.get(a, a) for a in params[key]]
        ctx.act(f"PutMetricAlarm:{alarm['AlarmName']}", "cloudwatch", "PutMetricAlarm", params)
