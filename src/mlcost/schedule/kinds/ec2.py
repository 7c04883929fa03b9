"""EC2 instances: stopped and started (EBS stays); group members and instance-store roots
are reported, never stopped."""

from __future__ import annotations

from typing import Any

from mlcost.fix.actions.ec2 import INSTANCE_CALLS, refuse_stop
from mlcost.fix.context import Clients, FixContext
from mlcost.model import ResourceKind, Usage
from mlcost.schedule.kinds.base import Member, Observed, Schedulable, tag_map

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
                    tags = tag_map(inst.get("Tags", []))
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
