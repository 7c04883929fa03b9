"""notebook-no-autostop and idle-notebook.

Price (by hand): ml.t3.medium, us-east-1, Studio-Notebook CSV 2025-06-16 = $0.05/h, used for
notebook instances as a labelled substitution. Monthly: 0.05 x 730 = $36.50.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from checks_helpers import NOW, START, agent_busy, inventory, make_notebook

from mlcost.model import SeriesStatus
from mlcost.scan import run_checks

# --------------------------------------------------------------------------- notebook-no-autostop


def test_no_autostop_saves_the_hours_outside_the_assumed_working_week(run_one):
    nb = make_notebook()
    [f] = run_one("notebook-no-autostop", nb, inventory([nb]))
    assert f.monthly_cost_usd == Decimal("36.50")
    # 36.50 x (1 - 50/168) = 36.50 x 118/168 = 25.6369...
    assert f.monthly_savings_usd == Decimal("25.64")
    assert "50" in f.evidence["busy_share_basis"] and "168" in f.evidence["busy_share_basis"]
    assert f.evidence["price"]["basis"] == "substitution"
    assert f.fix.action == "attach-lifecycle-config"
    assert f.fix.params == {
        "NotebookInstanceName": "alice-nb",
        "LifecycleConfigName": "mlcost-autostop",
    }


def test_busy_hours_assumption_is_configurable(run_one):
    nb = make_notebook()
    [f] = run_one("notebook-no-autostop", nb, inventory([nb]), busy_hours_per_week=84)
    assert f.monthly_savings_usd == Decimal("18.25")  # 36.50 x (1 - 84/168)


def test_observed_agent_activity_replaces_the_assumption(run_one):
    nb = make_notebook()
    # busy 06:00-11:59 every day: 6 of 24 hours -> share 0.25 over the 168 observed hours
    busy = agent_busy(nb.id, lambda t: 1 if 6 <= t.hour < 12 else 0)
    [f] = run_one("notebook-no-autostop", nb, inventory([nb], {nb.key: [busy]}))
    assert f.evidence["busy_hours_observed"] == 42 and f.evidence["hours_observed"] == 168
    assert f.monthly_savings_usd == Decimal("27.38")  # 36.50 x 0.75 = 27.375, half up


def test_guarded_notebook_is_not_flagged(run_one):
    nb = make_notebook(has_idle_guard=True)
    assert run_one("notebook-no-autostop", nb, inventory([nb])) == []


def test_unknown_guard_is_not_claimed_unless_asked(run_one):
    nb = make_notebook(has_idle_guard=None)
    assert run_one("notebook-no-autostop", nb, inventory([nb])) == []
    [f] = run_one("notebook-no-autostop", nb, inventory([nb]), flag_unknown_guard=True)
    assert f.confidence <= 0.3
    assert "unknown guard" in f.title and f.evidence["has_idle_guard"] is None


def test_stopped_notebook_is_not_flagged(run_one):
    nb = make_notebook(status="Stopped")
    assert run_one("notebook-no-autostop", nb, inventory([nb])) == []


def test_unpriced_notebook_type_gives_none_and_a_warning():
    nb = make_notebook(instance_type="ml.zz9.large")
    result = run_checks(inventory([nb]), only=["notebook-no-autostop"], now=NOW)
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert any(w.startswith("unpriced: ml.zz9.large in us-east-1") for w in result.warnings)


# --------------------------------------------------------------------------- idle-notebook


def test_idle_notebook_flagged_after_24_quiet_hours(run_one):
    nb = make_notebook(has_idle_guard=True)
    busy = agent_busy(nb.id, lambda t: 1 if t < NOW - timedelta(hours=30) else 0)
    [f] = run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]}), idle_hours=24)
    assert f.monthly_savings_usd == Decimal("36.50")
    assert f.fix.action == "stop-notebook-instance"
    assert f.fix.params == {"NotebookInstanceName": "alice-nb"}
    assert f.evidence["agent_busy_max"] == 0
    assert f.evidence["window_hours"] == 24.0


def test_recent_activity_is_not_idle(run_one):
    nb = make_notebook()
    busy = agent_busy(nb.id, lambda t: 1 if t == NOW - timedelta(hours=3) else 0)
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]})) == []


def test_notebook_without_agent_metrics_is_not_idle(run_one):
    nb = make_notebook()
    assert run_one("idle-notebook", nb, inventory([nb])) == []


def test_error_series_is_never_idle(run_one):
    nb = make_notebook()
    failed = agent_busy(nb.id, 0, status=SeriesStatus.ERROR)
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [failed]})) == []


def test_stale_agent_data_is_not_idle(run_one):
    # the agent stopped publishing 6 hours ago: we do not know what happened since
    nb = make_notebook()
    busy = agent_busy(nb.id, 0, end=NOW - timedelta(hours=6))
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]})) == []


def test_too_little_data_is_not_idle(run_one):
    nb = make_notebook()
    busy = agent_busy(nb.id, 0, start=NOW - timedelta(hours=10))
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]})) == []


def test_idle_hours_setting(run_one):
    nb = make_notebook()
    busy = agent_busy(nb.id, lambda t: 1 if t < NOW - timedelta(hours=30) else 0, start=START)
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]}), idle_hours=48) == []
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]}), idle_hours=12)


def test_opt_out_tag_removes_both_notebook_findings():
    nb = make_notebook(tags={"mlcost:skip": "TRUE"})
    busy = agent_busy(nb.id, 0)
    assert run_checks(inventory([nb], {nb.key: [busy]}), now=NOW).findings == []


def test_weekday_user_is_not_forgotten_on_monday_morning(run_one):
    # used 09:00-17:00 on weekdays; scanned Monday 09:00 after 64 quiet weekend hours
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    nb = make_notebook()

    def weekdays(t):
        return 1 if t.weekday() < 5 and 9 <= t.hour < 17 else 0

    busy = agent_busy(nb.id, weekdays, start=monday - timedelta(days=7), end=monday)
    inv = inventory([nb], {nb.key: [busy]}, end=monday)
    assert run_one("idle-notebook", nb, inv) == []


def test_idle_for_the_whole_default_window_is_flagged(run_one):
    nb = make_notebook()
    busy = agent_busy(nb.id, 0, start=START)
    [f] = run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]}))
    assert f.evidence["window_hours"] == 72.0
