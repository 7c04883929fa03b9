"""Studio apps: deleted off-hours (the storage stays); the user reopens them."""

from __future__ import annotations

from typing import Any

from mlcost.fix.context import Clients, FixContext
from mlcost.model import ResourceKind, Usage
from mlcost.schedule.kinds.base import Member, Observed, Schedulable

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
