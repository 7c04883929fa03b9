"""Lifecycle scripts: under SageMaker's limit, and they install and launch the agent offline.

The script runs under bash in a temporary root (env vars redirect every path), with the
system python that has no boto3 and no mlcost, to show the embedded core is stdlib-only.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlcost.agent import bundle, lifecycle
from mlcost.cli import app

BARE_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


@pytest.mark.parametrize("kind", ["notebook", "ec2", "studio"])
def test_script_is_under_sagemaker_limit(kind: str) -> None:
    script = lifecycle.render(kind, lifecycle.agent_args(kind))
    assert len(script) < 16384
    assert script.startswith("#!/bin/bash\n")
    assert f"--target {kind}" in script


def test_cli_prints_the_script() -> None:
    result = CliRunner().invoke(
        app, ["agent", "lifecycle-config", "--idle-minutes", "45", "--target", "ec2"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == lifecycle.render("ec2", lifecycle.agent_args("ec2", idle_minutes=45))
    assert "--idle-minutes 45" in result.output and "--signals gpu,cpu,ssh" in result.output


def test_cli_rejects_negative_minutes() -> None:
    result = CliRunner().invoke(app, ["agent", "lifecycle-config", "--idle-minutes", "-1"])
    assert result.exit_code != 0
    assert "positive number of minutes" in str(result.exception) + result.output


def test_minified_core_behaves_like_the_source() -> None:
    for path in bundle.CORE_DIR.glob("*.py"):
        compile(bundle.minify(path.read_text()), str(path), "exec")


def _wait_for(path: Path, needle: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared in {path}:\n{text}")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_notebook_script_installs_and_launches_agent_offline(tmp_path: Path) -> None:
    check = subprocess.run([BARE_PYTHON, "-c", "import boto3"], capture_output=True)
    meta = tmp_path / "opt/ml/metadata/resource-metadata.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(
        json.dumps(
            {
                "ResourceArn": "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb-offline",
                "ResourceName": "nb-offline",
            }
        )
    )
    script = tmp_path / "on-start.sh"
    script.write_text(
        lifecycle.render("notebook", lifecycle.agent_args("notebook", idle_minutes=60))
    )
    prefix, log = tmp_path / "opt/mlcost-agent", tmp_path / "var/log/mlcost-agent.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "MLCOST_AGENT_PREFIX": str(prefix),
        "MLCOST_AGENT_LOG": str(log),
        "MLCOST_AGENT_PYTHON": BARE_PYTHON,
        "MLCOST_AGENT_NO_SYSTEMD": "1",
        "MLCOST_AGENT_METADATA_FILE": str(meta),
        "MLCOST_AGENT_IMDS_URL": "http://127.0.0.1:9",
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        # last value wins in argparse: make it decide once, at once, and only log the stop
        "MLCOST_AGENT_EXTRA_ARGS": "--signals cpu --cpu-threshold 100000 --idle-minutes 0.0001 "
        "--sample-seconds 0.2 --once --dry-run --no-publish",
        "https_proxy": "http://127.0.0.1:9",  # any network use would fail
        "http_proxy": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "mlcost-agent: started pid" in done.stdout
    assert (prefix / "mlcost-agent.pyz").is_file() and not (prefix / "agent.b85").exists()
    text = _wait_for(log, "would stop")
    assert "start: target notebook NotebookInstanceName=nb-offline in us-east-1" in text
    assert "decision=IDLE" in text
    assert "dry run, would stop notebook NotebookInstanceName=nb-offline" in text
    if check.returncode != 0:  # the bare python really had no boto3
        assert "AWS via stdlib SigV4" in text
    # the recorded command restarts the same agent (what systemd's ExecStart holds)
    assert (
        (prefix / "command")
        .read_text()
        .startswith(f"{BARE_PYTHON} {prefix}/mlcost-agent.pyz run --target notebook")
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ec2_script_writes_a_systemd_unit_when_systemd_runs(tmp_path: Path) -> None:
    """systemctl is faked on PATH; the unit file must restart the agent always."""
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    calls = tmp_path / "systemctl.calls"
    (fakebin / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (fakebin / "systemctl").chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    env = dict(
        os.environ,
        PATH=f"{fakebin}:/usr/bin:/bin",
        MLCOST_AGENT_PREFIX=str(tmp_path / "p"),
        MLCOST_AGENT_LOG=str(tmp_path / "l/log"),
        MLCOST_AGENT_PYTHON=BARE_PYTHON,
        MLCOST_AGENT_SYSTEMD_DIR=str(units),
        MLCOST_AGENT_SYSTEMD_RUN=str(tmp_path),  # stands for /run/systemd/system
    )
    script = lifecycle.render("ec2", lifecycle.agent_args("ec2"))
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    unit = (units / "mlcost-agent.service").read_text()
    assert "Restart=always" in unit and "mlcost-agent.pyz run --target ec2" in unit
    assert "enable mlcost-agent.service" in calls.read_text()


def _pythons() -> list[str]:
    """Old and new interpreters where present (pyenv installs, or MLCOST_TEST_PYTHONS=a:b)."""
    env = os.environ.get("MLCOST_TEST_PYTHONS")
    candidates = env.split(":") if env else []
    for minor in ("3.7", "3.9", "3.13"):
        candidates += sorted(
            glob.glob(os.path.expanduser(f"~/.pyenv/versions/{minor}.*/bin/python3"))
        )[-1:]
    found = [
        p
        for p in candidates
        if subprocess.run([p, "-c", "pass"], capture_output=True).returncode == 0
    ]
    return found or [BARE_PYTHON]


@pytest.mark.parametrize("python", _pythons())
def test_zipapp_stops_notebook_via_stdlib_sigv4_on_old_pythons(
    python: str, aws_env: str, tmp_path: Path
) -> None:
    """The embedded agent alone (no boto3, no mlcost) stops a notebook in moto and publishes."""
    import boto3

    version = subprocess.run(
        [python, "-c", "import sys; print('%d-%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    name = "nb-zipapp-py" + version.stdout.strip()
    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance(
        NotebookInstanceName=name,
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
    )
    arn = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"]
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": name}))
    pyz = tmp_path / "mlcost-agent.pyz"
    pyz.write_bytes(bundle.build_zip())
    args = ["--once", "--signals", "cpu", "--cpu-threshold", "100000", "--idle-minutes", "0.0001"]
    args += [
        "--sample-seconds",
        "0.1",
        "--metadata-file",
        str(meta),
        "--imds-url",
        "http://127.0.0.1:9",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [python, "-I", str(pyz), "run", *args, "--no-boto3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"stopped via stdlib SigV4: StopNotebookInstance {name}" in done.stderr
    assert sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"] in (
        "Stopping",
        "Stopped",
    )
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    dims = [{"Name": "NotebookInstanceName", "Value": name}]
    names = {
        m["MetricName"]
        for m in cw.list_metrics(Namespace="MLCost/Agent", Dimensions=dims)["Metrics"]
    }
    assert names == {"Busy", "IdleSeconds", "CPUUtilization"}
