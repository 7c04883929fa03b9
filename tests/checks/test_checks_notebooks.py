"""notebook-no-autostop and idle-notebook.

Price (by hand): ml.t3.medium, us-east-1, Studio-Notebook CSV 2025-06-16 = $0.05/h, used for
notebook instances as a labelled substitution. Monthly: 0.05 x 730 = $36.50.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from checks_helpers import NOW, START, agent_busy, agent_idle, inventory, make_notebook, series

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
    idle = agent_idle(nb.id, NOW - timedelta(hours=30))
    [f] = run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy, idle]}), idle_hours=24)
    assert f.monthly_savings_usd == Decimal("36.50")
    assert f.fix.action == "stop-notebook-instance"
    assert f.fix.params == {"NotebookInstanceName": "alice-nb"}
    assert f.evidence["agent_busy_max"] == 0
    assert f.evidence["window_hours"] == 24.0
    # the hour's last datapoint (:55) read as if taken at the hour's end: 5 minutes late
    since = NOW - timedelta(hours=30) + timedelta(minutes=5)
    assert f.evidence["agent_idle_since"] == since.isoformat()


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
    idle = agent_idle(nb.id, NOW - timedelta(hours=30))
    inv = inventory([nb], {nb.key: [busy, idle]})
    assert run_one("idle-notebook", nb, inv, idle_hours=48) == []
    assert run_one("idle-notebook", nb, inv, idle_hours=12)


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
    idle = agent_idle(nb.id, START - timedelta(days=1))
    [f] = run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy, idle]}))
    assert f.evidence["window_hours"] == 72.0


def test_busy_zero_without_idle_seconds_is_not_idle(run_one):
    """An agent whose IdleSeconds was not read: Busy alone never makes a notebook idle."""
    nb = make_notebook()
    busy = agent_busy(nb.id, 0, start=START)
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy]})) == []


def test_idle_seconds_shorter_than_the_window_is_not_idle(run_one):
    nb = make_notebook()
    busy = agent_busy(nb.id, 0, start=START)
    idle = agent_idle(nb.id, NOW - timedelta(hours=40))  # the agent saw work 40 h ago
    assert run_one("idle-notebook", nb, inventory([nb], {nb.key: [busy, idle]})) == []


# --------------------------------------------------------------------------- the agent's own series


def _published(sampler) -> dict[str, list]:
    """Run the real agent over the week before NOW (a sample every 30 s, a batch every 5
    minutes) and return its Busy and IdleSeconds datapoints as (time, value) lists."""
    from mlcost.agent.core.config import AgentConfig
    from mlcost.agent.core.runner import Agent
    from mlcost.agent.core.target import Target

    points: dict[str, list] = {"Busy": [], "IdleSeconds": []}

    class Api:
        via = "recorded"

        def put_metric_data(self, ns, data):
            for d in data:
                if d["MetricName"] in points:
                    points[d["MetricName"]].append((d["Timestamp"], d["Value"]))

    clock = [START]

    def tick(_s):
        clock[0] += timedelta(seconds=30)

    agent = Agent(
        AgentConfig(signals=("jupyter",), max_samples=7 * 24 * 120),
        clock=lambda: clock[0],
        sleep=tick,
        samplers=[("jupyter", lambda: sampler(clock[0]))],
        api=Api(),
        target=Target("notebook", "us-east-1", {"NotebookInstanceName": "alice-nb"}),
    )
    agent.run()
    return points


def _hourly_max(nb, label: str, metric: str, points) -> object:
    """CloudWatch's hourly Maximum of the agent's 5-minute datapoints."""
    by_hour: dict = {}
    for t, v in points:
        # a datapoint stamped on the hour closes the previous hour's interval
        hour = (t - timedelta(seconds=1)).replace(minute=0, second=0, microsecond=0)
        by_hour[hour] = max(by_hour.get(hour, v), v)
    return series(
        label,
        "MLCost/Agent",
        {"NotebookInstanceName": nb},
        lambda t: by_hour.get(t),
        metric=metric,
    )


def _scan(run_one, points):
    nb = make_notebook()
    metrics = [
        _hourly_max(nb.id, "AgentBusy", "Busy", points["Busy"]),
        _hourly_max(nb.id, "AgentIdleSeconds", "IdleSeconds", points["IdleSeconds"]),
    ]
    return run_one("idle-notebook", nb, inventory([nb], {nb.key: metrics}))


def _terminal_used_10s_before_each_sample(now):
    from mlcost.agent.core.signals import Reading

    used = now - timedelta(seconds=10)
    return Reading("jupyter", False, "0 busy, 1 terminal(s)", used, stamps={"terminals": [used]})


def _cell_run_between_samples_every_morning(now):
    from mlcost.agent.core.signals import Reading

    ran = now.replace(hour=9, minute=0, second=5, microsecond=0)  # a 5 s cell at 09:00:05
    if ran > now:
        ran -= timedelta(days=1)
    return Reading("jupyter", False, "1 kernel(s), 0 busy", ran, stamps={"kernels": [ran]})


def _untouched(now):
    from mlcost.agent.core.signals import Reading

    return Reading("jupyter", False, "1 kernel(s), 0 busy", START - timedelta(days=30))


def test_terminal_used_between_samples_gives_no_idle_finding(run_one):
    assert _scan(run_one, _published(_terminal_used_10s_before_each_sample)) == []


def test_kernel_cell_between_samples_gives_no_idle_finding(run_one):
    assert _scan(run_one, _published(_cell_run_between_samples_every_morning)) == []


def test_idle_seconds_alone_catches_an_agent_that_missed_activity_in_busy(run_one, monkeypatch):
    """The agent before issue 15 published Busy=0 for a terminal in daily use (Busy only
    when a signal was busy at the instant of a sample); its IdleSeconds stayed small, and
    that keeps the notebook from being called idle."""
    from mlcost.agent.core.metrics import MetricWindow

    observe = MetricWindow.observe

    def busy_at_samples_only(self, readings, decision, now):
        before = self.busy
        observe(self, readings, decision, now)
        self.busy = max(before, 1.0 if decision.any_busy else 0.0)

    monkeypatch.setattr(MetricWindow, "observe", busy_at_samples_only)
    points = _published(_terminal_used_10s_before_each_sample)
    assert {v for _, v in points["Busy"]} == {0.0}
    assert _scan(run_one, points) == []


def test_a_notebook_nobody_touched_for_a_week_is_idle(run_one):
    [f] = _scan(run_one, _published(_untouched))
    assert f.check == "idle-notebook"
