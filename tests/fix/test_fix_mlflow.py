"""Stop an idle MLflow tracking server and start it again on undo (moto with the emulator's
MLflow calls and CloudTrail LookupEvents)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from fix_helpers import REGION, ROLE, make_runner, scan

from mlcost.demo import emulator


def _status(name: str) -> str:
    sm = boto3.client("sagemaker", region_name=REGION)
    return sm.describe_mlflow_tracking_server(TrackingServerName=name)["TrackingServerStatus"]


def _seed(name: str, ui_days_ago: float) -> None:
    boto3.client("sagemaker", region_name=REGION).create_mlflow_tracking_server(
        TrackingServerName=name,
        ArtifactStoreUri=f"s3://mlflow-artifacts/{name}",
        RoleArn=ROLE,
        TrackingServerSize="Small",
    )
    now = datetime.now(UTC)
    emulator.backdate_mlflow_tracking_server(name, now - timedelta(days=40), REGION)
    emulator.record_mlflow_ui_session(name, now - timedelta(days=ui_days_ago), REGION)


def test_stop_untouched_tracking_server_then_undo_starts_it(aws, journal):
    _seed("forgotten", ui_days_ago=30)
    _seed("daily", ui_days_ago=1)
    found = scan(["idle-mlflow-tracking-server"])
    assert [f.resource_id for f in found.findings] == ["forgotten"]
    runner = make_runner(journal)

    [outcome] = runner.apply(found, found.findings)

    assert outcome.state == "done", outcome.reason
    assert (_status("forgotten"), _status("daily")) == ("Stopped", "Created")
    assert runner.undo(outcome.fix_id).state == "done"
    assert _status("forgotten") == "Started"


def test_a_ui_session_since_the_scan_skips_the_stop(aws, journal):
    _seed("forgotten", ui_days_ago=30)
    found = scan(["idle-mlflow-tracking-server"])
    emulator.record_mlflow_ui_session("forgotten", datetime.now(UTC), REGION)

    [outcome] = make_runner(journal).apply(found, found.findings)

    assert outcome.state == "skipped"
    assert _status("forgotten") == "Created"
