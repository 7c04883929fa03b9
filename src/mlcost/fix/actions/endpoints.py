"""Endpoint fixes: delete an idle endpoint (the resize is in ``endpoint_resize``).

Why the snapshot is this wide: DeleteEndpoint removes the endpoint and, on AWS, the
variants' Application Auto Scaling scalable targets and policies with it. The endpoint
config and the models are not deleted (they cost nothing and hold the deployment's
definition), but someone may delete them later, so they are snapshotted too: undo recreates
whatever is missing with the same names, fields and tags.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from mlcost.fix.actions.base import (
    LIST_TAGS,
    Action,
    Calls,
    PlanLines,
    exists,
    input_members,
    list_tags,
    user_tags,
)
from mlcost.fix.actions.scaling import (
    AAS,
    SCALING_CHANGE_CALLS,
    SCALING_SNAPSHOT_CALLS,
    restore_scaling,
    snapshot_scaling,
    variant_resource_id,
)
from mlcost.fix.context import Clients, FixContext, StepFailed
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found

SNAPSHOT_LINES = [
    "endpoint description and tags",
    "endpoint config (all fields) and tags",
    "model(s): containers (image, model data, environment), execution role, VPC, tags",
    "Application Auto Scaling scalable targets, scaling policies, scheduled actions and "
    "the CloudWatch alarms of step-scaling policies",
]


#: What :func:`snapshot_endpoint` reads (DescribeEndpoint also serves verify and the
#: endpoint waiters' poll).
SNAPSHOT_CALLS: Calls = (
    LIST_TAGS
    | SCALING_SNAPSHOT_CALLS
    | {
        ("sagemaker", "DescribeEndpoint"),
        ("sagemaker", "DescribeEndpointConfig"),
        ("sagemaker", "DescribeModel"),
    }
)
#: What :func:`restore_definition` calls to recreate a deleted model or endpoint config.
RESTORE_CALLS: Calls = frozenset(
    {
        ("sagemaker", "DescribeModel"),
        ("sagemaker", "CreateModel"),
        ("sagemaker", "DescribeEndpointConfig"),
        ("sagemaker", "CreateEndpointConfig"),
    }
)
#: CreateModel hands the model's ExecutionRoleArn to SageMaker: IAM checks iam:PassRole on
#: the caller for that role.
PASS_ROLE: Calls = frozenset({("iam", "PassRole")})


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
    scaling = snapshot_scaling(
        ctx,
        [
            variant_resource_id(name, v["VariantName"])
            for v in endpoint.get("ProductionVariants", [])
        ],
    )
    return {
        "endpoint": endpoint,
        "endpoint_tags": list_tags(ctx, endpoint["EndpointArn"]),
        "config": config,
        "config_tags": list_tags(ctx, config["EndpointConfigArn"]),
        "models": models,
        **scaling,
    }


def model_params(ctx: FixContext, described: dict[str, Any]) -> dict[str, Any]:
    """CreateModel's parameters from DescribeModel's answer.

    Why not the answer as is: CreateModel takes a PrimaryContainer *or* Containers (an
    inference pipeline), and refuses both; a description may carry both for one container.
    Read-only fields (ModelArn, CreationTime, DeploymentRecommendation) are not input members
    and are dropped by the service model."""
    params = input_members(ctx, "sagemaker", "CreateModel", described)
    containers = params.get("Containers") or []
    if "PrimaryContainer" in params and containers:
        if len(containers) > 1:
            params.pop("PrimaryContainer")
        else:
            params.pop("Containers")
    return params


def summary(snap: dict[str, Any]) -> dict[str, Any]:
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


def restore_definition(ctx: FixContext, snap: dict[str, Any]) -> None:
    """Recreate any model or the endpoint config that has disappeared since the snapshot."""
    for model_name, model in snap["models"].items():
        if exists(ctx, "sagemaker", "DescribeModel", ModelName=model_name) is None:
            params = model_params(ctx, model["description"])
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


def endpoint_state(ctx: FixContext, name: str) -> dict[str, Any] | None:
    return exists(ctx, "sagemaker", "DescribeEndpoint", EndpointName=name)


class DeleteEndpoint(Action):
    name = "delete-endpoint"
    kind = ResourceKind.ENDPOINT
    calls = (
        SNAPSHOT_CALLS
        | RESTORE_CALLS
        | SCALING_CHANGE_CALLS
        | {("sagemaker", "DeleteEndpoint"), ("sagemaker", "CreateEndpoint")}
    )
    # AWS deregisters a deleted endpoint's scalable targets as the caller (docs/fixes.md)
    implied = PASS_ROLE | {(AAS, "DeregisterScalableTarget")}

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
            state = endpoint_state(ctx, name)
            return state is None or state.get("EndpointStatus") == "Deleting"

        ctx.act(
            "delete-endpoint",
            "sagemaker",
            "DeleteEndpoint",
            {"EndpointName": name},
            applied=deleted,
        )
        ctx.wait("sagemaker", "endpoint_deleted", f"deleting endpoint {name}", EndpointName=name)
        return {"before": summary(snap), "after": {"endpoint": name, "status": "deleted"}}

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        endpoint = snap["endpoint"]
        name = endpoint["EndpointName"]
        step = "create-endpoint"
        if ctx.journal.last_call(ctx.fix_id, step) is None and endpoint_state(ctx, name):
            raise StepFailed(f"endpoint {name} exists again already; nothing to recreate")
        restore_definition(ctx, snap)
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
            applied=lambda: endpoint_state(ctx, name) is not None,
        )
        ctx.wait("sagemaker", "endpoint_in_service", f"creating endpoint {name}", EndpointName=name)
        restore_scaling(ctx, snap)
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
