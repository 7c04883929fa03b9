"""Asynchronous endpoints and inference components: their scaling floor goes to zero
off-hours and back from the snapshot when on."""

from __future__ import annotations

from typing import Any

from mlcost.fix.actions.base import LIST_TAGS, Skip
from mlcost.fix.actions.scaling import AAS, SCALING_SNAPSHOT_CALLS, snapshot_scaling
from mlcost.fix.context import Clients, FixContext
from mlcost.model import ResourceKind, Usage
from mlcost.schedule.kinds.base import Member, Observed, Schedulable, sagemaker_tags
from mlcost.schedule.kinds.endpoints import ENDPOINT_STATES, billed_variants, list_endpoints

_NO_TARGET = (
    "no scalable target to lower; register one (see the endpoint-no-autoscaling finding) "
    "to schedule it"
)


class _FloorToZero(Schedulable):
    """Scaled off-hours: each scalable target of ``extra["resource_ids"]`` gets MinCapacity 0
    (MaxCapacity kept: a scaling policy then scales in to zero, and demand still wakes it);
    the snapshot's MinCapacity is put back when on. Without a scalable target there is
    nothing to lower: the resource is reported, not touched."""

    stop_is_journaled = True

    def stop(self, ctx: FixContext, member: Member) -> None:
        snap = ctx.snapshot("scaling", lambda: snapshot_scaling(ctx, member.extra["resource_ids"]))
        if not snap["scalable_targets"]:
            raise Skip(f"{member.kind} {member.resource_id}: {_NO_TARGET}")
        for target in snap["scalable_targets"]:
            _set_min(ctx, target, 0, "min-capacity-0")

    def start(self, ctx: FixContext, member: Member, stop_row: dict[str, Any] | None) -> None:
        if stop_row is None:
            return  # never lowered by a schedule: nothing to put back
        snap = ctx.journal.snapshot(stop_row["fix_id"], "scaling") or {}
        for target in snap.get("scalable_targets", []):
            _set_min(ctx, target, int(target["MinCapacity"]), "min-capacity-back")


class AsyncEndpoints(_FloorToZero):
    """Asynchronous endpoints: their variants' floor goes to zero instances off-hours."""

    kind = "async-endpoint"
    resource_kind = ResourceKind.ENDPOINT
    calls = (
        SCALING_SNAPSHOT_CALLS
        | LIST_TAGS
        | {
            ("sagemaker", "ListEndpoints"),
            ("sagemaker", "DescribeEndpoint"),
            ("sagemaker", "DescribeEndpointConfig"),
            (AAS, "RegisterScalableTarget"),
        }
    )

    def discover(self, clients: Clients, region: str) -> list[Member]:
        out = []
        floors: dict[str, int] | None = None
        for described, config in list_endpoints(clients, region):
            if not config.get("AsyncInferenceConfig"):
                continue
            if floors is None:
                floors = _min_capacities(clients, region)
            status = described["EndpointStatus"]
            variants = [v["VariantName"] for v in described.get("ProductionVariants", [])]
            rids = [f"endpoint/{described['EndpointName']}/variant/{v}" for v in variants]
            observed = ENDPOINT_STATES.get(status, "unusable")
            extra: dict[str, Any] = {"resource_ids": rids}
            if not any(r in floors for r in rids):
                observed = "unusable"
                extra["why"] = _NO_TARGET
            elif observed == "running" and all(floors.get(r) == 0 for r in rids):
                observed = "stopped"  # its floor is zero instances
            out.append(
                Member(
                    kind=self.kind,
                    region=region,
                    resource_id=described["EndpointName"],
                    arn=described["EndpointArn"],
                    name=described["EndpointName"],
                    tags=sagemaker_tags(clients, region, described["EndpointArn"]),
                    observed=observed,
                    status=status,
                    billed=billed_variants(config, Usage.ASYNC_INFERENCE),
                    extra=extra,
                )
            )
        return out


class InferenceComponents(_FloorToZero):
    """Inference components: their copy count's floor goes to zero off-hours (with managed
    instance scaling, the endpoint's instances follow). Their instances bill on the
    endpoint, so the plan shows no separate saving for them."""

    kind = "inference-component"
    resource_kind = ResourceKind.ENDPOINT
    calls = (
        SCALING_SNAPSHOT_CALLS
        | LIST_TAGS
        | {("sagemaker", "ListInferenceComponents"), (AAS, "RegisterScalableTarget")}
    )

    def discover(self, clients: Clients, region: str) -> list[Member]:
        sm = clients("sagemaker", region)
        out = []
        floors: dict[str, int] | None = None
        pages = sm.get_paginator("list_inference_components").paginate(
            PaginationConfig={"PageSize": 100}
        )
        for page in pages:
            for ic in page.get("InferenceComponents", []):
                if floors is None:
                    floors = _min_capacities(clients, region)
                name, status = ic["InferenceComponentName"], ic["InferenceComponentStatus"]
                rid = f"inference-component/{name}"
                observed: Observed = {
                    "InService": "running",
                    "Creating": "transitional",
                    "Updating": "transitional",
                    "Deleting": "transitional",
                }.get(status, "unusable")
                extra: dict[str, Any] = {"resource_ids": [rid], "endpoint": ic["EndpointName"]}
                if rid not in floors:
                    observed = "unusable"
                    extra["why"] = _NO_TARGET
                elif observed == "running" and floors[rid] == 0:
                    observed = "stopped"
                out.append(
                    Member(
                        kind=self.kind,
                        region=region,
                        resource_id=name,
                        arn=ic["InferenceComponentArn"],
                        name=name,
                        tags=sagemaker_tags(clients, region, ic["InferenceComponentArn"]),
                        observed=observed,
                        status=status,
                        extra=extra,
                    )
                )
        return out


#: The scalable dimensions a schedule lowers to a floor of zero.
_FLOOR_DIMENSIONS = (
    "sagemaker:variant:DesiredInstanceCount",
    "sagemaker:inference-component:DesiredCopyCount",
)


def _min_capacities(clients: Clients, region: str) -> dict[str, int]:
    """MinCapacity of every SageMaker variant's and inference component's scalable target in
    the region (one paginated read for all of them)."""
    aas = clients(AAS, region)
    out: dict[str, int] = {}
    for page in aas.get_paginator("describe_scalable_targets").paginate(
        ServiceNamespace="sagemaker"
    ):
        for target in page.get("ScalableTargets", []):
            if target["ScalableDimension"] in _FLOOR_DIMENSIONS:
                out[target["ResourceId"]] = int(target["MinCapacity"])
    return out


def _set_min(ctx: FixContext, target: dict[str, Any], floor: int, step: str) -> None:
    """RegisterScalableTarget (an upsert: the target's policies stay) with a new MinCapacity."""
    ctx.act(
        f"{step}:{target['ResourceId']}",
        AAS,
        "RegisterScalableTarget",
        {
            "ServiceNamespace": target["ServiceNamespace"],
            "ResourceId": target["ResourceId"],
            "ScalableDimension": target["ScalableDimension"],
            "MinCapacity": floor,
            "MaxCapacity": int(target["MaxCapacity"]),
        },
    )
