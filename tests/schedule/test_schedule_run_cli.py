"""End to end: `mlcost schedule run` as a user runs it (a subprocess against the patched moto
server on 127.0.0.1), and the Lambda handler in-process with the template's environment.

The schedule holds an override (always stopped until 2099) so the outcome does not depend on
the hour the test runs at."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from mlcost.demo import emulator

CLI = [sys.executable, "-c", "from mlcost.cli import main; main()"]
SCHEDULE = """
[schedules.lab]
timezone = "Australia/Sydney"
periods = [{ days = ["mon-fri"], begin = "09:00", end = "17:00" }]
overrides = [{ state = "stopped", until = 2099-12-31 }]
"""
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


@pytest.fixture
def server(monkeypatch):
    with emulator.start_server() as srv:
        monkeypatch.setenv("AWS_ENDPOINT_URL", srv.endpoint_url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield srv


def _notebooks(url: str) -> None:
    sm = boto3.client("sagemaker", **emulator.client_kwargs(url, "us-east-1"))
    for name, tags in (("lab-nb", {"mlcost:schedule": "lab"}), ("other-nb", {})):
        sm.create_notebook_instance(
            NotebookInstanceName=name,
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )


def _status(url: str, name: str) -> str:
    sm = boto3.client("sagemaker", **emulator.client_kwargs(url, "us-east-1"))
    return sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "schedule", "run", "--region", "us-east-1", "--format", "json",
         "--db", f"sqlite:///{tmp_path / 'journal.db'}", *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def test_schedule_run_dry_run_then_apply_then_nothing_left(server, tmp_path):
    _notebooks(server.endpoint_url)
    (tmp_path / "mlcost.toml").write_text(SCHEDULE)

    dry = _run(tmp_path)
    assert dry.returncode == 0, dry.stderr
    steps = json.loads(dry.stdout)["steps"]
    assert [(s["resource_id"], s["outcome"]) for s in steps] == [("lab-nb", "would stop")]
    assert _status(server.endpoint_url, "lab-nb") == "InService"
    assert not (tmp_path / "journal.db").exists()  # a dry run creates no journal

    applied = _run(tmp_path, "--apply")
    assert applied.returncode == 0, applied.stderr
    steps = json.loads(applied.stdout)["steps"]
    assert [(s["resource_id"], s["action"], s["outcome"]) for s in steps] == [
        ("lab-nb", "stop", "done")
    ]
    assert _status(server.endpoint_url, "lab-nb") == "Stopped"
    assert _status(server.endpoint_url, "other-nb") == "InService"

    again = json.loads(_run(tmp_path, "--apply").stdout)
    assert [s["outcome"] for s in again["steps"]] == ["unchanged"]
    assert [(c["resource_id"], c["held"]) for c in again["confirmations"]] == [("lab-nb", True)]

    history = subprocess.run(
        [*CLI, "history", "--format", "json", "--db", f"sqlite:///{tmp_path / 'journal.db'}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    rows = json.loads(history.stdout)["fixes"]
    assert [(r["kind"], r["action"], r["resource_id"], r["state"]) for r in rows] == [
        ("schedule", "stop", "lab-nb", "done")
    ]


def test_the_lambda_handler_runs_one_pass_from_its_environment(server, tmp_path, monkeypatch):
    import tomllib

    from mlcost.schedule.lambda_handler import handler
    from mlcost.schedule.model import parse_schedules
    from mlcost.schedule.template import schedules_json

    _notebooks(server.endpoint_url)
    schedules = parse_schedules(tomllib.loads(SCHEDULE))
    monkeypatch.setenv("MLCOST_SCHEDULES", schedules_json(schedules))
    monkeypatch.setenv("MLCOST_REGIONS", "us-east-1")
    monkeypatch.setenv("MLCOST_DATABASE_URL", f"sqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("MLCOST_SCHEDULE_APPLY", "true")
    out = handler({}, None)
    assert [(s["resource_id"], s["action"], s["outcome"]) for s in out["steps"]] == [
        ("lab-nb", "stop", "done")
    ]
    assert _status(server.endpoint_url, "lab-nb") == "Stopped"
