"""mlcost.toml, --check / --skip-check and `mlcost explain`: what a user types and reads.

A bad config names the file, the key and what is allowed, exits 2 and never shows a
traceback; a good one changes what the checks judge, in `scan` and in a fix's re-check.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from checks_helpers import NOW, endpoint_series, inventory, make_endpoint
from typer.testing import CliRunner

from mlcost.cli import app
from mlcost.config import load_config
from mlcost.errors import UserError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mlcost.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ load_config


def test_overrides_are_typed_and_only_the_keys_given(tmp_path):
    cfg = load_config(
        _write(
            tmp_path,
            "[checks.idle-endpoint]\nmin_age_hours = 48\n\n"
            "[checks.underused-endpoint]\ncpu_threshold_pct = 10\nallow_burstable = true\n",
        )
    )
    assert cfg.checks == {
        "idle-endpoint": {"min_age_hours": 48},
        "underused-endpoint": {"cpu_threshold_pct": 10.0, "allow_burstable": True},
    }
    assert isinstance(cfg.checks["underused-endpoint"]["cpu_threshold_pct"], float)


def test_a_file_with_schedules_is_read_for_its_checks(tmp_path):
    """docs/schedules.md puts schedules in the same mlcost.toml: `fix --config` and `serve`
    read its [checks.*] and leave [schedules.*] to `mlcost schedule`."""
    path = _write(
        tmp_path,
        "[checks.idle-endpoint]\nmin_age_hours = 48\n\n"
        '[schedules.office-hours]\ntimezone = "UTC"\n'
        'periods = [{ days = ["mon-fri"], begin = "08:00", end = "18:00" }]\n',
    )
    assert load_config(path).checks == {"idle-endpoint": {"min_age_hours": 48}}


def test_no_file_in_the_working_directory_means_no_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config().checks == {}


def test_mlcost_toml_in_the_working_directory_is_read_by_default(tmp_path, monkeypatch):
    _write(tmp_path, "[checks.idle-endpoint]\nmin_age_hours = 72\n")
    monkeypatch.chdir(tmp_path)
    assert load_config().checks == {"idle-endpoint": {"min_age_hours": 72}}


@pytest.mark.parametrize(
    ("text", "problem", "hint"),
    [
        (
            "[checks.idle-endpoint]\nmin_age_hour = 48\n",
            "unknown setting 'min_age_hour' for check 'idle-endpoint'",
            "min_age_hours (a whole number, default 24)",
        ),
        (
            '[checks.idle-endpoint]\nmin_age_hours = "48"\n',
            "checks.idle-endpoint.min_age_hours = '48' is not a whole number",
            "min_age_hours takes a whole number (default 24)",
        ),
        (
            "[checks.idle-endpoint]\nmin_age_hours = 1.5\n",
            "checks.idle-endpoint.min_age_hours = 1.5 is not a whole number",
            "default 24",
        ),
        (
            "[checks.underused-endpoint]\nallow_burstable = 1\n",
            "checks.underused-endpoint.allow_burstable = 1 is not true or false",
            "allow_burstable takes true or false (default false)",
        ),
        (
            "[checks.idle-endpoints]\nmin_age_hours = 48\n",
            "unknown check 'idle-endpoints'",
            "known checks: ",
        ),
        (
            "[check.idle-endpoint]\nmin_age_hours = 48\n",
            "unknown table or key 'check'",
            "[checks.<check-id>]",
        ),
        ("[checks.idle-endpoint\n", "is not valid TOML", "[checks.<check-id>]"),
        ("[checks]\nidle-endpoint = 3\n", "checks.idle-endpoint must be a table", ""),
    ],
)
def test_a_bad_file_names_the_key_and_what_is_allowed(tmp_path, text, problem, hint):
    path = _write(tmp_path, text)
    with pytest.raises(UserError) as err:
        load_config(path)
    assert str(path) in err.value.problem
    assert problem in err.value.problem
    assert hint in err.value.hint


def test_unknown_check_hint_lists_the_ids(tmp_path):
    with pytest.raises(UserError) as err:
        load_config(_write(tmp_path, "[checks.nope]\n"))
    assert "idle-endpoint" in err.value.hint and "underused-endpoint" in err.value.hint


def test_a_named_config_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_config(tmp_path / "missing.toml")


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def fake_collect(monkeypatch):
    """The live collector replaced: records the checks it was asked to read for, and returns
    one endpoint idle for 30 h (idle-endpoint's default minimum age is 24 h)."""
    import mlcost.sources.aws as aws

    calls: list = []
    ep = make_endpoint("stale-ep", created=NOW - timedelta(hours=30))

    def collect(regions, lookback_days, **kw):
        calls.append(kw.get("checks"))
        inv = inventory(
            [ep], {ep.key: [endpoint_series("stale-ep", "AllTraffic", "Invocations", 0)]}
        )
        inv.regions = list(regions)
        return inv

    monkeypatch.setattr(aws, "collect_inventory", collect)
    return calls


def _scan(*extra: str):
    return CliRunner().invoke(app, ["scan", "--format", "json", "-r", "us-east-1", *extra])


def test_config_changes_the_verdict_in_scan(tmp_path, fake_collect):
    plain = _scan("--check", "idle-endpoint")
    assert plain.exit_code == 0, plain.output
    assert [f["check"] for f in json.loads(plain.stdout)["findings"]] == ["idle-endpoint"]
    # 30 h old: with min_age_hours = 48 it is too young to call idle
    cfg = _write(tmp_path, "[checks.idle-endpoint]\nmin_age_hours = 48\n")
    tuned = _scan("--check", "idle-endpoint", "--config", str(cfg))
    assert tuned.exit_code == 0, tuned.output
    assert json.loads(tuned.stdout)["findings"] == []


def test_bad_config_is_one_line_exit_2_before_reading_aws(tmp_path, fake_collect):
    cfg = _write(tmp_path, '[checks.idle-endpoint]\nmin_age_hours = "soon"\n')
    res = CliRunner().invoke(
        app, ["scan", "-r", "us-east-1", "--config", str(cfg)], standalone_mode=False
    )
    assert isinstance(res.exception, UserError)
    assert fake_collect == []  # nothing was read
    # through the real entry point: one line on stderr, exit 2, no traceback
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from mlcost.cli import main; main()",
            "scan",
            "-r",
            "us-east-1",
            "--config",
            str(cfg),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "min_age_hours = 'soon' is not a whole number" in lines[0]


def test_skip_check_reads_only_what_the_rest_need(fake_collect):
    from mlcost.checks import load_all

    res = _scan("--skip-check", "idle-endpoint", "--skip-check", "underused-endpoint")
    assert res.exit_code == 0, res.output
    assert fake_collect[-1] == sorted(set(load_all()) - {"idle-endpoint", "underused-endpoint"})
    assert json.loads(res.stdout)["findings"] == []  # the idle endpoint's check was skipped


def test_check_and_skip_check_combine(fake_collect):
    res = _scan(
        "--check",
        "idle-endpoint",
        "--check",
        "underused-endpoint",
        "--skip-check",
        "underused-endpoint",
    )
    assert res.exit_code == 0, res.output
    assert fake_collect[-1] == ["idle-endpoint"]


@pytest.mark.parametrize("flag", ["--check", "--skip-check"])
def test_unknown_check_id_is_refused_listing_the_ids(flag, fake_collect):
    res = CliRunner().invoke(
        app, ["scan", "-r", "us-east-1", flag, "idle-endpiont"], standalone_mode=False
    )
    assert isinstance(res.exception, UserError)
    assert "idle-endpiont" in res.exception.problem
    assert "idle-endpoint" in res.exception.hint
    assert fake_collect == []


def test_skipping_the_only_check_is_refused(fake_collect):
    res = CliRunner().invoke(
        app,
        ["scan", "-r", "us-east-1", "--check", "idle-endpoint", "--skip-check", "idle-endpoint"],
        standalone_mode=False,
    )
    assert isinstance(res.exception, UserError)
    assert "no check to run" in res.exception.problem


def test_recheck_uses_the_config_thresholds(monkeypatch):
    """A fix's re-check judges with the scan's settings: the finding found with
    min_age_hours = 12 is confirmed with the same override and refused without it."""
    from mlcost.fix import recheck as rc
    from mlcost.scan import run_checks

    ep = make_endpoint("young-ep", created=NOW - timedelta(hours=20))
    inv = inventory([ep], {ep.key: [endpoint_series("young-ep", "AllTraffic", "Invocations", 0)]})
    settings = {"idle-endpoint": {"min_age_hours": 12}}
    finding = run_checks(inv, only=["idle-endpoint"], settings=settings).findings[0]
    monkeypatch.setattr(rc, "_collect", lambda *a, **k: inventory([ep], dict(inv.metrics)))
    args = {"window_start": inv.start, "session": None, "now": NOW}
    assert rc.recheck(finding, settings=settings, **args) is None
    assert "no longer holds" in rc.recheck(finding, **args)


# ------------------------------------------------------------------ explain


def test_explain_lists_every_check():
    from mlcost.checks import load_all

    res = CliRunner().invoke(app, ["explain"])
    assert res.exit_code == 0
    listed = {line.split()[0] for line in res.stdout.splitlines()[: len(load_all())]}
    assert listed == set(load_all())


def test_explain_one_check_prints_rule_defaults_signals_and_statuses(tmp_path):
    cfg = _write(tmp_path, "[checks.underused-endpoint]\ncpu_threshold_pct = 10.0\n")
    res = CliRunner().invoke(app, ["explain", "underused-endpoint", "--config", str(cfg)])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "Rule: per variant, the 95th percentile" in out  # the docstring's rule
    assert "cpu_threshold_pct = 20.0  -> 10.0 from the config file" in out
    assert "headroom = 1.25" in out
    assert "CPUUtilization: /aws/sagemaker/Endpoints CPUUtilization (Maximum)" in out
    assert "resource statuses judged: InService" in out


def test_explain_unknown_check():
    res = CliRunner().invoke(app, ["explain", "nope"], standalone_mode=False)
    assert isinstance(res.exception, UserError)
    assert "idle-endpoint" in res.exception.hint
