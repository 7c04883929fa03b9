"""MLflow tracking servers' UI sessions from CloudTrail LookupEvents, held to the real
response shape with botocore's Stubber (moto has no LookupEvents)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import Stubber

from mlcost.model import MlflowTrackingServer, ResourceKind
from mlcost.sources.aws.descriptors import Window
from mlcost.sources.aws.mlflow import UI_EVENT, attach_ui_sessions

END = datetime(2026, 11, 20, 12, tzinfo=UTC)
WINDOW = Window(END - timedelta(days=14), END)


class _Ctx:
    region = "us-east-1"
    partition = "aws"
    window = WINDOW

    def __init__(self, client) -> None:
        self._client = client
        self.errors: list[tuple[str, str]] = []

    def client(self, service: str):
        return self._client

    def lookup(self, *a, **k):
        raise NotImplementedError

    def error(self, service: str, operation: str, exc: BaseException) -> None:
        self.errors.append((service, operation))


def _server(name: str) -> MlflowTrackingServer:
    return MlflowTrackingServer(ResourceKind.MLFLOW_TRACKING_SERVER, name, "", "us-east-1")


def _event(when: datetime, *, detail: dict | None, resources: list | None = None) -> dict:
    return {
        "EventId": "5e3f1c1e-0000-4000-8000-000000000001",
        "EventName": UI_EVENT,
        "ReadOnly": "false",
        "EventTime": when,
        "EventSource": "sagemaker.amazonaws.com",
        "Username": "alice",
        "Resources": resources or [],
        "CloudTrailEvent": json.dumps(detail) if detail is not None else "not json",
    }


def test_ui_sessions_are_counted_per_server_across_pages():
    client = boto3.client("cloudtrail", region_name="us-east-1")
    expected = {
        "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": UI_EVENT}],
        "StartTime": WINDOW.start,
        "EndTime": WINDOW.end,
        "MaxResults": 50,
    }
    first = [
        _event(END - timedelta(days=1), detail={"requestParameters": {"trackingServerName": "a"}}),
        _event(END - timedelta(days=5), detail={"requestParameters": {"trackingServerName": "a"}}),
    ]
    second = [
        # no request parameters: the event's resources name the server (by ARN)
        _event(
            END - timedelta(days=3),
            detail=None,
            resources=[
                {
                    "ResourceType": "AWS::SageMaker::MlflowTrackingServer",
                    "ResourceName": "arn:aws:sagemaker:us-east-1:123456789012:"
                    "mlflow-tracking-server/b",
                }
            ],
        ),
        _event(END - timedelta(days=2), detail={"requestParameters": {"trackingServerName": "z"}}),
    ]
    servers = [_server("a"), _server("b"), _server("c")]
    with Stubber(client) as stub:
        stub.add_response("lookup_events", {"Events": first, "NextToken": "t1"}, expected)
        stub.add_response("lookup_events", {"Events": second}, {**expected, "NextToken": "t1"})
        ctx = _Ctx(client)
        attach_ui_sessions(ctx, servers)
        stub.assert_no_pending_responses()
    a, b, c = servers
    assert (a.ui_sessions, a.last_ui_session) == (2, END - timedelta(days=1))
    assert (b.ui_sessions, b.last_ui_session) == (1, END - timedelta(days=3))
    assert (c.ui_sessions, c.last_ui_session) == (0, None)
    assert ctx.errors == []


def test_unreadable_cloudtrail_leaves_use_unknown():
    client = boto3.client("cloudtrail", region_name="us-east-1")
    servers = [_server("a")]
    with Stubber(client) as stub:
        stub.add_client_error("lookup_events", "AccessDeniedException", http_status_code=400)
        ctx = _Ctx(client)
        attach_ui_sessions(ctx, servers)
    assert servers[0].ui_sessions is None
    assert ctx.errors == [("cloudtrail", "LookupEvents")]
