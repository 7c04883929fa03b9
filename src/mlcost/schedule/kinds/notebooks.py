"""Notebook instances: stopped and started (the ML storage volume stays)."""

from __future__ import annotations

from typing import Any

from mlcost.fix.actions.base import LIST_TAGS
from mlcost.fix.context import Clients, FixContext
from mlcost.model import ResourceKind, Usage
from mlcost.schedule.kinds.base import Member, Observed, Schedulable, sagemaker_tags

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
                        tags=sagemaker_tags(clients, region, nb["NotebookInstanceArn"]),
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
