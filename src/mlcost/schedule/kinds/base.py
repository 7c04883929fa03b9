"""What every schedulable kind is: a :class:`Member` as a pass sees it, and the
:class:`Schedulable` descriptor (list, stop, start, declared calls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from mlcost.fix.actions.base import Calls
from mlcost.fix.context import Clients, FixContext
from mlcost.model import ResourceKind

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


def tag_map(items: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items}


def sagemaker_tags(clients: Clients, region: str, arn: str) -> dict[str, str]:
    sm = clients("sagemaker", region)
    out: dict[str, str] = {}
    for page in sm.get_paginator("list_tags").paginate(ResourceArn=arn):
        out.update(tag_map(page.get("Tags", [])))
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
