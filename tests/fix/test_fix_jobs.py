"""Stop a runaway training or processing job (moto with the emulator's StopTrainingJob and
AWS's rule that only a job InProgress stops): found by the product's own scan, stopped
through the fix framework, never undone, never part of `mlcost fix --all`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from fix_helpers import REGION, ROLE, make_runner, scan
from typer.testing import CliRunner

from mlcost.cli import app
from mlcost.demo import emulator
from mlcost.report import to_json
from mlcost.scan import run_checks
from mlcost.sources.aws import collect_inventory

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-trainer:7"


def _train(name: str, started_hours_ago: float, hours: float | None) -> None:
    """A training job as AWS records it: started then, ``hours`` long (None: InProgress)."""
    boto3.client("sagemaker", region_name=REGION).create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://out/"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
        StoppingCondition={"MaxRuntimeInSeconds": 28 * 86400},  # AWS's maximum, 28 days
    )
    start = datetime.now(UTC) - timedelta(hours=started_hours_ago)
    end = None if hours is None else start + timedelta(hours=hours)
    emulator.set_job_times("training-job", name, start, end, REGION)


def _status(name: str) -> str:
    sm = boto3.client("sagemaker", region_name=REGION)
    return sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]


def _seed() -> None:
    _train("nightly-0001", 50, 2.0)
    _train("nightly-0002", 26, 2.5)
    # running for 20 days: created before the 14-day window, listed because it still runs
    _train("nightly-0003", 20 * 24, None)
    _train("nightly-0004", 1, None)  # look-alike: 1 h, under 2 x 2.5 h


def test_a_runaway_job_created_before_the_window_is_found_stopped_and_not_undone(aws, journal):
    _seed()
    found = scan(["long-running-job"])
    assert [f.resource_id for f in found.findings] == ["nightly-0003"]
    runner = make_runner(journal)

    [outcome] = runner.apply(found, found.findings)

    assert outcome.state == "done", outcome.reason
    assert (_status("nightly-0003"), _status("nightly-0004")) == ("Stopped", "InProgress")
    undo = runner.undo(outcome.fix_id)
    assert undo.state == "failed"
    assert "cannot be resumed" in undo.reason
    assert _status("nightly-0003") == "Stopped"


def test_a_job_that_finished_since_the_scan_is_skipped(aws, journal):
    _seed()
    found = scan(["long-running-job"])
    job = boto3.client("sagemaker", region_name=REGION)
    job.stop_training_job(TrainingJobName="nightly-0003")  # someone stopped it by hand

    [outcome] = make_runner(journal).apply(found, found.findings)

    assert outcome.state == "skipped", outcome.reason


def test_fix_all_leaves_a_stop_out_unless_it_is_named(aws, tmp_path):
    _seed()
    result = run_checks(
        collect_inventory([REGION], 14, session=boto3.Session()), only=["long-running-job"]
    )
    path = tmp_path / "findings.json"
    path.write_text(to_json(result))
    [finding] = json.loads(path.read_text())["findings"]
    assert finding["resource_id"] == "nightly-0003"
    db = f"sqlite:///{tmp_path / 'journal.db'}"
    runner = CliRunner()

    everything = runner.invoke(app, ["fix", "--all", "--from", str(path), "--db", db])
    assert everything.exit_code == 0, everything.output
    assert "left out of --all (1 finding(s)): their fix cannot be undone" in everything.output
    assert finding["id"] in everything.output
    assert "StopTrainingJob" not in everything.output

    named = runner.invoke(app, ["fix", finding["id"], "--from", str(path), "--db", db])
    assert named.exit_code == 0, named.output
    assert "StopTrainingJob nightly-0003 (CANNOT BE UNDONE" in named.output
    assert "dry run: nothing was changed" in named.output
    assert _status("nightly-0003") == "InProgress"
