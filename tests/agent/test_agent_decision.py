"""The idle decision and the agent's handling of bad configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from mlcost.agent.core.config import AgentConfig, ConfigError, validate
from mlcost.agent.core.decision import IdleTracker
from mlcost.agent.core.runner import main
from mlcost.agent.core.signals import Reading
from mlcost.cli import app

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
HOUR = 3600.0


def idle(name: str, last: datetime | None = None) -> Reading:
    return Reading(name, False, "quiet", last_active=last)


def test_idle_only_when_every_signal_idle_for_the_whole_timeout() -> None:
    t = IdleTracker(HOUR, started=T0)
    assert not t.decide([idle("cpu"), idle("gpu")], T0 + timedelta(minutes=59)).idle
    d = t.decide([idle("cpu"), idle("gpu")], T0 + timedelta(minutes=60))
    assert d.idle and d.idle_seconds == HOUR


def test_a_busy_signal_restarts_that_signals_clock() -> None:
    t = IdleTracker(HOUR, started=T0)
    t.decide([idle("cpu"), Reading("gpu", True, "90%")], T0 + timedelta(minutes=30))
    d = t.decide([idle("cpu"), idle("gpu")], T0 + timedelta(minutes=80))
    assert not d.idle and d.idle_seconds == 50 * 60  # gpu last busy at 0:30
    assert "gpu idle 50m00s/60m00s" in d.reason and "cpu idle 80m00s/60m00s" in d.reason
    assert t.decide([idle("cpu"), idle("gpu")], T0 + timedelta(minutes=90)).idle


def test_recorded_last_activity_counts_even_between_samples() -> None:
    t = IdleTracker(HOUR, started=T0)
    d = t.decide([idle("jupyter", last=T0 + timedelta(minutes=50))], T0 + timedelta(minutes=100))
    assert not d.idle and d.idle_seconds == 50 * 60


def test_unreadable_signal_blocks_the_stop_by_default() -> None:
    t = IdleTracker(HOUR, started=T0)
    d = t.decide(
        [idle("cpu"), Reading("jupyter", None, "connection refused")], T0 + timedelta(days=3)
    )
    assert not d.idle and d.blocked
    assert "jupyter UNREADABLE, not stopping: connection refused" in d.reason


def test_stop_on_unreadable_counts_it_idle_since_last_seen_busy() -> None:
    t = IdleTracker(HOUR, started=T0, stop_on_unreadable=True)
    t.decide([Reading("jupyter", True, "busy")], T0 + timedelta(minutes=10))
    down = Reading("jupyter", None, "connection refused")
    assert not t.decide([down], T0 + timedelta(minutes=69)).idle
    assert t.decide([down], T0 + timedelta(minutes=70)).idle


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("idle_minutes", -5.0, "--idle-minutes must be a positive number"),
        ("idle_minutes", 0.0, "--idle-minutes must be a positive number"),
        ("gpu_threshold", -1.0, "--gpu-threshold must be >= 0"),
        ("signals", ("jupyter", "disk"), "--signals must be a comma list"),
        ("target", "lambda", "--target must be one of"),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        validate(AgentConfig(**{field: value}))


def test_embedded_main_logs_bad_config_and_exits_without_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="mlcost.agent")
    assert main(["run", "--idle-minutes", "-10"]) == 2
    (line,) = [r.getMessage() for r in caplog.records]
    assert "bad configuration, not running (nothing will be stopped)" in line and "-10" in line


def test_cli_run_rejects_negative_minutes() -> None:
    result = CliRunner().invoke(app, ["agent", "run", "--idle-minutes", "-3"])
    assert result.exit_code != 0
    assert "bad agent configuration" in str(result.exception)


def test_cli_run_once_unreachable_jupyter_never_stops(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # noqa: ANN001
    caplog.set_level("INFO", logger="mlcost.agent")
    meta = tmp_path / "missing.json"
    result = CliRunner().invoke(
        app,
        [
            "agent",
            "run",
            "--once",
            "--sample-seconds",
            "0.05",
            "--idle-minutes",
            "0.0001",
            "--signals",
            "jupyter",
            "--jupyter-url",
            "http://127.0.0.1:9/",
            "--target",
            "notebook",
            "--metadata-file",
            str(meta),
            "--no-publish",
        ],
    )
    assert result.exit_code == 0, result.output
    msgs = "\n".join(caplog.messages)
    assert "metadata file" in msgs and "is missing" in msgs
    assert "decision=unreadable" in msgs and "Jupyter at http://127.0.0.1:9/ unreachable" in msgs
    assert "stopped via" not in msgs and "would stop" not in msgs
