"""End to end: `mlcost fix` in its own process against moto on 127.0.0.1, SIGKILLed between
the snapshot and the action, and between the action and the journal update; `--resume`
finishes with DeleteEndpoint at most once per endpoint and every snapshot intact; `undo`
then brings every endpoint back."""

from __future__ import annotations

import signal
from collections import Counter

import boto3
import pytest
from fix_helpers import REGION, endpoint_names, history_cli, run_cli, scan_cli, seed_endpoint

from mlcost.demo import emulator


@pytest.mark.parametrize("crash", ["after-snapshot", "after-call:DeleteEndpoint"])
def test_sigkill_then_resume_deletes_once_and_undo_restores(server, tmp_path, crash):
    names = ["idle-a", "idle-b"]
    for name in names:
        seed_endpoint(name, endpoint_url=server.endpoint_url)
    report = scan_cli(server, tmp_path)
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
    states = {f["resource_id"]: f["state"] for f in history_cli(server, db)["fixes"]}
    running = [rid for rid, state in states.items() if state == "running"]
    assert len(running) == 1  # the one the kill caught
    if crash == "after-snapshot":
        assert endpoint_names(server) == set(names)  # killed before DeleteEndpoint
    else:
        assert server.deletes[running[0]] == 1  # AWS did it; the journal never heard back

    resumed = run_cli(server.endpoint_url, "fix", "--resume", "--db", db)

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert endpoint_names(server) == set()
    assert dict(server.deletes) == {"idle-a": 1, "idle-b": 1}
    history = history_cli(server, db)
    fixes = {f["resource_id"]: f for f in history["fixes"]}
    assert {rid: f["state"] for rid, f in fixes.items()} == {"idle-a": "done", "idle-b": "done"}

    verify = run_cli(server.endpoint_url, "verify", "--db", db)
    assert verify.returncode == 0, verify.stdout + verify.stderr  # both still gone
    table = run_cli(server.endpoint_url, "history", "--db", db)
    assert all(fixes[n]["fix_id"] in table.stdout for n in names) and "done" in table.stdout

    for name in names:
        undo = run_cli(server.endpoint_url, "undo", fixes[name]["fix_id"], "--db", db)
        assert undo.returncode == 0, undo.stdout + undo.stderr
    assert endpoint_names(server) == set(names)
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
    report = scan_cli(server, tmp_path)
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
    assert endpoint_names(server) == {"idle-dry"}
    assert server.deletes == Counter()
    history = history_cli(server, f"sqlite:///{db_file}")
    assert history == {"scans": [], "fixes": []}


def test_sigkill_during_undo_then_resume_finishes_the_undo(server, tmp_path):
    seed_endpoint("undo-me", endpoint_url=server.endpoint_url)
    report = scan_cli(server, tmp_path)
    [fid] = [f["id"] for f in report["findings"] if f["resource_id"] == "undo-me"]
    db = f"sqlite:///{tmp_path / 'journal.db'}"
    applied = run_cli(
        server.endpoint_url,
        "fix",
        fid,
        "--from",
        str(tmp_path / "findings.json"),
        "--apply",
        "--yes",
        "--db",
        db,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    [fix] = history_cli(server, db)["fixes"]

    killed = run_cli(
        server.endpoint_url, "undo", fix["fix_id"], "--db", db, crash="after-call:CreateEndpoint"
    )

    assert killed.returncode == -signal.SIGKILL
    assert endpoint_names(server) == {"undo-me"}  # created; scaling not yet put back
    resumed = run_cli(server.endpoint_url, "fix", "--resume", "--db", db)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    undo = next(f for f in history_cli(server, db)["fixes"] if f["kind"] == "undo")
    assert (undo["undoes"], undo["state"]) == (fix["fix_id"], "done")
    aas = boto3.client(
        "application-autoscaling", **emulator.client_kwargs(server.endpoint_url, REGION)
    )
    rid = "endpoint/undo-me/variant/AllTraffic"
    assert (
        len(
            aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])[
                "ScalableTargets"
            ]
        )
        == 1
    )
    assert (
        len(
            aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)[
                "ScalingPolicies"
            ]
        )
        == 1
    )
