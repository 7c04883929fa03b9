"""Resize an endpoint to the proposed instance type or count, under auto scaling too.

Why this many steps: SageMaker refuses an UpdateEndpoint that changes the instance type of a
variant registered with Application Auto Scaling ("Update endpoints that use auto scaling"):
the variant's target is deregistered first (AWS deletes its policies with it), and after the
update it is registered again with the same policies, each step journaled so a resumed run
neither repeats one AWS refuses a second time nor leaves the endpoint without its scaling.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mlcost.fix.actions.base import Action, PlanLines, Skip, exists, input_members, user_tags
from mlcost.fix.actions.endpoints import (
    PASS_ROLE,
    RESTORE_CALLS,
    SNAPSHOT_CALLS,
    SNAPSHOT_LINES,
    endpoint_state,
    restore_definition,
    snapshot_endpoint,
    summary,
)
from mlcost.fix.actions.scaling import (
    SCALING_CHANGE_CALLS,
    deregister_targets,
    restore_scaling,
    snapshot_scaling,
    variant_resource_id,
)
from mlcost.fix.context import Clients, FixContext, StepFailed, describe_error
from mlcost.model import Finding, ResourceKind

_NAME_OK = re.compile(r"[^a-zA-Z0-9-]")


def new_config_name(old: str, fix_id: str) -> str:
    """``<old>-mlcost-<fix>``, cut to SageMaker's 63 characters and allowed characters."""
    suffix = "-mlcost-" + fix_id.split("-")[-1][:8]
    stem = _NAME_OK.sub("-", old)[: 63 - len(suffix)].rstrip("-")
    return stem + suffix


def resized_variants(
    configured: list[dict[str, Any]],
    live: list[dict[str, Any]],
    changes: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The new config's variants: the proposed type and count where the fix changes one,
    and each other variant as it runs now.

    Why the live values: UpdateEndpoint gives every variant its new config's
    InitialInstanceCount and InitialVariantWeight, so a copy of the old config would pull a
    variant that auto scaling grew (or whose weight was shifted with
    UpdateEndpointWeightsAndCapacities) back to the values it was deployed with."""
    now = {v["VariantName"]: v for v in live}
    out = []
    for variant in configured:
        name = variant["VariantName"]
        if name in changes:
            out.append(
                {
                    **variant,
                    "InstanceType": changes[name]["InstanceType"],
                    "InitialInstanceCount": changes[name]["InitialInstanceCount"],
                }
            )
            continue
        running = now.get(name, {})
        kept = dict(variant)
        if running.get("DesiredInstanceCount") and "InitialInstanceCount" in variant:
            kept["InitialInstanceCount"] = running["DesiredInstanceCount"]
        if running.get("DesiredWeight") is not None and "InitialVariantWeight" in variant:
            kept["InitialVariantWeight"] = running["DesiredWeight"]
        out.append(kept)
    return out


def on_config(described: dict[str, Any] | None, config_name: str) -> bool:
    """Whether the endpoint runs ``config_name`` or is being updated to it.

    Why the pending summary: while an update is in progress AWS still names the old config
    in EndpointConfigName and the new one in PendingDeploymentSummary; a resumed run that
    looked only at the first would call UpdateEndpoint again and be refused
    ("Cannot update in-progress endpoint")."""
    if not described:
        return False
    pending = (described.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    return config_name in (described.get("EndpointConfigName"), pending)


def _move(ctx: FixContext, name: str, config_name: str, step: str) -> dict[str, Any]:
    """UpdateEndpoint to ``config_name`` and wait; fail if AWS rolled the update back.

    Why the check after the wait: a failed update (capacity, a model that does not load)
    ends InService again on the *old* config with a FailureReason; the waiter sees InService
    and succeeds."""
    ctx.act(
        step,
        "sagemaker",
        "UpdateEndpoint",
        {"EndpointName": name, "EndpointConfigName": config_name},
        applied=lambda: on_config(endpoint_state(ctx, name), config_name),
    )
    ctx.wait("sagemaker", "endpoint_in_service", f"updating endpoint {name}", EndpointName=name)
    after = ctx.read("sagemaker", "DescribeEndpoint", EndpointName=name)
    if after.get("EndpointConfigName") != config_name:
        raise StepFailed(
            f"endpoint {name} is InService on {after.get('EndpointConfigName')}, not "
            f"{config_name}: the update was rolled back ({after.get('FailureReason') or 'no reason given'})"
        )
    return after


def _scaling_of(snap: dict[str, Any], resource_ids: set[str]) -> dict[str, Any]:
    """The part of a scaling snapshot that belongs to these variants."""
    keys = ("scalable_targets", "scaling_policies", "scheduled_actions")
    part: dict[str, Any] = {
        k: [i for i in snap.get(k, []) if i["ResourceId"] in resource_ids] for k in keys
    }
    part["alarms"] = snap.get("alarms", [])
    return part


def _with_scaling_off(
    ctx: FixContext,
    name: str,
    config_name: str,
    step: str,
    scaling: dict[str, Any],
    floors: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Deregister the variants' targets, move the endpoint, register them again.

    AWS refuses an UpdateEndpoint that changes a scaled variant's instance type until its
    target is deregistered. If the move fails, the scaling is put back as it was before the
    error is reported, so a failed fix does not leave the endpoint without auto scaling."""
    deregister_targets(ctx, scaling["scalable_targets"])
    try:
        after = _move(ctx, name, config_name, step)
    except (ClientError, BotoCoreError, StepFailed) as exc:
        if not scaling["scalable_targets"]:
            raise
        try:
            restore_scaling(ctx, scaling)
        except (ClientError, BotoCoreError) as again:
            raise StepFailed(
                f"{describe_error(exc)}; auto scaling could not be registered again "
                f"({describe_error(again)}): run `mlcost undo {ctx.fix_id}`"
            ) from exc
        raise
    restore_scaling(ctx, scaling, min_capacity=floors)
    return after


class UpdateEndpoint(Action):
    name = "update-endpoint"
    kind = ResourceKind.ENDPOINT
    # undo may recreate a deleted model (CreateModel: PassRole) and config
    calls = (
        SNAPSHOT_CALLS
        | RESTORE_CALLS
        | SCALING_CHANGE_CALLS
        | {("sagemaker", "UpdateEndpoint"), ("sagemaker", "CreateEndpointConfig")}
    )
    implied = PASS_ROLE

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        moves = ", ".join(
            f"{v['VariantName']} -> {v['InitialInstanceCount']} x {v['InstanceType']}"
            for v in p["ProductionVariants"]
        )
        return PlanLines(
            changes=[
                f"CreateEndpointConfig: a copy of {p['EndpointConfigName']} with {moves}",
                "DeregisterScalableTarget for each resized variant under auto scaling "
                "(AWS refuses the update otherwise)",
                f"UpdateEndpoint {p['EndpointName']} to the new config (blue/green, no downtime)",
                "wait until the endpoint is InService again",
                "register the variants' scalable targets again with their policies and "
                "scheduled actions (MinCapacity lowered to the new count if it was above)",
            ],
            snapshot=SNAPSHOT_LINES,
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        p = finding.fix.params
        name = p["EndpointName"]
        snap = ctx.snapshot("endpoint", lambda: snapshot_endpoint(ctx, name))
        if snap["endpoint"]["EndpointConfigName"] != p["EndpointConfigName"]:
            raise Skip(
                f"endpoint config changed since the scan ({p['EndpointConfigName']} -> "
                f"{snap['endpoint']['EndpointConfigName']})"
            )
        changes = {v["VariantName"]: v for v in p["ProductionVariants"]}
        config = input_members(ctx, "sagemaker", "CreateEndpointConfig", snap["config"])
        serverless = [
            v["VariantName"]
            for v in config["ProductionVariants"]
            if v["VariantName"] in changes and v.get("ServerlessConfig")
        ]
        if serverless:
            raise Skip(f"variant(s) {', '.join(serverless)} are serverless: no instances to resize")
        config["ProductionVariants"] = resized_variants(
            config["ProductionVariants"], snap["endpoint"].get("ProductionVariants", []), changes
        )
        new_name = new_config_name(p["EndpointConfigName"], ctx.fix_id)
        config["EndpointConfigName"] = new_name
        tags = user_tags(snap["config_tags"])
        if tags:
            config["Tags"] = tags
        ctx.act(
            "create-endpoint-config",
            "sagemaker",
            "CreateEndpointConfig",
            config,
            applied=lambda: (
                exists(ctx, "sagemaker", "DescribeEndpointConfig", EndpointConfigName=new_name)
                is not None
            ),
        )
        floors = {
            variant_resource_id(name, variant): int(v["InitialInstanceCount"])
            for variant, v in changes.items()
        }
        after = _with_scaling_off(
            ctx, name, new_name, "update-endpoint", _scaling_of(snap, set(floors)), floors
        )
        return {
            "before": summary(snap),
            "after": {
                "endpoint": name,
                "config": after["EndpointConfigName"],
                "variants": [
                    {
                        "VariantName": v.get("VariantName"),
                        "InstanceType": (v.get("CurrentInstanceType") or v.get("InstanceType")),
                        "CurrentInstanceCount": v.get("CurrentInstanceCount"),
                    }
                    for v in after.get("ProductionVariants", [])
                ],
            },
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        """Back to the old config, with the scaling the snapshot holds.

        The targets registered now (by the fix, or by the user since) are read once into the
        undo's own snapshot, deregistered, and the snapshot's targets put back after."""
        name = snap["endpoint"]["EndpointName"]
        old = snap["endpoint"]["EndpointConfigName"]
        rids = {
            variant_resource_id(name, v["VariantName"])
            for v in snap["config"].get("ProductionVariants", [])
        }
        now = ctx.snapshot("scaling-before-undo", lambda: snapshot_scaling(ctx, sorted(rids)))
        restore_definition(ctx, snap)
        deregister_targets(ctx, now["scalable_targets"])
        after = _with_scaling_off(ctx, name, old, "update-endpoint-back", _scaling_of(snap, rids))
        return {"endpoint": name, "config": after["EndpointConfigName"]}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        new = (fix.get("after") or {}).get("config")
        ep = clients("sagemaker", fix["region"]).describe_endpoint(EndpointName=fix["resource_id"])
        if new and ep["EndpointConfigName"] != new:
            return f"endpoint runs config {ep['EndpointConfigName']} again, not {new}"
        return None
