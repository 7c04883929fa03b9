"""idle-mlflow-tracking-server: no UI session (CloudTrail) and no change for idle_days.

No price: ../shared/data/prices has no MLflow tracking server price, so every finding is
unpriced (null) with a warning, never $0.
"""

from __future__ import annotations

from datetime import timedelta

from checks_helpers import NOW, REGION, inventory

from mlcost.model import MlflowTrackingServer, ResourceKind
from mlcost.scan import run_checks


def server(
    *,
    status: str = "Created",
    age_days: float = 60,
    modified_days_ago: float | None = None,
    ui_sessions: int | None = 0,
    last_ui_days_ago: float | None = None,
    is_active: str = "Active",
) -> MlflowTrackingServer:
    return MlflowTrackingServer(
        kind=ResourceKind.MLFLOW_TRACKING_SERVER,
        id="team-mlflow",
        arn=f"arn:aws:sagemaker:{REGION}:123456789012:mlflow-tracking-server/team-mlflow",
        region=REGION,
        created=NOW - timedelta(days=age_days),
        status=status,
        is_active=is_active,
        size="Medium",
        mlflow_version="2.16.2",
        last_modified=NOW - timedelta(days=modified_days_ago if modified_days_ago else age_days),
        ui_sessions=ui_sessions,
        last_ui_session=NOW - timedelta(days=last_ui_days_ago) if last_ui_days_ago else None,
    )


def test_untouched_running_server_is_stopped_unpriced_with_low_confidence():
    s = server()
    result = run_checks(inventory([s]), only=["idle-mlflow-tracking-server"], now=NOW)
    [f] = result.findings
    # the window is the scan's 7 days (idle_days 14 is bounded by the lookback)
    assert f.evidence["window_hours"] == 168.0
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.confidence == 0.4
    assert f.fix.action == "stop-mlflow-tracking-server"
    assert f.fix.params == {"TrackingServerName": "team-mlflow"}
    assert any("SDK clients" in s for s in f.evidence["signals_not_checked"])
    assert any(w.startswith("unpriced: MLflow Medium in us-east-1") for w in result.warnings)


def test_a_ui_session_in_the_window_keeps_it(run_one):
    s = server(ui_sessions=1, last_ui_days_ago=2)
    assert run_one("idle-mlflow-tracking-server", s, inventory([s])) == []


def test_a_recent_start_or_update_keeps_it(run_one):
    s = server(status="Started", modified_days_ago=3)
    assert run_one("idle-mlflow-tracking-server", s, inventory([s])) == []


def test_unread_cloudtrail_gives_no_verdict(run_one):
    s = server(ui_sessions=None)
    assert run_one("idle-mlflow-tracking-server", s, inventory([s])) == []


def test_stopped_or_inactive_server_is_not_flagged(run_one):
    for s in (server(status="Stopped"), server(is_active="Inactive")):
        assert run_one("idle-mlflow-tracking-server", s, inventory([s])) == []


def test_new_server_is_not_flagged(run_one):
    s = server(age_days=3)
    assert run_one("idle-mlflow-tracking-server", s, inventory([s])) == []
