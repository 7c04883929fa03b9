"""Stop an idle SageMaker managed MLflow tracking server; undo starts it again.

Stopping keeps the tracking server's backend store (experiments, runs, registered models)
and its artifacts in S3; StartMlflowTrackingServer brings the same server back at the same
URL. SageMaker has no botocore waiter for tracking servers: ours poll
DescribeMlflowTrackingServer's TrackingServerStatus, with AWS's failure states.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from botocore.waiter import WaiterModel

from mlcost.fix.actions.base import LIST_TAGS, Action, PlanLines, Skip, exists, list_tags
from mlcost.fix.context import Clients, FixContext
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found


def _status_waiter(name: str, success: str, failures: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: {
            "operation": "DescribeMlflowTrackingServer",
            "delay": 30,
            "maxAttempts": 60,
            "acceptors": [
                {
                    "state": "success",
                    "matcher": "path",
                    "argument": "TrackingServerStatus",
                    "expected": success,
                },
                *(
                    {
                        "state": "failure",
                        "matcher": "path",
                        "argument": "TrackingServerStatus",
                        "expected": f,
                    }
                    for f in failures
                ),
            ],
        }
    }


MLFLOW_WAITERS = WaiterModel(
    {
        "version": 2,
        "waiters": {
            **_status_waiter("TrackingServerStopped", "Stopped", ("StopFailed",)),
            **_status_waiter("TrackingServerStarted", "Started", ("StartFailed",)),
        },
    }
)
#: Running states a stop may act on (CONTRACTS: the check reads these).
RUNNING = ("Created", "Started", "Updated", "MaintenanceComplete")


def _describe(ctx: FixContext, name: str) -> dict[str, Any] | None:
    return exists(ctx, "sagemaker", "DescribeMlflowTrackingServer", TrackingServerName=name)


def _status(ctx: FixContext, name: str) -> str | None:
    described = _describe(ctx, name)
    return None if described is None else str(described.get("TrackingServerStatus", ""))


class StopMlflowTrackingServer(Action):
    name = "stop-mlflow-tracking-server"
    kind = ResourceKind.MLFLOW_TRACKING_SERVER
    calls = LIST_TAGS | {
        ("sagemaker", "DescribeMlflowTrackingServer"),
        ("sagemaker", "StopMlflowTrackingServer"),
        ("sagemaker", "StartMlflowTrackingServer"),
    }

    def plan(self, finding: Finding) -> PlanLines:
        name = finding.fix.params["TrackingServerName"]
        return PlanLines(
            changes=[
                f"StopMlflowTrackingServer {name} (its experiments, runs, models and S3 "
                "artifacts are kept)",
                "wait until Stopped",
            ],
            snapshot=["tracking server description (size, version, URL, status) and tags"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        name = finding.fix.params["TrackingServerName"]

        def take() -> dict[str, Any]:
            described = _describe(ctx, name)
            if described is None:
                raise Skip("the tracking server no longer exists")
            arn = described.get("TrackingServerArn", "")
            return {"server": described, "tags": list_tags(ctx, arn) if arn else []}

        snap = ctx.snapshot("server", take)
        status = snap["server"].get("TrackingServerStatus")
        if status not in RUNNING and ctx.journal.last_call(ctx.fix_id, "stop") is None:
            raise Skip(f"tracking server status is {status}, not running")
        ctx.act(
            "stop",
            "sagemaker",
            "StopMlflowTrackingServer",
            {"TrackingServerName": name},
            applied=lambda: _status(ctx, name) in ("Stopping", "Stopped"),
        )
        ctx.wait(
            "sagemaker",
            "TrackingServerStopped",
            f"stopping MLflow tracking server {name}",
            model=MLFLOW_WAITERS,
            TrackingServerName=name,
        )
        return {
            "before": {"tracking_server": name, "status": status},
            "after": {"tracking_server": name, "status": _status(ctx, name)},
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        name = snap["server"]["TrackingServerName"]
        if _status(ctx, name) not in ("Starting", "Started"):
            ctx.act(
                "start",
                "sagemaker",
                "StartMlflowTrackingServer",
                {"TrackingServerName": name},
                applied=lambda: _status(ctx, name) in ("Starting", "Started"),
            )
        ctx.wait(
            "sagemaker",
            "TrackingServerStarted",
            f"starting MLflow tracking server {name}",
            model=MLFLOW_WAITERS,
            TrackingServerName=name,
        )
        return {"tracking_server": name, "status": _status(ctx, name)}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        try:
            described = clients("sagemaker", fix["region"]).describe_mlflow_tracking_server(
                TrackingServerName=fix["resource_id"]
            )
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        status = described.get("TrackingServerStatus")
        return f"tracking server is {status} again" if status in (*RUNNING, "Starting") else None
