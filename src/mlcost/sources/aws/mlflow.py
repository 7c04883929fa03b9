"""SageMaker managed MLflow tracking servers as a resource kind.

Listed with ListMlflowTrackingServers (``MaxResults`` 100), described one by one
(DescribeMlflowTrackingServer has the size, IsActive and the last change), tagged with
ListTags. Their use is hard to see from outside: SageMaker publishes no CloudWatch metric per
tracking server that we know of, and the MLflow REST calls clients make (log a run, a metric)
are data-plane calls, not CloudTrail management events. What *is* a management event is
``CreatePresignedMlflowTrackingServerUrl``: every time someone opens the MLflow UI from
Studio or the console. One paginated CloudTrail ``LookupEvents`` per region (50 a page, the
API's maximum) over the window counts those per server.
"""

from __future__ import annotations

import json
from typing import Any

from mlcost.model import MlflowTrackingServer, Resource, ResourceKind
from mlcost.sources.aws.descriptors import (
    Describe,
    Enrichment,
    KindSpec,
    ListCall,
    RegionContext,
)
from mlcost.sources.aws.kinds import register

#: The management event of opening a tracking server's UI (Studio, console, presigned URL).
UI_EVENT = "CreatePresignedMlflowTrackingServerUrl"
#: LookupEvents returns at most 50 events a page.
LOOKUP_PAGE = 50


def build_tracking_server(ctx: RegionContext, item: dict[str, Any]) -> MlflowTrackingServer:
    return MlflowTrackingServer(
        kind=ResourceKind.MLFLOW_TRACKING_SERVER,
        id=item["TrackingServerName"],
        arn=item.get("TrackingServerArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        status=item.get("TrackingServerStatus", ""),
        is_active=item.get("IsActive"),
        size=item.get("TrackingServerSize", ""),
        mlflow_version=item.get("MlflowVersion", ""),
        last_modified=item.get("LastModifiedTime"),
    )


def _server_name(event: dict[str, Any]) -> str | None:
    """The tracking server an event is about: its request parameters, else its resources."""
    try:
        detail = json.loads(event.get("CloudTrailEvent") or "{}")
    except ValueError:
        detail = {}
    name = (detail.get("requestParameters") or {}).get("trackingServerName")
    if name:
        return str(name)
    for resource in event.get("Resources") or []:
        value = str(resource.get("ResourceName", ""))
        if value:
            return value.rsplit("/", 1)[-1]
    return None


def attach_ui_sessions(ctx: RegionContext, resources: list[Resource]) -> None:
    """Count each server's UI openings in the window (one LookupEvents listing per region).

    When CloudTrail cannot be read, every server keeps ``ui_sessions`` None (unknown) and
    the failure is recorded."""
    servers = {r.id: r for r in resources if isinstance(r, MlflowTrackingServer)}
    counts: dict[str, int] = {}
    latest: dict[str, Any] = {}
    try:
        pages = (
            ctx.client("cloudtrail")
            .get_paginator("lookup_events")
            .paginate(
                LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": UI_EVENT}],
                StartTime=ctx.window.start,
                EndTime=ctx.window.end,
                PaginationConfig={"PageSize": LOOKUP_PAGE},
            )
        )
        for page in pages:
            for event in page.get("Events", []):
                name = _server_name(event)
                if name not in servers:
                    continue
                counts[name] = counts.get(name, 0) + 1
                when = event.get("EventTime")
                if when is not None and (name not in latest or when > latest[name]):
                    latest[name] = when
    except Exception as exc:
        ctx.error("cloudtrail", "LookupEvents", exc)
        return
    for name, server in servers.items():
        assert isinstance(server, MlflowTrackingServer)
        server.ui_sessions = counts.get(name, 0)
        server.last_ui_session = latest.get(name)


register(
    KindSpec(
        kind=ResourceKind.MLFLOW_TRACKING_SERVER,
        service="sagemaker",
        id_field="TrackingServerName",
        arn_field="TrackingServerArn",
        status_field="TrackingServerStatus",
        listing=ListCall("list_mlflow_tracking_servers", "TrackingServerSummaries"),
        describe=Describe("describe_mlflow_tracking_server", ("TrackingServerName",)),
        enrich=(Enrichment("cloudtrail", ("lookup_events",), attach_ui_sessions),),
        build=build_tracking_server,
        model=MlflowTrackingServer,
    )
)
