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
from mlcost.errors import UserError

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
        ("idle_minutes", -5.0, "--idle-minutes must be a finite number > 0"),
        ("idle_minutes", 0.0, "--idle-minutes must be a finite number > 0"),
        ("idle_minutes", float("inf"), "--idle-minutes must be a finite number"),
        ("sample_seconds", float("nan"), "--sample-seconds must be a finite number > 0"),
        ("publish_seconds", float("inf"), "--publish-seconds must be a finite number > 0"),
        ("gpu_threshold", -1.0, "--gpu-threshold must be a finite number >= 0"),
        ("gpu_threshold", float("nan"), "--gpu-threshold must be a finite number >= 0"),
        ("gpu_threshold", 101.0, r"--gpu-threshold must be .* <= 100, got 101"),
        ("cpu_threshold", float("inf"), "--cpu-threshold must be a finite number >= 0"),
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
    assert "not running (nothing will be stopped)" in line and "-10" in line


@pytest.mark.parametrize("option", ["--gpu-threshold", "--cpu-threshold", "--idle-minutes"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_embedded_main_refuses_non_finite_numbers(
    option: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    """``nan`` compares false with everything: a nan threshold would never see work."""
    caplog.set_level("INFO", logger="mlcost.agent")
    assert main(["run", option, value, "--target", "none", "--once"]) == 2
    (line,) = [r.getMessage() for r in caplog.records]
    assert f"{option} must be a finite number" in line and value in line


def test_cli_run_rejects_negative_minutes() -> None:
    result = CliRunner().invoke(app, ["agent", "run", "--idle-minutes", "-3"])
    assert isinstance(result.exception, UserError)  # mlcost's main: one line, exit code 2
    assert "bad agent configuration" in str(result.exception)


def test_cli_run_rejects_nan_threshold() -> None:
    result = CliRunner().invoke(app, ["agent", "run", "--gpu-threshold", "nan", "--once"])
    assert isinstance(result.exception, UserError)
    assert "--gpu-threshold must be a finite number" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (["--target", "notebook"], "missing.json is missing"),
        (["--target", "studio"], "missing.json is missing"),
        (["--target", "ec2"], "IMDSv2 at http://127.0.0.1:9 failed"),
        (["--target", "auto"], "and no SageMaker metadata at"),
    ],
)
def test_agent_that_cannot_tell_what_to_stop_refuses_to_start(
    tmp_path, args: list[str], cause: str, caplog: pytest.LogCaptureFixture
) -> None:  # noqa: ANN001
    caplog.set_level("INFO", logger="mlcost.agent")
    where = ["--metadata-file", str(tmp_path / "missing.json"), "--imds-url", "http://127.0.0.1:9"]
    assert main(["run", *args, *where, "--once", "--sample-seconds", "0.01"]) == 2
    (line,) = [r.getMessage() for r in caplog.records]  # one line, and no decision was taken
    assert "cannot tell what to stop" in line and cause in line


def test_unreadable_metadata_file_refuses_to_start(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # noqa: ANN001
    meta = tmp_path / "resource-metadata.json"
    meta.write_text("{not json")
    caplog.set_level("INFO", logger="mlcost.agent")
    assert main(["run", "--target", "notebook", "--metadata-file", str(meta), "--once"]) == 2
    assert "unreadable" in caplog.messages[0] and str(meta) in caplog.messages[0]


def test_target_none_runs_without_anything_to_stop(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="mlcost.agent")
    args = ["--target", "none", "--signals", "cpu", "--once", "--sample-seconds", "0.01"]
    assert main(["run", *args, "--metadata-file", "/nonexistent", "--no-publish"]) == 0
    assert any(m.startswith("decision=") for m in caplog.messages)


def test_cli_run_missing_metadata_refuses_to_start(tmp_path) -> None:  # noqa: ANN001
    args = ["agent", "run", "--once", "--target", "notebook"]
    result = CliRunner().invoke(app, [*args, "--metadata-file", str(tmp_path / "missing.json")])
    assert isinstance(result.exception, UserError)
    assert "cannot tell what to stop" in str(result.exception)
    assert "is missing" in str(result.exception)


def test_cli_run_once_unreachable_jupyter_never_stops(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # noqa: ANN001
    caplog.set_level("INFO", logger="mlcost.agent")
    meta = tmp_path / "missing.json"
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(
        '{"ResourceName": "nb-1", "ResourceArn": "arn:aws:sagemaker:us-east-1:1:notebook-instance/nb-1"}'
    )
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
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    msgs = "\n".join(caplog.messages)
    assert "start: target notebook NotebookInstanceName=nb-1 in us-east-1" in msgs
    assert "decision=unreadable" in msgs and "Jupyter at http://127.0.0.1:9/ unreachable" in msgs
    assert "stopped via" not in msgs and "would stop" not in msgs
