"""The schedule CLI: bad files give one line naming schedule and field (exit 2, no
traceback); the deploy template passes cfn-lint and its role is the descriptors' calls; plan
prints the week and the saving from catalogue prices."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlcost.cli import main

GOOD = """
[schedules.office-hours]
timezone = "Europe/Berlin"
periods = [{ days = ["mon-fri"], begin = "08:00", end = "18:00" }]
names = ["dev-*"]
"""


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def mlcost(capsys, monkeypatch, *args: str, cwd: Path | None = None) -> Ran:
    """``mlcost ARGS`` through the real entry point (``main``: UserError -> one line, exit 2),
    in-process so the file stays fast; the end-to-end test runs the CLI as a subprocess."""
    if cwd is not None:
        monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["mlcost", *args])
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capsys.readouterr()
    return Ran(code, out.out, out.err)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'timezone = "Europe/Berln"\nperiods = [{ days = ["mon"], begin = "08:00", end = "18:00" }]',
            "schedule 'lab' in {f}, timezone: unknown time zone 'Europe/Berln'",
        ),
        (
            'timezone = "Europe/Berlin"\nperiods = [{ days = ["mon"], begin = "22:00", end = "06:00" }]',
            "schedule 'lab' in {f}, periods[0].end: 06:00 is not after begin 22:00; for a "
            "period that runs past midnight set crosses_midnight = true",
        ),
        (
            'timezone = "Europe/Berlin"\nperiods = [{ days = ["mon-fryday"], begin = "08:00", end = "18:00" }]',
            "schedule 'lab' in {f}, periods[0].days: unknown weekday 'fryday'",
        ),
    ],
    ids=["unknown-zone", "end-before-begin", "unknown-weekday"],
)
def test_a_bad_schedule_file_is_one_line_naming_schedule_and_field(
    capsys, monkeypatch, tmp_path, body, expected
):
    f = tmp_path / "mlcost.toml"
    f.write_text(f"[schedules.lab]\n{body}\n")
    out = mlcost(capsys, monkeypatch, "schedule", "check", str(f))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("error: " + expected.format(f=f))


def test_a_good_file_checks_ok_in_toml_and_yaml(capsys, monkeypatch, tmp_path):
    (tmp_path / "mlcost.toml").write_text(GOOD)
    assert (
        mlcost(capsys, monkeypatch, "schedule", "check", str(tmp_path / "mlcost.toml")).returncode
        == 0
    )
    (tmp_path / "s.yaml").write_text(
        "schedules:\n  night:\n    timezone: Australia/Sydney\n    periods:\n"
        "      - {days: [fri], begin: '22:00', end: '06:00', crosses_midnight: true}\n"
    )
    out = mlcost(capsys, monkeypatch, "schedule", "check", str(tmp_path / "s.yaml"))
    assert out.returncode == 0, out.stderr
    assert "night: Australia/Sydney: fri 22:00-06:00 (crosses midnight)" in out.stdout


def test_the_deploy_template_passes_cfn_lint_and_grants_only_the_declared_calls(
    capsys, monkeypatch, tmp_path
):
    from mlcost.schedule.resources import schedule_calls
    from mlcost.schedule.template import HANDLER
    from mlcost.sources.aws.policy import iam_action

    (tmp_path / "mlcost.toml").write_text(GOOD)
    out = mlcost(
        capsys,
        monkeypatch,
        "schedule",
        "deploy",
        "--dry-run",
        "--region",
        "eu-central-1",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    stack = json.loads(out.stdout)
    path = tmp_path / "stack.json"
    path.write_text(out.stdout)
    from cfnlint.api import lint_file

    problems = lint_file(path)
    assert problems == [], "\n".join(str(p) for p in problems)

    fn = stack["Resources"]["PassFunction"]["Properties"]
    assert fn["Handler"] == HANDLER == "mlcost.schedule.lambda_handler.handler"
    rule = stack["Resources"]["PassRule"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    statements = stack["Resources"]["PassRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    granted = {a for s in statements if s["Sid"].startswith("MlcostSchedule") for a in s["Action"]}
    assert granted == {iam_action(svc, op) for svc, op in schedule_calls()}
    for needed in (
        "sagemaker:StopNotebookInstance",
        "sagemaker:StartNotebookInstance",
        "ec2:StopInstances",
        "ec2:StartInstances",
        "sagemaker:DeleteApp",
        "sagemaker:DeleteEndpoint",
        "sagemaker:CreateEndpoint",
        "application-autoscaling:RegisterScalableTarget",
    ):
        assert needed in granted
    for never in (
        "sagemaker:DeleteModel",
        "sagemaker:DeleteEndpointConfig",
        "ec2:TerminateInstances",
    ):
        assert never not in granted  # never delete data
    assert not any(a.endswith(":*") for a in granted)
    [pass_role] = [s for s in statements if s["Sid"] == "MlcostSchedulePassRole"]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    env = fn["Environment"]["Variables"]
    assert json.loads(env["MLCOST_SCHEDULES"])["schedules"]["office-hours"]["timezone"] == (
        "Europe/Berlin"
    )


def test_deploy_without_dry_run_is_refused(capsys, monkeypatch, tmp_path):
    (tmp_path / "mlcost.toml").write_text(GOOD)
    out = mlcost(capsys, monkeypatch, "schedule", "deploy", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "--dry-run" in out.stderr


def test_policy_self_with_schedule_adds_the_descriptors_calls(capsys, monkeypatch):
    from mlcost.schedule.resources import schedule_calls
    from mlcost.sources.aws.policy import iam_action

    out = mlcost(capsys, monkeypatch, "policy", "self", "--schedule")
    assert out.returncode == 0, out.stderr
    statements = {s["Sid"]: s for s in json.loads(out.stdout)["Statement"]}
    granted = set(statements["MlcostSchedule"]["Action"]) | set(
        statements["MlcostSchedulePassRole"]["Action"]
    )
    assert granted == {iam_action(svc, op) for svc, op in schedule_calls()}
    without = mlcost(capsys, monkeypatch, "policy", "self")
    assert "MlcostSchedule" not in without.stdout
