"""Real-time endpoints: deleted off-hours and recreated through the fix framework's
``delete-endpoint`` action and its undo (snapshot, journal, same config, models, tags and
autoscaling)."""

from __future__ import annotations

from typing import Any

from mlcost.fix.actions.endpoints import PASS_ROLE, DeleteEndpoint
from mlcost.fix.context import Clients, FixContext, StepFailed
from mlcost.model import Finding, Fix, ResourceKind, Risk, Usage
from mlcost.schedule.kinds.base import Member, Observed, Schedulable, sagemaker_tags

ENDPOINT_STATES: dict[str, Observed] = {
    "InService": "running",
    "Creating": "transitional",
    "Updating": "transitional",
    "SystemUpdating": "transitional",
    "RollingBack": "transitional",
    "Deleting": "transitional",
    "OutOfService": "unusable",
    "Failed": "unusable",
    "UpdateRollbackFailed": "unusable",
}


def _endpoint_finding(member: Member) -> Finding:
    """The delete-endpoint action reads its target from a finding's fix parameters."""
    return Finding(
        id=f"schedule:{member.region}:{member.resource_id}",
        check="schedule",
        resource_kind=ResourceKind.ENDPOINT,
        resource_id=member.resource_id,
        resource_arn=member.arn,
        region=member.region,
        title=f"scheduled off-hours delete of endpoint {member.resource_id}",
        evidence={},
        monthly_cost_usd=None,
        monthly_savings_usd=None,
        fix=Fix("delete-endpoint", {"EndpointName": member.resource_id}),
        risk=Risk.DISRUPTIVE,
        confidence=1.0,
    )


def list_endpoints(clients: Clients, region: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(DescribeEndpoint, DescribeEndpointConfig) of every endpoint in the region."""
    sm = clients("sagemaker", region)
    out = []
    for page in sm.get_paginator("list_endpoints").paginate(PaginationConfig={"PageSize": 100}):
        for ep in page.get("Endpoints", []):
            described = sm.describe_endpoint(EndpointName=ep["EndpointName"])
            config = sm.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
            out.append((described, config))
    return out


def billed_variants(config: dict[str, Any], usage: Usage) -> tuple[tuple[str, int, str], ...]:
    return tuple(
        (v["InstanceType"], int(v.get("InitialInstanceCount") or 1), str(usage))
        for v in config.get("ProductionVariants", [])
        if v.get("InstanceType")
    )


class RealTimeEndpoints(Schedulable):
    """Deleted off-hours after the fix framework's snapshot, recreated from it when on:
    same endpoint config, models, tags and autoscaling (``delete-endpoint`` and its undo)."""

    kind = "endpoint"
    resource_kind = ResourceKind.ENDPOINT
    stop_is_journaled = True
    stop_deletes = True
    calls = (
        DeleteEndpoint.calls | DeleteEndpoint.implied | PASS_ROLE | {("sagemaker", "ListEndpoints")}
    )

    def discover(self, clients: Clients, region: str) -> list[Member]:
        out = []
        for described, config in list_endpoints(clients, region):
            if config.get("AsyncInferenceConfig") or not billed_variants(config, Usage.HOSTING):
                continue  # asynchronous (scaled, below) or serverless (billed per request)
            status = described["EndpointStatus"]
            out.append(
                Member(
                    kind=self.kind,
                    region=region,
                    resource_id=described["EndpointName"],
                    arn=described["EndpointArn"],
                    name=described["EndpointName"],
                    tags=sagemaker_tags(clients, region, described["EndpointArn"]),
                    observed=ENDPOINT_STATES.get(status, "unusable"),
                    status=status,
                    billed=billed_variants(config, Usage.HOSTING),
                )
            )
        return out

    def stop(self, ctx: FixContext, member: Member) -> None:
        DeleteEndpoint().apply(ctx, _endpoint_finding(member))

    def start(self, ctx: FixContext, member: Member, stop_row: dict[str, Any] | None) -> None:
        if stop_row is None:
            raise StepFailed(f"endpoint {member.resource_id}: no scheduled delete to recreate from")
        snap = ctx.journal.snapshot(stop_row["fix_id"], "endpoint")
        DeleteEndpoint().undo(ctx, stop_row, snap)
