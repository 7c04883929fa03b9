"""idle-mlflow-tracking-server: a running SageMaker managed MLflow tracking server nobody
has touched in the window.

A tracking server bills for every hour it runs, by size (Small / Medium / Large), used or
not; aws-nuke #527 calls them resources that "keep billing while practically invisible in
the console". What can be observed of their use from the control plane is little:

* ``CreatePresignedMlflowTrackingServerUrl`` in CloudTrail: someone opened the MLflow UI
  (Studio or console); a management event, kept 90 days in LookupEvents;
* ``LastModifiedTime``: the server was created, started, stopped or updated.

What cannot be observed there: runs, metrics and models logged by SDK clients (MLflow's REST
API is a data plane; its calls are not management events, and reading the runs needs the
tracking server's own API), and any CloudWatch metric per server (SageMaker publishes none
that we know of). A server used only from training scripts therefore looks idle here, so a
finding is "review", with low confidence.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mlcost.checks._support import finding_for, window_evidence
from mlcost.checks.registry import check
from mlcost.model import Finding, Fix, Inventory, MlflowTrackingServer, ResourceKind, Risk

#: TrackingServerStatus values of a running (billing) server.
RUNNING = ("Created", "Started", "Updated", "MaintenanceComplete")
#: Evidence usage label of the unpriced item (no MLflow price in the catalogue).
USAGE = "mlflow-tracking-server"
NO_PRICE = (
    "no SageMaker MLflow tracking server price in the catalogue (../shared/data/prices has "
    "none); AWS prices it per hour by size"
)


@check(
    "idle-mlflow-tracking-server",
    ResourceKind.MLFLOW_TRACKING_SERVER,
    statuses=RUNNING,
    idle_days=14,
)
def idle_mlflow_tracking_server(
    resource: MlflowTrackingServer, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A running MLflow tracking server with no UI session and no change for ``idle_days``.

    Rule: status Created / Started / Updated / MaintenanceComplete (IsActive not
    ``Inactive``); created and last modified before the last ``idle_days`` (default 14, the
    scan's own lookback bounds it: CloudTrail is read over the scan's window); CloudTrail
    was read and holds no ``CreatePresignedMlflowTrackingServerUrl`` for it since then.
    Confidence 0.4: SDK clients logging runs are not visible (docstring of the module).

    Money: unpriced (null, with a warning): the price data holds no MLflow tracking server
    price; ``mlcost prices refresh`` does not fetch one yet. Fix: StopMlflowTrackingServer
    (the backend store and the artifacts in S3 are kept; StartMlflowTrackingServer resumes).
    """
    if resource.status not in RUNNING or resource.is_active == "Inactive":
        return []
    if resource.ui_sessions is None:  # CloudTrail unread: no verdict
        return []
    end = inventory.end
    days = min(float(settings["idle_days"]), float((end - inventory.start).days))
    start = end - timedelta(days=days)
    for when in (resource.created, resource.last_modified):
        if when is not None and when > start:
            return []
    if resource.last_ui_session is not None and resource.last_ui_session > start:
        return []
    if resource.ui_sessions and resource.last_ui_session is None:
        return []
    evidence: dict[str, Any] = {
        **window_evidence(start, end),
        "tracking_server_size": resource.size,
        "mlflow_version": resource.mlflow_version,
        "status": resource.status,
        "last_modified": resource.last_modified.isoformat() if resource.last_modified else None,
        "ui_sessions_in_window": 0,
        "signals_used": [
            "CloudTrail CreatePresignedMlflowTrackingServerUrl (MLflow UI opened): none",
            "DescribeMlflowTrackingServer LastModifiedTime: no start, stop or update",
        ],
        "signals_not_checked": [
            "runs, metrics and models logged by SDK clients (MLflow REST API: data plane, "
            "not CloudTrail management events)",
            "a CloudWatch metric per tracking server (SageMaker publishes none we know of)",
        ],
        "unpriced": NO_PRICE,
        "unpriced_instance_type": f"MLflow {resource.size or 'unknown size'}",
        "unpriced_usage": USAGE,
    }
    return [
        finding_for(
            "idle-mlflow-tracking-server",
            resource,
            title=f"MLflow tracking server {resource.id} ({resource.size}): no UI session or "
            f"change in {days:g} days (SDK use not visible)",
            evidence=evidence,
            cost=None,
            saving=None,
            fix=Fix("stop-mlflow-tracking-server", {"TrackingServerName": resource.id}),
            risk=Risk.REVIEW,
            confidence=0.4,
        )
    ]
