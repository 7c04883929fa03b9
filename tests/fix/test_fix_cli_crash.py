"""End to end: `mlcost fix` in its own process against moto on 127.0.0.1, SIGKILLed between
the snapshot and the action, and between the action and the journal update; `--resume`
finishes with DeleteEndpoint at most once per endpoint and every snapshot intact; `undo`
then brings every endpoint back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import boto3
import pytest
from fix_helpers import REGION, seed_endpoint

from mlcost.demo import emulator

HERE = Path(__file__).parent


def cli_env(endpoint_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLCOST_DATABASE"))}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_ENDPOINT_URL"] = endpoint_url
    env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = "e2e"
    env["AWS_DEFAULT_REGION"] = REGION
    return env


def run_cli(endpoint_url: str, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    cmd = (
        [sys.executable, str(HERE / "crash_cli.py"), crash]
        if crash
        else [sys.executable, "-m", "mlcost"]
    )
    return subprocess.run(
        [*cmd, *args], env=cli_env(endpoint_url), capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def server(monkeypatch):
    """The patched moto server, counting DeleteEndpoint calls that reach it, per endpoint."""
    from moto.sagemaker.models import SageMakerModelBackend

    with emulator.start_server() as srv:
        deletes: Counter[str] = Counter()
        original = SageMakerModelBackend.delete_endpoint

        def counting(self, endpoint_name):
            deletes[endpoint_name] += 1
            return original(self, endpoint_name)

        monkeypatch.setattr(SageMakerModelBackend, "delete_endpoint", counting)
        srv.deletes = deletes
        yield srv


def _scan(server, tmp_path: Path) -> dict:
    out = tmp_path / "findings.json"
    proc = run_cli(server.endpoint_url, "scan", "-r", REGION, "--format", "json", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def _history(server, db: str) -> dict:
    proc = run_cli(server.endpoint_url, "history", "--format", "json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _endpoints(server) -> set[str]:
    sm = boto3.client("sagemaker", **emulator.client_kwargs(server.endpoint_url, REGION))
    return {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]}


@pytest.mark.parametrize("crash", ["after-snapshot", "after-delete"])
def test_sigkill_then_resume_deletes_once_and_undo_restores(server, tmp_path, crash):
    names = ["idle-a", "idle-b"]
    for name in names:
        seed_endpoint(name, endpoint_url=server.endpoint_url)
    report = _scan(server, tmp_path)
    ids = [f["id"] for f in report["findings"] if f["check"] == "idle-endpoint"]
    assert len(ids) == 2
    db = f"sqlite:///{tmp_path / 'journal.db'}"
    findings = str(tmp_path / "findings.json")

    killed = run_cli(
        server.endpoint_url,
        "fix",
        *ids,
        "--from",
        findings,
        "--apply",
        "--yes",
        "--db",
        db,
        crash=crash,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    states = {f["resource_id"]: f["state"] for f in _history(server, db)["fixes"]}
    running = [rid for rid, state in states.items() if state == "running"]
    assert len(running) == 1  # the one the kill caught
    if crash == "after-snapshot":
        assert _endpoints(server) == set(names)  # killed before DeleteEndpoint
    else:
        assert server.deletes[running[0]] == 1  # AWS did it; the journal never heard back

    resumed = run_cli(server.endpoint_url, "fix", "--resume", "--db", db)

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert _endpoints(server) == set()
    assert dict(server.deletes) == {"idle-a": 1, "idle-b": 1}
    history = _history(server, db)
    fixes = {f["resource_id"]: f for f in history["fixes"]}
    assert {rid: f["state"] for rid, f in fixes.items()} == {"idle-a": "done", "idle-b": "done"}

    for name in names:
        undo = run_cli(server.endpoint_url, "undo", fixes[name]["fix_id"], "--db", db)
        assert undo.returncode == 0, undo.stdout + undo.stderr
    assert _endpoints(server) == set(names)
    sm = boto3.client("sagemaker", **emulator.client_kwargs(server.endpoint_url, REGION))
    aas = boto3.client(
        "application-autoscaling", **emulator.client_kwargs(server.endpoint_url, REGION)
    )
    for name in names:
        ep = sm.describe_endpoint(EndpointName=name)
        assert ep["EndpointConfigName"] == f"{name}-config"
        assert sm.list_tags(ResourceArn=ep["EndpointArn"])["Tags"] == [
            {"Key": "team", "Value": "churn"}
        ]
        rid = f"endpoint/{name}/variant/AllTraffic"
        [target] = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])[
            "ScalableTargets"
        ]
        assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
        [policy] = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)[
            "ScalingPolicies"
        ]
        assert policy["PolicyName"] == f"{name}-invocations"


def test_dry_run_from_file_makes_no_aws_call_and_writes_no_journal(server, tmp_path):
    seed_endpoint("idle-dry", endpoint_url=server.endpoint_url)
    report = _scan(server, tmp_path)
    [fid] = [f["id"] for f in report["findings"] if f["resource_id"] == "idle-dry"]
    db_file = tmp_path / "journal.db"

    proc = run_cli(
        server.endpoint_url,
        "fix",
        fid,
        "--from",
        str(tmp_path / "findings.json"),
        "--db",
        f"sqlite:///{db_file}",
    )

    assert proc.returncode == 0, proc.stderr
    assert "DeleteEndpoint idle-dry" in proc.stdout and "dry run" in proc.stdout
    assert "endpoint config (all fields) and tags" in proc.stdout  # what is snapshotted
    assert "1,028.13" in proc.stdout  # the saving
    assert _endpoints(server) == {"idle-dry"}
    assert server.deletes == Counter()
    history = _history(server, f"sqlite:///{db_file}")
    assert history == {"scans": [], "fixes": []}
