"""What a schedule can start and stop: one small descriptor per schedulable kind.

A descriptor says how to list its resources in a region (with their tags, AWS status and what
they bill), how AWS's status maps to running / stopped / transitional, how to stop and start
one through a :class:`~mlcost.fix.context.FixContext` (so every call is journaled and keyed),
and every AWS operation it may call (``calls``: the deploy template's IAM role is derived
from them, as ``mlcost policy self`` is).

Why stops and starts do not wait (notebooks, EC2, Studio apps, async scaling): a pass acts on
many resources within a Lambda's 15 minutes; the next pass confirms that each change held.
Real-time endpoints are the exception: they are deleted and recreated by the fix framework's
``delete-endpoint`` action (snapshot, delete, and its undo), whose recreate must wait for the
endpoint to be InService before it can put its autoscaling back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from mlcost.fix.actions.base import LIST_TAGS, Calls, Skip
from mlcost.fix.actions.ec2 import INSTANCE_CALLS, refuse_stop
from mlcost.fix.actions.endpoints import PASS_ROLE, DeleteEndpoint
from mlcost.fix.actions.scaling import AAS, SCALING_SNAPSHOT_CALLS, snapshot_scaling
from mlcost.fix.context import Clients, FixContext, StepFailed
from mlcost.model import Finding, Fix, ResourceKind, Risk, Usage

Observed = Literal["running", "stopped", "transitional", "unusable"]


@dataclass(frozen=True, slots=True)
class Member:
    """One schedulable resource as a pass sees it."""

    kind: str
    region: str
    resource_id: str
    arn: str
    name: str
    tags: dict[str, str]
    observed: Observed
    status: str  # AWS's own word for its state
    #: What it bills while running: (instance type, count, price usage).
    billed: tuple[tuple[str, int, str], ...] = ()
    #: Anything the descriptor needs to act again later (a resumed pass has only this).
    extra: dict[str, Any] = field(default_factory=dict)

    def as_params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "region": self.region,
            "resource_id": self.resource_id,
            "arn": self.arn,
            "name": self.name,
            "tags": self.tags,
            "observed": self.observed,
            "status": self.status,
            "billed": [list(b) for b in self.billed],
            "extra": self.extra,
        }

    @classmethod
    def from_params(cls, p: dict[str, Any]) -> Member:
        return cls(
            kind=p["kind"],
            region=p["region"],
            resource_id=p["resource_id"],
            arn=p["arn"],
            name=p["name"],
            tags=dict(p["tags"]),
            observed=p["observed"],
            status=p["status"],
            billed=tuple((t, int(c), u) for t, c, u in p["billed"]),
            extra=dict(p.get("extra") or {}),
        )


def _tags(items: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items}


def _sm_tags(clients: Clients, region: str, arn: str) -> dict[str, str]:
    sm = clients("sagemaker", region)
    out: dict[str, str] = {}
    for page in sm.get_paginator("list_tags").paginate(ResourceArn=arn):
        out.update(_tags(page.get("Tags", [])))
    return out


class Schedulable:
    """Base of the schedulable kinds."""

    kind: ClassVar[str]
    resource_kind: ClassVar[ResourceKind]
    calls: ClassVar[Calls]
    #: False where "on" means nothing to do (a Studio app: the user reopens it).
    starts: ClassVar[bool] = True
    #: True where "on" restores what the schedule's own stop took (a deleted endpoint, a
    #: lowered scaling floor): starting needs that stop's journal row and snapshot.
    stop_is_journaled: ClassVar[bool] = False
    #: True where the stop deletes the resource: while off it is known from the journal only.
    stop_deletes: ClassVar[bool] = False

    def discover(self, clients: Clients, region: str) -> list[Member]:
        raise NotImplementedError

    def stop(self, ctx: FixContext, member: Member) -> None:
        raise NotImplementedError

    def start(self, ctx: FixContext, member: Member, stop_row: dict[str, Any] | None) -> None:
        raise NotImplementedError


# ---------------------------------------------------------------- notebook instances

_NOTEBOOK_STATES: dict[str, Observed] = {
    "InService": "running",
    "Stopped": "stopped",
    "Pending": "transitional",
    "Stopping": "transitional",
    "Updating": "transitional",
    "Deleting": "unusable",
    "Failed": "unusable",
}


def _notebook_status(ctx: FixContext, name: str) -> str:
    return str(
        ctx.read("sagemaker", "DescribeNotebookInstance", NotebookInstanceName=name).get(
            "NotebookInstanceStatus", ""
        )
    )


class NotebookInstances(Schedulable):
    kind = "notebook-instance"
    resource_kind = ResourceKind.NOTEBOOK_INSTANCE
    calls = LIST_TAGS | {
        ("sagemaker", "ListNotebookInstances"),
        ("sagemaker", "DescribeNotebookInstance"),
        ("sagemaker", "StopNotebookInstance"),
        ("sagemaker", "StartNotebookInstance"),
    }

    def discover(self, clients: Clients, region: str) -> list[Member]:
        sm = clients("sagemaker", region)
        out = []
        for page in sm.get_paginator("list_notebook_instances").paginate(
            PaginationConfig={"PageSize": 100}
        ):
            for nb in page.get("NotebookInstances", []):
                status = nb["NotebookInstanceStatus"]
                out.append(
                    Member(
                        kind=self.kind,
                        region=region,
                        resource_id=nb["NotebookInstanceName"],
                        arn=nb["NotebookInstanceArn"],
                        name=nb["NotebookInstanceName"],
                        tags=_sm_tags(clients, region, nb["NotebookInstanceArn"]),
                        observed=_NOTEBOOK_STATES.get(status, "unusable"),
                        status=status,
                        billed=((nb["InstanceType"], 1, str(Usage.NOTEBOOK)),),
                    )
                )
        return out

    def stop(self, ctx: FixContext, member: Member) -> None:
        name = member.resource_id
        # StopNotebookInstance is refused unless InService: read again just before acting
        ctx.act(
            "stop-notebook",
            "sagemaker",
            "StopNotebookInstance",
            {"NotebookInstanceName": name},
            applied=lambda: _notebook_status(ctx, name) in ("Stopping", "Stopped"),
        )

    def start(self, ctx: FixContext, member: Member, stop_row: dict[str, Any] | None) -> None:
        name = member.resource_id
        ctx.act(
            "start-notebook",
            "sagemaker",
            "StartNotebookInstance",
            {"NotebookInstanceName": name},
            applied=lambda: _notebook_status(ctx, name) in ("Pending", "InService"),
        )


# ---------------------------------------------------------------- EC2 instances

_EC2_STATES: dict[str, Observed] = {
    "running": "running",
    "stopped": "stopped",
    "pending": "transitional",
    "stopping": "transitional",
}


def _ec2_state(ctx: FixContext, iid: str) -> str:
    out = ctx.read("ec2", "DescribeInstances", InstanceIds=[iid])
    found = [i for r in out.get("Reservations", []) for i in r.get("Instances", [])]
    return found[0]["State"]["Name"] if found else ""


class Ec2Instances(Schedulable):
    kind = "ec2-instance"
    resource_kind = ResourceKind.EC2_INSTANCE
    calls = INSTANCE_CALLS

    def discover(self, clients: Clients, region: str) -> list[Member]:
        ec2 = clients("ec2", region)
        out = []
        pages = ec2.get_paginator("describe_instances").paginate(
            Filters=[
                {
                    "Name": "instance-state-name",
                    "Values": ["pending", "running", "stopping", "stopped"],
                }
            ],
            PaginationConfig={"PageSize": 1000},
        )
        for page in pages:
            for r in page.get("Reservations", []):
                for inst in r.get("Instances", []):
                    tags = _tags(inst.get("Tags", []))
                    state = inst["State"]["Name"]
                    observed: Observed = _EC2_STATES.get(state, "unusable")
                    extra: dict[str, Any] = {}
                    if inst.get("RootDeviceType") == "instance-store":
                        observed = "unusable"
                        extra["why"] = "instance-store root device: AWS cannot stop it"
                    elif "aws:autoscaling:groupName" in tags:
                        # a stopped member fails its health check and is replaced
                        observed = "unusable"
                        extra["why"] = (
                            f"member of Auto Scaling group {tags['aws:autoscaling:groupName']}: "
                            "schedule the group's capacity instead"
                        )
                    out.append(
                        Member(
                            kind=self.kind,
                            region=region,
                            resource_id=inst["InstanceId"],
                            arn=f"arn:aws:ec2:{region}:{r.get('OwnerId', '')}:instance/"
                            f"{inst['InstanceId']}",
                            name=tags.get("Name", inst["InstanceId"]),
                            tags=tags,
                            observed=observed,
                            status=state,
                            billed=((inst["InstanceType"], 1, str(Usage.EC2)),),
                            extra=extra,
                        )
                    )
        return out

    def stop(self, ctx: FixContext, member: Member) -> None:
        iid = member.resource_id
        described = ctx.read("ec2", "DescribeInstances", InstanceIds=[iid])
        refuse_stop(ctx, [i for r in described["Reservations"] for i in r["Instances"]])
        ctx.act(
            "stop-instances",
            "ec2",
            "StopInstances",
            {"InstanceIds": [iid]},
            applied=lambda: _ec2_state(ctx, iid) in ("stopping", "stopped"),
        )

    def start(self, ctx: FixContext, member: Member, stop_row: dict[str, Any] | None) -> None:
        iid = member.resource_id
        ctx.act(
            "start-instances",
            "ec2",
            "StartInstances",
            {"InstanceIds": [iid]},
            applied=lambda: _ec2_state(ctx, iid) in ("pending", "running"),
        )


# ---------------------------------------------------------------- Studio apps

_APP_STATES: dict[str, Observed] = {
    "InService": "running",
    "Pending": "transitional",
    "Deleting": "transitional",
    "Deleted": "stopped",
    "Failed": "unusable",
}


class StudioApps(Schedulable):
    """Studio apps are deleted when off (the space's or user's EBS storage stays); there is
    nothing to start: the user reopens the app, and the schedule does not delete it again
    until the next off period begins... or the next pass, if the schedule says off."""

    kind = "studio-app"
    resource_kind = ResourceKind.STUDIO_APP
    starts = False
    calls = frozenset(
        {("sagemaker", "ListApps"), ("sagemaker", "DescribeApp"), ("sagemaker", "DeleteApp")}
    )

    def discover(self, clients: Clients, region: str) -> list[Member]:
        sm = clients("sagemaker", region)
        out = []
        for page in sm.get_paginator("list_apps").paginate(PaginationConfig={"PageSize": 50}):
            for app in page.get("Apps", []):
                if app["AppType"] == "JupyterServer" or app["Status"] == "Deleted":
                    continue  # the classic Studio UI itself, or gone
                owner = app.get("SpaceName") or app.get("UserProfileName") or ""
                key = {
                    "DomainId": app["DomainId"],
                    "AppType": app["AppType"],
                    "AppName": app["AppName"],
                    ("SpaceName" if app.get("SpaceName") else "UserProfileName"): owner,
                }
                itype = (app.get("ResourceSpec") or {}).get("InstanceType", "system")
                out.append(
                    Member(
                        kind=self.kind,
                        region=region,
                        resource_id=f"{app['DomainId']}/{owner}/{app['AppType']}/{app['AppName']}",
                        arn="",
                        name=owner,
                        tags={},
                        observed=_APP_STATES.get(app["Status"], "unusable"),
                        status=app["Status"],
                        billed=()
                        if itype == "system"
                        else ((itype, 1, str(Usage.STUDIO_NOTEBOOK)),),
                        extra={"app": key},
                    )
                )
        return out

    def stop(self, ctx: FixContext, member: Member) -> None:
        key = member.extra["app"]

        def deleted() -> bool:
            status = ctx.read("sagemaker", "DescribeApp", **key).get("Status")
            return status in ("Deleting", "Deleted")

        ctx.act("delete-app", "sagemaker", "DeleteApp", dict(key), applied=deleted)

    def start(self, ctx: FixContext, member: Member, stop_row: dict[str, Any] | None) -> None:
        return None


# ---------------------------------------------------------------- endpoints

_ENDPOINT_STATES: dict[str, Observed] = {
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


def _list_endpoints(clients: Clients, region: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(DescribeEndpoint, DescribeEndpointConfig) of every endpoint in the region."""
    sm = clients("sagemaker", region)
    out = []
    for page in sm.get_paginator("list_endpoints").paginate(PaginationConfig={"PageSize": 100}):
        for ep in page.get("Endpoints", []):
            described = sm.describe_endpoint(EndpointName=ep["EndpointName"])
            config = sm.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
            out.append((described, config))
    return out


def _billed(config: dict[str, Any], usage: Usage) -> tuple[tuple[str, int, str], ...]:
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
        for described, config in _list_endpoints(clients, region):
            if config.get("AsyncInferenceConfig") or not _billed(config, Usage.HOSTING):
                continue  # asynchronous (scaled, below) or serverless (billed per request)
            status = described["EndpointStatus"]
            out.append(
                Member(
                    kind=self.kind,
                    region=region,
                    resource_id=described["EndpointName"],
                    arn=described["EndpointArn"],
                    name=described["EndpointName"],
                    tags=_sm_tags(clients, region, described["EndpointArn"]),
                    observed=_ENDPOINT_STATES.get(status, "unusable"),
                    status=status,
                    billed=_billed(config, Usage.HOSTING),
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
            raise Skip(
                f"{member.kind} {member.resource_id} has no scalable target to lower; "
                "register one (see the endpoint-no-autoscaling finding) to schedule it"
            )
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
        for described, config in _list_endpoints(clients, region):
            if not config.get("AsyncInferenceConfig"):
                continue
            if floors is None:
                floors = _min_capacities(clients, region)
            status = described["EndpointStatus"]
            variants = [v["VariantName"] for v in described.get("ProductionVariants", [])]
            rids = [f"endpoint/{described['EndpointName']}/variant/{v}" for v in variants]
            observed = _ENDPOINT_STATES.get(status, "unusable")
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
                    tags=_sm_tags(clients, region, described["EndpointArn"]),
                    observed=observed,
                    status=status,
                    billed=_billed(config, Usage.ASYNC_INFERENCE),
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
                        tags=_sm_tags(clients, region, ic["InferenceComponentArn"]),
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


#: Every schedulable kind, by its name.
KINDS: dict[str, Schedulable] = {
    k.kind: k
    for k in (
        NotebookInstances(),
        Ec2Instances(),
        StudioApps(),
        RealTimeEndpoints(),
        AsyncEndpoints(),
        InferenceComponents(),
    )
}


def schedule_calls() -> Calls:
    """Every AWS operation a schedule pass may call, from the descriptors."""
    out: set[tuple[str, str]] = set()
    for kind in KINDS.values():
        out |= kind.calls
    return frozenset(out)
