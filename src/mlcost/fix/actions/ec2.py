"""EC2 fixes: stop an idle instance; take an idle member out of its Auto Scaling group or
EKS managed node group.

Why standby for an Auto Scaling group: stopping a member fails its health check and the
group launches a replacement (the bill goes on), while lowering the desired capacity lets
the group terminate an instance of its own choosing, and termination deletes a root volume
marked DeleteOnTermination. EnterStandby with ShouldDecrementDesiredCapacity takes exactly
the idle instance out of service without replacement; it is then stopped, its volumes kept.
Undo starts it and puts it back (ExitStandby). An EKS managed node group offers no such
call: its fix lowers the desired size and EKS picks the node (see docs/fixes.md).
"""

from __future__ import annotations

from typing import Any

from botocore.waiter import WaiterModel

from mlcost.fix.actions.base import Action, Calls, PlanLines, Skip
from mlcost.fix.context import Clients, FixContext
from mlcost.model import Finding, ResourceKind


def _instances(ctx: FixContext, ids: list[str]) -> list[dict[str, Any]]:
    out = ctx.read("ec2", "DescribeInstances", InstanceIds=ids)
    return [i for r in out.get("Reservations", []) for i in r.get("Instances", [])]


def _states(ctx: FixContext, ids: list[str]) -> set[str]:
    return {i["State"]["Name"] for i in _instances(ctx, ids)}


#: Until every instance is Standby: EnterStandby answers while they are still EnteringStandby
#: (deregistering from the group's load balancers, up to their deregistration delay).
STANDBY = WaiterModel(
    {
        "version": 2,
        "waiters": {
            "InstancesInStandby": {
                "operation": "DescribeAutoScalingInstances",
                "delay": 15,
                "maxAttempts": 40,
                "acceptors": [
                    {
                        "state": "success",
                        "matcher": "pathAll",
                        "argument": "AutoScalingInstances[].LifecycleState",
                        "expected": "Standby",
                    },
                    *(
                        {
                            "state": "failure",
                            "matcher": "pathAny",
                            "argument": "AutoScalingInstances[].LifecycleState",
                            "expected": state,
                        }
                        for state in ("Terminating", "Terminated", "Detaching", "Detached")
                    ),
                ],
            }
        },
    }
)


def _spot_request_type(ctx: FixContext, instance: dict[str, Any]) -> str | None:
    """The Type (one-time / persistent) of the Spot request behind a Spot Instance."""
    rid = instance.get("SpotInstanceRequestId")
    params: dict[str, Any] = (
        {"SpotInstanceRequestIds": [rid]}
        if rid
        else {"Filters": [{"Name": "instance-id", "Values": [instance["InstanceId"]]}]}
    )
    found = ctx.read("ec2", "DescribeSpotInstanceRequests", **params).get(
        "SpotInstanceRequests", []
    )
    return found[0].get("Type") if found else None


def refuse_stop(ctx: FixContext, instances: list[dict[str, Any]]) -> None:
    """Skip, before any change, instances that AWS refuses to stop (moto stops them all).

    StopInstances fails with UnsupportedOperation for an instance-store-backed instance and
    for a Spot Instance unless its request is persistent (a one-time or fleet instance can
    only be terminated); one refused instance fails the whole call."""
    for instance in instances:
        iid = instance["InstanceId"]
        if instance.get("RootDeviceType") == "instance-store":
            raise Skip(f"{iid} has an instance-store root device: AWS cannot stop it")
        if instance.get("InstanceLifecycle") == "spot":
            kind = _spot_request_type(ctx, instance)
            if kind != "persistent":
                raise Skip(
                    f"{iid} is a Spot Instance whose request is {kind or 'not found'}: AWS "
                    "stops only Spot Instances of a persistent request"
                )


def _stop_instances(ctx: FixContext, ids: list[str]) -> None:
    ctx.act(
        "stop-instances",
        "ec2",
        "StopInstances",
        {"InstanceIds": ids},
        applied=lambda: _states(ctx, ids) <= {"stopping", "stopped"},
    )
    ctx.wait("ec2", "instance_stopped", f"stopping {', '.join(ids)}", InstanceIds=ids)


def _start_instances(ctx: FixContext, ids: list[str]) -> None:
    ctx.act(
        "start-instances",
        "ec2",
        "StartInstances",
        {"InstanceIds": ids},
        applied=lambda: _states(ctx, ids) <= {"pending", "running"},
    )
    ctx.wait("ec2", "instance_running", f"starting {', '.join(ids)}", InstanceIds=ids)


#: Describe (snapshot, verify, and the instance_stopped/instance_running waiters), stop,
#: start (undo), and the Spot request read that refuses a one-time Spot Instance.
INSTANCE_CALLS: Calls = frozenset(
    {
        ("ec2", "DescribeInstances"),
        ("ec2", "DescribeSpotInstanceRequests"),
        ("ec2", "StopInstances"),
        ("ec2", "StartInstances"),
    }
)


def _snapshot_instances(ctx: FixContext, ids: list[str]) -> dict[str, Any]:
    return {"instances": _instances(ctx, ids)}


def _brief(instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "InstanceId": i["InstanceId"],
            "InstanceType": i.get("InstanceType"),
            "State": i["State"]["Name"],
        }
        for i in instances
    ]


def _running_again(clients: Clients, region: str, ids: list[str]) -> str | None:
    out = clients("ec2", region).describe_instances(InstanceIds=ids)
    running = [
        i["InstanceId"]
        for r in out.get("Reservations", [])
        for i in r.get("Instances", [])
        if i["State"]["Name"] in ("pending", "running")
    ]
    return f"running again: {', '.join(running)}" if running else None


class StopInstances(Action):
    name = "stop-instances"
    kind = ResourceKind.EC2_INSTANCE
    calls = INSTANCE_CALLS
    tag_service = "ec2"

    def plan(self, finding: Finding) -> PlanLines:
        ids = finding.fix.params["InstanceIds"]
        return PlanLines(
            changes=[
                f"StopInstances {', '.join(ids)} (EBS volumes kept; instance-store contents, "
                "if the type has any, are lost)",
                "wait until stopped",
            ],
            snapshot=["instance descriptions (state, type)"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        ids = list(finding.fix.params["InstanceIds"])
        snap = ctx.snapshot("instances", lambda: _snapshot_instances(ctx, ids))
        refuse_stop(ctx, snap["instances"])
        _stop_instances(ctx, ids)
        return {"before": _brief(snap["instances"]), "after": _brief(_instances(ctx, ids))}

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        ids = [i["InstanceId"] for i in snap["instances"] if i["State"]["Name"] == "running"]
        _start_instances(ctx, ids)
        return {"instances": _brief(_instances(ctx, ids))}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        return _running_again(clients, fix["region"], fix["params"]["InstanceIds"])

    def tag_target(self, finding: Finding) -> tuple[str, str]:
        return self.tag_service, finding.resource_id


def _group(ctx: FixContext, name: str) -> dict[str, Any]:
    groups = ctx.read("autoscaling", "DescribeAutoScalingGroups", AutoScalingGroupNames=[name])
    found = groups.get("AutoScalingGroups", [])
    if not found:
        raise Skip(f"Auto Scaling group {name} no longer exists")
    return found[0]


def _lifecycle(group: dict[str, Any], ids: list[str]) -> set[str]:
    return {i["LifecycleState"] for i in group.get("Instances", []) if i["InstanceId"] in ids}


class ScaleDownAutoScalingGroup(Action):
    name = "scale-down-auto-scaling-group"
    kind = ResourceKind.EC2_INSTANCE
    # DescribeAutoScalingInstances: the STANDBY waiter's poll
    calls = INSTANCE_CALLS | {
        ("autoscaling", "DescribeAutoScalingGroups"),
        ("autoscaling", "DescribeAutoScalingInstances"),
        ("autoscaling", "UpdateAutoScalingGroup"),
        ("autoscaling", "EnterStandby"),
        ("autoscaling", "ExitStandby"),
    }
    tag_service = "ec2"

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        ids = ", ".join(p["InstanceIds"])
        return PlanLines(
            changes=[
                f"lower MinSize of {p['AutoScalingGroupName']} if it would block the change",
                f"EnterStandby {ids} with ShouldDecrementDesiredCapacity (no replacement)",
                "wait until they are Standby (drained from the group's load balancers)",
                f"StopInstances {ids} (EBS volumes kept)",
            ],
            snapshot=["group sizes (min, max, desired) and members", "instance descriptions"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        p = finding.fix.params
        name, ids = p["AutoScalingGroupName"], list(p["InstanceIds"])
        snap = ctx.snapshot(
            "group", lambda: {"group": _group(ctx, name), **_snapshot_instances(ctx, ids)}
        )
        group = snap["group"]
        members = {i["InstanceId"]: i["LifecycleState"] for i in group.get("Instances", [])}
        if any(members.get(i) != "InService" for i in ids):
            raise Skip(f"not every instance is InService in {name}: {members}")
        refuse_stop(ctx, snap["instances"])
        target = group["DesiredCapacity"] - len(ids)
        if target < group["MinSize"]:
            ctx.act(
                "lower-min-size",
                "autoscaling",
                "UpdateAutoScalingGroup",
                {"AutoScalingGroupName": name, "MinSize": target},
            )
        ctx.act(
            "enter-standby",
            "autoscaling",
            "EnterStandby",
            {
                "AutoScalingGroupName": name,
                "InstanceIds": ids,
                "ShouldDecrementDesiredCapacity": True,
            },
            applied=lambda: _lifecycle(_group(ctx, name), ids) <= {"EnteringStandby", "Standby"},
        )
        # stop only once the group has let go of them: an instance stopped while still
        # EnteringStandby may fail a health check and be replaced
        ctx.wait(
            "autoscaling",
            "InstancesInStandby",
            f"moving {', '.join(ids)} to Standby",
            model=STANDBY,
            InstanceIds=ids,
        )
        _stop_instances(ctx, ids)
        after = _group(ctx, name)
        return {
            "before": {"group": name, "desired": group["DesiredCapacity"], "min": group["MinSize"]},
            "after": {
                "group": name,
                "desired": after["DesiredCapacity"],
                "min": after["MinSize"],
                "instances": _brief(_instances(ctx, ids)),
            },
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        group = snap["group"]
        name = group["AutoScalingGroupName"]
        ids = [i["InstanceId"] for i in snap["instances"]]
        _start_instances(ctx, ids)
        ctx.act(
            "exit-standby",
            "autoscaling",
            "ExitStandby",
            {"AutoScalingGroupName": name, "InstanceIds": ids},
            applied=lambda: _lifecycle(_group(ctx, name), ids) <= {"Pending", "InService"},
        )
        ctx.act(
            "restore-min-size",
            "autoscaling",
            "UpdateAutoScalingGroup",
            {"AutoScalingGroupName": name, "MinSize": group["MinSize"]},
        )
        after = _group(ctx, name)
        return {"group": name, "desired": after["DesiredCapacity"], "min": after["MinSize"]}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        return _running_again(clients, fix["region"], fix["params"]["InstanceIds"])

    def tag_target(self, finding: Finding) -> tuple[str, str]:
        return self.tag_service, finding.resource_id


def _resize_nodegroup(
    ctx: FixContext, step: str, cluster: str, nodegroup: str, scaling: dict[str, Any]
) -> None:
    """UpdateNodegroupConfig as journaled step ``step``, then wait until the group is ACTIVE:
    the fix and its undo differ only in the step's name and the sizes."""
    ctx.act(
        step,
        "eks",
        "UpdateNodegroupConfig",
        {"clusterName": cluster, "nodegroupName": nodegroup, "scalingConfig": scaling},
    )
    ctx.wait(
        "eks",
        "nodegroup_active",
        f"resizing node group {nodegroup}",
        clusterName=cluster,
        nodegroupName=nodegroup,
    )


class ScaleDownNodegroup(Action):
    name = "scale-down-nodegroup"
    kind = ResourceKind.EC2_INSTANCE
    # DescribeNodegroup: snapshot, verify, and the nodegroup_active waiter's poll
    calls = frozenset({("eks", "DescribeNodegroup"), ("eks", "UpdateNodegroupConfig")})
    tag_service = "ec2"

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        return PlanLines(
            changes=[
                f"UpdateNodegroupConfig {p.get('clusterName', '?')}/{p['nodegroupName']}: "
                f"desiredSize - {len(p['InstanceIds'])} (EKS picks the node to remove)",
                "wait until the node group is ACTIVE",
            ],
            snapshot=["node group scalingConfig"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        p = finding.fix.params
        cluster, nodegroup = p.get("clusterName"), p["nodegroupName"]
        if not cluster:
            raise Skip(
                "the instance has no eks:cluster-name tag: the node group's cluster is unknown"
            )
        snap = ctx.snapshot(
            "nodegroup",
            lambda: ctx.read(
                "eks", "DescribeNodegroup", clusterName=cluster, nodegroupName=nodegroup
            )["nodegroup"],
        )
        scaling = snap["scalingConfig"]
        desired = scaling["desiredSize"] - len(p["InstanceIds"])
        new = {
            "minSize": min(scaling["minSize"], desired),
            "maxSize": scaling["maxSize"],
            "desiredSize": desired,
        }
        _resize_nodegroup(ctx, "update-nodegroup-config", cluster, nodegroup, new)
        return {"before": {"scalingConfig": scaling}, "after": {"scalingConfig": new}}

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        cluster, nodegroup = snap["clusterName"], snap["nodegroupName"]
        scaling = {k: snap["scalingConfig"][k] for k in ("minSize", "maxSize", "desiredSize")}
        _resize_nodegroup(ctx, "restore-nodegroup-config", cluster, nodegroup, scaling)
        return {"scalingConfig": scaling}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        p = fix["params"]
        ng = clients("eks", fix["region"]).describe_nodegroup(
            clusterName=p["clusterName"], nodegroupName=p["nodegroupName"]
        )["nodegroup"]
        target = (fix.get("after") or {}).get("scalingConfig", {}).get("desiredSize")
        if target is not None and ng["scalingConfig"]["desiredSize"] > target:
            return f"node group desiredSize is {ng['scalingConfig']['desiredSize']} again"
        return None

    def tag_target(self, finding: Finding) -> tuple[str, str]:
        return self.tag_service, finding.resource_id
