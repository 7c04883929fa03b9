"""Endpoint fixes: delete an idle endpoint; move one to the proposed type or count.

Why the snapshot is this wide: DeleteEndpoint removes the endpoint and, on AWS, the
variants' Application Auto Scaling scalable targets and policies with it. The endpoint
config and the models are not deleted (they cost nothing and hold the deployment's
definition), but someone may delete them later, so they are snapshotted too: undo recreates
whatever is missing with the same names, fields and tags.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from mlcost.fix.actions.base import (
    Action,
    PlanLines,
    Skip,
    exists,
    input_members,
    list_tags,
    user_tags,
)
from mlcost.fix.context import Clients, FixContext, StepFailed
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found

AAS = "application-autoscaling"
SNAPSHOT_LINES = [
    "endpoint description and tags",
    "endpoint config (all fields) and tags",
    "model(s): containers (image, model data, environment), execution role, VPC, tags",
    "Application Auto Scaling scalable targets, scaling policies and scheduled actions",
]


def _variant_resource_ids(name: str, variants: list[dict[str, Any]]) -> list[str]:
    return [f"endpoint/{name}/variant/{v['VariantName']}" for v in variants]


def snapshot_endpoint(ctx: FixContext, name: str) -> dict[str, Any]:
    """Everything undo needs to bring the endpoint back as it was."""
    endpoint = ctx.read("sagemaker", "DescribeEndpoint", EndpointName=name)
    config = ctx.read(
        "sagemaker", "DescribeEndpointConfig", EndpointConfigName=endpoint["EndpointConfigName"]
    )
    models: dict[str, Any] = {}
    variants = config.get("ProductionVariants", []) + config.get("ShadowProductionVariants", [])
    for variant in variants:
        model_name = variant.get("ModelName")
        if model_name and model_name not in models:
            described = ctx.read("sagemaker", "DescribeModel", ModelName=model_name)
            models[model_name] = {
                "description": described,
                "tags": list_tags(ctx, described["ModelArn"]),
            }
    resource_ids = _variant_resource_ids(name, endpoint.get("ProductionVariants", []))
    targets: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    scheduled: list[dict[str, Any]] = []
    if resource_ids:
        targets = ctx.read(
            AAS, "DescribeScalableTargets", ServiceNamespace="sagemaker", ResourceIds=resource_ids
        ).get("ScalableTargets", [])
        for rid in resource_ids:
            policies += ctx.read(
                AAS, "DescribeScalingPolicies", ServiceNamespace="sagemaker", ResourceId=rid
            ).get("ScalingPolicies", [])
            scheduled += ctx.read(
                AAS, "DescribeScheduledActions", ServiceNamespace="sagemaker", ResourceId=rid
            ).get("ScheduledActions", [])
    return {
        "endpoint": endpoint,
        "endpoint_tags": list_tags(ctx, endpoint["EndpointArn"]),
        "config": config,
        "config_tags": list_tags(ctx, config["EndpointConfigArn"]),
        "models": models,
        "scalable_targets": targets,
        "scaling_policies": policies,
        "scheduled_actions": scheduled,
    }


def _summary(snap: dict[str, Any]) -> dict[str, Any]:
    endpoint = snap["endpoint"]
    return {
        "endpoint": endpoint["EndpointName"],
        "status": endpoint.get("EndpointStatus"),
        "config": endpoint["EndpointConfigName"],
        "variants": [
            {
                "VariantName": v.get("VariantName"),
                "InstanceType": v.get("InstanceType"),
                "InitialInstanceCount": v.get("InitialInstanceCount"),
                "ModelName": v.get("ModelName"),
            }
            for v in snap["config"].get("ProductionVariants", [])
        ],
        "models": sorted(snap["models"]),
        "scalable_targets": len(snap["scalable_targets"]),
        "scaling_policies": len(snap["scaling_policies"]),
    }


def _restore_definition(ctx: FixContext, snap: dict[str, Any]) -> None:
    """Recreate any model or the endpoint config that has disappeared since the snapshot."""
    for model_name, model in snap["models"].items():
        if exists(ctx, "sagemaker", "DescribeModel", ModelName=model_name) is None:
            params = input_members(ctx, "sagemaker", "CreateModel", model["description"])
            tags = user_tags(model["tags"])
            ctx.act(
                f"create-model:{model_name}",
                "sagemaker",
                "CreateModel",
                {**params, **({"Tags": tags} if tags else {})},
                applied=lambda m=model_name: (
                    exists(ctx, "sagemaker", "DescribeModel", ModelName=m) is not None
                ),
            )
    config_name = snap["config"]["EndpointConfigName"]
    if exists(ctx, "sagemaker", "DescribeEndpointConfig", EndpointConfigName=config_name) is None:
        params = input_members(ctx, "sagemaker", "CreateEndpointConfig", snap["config"])
        tags = user_tags(snap["config_tags"])
        ctx.act(
            f"create-endpoint-config:{config_name}",
            "sagemaker",
            "CreateEndpointConfig",
            {**params, **({"Tags": tags} if tags else {})},
            applied=lambda: (
                exists(ctx, "sagemaker", "DescribeEndpointConfig", EndpointConfigName=config_name)
                is not None
            ),
        )


#: (snapshot key, the call that puts one back, the field naming it besides ResourceId)
_SCALING = (
    ("scalable_targets", "RegisterScalableTarget", "ScalableDimension"),
    ("scaling_policies", "PutScalingPolicy", "PolicyName"),
    ("scheduled_actions", "PutScheduledAction", "ScheduledActionName"),
)


def _restore_scaling(ctx: FixContext, snap: dict[str, Any]) -> None:
    """Register the scalable targets, then put the policies and scheduled actions back
    (all three calls are upserts, so repeating one after a crash is harmless)."""
    for key, operation, name_field in _SCALING:
        for item in snap[key]:
            ctx.act(
                f"{operation}:{item['ResourceId']}:{item[name_field]}",
                AAS,
                operation,
                input_members(ctx, AAS, operation, item),
            )


def _endpoint_state(ctx: FixContext, name: str) -> dict[str, Any] | None:
    return exists(ctx, "sagemaker", "DescribeEndpoint", EndpointName=name)


class DeleteEndpoint(Action):
    name = "delete-endpoint"
    kind = ResourceKind.ENDPOINT

    def plan(self, finding: Finding) -> PlanLines:
        name = finding.fix.params["EndpointName"]
        return PlanLines(
            changes=[
                f"DeleteEndpoint {name} (its config and models are kept)",
                "wait until the endpoint is gone",
            ],
            snapshot=SNAPSHOT_LINES,
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        name = finding.fix.params["EndpointName"]
        snap = ctx.snapshot("endpoint", lambda: snapshot_endpoint(ctx, name))

        def deleted() -> bool:
            state = _endpoint_state(ctx, name)
            return state is None or state.get("EndpointStatus") == "Deleting"

        ctx.act(
            "delete-endpoint",
            "sagemaker",
            "DeleteEndpoint",
            {"EndpointName": name},
            applied=deleted,
        )
        ctx.wait("sagemaker", "endpoint_deleted", f"deleting endpoint {name}", EndpointName=name)
        return {"before": _summary(snap), "after": {"endpoint": name, "status": "deleted"}}

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        endpoint = snap["endpoint"]
        name = endpoint["EndpointName"]
        step = "create-endpoint"
        if ctx.journal.last_call(ctx.fix_id, step) is None and _endpoint_state(ctx, name):
            raise StepFailed(f"endpoint {name} exists again already; nothing to recreate")
        _restore_definition(ctx, snap)
        tags = user_tags(snap["endpoint_tags"])
        ctx.act(
            step,
            "sagemaker",
            "CreateEndpoint",
            {
                "EndpointName": name,
                "EndpointConfigName": endpoint["EndpointConfigName"],
                **({"Tags": tags} if tags else {}),
            },
            applied=lambda: _endpoint_state(ctx, name) is not None,
        )
        ctx.wait("sagemaker", "endpoint_in_service", f"creating endpoint {name}", EndpointName=name)
        _restore_scaling(ctx, snap)
        after = ctx.read("sagemaker", "DescribeEndpoint", EndpointName=name)
        return {
            "endpoint": name,
            "status": after.get("EndpointStatus"),
            "config": after.get("EndpointConfigName"),
        }

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        try:
            ep = clients("sagemaker", fix["region"]).describe_endpoint(
                EndpointName=fix["resource_id"]
            )
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        return (
            f"endpoint exists again ({ep.get('EndpointStatus')}, created {ep.get('CreationTime')})"
        )


_NAME_OK = re.compile(r"[^a-zA-Z0-9-]")


def new_config_name(old: str, fix_id: str) -> str:
    """``<old>-mlcost-<fix>``, cut to SageMaker's 63 characters and allowed characters."""
    suffix = "-mlcost-" + fix_id.split("-")[-1][:8]
    stem = _NAME_OK.sub("-", old)[: 63 - len(suffix)].rstrip("-")
    return stem + suffix


class UpdateEndpoint(Action):
    name = "update-endpoint"
    kind = ResourceKind.ENDPOINT

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        moves = ", ".join(
            f"{v['VariantName']} -> {v['InitialInstanceCount']} x {v['InstanceType']}"
            for v in p["ProductionVariants"]
        )
        return PlanLines(
            changes=[
                f"CreateEndpointConfig: a copy of {p['EndpointConfigName']} with {moves}",
                f"UpdateEndpoint {p['EndpointName']} to the new config (blue/green, no downtime)",
                "wait until the endpoint is InService again",
            ],
            snapshot=SNAPSHOT_LINES[:3],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        p = finding.fix.params
        name = p["EndpointName"]
        snap = ctx.snapshot("endpoint", lambda: snapshot_endpoint(ctx, name))
        if snap["scalable_targets"]:
            raise Skip(
                "the endpoint has Application Auto Scaling targets; resizing under a scaling "
                "policy is left to that policy"
            )
        if snap["endpoint"]["EndpointConfigName"] != p["EndpointConfigName"]:
            raise Skip(
                f"endpoint config changed since the scan ({p['EndpointConfigName']} -> "
                f"{snap['endpoint']['EndpointConfigName']})"
            )
        changes = {v["VariantName"]: v for v in p["ProductionVariants"]}
        config = input_members(ctx, "sagemaker", "CreateEndpointConfig", snap["config"])
        config["ProductionVariants"] = [
            {
                **v,
                **{
                    k: changes[v["VariantName"]][k]
                    for k in ("InstanceType", "InitialInstanceCount")
                    if v["VariantName"] in changes
                },
            }
            for v in config["ProductionVariants"]
        ]
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
        ctx.act(
            "update-endpoint",
            "sagemaker",
            "UpdateEndpoint",
            {"EndpointName": name, "EndpointConfigName": new_name},
            applied=lambda: (
                (_endpoint_state(ctx, name) or {}).get("EndpointConfigName") == new_name
            ),
        )
        ctx.wait("sagemaker", "endpoint_in_service", f"updating endpoint {name}", EndpointName=name)
        after = ctx.read("sagemaker", "DescribeEndpoint", EndpointName=name)
        return {
            "before": _summary(snap),
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
        name = snap["endpoint"]["EndpointName"]
        old = snap["endpoint"]["EndpointConfigName"]
        _restore_definition(ctx, snap)
        ctx.act(
            "update-endpoint-back",
            "sagemaker",
            "UpdateEndpoint",
            {"EndpointName": name, "EndpointConfigName": old},
            applied=lambda: (_endpoint_state(ctx, name) or {}).get("EndpointConfigName") == old,
        )
        ctx.wait("sagemaker", "endpoint_in_service", f"updating endpoint {name}", EndpointName=name)
        after = ctx.read("sagemaker", "DescribeEndpoint", EndpointName=name)
        return {"endpoint": name, "config": after["EndpointConfigName"]}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        new = (fix.get("after") or {}).get("config")
        ep = clients("sagemaker", fix["region"]).describe_endpoint(EndpointName=fix["resource_id"])
        if new and ep["EndpointConfigName"] != new:
            return f"endpoint runs config {ep['EndpointConfigName']} again, not {new}"
        return None
