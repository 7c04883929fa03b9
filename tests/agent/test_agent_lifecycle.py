"""Lifecycle scripts: AWS accepts them, and they install and launch the agent offline.

Sizes are measured as AWS measures them: SageMaker counts the base64 ``Content``
(16,384 characters), EC2 the raw user data (16 KB, gzip-compressed: cloud-init gunzips
it); every target also stays within the project's own budget of base64 characters
(lifecycle.CONTENT_BUDGET). The scripts run under /bin/bash in a
temporary root (env vars redirect every path), with the system python that has no boto3
and no mlcost, with every proxy pointing at a closed port (no network), as SageMaker
runs OnStart: as root (where the tests run as root), and within its 5-minute limit.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlcost.agent import bundle, lifecycle
from mlcost.cli import app
from mlcost.errors import UserError

BARE_PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
DOCS = Path(__file__).parents[2] / "docs" / "agent.md"
ON_START_LIMIT_S = 300  # SageMaker fails a notebook whose OnStart runs longer


@pytest.mark.parametrize(
    ("kind", "standalone"),
    [("notebook", False), ("ec2", False), ("studio", False), ("notebook", True), ("studio", True)],
)
def test_script_fits_what_aws_accepts(kind: str, standalone: bool) -> None:
    script = lifecycle.render(kind, lifecycle.agent_args(kind), standalone=standalone)
    content = base64.b64encode(script).decode()  # what the API call carries
    if kind == "ec2":
        assert len(script) <= 16384  # EC2: user data, before base64
        script = gzip.decompress(script)  # what cloud-init runs
    else:
        assert len(content) <= 16384  # SageMaker: the base64 Content
    if not standalone:  # issue 15: 12,000 base64 characters, room to grow
        assert len(content) <= lifecycle.CONTENT_BUDGET == 12000
    assert script.startswith(b"#!/bin/bash\n" + lifecycle.MARKER.encode())
    assert f"--target {kind}".encode() in script


def test_cli_prints_the_script_and_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from mlcost.cli import agent as cli_agent

    args = ["agent", "lifecycle-config", "--idle-minutes", "45", "--target", "ec2"]
    monkeypatch.setattr(cli_agent, "_stdout_is_terminal", lambda: False)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    script = lifecycle.render("ec2", lifecycle.agent_args("ec2", idle_minutes=45))
    assert result.stdout_bytes == script
    text = gzip.decompress(script)
    assert b"--idle-minutes 45" in text and b"--signals gpu,cpu,ssh,terminal" in text
    sized = CliRunner().invoke(app, [*args, "--print-size"])
    assert sized.exit_code == 0, sized.output
    raw = len(script)
    assert f"ec2 script: {raw:,} bytes" in sized.output
    assert f"AWS limit: 16,384 user data bytes ({raw:,} used, {16384 - raw:,} left)" in sized.output


def test_print_size_states_the_encoded_size_and_the_limit() -> None:
    result = CliRunner().invoke(
        app, ["agent", "lifecycle-config", "--target", "notebook", "--print-size"]
    )
    assert result.exit_code == 0, result.output
    encoded = len(base64.b64encode(lifecycle.render("notebook", lifecycle.agent_args("notebook"))))
    assert f"{encoded:,} characters of base64" in result.output
    assert "AWS limit: 16,384 base64 Content characters" in result.output


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--idle-minutes", "-1"),
        ("--idle-minutes", "inf"),
        ("--gpu-threshold", "nan"),
        ("--cpu-threshold", "inf"),
        ("--sample-seconds", "nan"),
    ],
)
def test_cli_refuses_a_script_that_would_run_blind(option: str, value: str) -> None:
    result = CliRunner().invoke(app, ["agent", "lifecycle-config", option, value])
    assert isinstance(result.exception, UserError)
    assert f"{option} must be a finite number" in str(result.exception)


def test_binary_script_is_not_printed_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from mlcost.cli import agent as cli_agent

    monkeypatch.setattr(cli_agent, "_stdout_is_terminal", lambda: True)
    result = CliRunner().invoke(app, ["agent", "lifecycle-config"])
    assert isinstance(result.exception, UserError)
    assert "> on-start.sh" in str(result.exception)


def test_flattened_agent_keeps_module_names_apart() -> None:
    source = bundle.flatten()
    compile(source, "mlcost-agent.py", "exec")
    assert "from ." not in source
    compile(bundle.build_script(), "mlcost-agent.py", "exec")


@pytest.mark.parametrize(
    ("a", "b", "problem"),
    [
        ("def discover():\n    pass\n", "def discover():\n    pass\n", "defined by both"),
        ("from datetime import datetime\n", "import datetime\n", "is imported as"),
    ],
)
def test_flatten_refuses_names_two_modules_would_clash_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, a: str, b: str, problem: str
) -> None:
    """One module namespace: a second meaning for a name would silently replace the first."""
    (tmp_path / "one.py").write_text(a)
    (tmp_path / "two.py").write_text(b)
    monkeypatch.setattr(bundle, "CORE_DIR", tmp_path)
    monkeypatch.setattr(bundle, "MODULES", ("one", "two"))
    with pytest.raises(ValueError, match=problem):
        bundle.flatten()
    monkeypatch.setattr(bundle, "MODULES", ("one",))
    with pytest.raises(ValueError, match="must list the core's modules"):
        bundle.flatten()


def test_binary_payload_survives_the_heredoc_escape() -> None:
    """The decoder in the script reverses the escaping of NUL, 0x01 and DEL exactly."""
    data = bundle.binary_payload("notebook")
    assert b"\x00" not in data and b"\x7f" not in data
    assert b"\x01\x02" in data and b"\x01\x03" in data and b"\x01\x04" in data
    out = data.replace(b"\1\2", b"\0").replace(b"\1\4", b"\x7f").replace(b"\1\3", b"\1")
    assert out == bundle.compressed("notebook")
    assert "replace(b'\\1\\2',b'\\0').replace(b'\\1\\4',b'\\x7f').replace(b'\\1\\3',b'\\1')" in (
        bundle.DECODE_BINARY
    )


@pytest.mark.parametrize(
    ("kind", "kept", "gone"),
    [
        ("notebook", "StopNotebookInstance", ["DeleteApp", "StopInstances", "Studio fields"]),
        ("studio", "DeleteApp", ["StopNotebookInstance", "StopInstances"]),
        ("ec2", "StopInstances", ["StopNotebookInstance", "DeleteApp", "has no ResourceName"]),
    ],
)
def test_each_target_carries_only_its_own_stop(kind: str, kept: str, gone: list[str]) -> None:
    """A per-target build: the other targets' calls and metadata parsing are left out."""
    full, own = bundle.build_script(), bundle.build_script(kind)
    assert kept in own and all(g in full for g in gone)
    assert not [g for g in gone if g in own]
    assert len(own) < len(full)


def _metadata(tmp_path: Path, name: str) -> Path:
    meta = tmp_path / "opt/ml/metadata/resource-metadata.json"
    meta.parent.mkdir(parents=True)
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{name}"
    meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": name}))
    return meta


def _offline_env(tmp_path: Path, meta: Path, extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "MLCOST_AGENT_PREFIX": str(tmp_path / "opt/mlcost-agent"),
        "MLCOST_AGENT_LOG": str(tmp_path / "var/log/mlcost-agent.log"),
        "MLCOST_AGENT_PYTHON": BARE_PYTHON,
        "MLCOST_AGENT_NO_SYSTEMD": "1",
        "MLCOST_AGENT_METADATA_FILE": str(meta),
        "MLCOST_AGENT_IMDS_URL": "http://127.0.0.1:9",
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "MLCOST_AGENT_EXTRA_ARGS": extra,
        "https_proxy": "http://127.0.0.1:9",  # any network use would fail
        "http_proxy": "http://127.0.0.1:9",
    }


def _wait_for(path: Path, needle: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if needle in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} never appeared in {path}:\n{text}")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("kind", "standalone"),
    [("notebook", False), ("studio", False), ("ec2", False), ("notebook", True), ("studio", True)],
)
def test_script_installs_and_starts_the_agent_offline(
    kind: str,
    standalone: bool,
    tmp_path: Path,
    imds,  # noqa: ANN001 - conftest's fake IMDSv2 (the EC2 instance's identity)
) -> None:
    """Run as SageMaker (or cloud-init) does: /bin/bash on the file; the agent decides
    within seconds, and finds its own target (metadata file, or IMDSv2 on EC2).

    Notebook and Studio scripts sign with the botocore of SageMaker's own python (here:
    this test's python, which has botocore); EC2 and ``--standalone`` scripts run on a
    bare python with the agent's own signer."""
    signer = lifecycle.signer_for(kind, standalone)
    python = BARE_PYTHON if signer == "stdlib" else sys.executable
    no_boto3 = subprocess.run([python, "-c", "import boto3"], capture_output=True)
    meta = _metadata(tmp_path, "nb-offline")
    target = "notebook NotebookInstanceName=nb-offline"
    if kind == "studio":
        studio = {"DomainId": "d-1", "SpaceName": "sp", "AppType": "JupyterLab"}
        meta.write_text(json.dumps({**json.loads(meta.read_text()), **studio}))
        target = "studio DomainId=d-1, AppType=JupyterLab, AppName=nb-offline, SpaceName=sp"
    if kind == "ec2":
        imds.data = {"meta-data/instance-id": "i-0abc", "meta-data/placement/region": "us-east-1"}
        target = "ec2 InstanceId=i-0abc"
    script = tmp_path / "on-start.sh"
    rendered = lifecycle.render(kind, lifecycle.agent_args(kind), standalone=standalone)
    script.write_bytes(gzip.decompress(rendered) if kind == "ec2" else rendered)  # cloud-init
    # last value wins in argparse: decide once, at once, and only log the stop
    extra = (
        "--signals cpu --cpu-threshold 100000 --idle-minutes 0.0001 "
        "--sample-seconds 0.2 --once --dry-run --no-publish"
    )
    env = _offline_env(tmp_path, meta, extra)
    env["MLCOST_AGENT_PYTHON"] = python
    if kind == "ec2":
        env["MLCOST_AGENT_IMDS_URL"] = imds.url
    began = time.monotonic()
    done = subprocess.run(
        ["/bin/bash", str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    returned = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    assert "mlcost-agent: started pid" in done.stdout
    prefix, log = Path(env["MLCOST_AGENT_PREFIX"]), Path(env["MLCOST_AGENT_LOG"])
    assert (prefix / "mlcost-agent.py").is_file() and not (prefix / "agent.z").exists()
    text = _wait_for(log, "would stop")
    decided = time.monotonic() - began
    assert returned < ON_START_LIMIT_S and decided < ON_START_LIMIT_S
    print(f"\n{kind}: script returned in {returned:.2f} s, first decision after {decided:.2f} s")
    assert f"start: target {target} in us-east-1" in text
    assert "decision=IDLE" in text
    assert f"dry run, would stop {target} in us-east-1" in text
    if signer == "botocore":
        assert "AWS via botocore SigV4" in text
    elif no_boto3.returncode != 0:  # the bare python really had no boto3
        assert "AWS via stdlib SigV4" in text
    # the recorded command restarts the same agent (what systemd's ExecStart holds)
    command = (prefix / "command").read_text()
    assert command.startswith(f"{python} {prefix}/mlcost-agent.py run --target {kind}")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_without_a_python_that_has_botocore_the_script_says_so(tmp_path: Path) -> None:
    """A custom image without botocore: the script names what is missing and the way out
    (a --standalone script), instead of an agent that could never stop anything."""
    if subprocess.run([BARE_PYTHON, "-c", "import botocore"], capture_output=True).returncode == 0:
        pytest.skip("the system python has botocore")
    meta = _metadata(tmp_path, "nb-nobotocore")
    script = tmp_path / "on-start.sh"
    script.write_bytes(lifecycle.render("notebook", lifecycle.agent_args("notebook")))
    env = _offline_env(tmp_path, meta, "--no-publish --dry-run")
    del env["MLCOST_AGENT_PYTHON"]  # the script looks for one itself, on PATH=/usr/bin:/bin
    done = subprocess.run(["/bin/bash", str(script)], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "mlcost-agent: no python with botocore: use a --standalone script"
    ]
    # forced onto that python anyway, the agent refuses at start with the reason (exit 2)
    agent = tmp_path / "agent.py"
    agent.write_text(
        bundle.build_script("notebook", lifecycle.signals_in(["--no-publish"]), "botocore")
    )
    run = subprocess.run(
        [BARE_PYTHON, str(agent), "run", "--target", "notebook", "--metadata-file", str(meta)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "not running (nothing will be stopped): No module named 'botocore'" in run.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_second_start_replaces_the_running_agent(tmp_path: Path) -> None:
    """OnStart runs at every start: the agent of the previous run is stopped, not doubled."""
    meta = _metadata(tmp_path, "nb-twice")
    script = tmp_path / "on-start.sh"
    script.write_bytes(lifecycle.render("notebook", lifecycle.agent_args("notebook")))
    env = _offline_env(tmp_path, meta, "--signals cpu --no-publish --dry-run")
    pids = []
    for _ in range(2):
        done = subprocess.run(["/bin/bash", str(script)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        pids.append(int(re.search(r"started pid (\d+)", done.stdout).group(1)))
    try:
        deadline = time.monotonic() + 10
        while _alive(pids[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pids[0]) and _alive(pids[1])
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)


def _alive(pid: int) -> bool:
    """Running (a zombie, not reaped by an init that doesn't reap, has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ec2_script_writes_a_systemd_unit_when_systemd_runs(tmp_path: Path) -> None:
    """systemctl is faked on PATH; the unit restarts the agent always, but not on exit 2."""
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
    script = tmp_path / "user-data.sh"
    script.write_bytes(gzip.decompress(lifecycle.render("ec2", lifecycle.agent_args("ec2"))))
    done = subprocess.run(["/bin/bash", str(script)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    unit = (units / "mlcost-agent.service").read_text()
    assert "Restart=always" in unit and "RestartPreventExitStatus=2" in unit
    assert f"ExecStart={BARE_PYTHON} {tmp_path}/p/mlcost-agent.py run --target ec2" in unit
    assert calls.read_text().splitlines() == [
        "daemon-reload",
        "enable mlcost-agent",
        "restart mlcost-agent",
    ]


def _attach_commands() -> list[str]:
    """The shell commands docs/agent.md gives for attaching the notebook and Studio scripts."""
    text = DOCS.read_text()
    block = text[text.index("To attach it:") :]
    return re.findall(r"`((?:mlcost|aws) [^`]+)`", block)[:4]


@pytest.mark.skipif(shutil.which("aws") is None, reason="needs the AWS CLI")
def test_docs_attach_commands_work_against_the_emulator(tmp_path: Path) -> None:
    """The exact commands of docs/agent.md, run by bash, against the patched emulator."""
    import boto3

    from mlcost.demo.emulator import client_kwargs, start_server

    commands = _attach_commands()
    assert commands[0] == "mlcost agent lifecycle-config > on-start.sh"
    assert commands[1].startswith("aws sagemaker create-notebook-instance-lifecycle-config ")
    assert commands[2] == "mlcost agent lifecycle-config --target studio > studio.sh"
    assert commands[3].startswith("aws sagemaker create-studio-lifecycle-config ")
    venv_bin = str(Path(sys.executable).parent)
    with start_server() as emu:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"
        }
        env.update(
            PATH=f"{venv_bin}:{os.environ['PATH']}",
            AWS_ENDPOINT_URL=emu.endpoint_url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE="/nonexistent",
            AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        )
        done = subprocess.run(
            ["/bin/bash", "-ec", "\n".join(commands)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        sm = boto3.client("sagemaker", **client_kwargs(emu.endpoint_url, "us-east-1"))
        got = sm.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="mlcost-agent"
        )
        studio = sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="mlcost-agent")
    content = got["OnStart"][0]["Content"]
    assert base64.b64decode(content) == (tmp_path / "on-start.sh").read_bytes()
    assert base64.b64decode(content) == lifecycle.render(
        "notebook", lifecycle.agent_args("notebook")
    )
    assert base64.b64decode(studio["StudioLifecycleConfigContent"]) == lifecycle.render(
        "studio", lifecycle.agent_args("studio")
    )


def _pythons() -> list[str]:
    """Old and new interpreters where present (pyenv installs, or MLCOST_TEST_PYTHONS=a:b)."""
    import glob

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
def test_embedded_agent_stops_notebook_via_stdlib_sigv4_on_old_pythons(
    python: str, aws_env: str, tmp_path: Path
) -> None:
    """The embedded agent alone (no boto3, no mlcost) stops a notebook in moto and publishes."""
    version = subprocess.run(
        [python, "-c", "import sys; print('%d-%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    name = "nb-embedded-py" + version.stdout.strip()
    args = ["--signals", "cpu,terminal,ssh,gpu", "--imds-url", "http://127.0.0.1:9"]
    stderr = _stop_an_idle_notebook(python, bundle.build_script("notebook"), name, args, tmp_path)
    assert f"stopped via stdlib SigV4: StopNotebookInstance {name}" in stderr


def _stop_an_idle_notebook(
    python: str, script: str, name: str, args: list[str], tmp_path: Path
) -> str:
    """Run ``script`` (an embedded agent build) once against a new notebook in moto, idle at
    once; assert the notebook stopped and the agent published Busy, IdleSeconds and
    CPUUtilization. Returns the agent's log (stderr)."""
    import boto3

    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance(
        NotebookInstanceName=name,
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
    )
    arn = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"]
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": name}))
    agent = tmp_path / "mlcost-agent.py"
    agent.write_text(script)
    run = [*args, "--once", "--cpu-threshold", "100000", "--target", "notebook"]
    run += ["--idle-minutes", "0.0001", "--sample-seconds", "0.1", "--metadata-file", str(meta)]
    run += ["--gpu-threshold", "100"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MLCOST_AGENT_GPU_DEVICE_GLOB"] = str(tmp_path / "nvidia[0-9]*")  # no GPU here
    done = subprocess.run(
        [python, "-I", str(agent), "run", *run],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
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
    return done.stderr


def test_notebook_scripts_agent_stops_and_publishes_via_botocore_sigv4(
    aws_env: str, tmp_path: Path
) -> None:
    """What a default notebook script installs (botocore signer, notebook signals) stops
    the notebook in moto and publishes its metrics over CloudWatch's JSON protocol."""
    name = "nb-embedded-botocore"
    signals = lifecycle.signals_in(lifecycle.agent_args("notebook"))
    script = bundle.build_script("notebook", signals, "botocore")
    args = ["--signals", "cpu,terminal,gpu"]
    stderr = _stop_an_idle_notebook(sys.executable, script, name, args, tmp_path)
    assert f"stopped via botocore SigV4: StopNotebookInstance {name}" in stderr
    agent = tmp_path / "mlcost-agent.py"
    # a signal the script's build left out is refused at start, with the allowed ones
    refused = subprocess.run(
        [sys.executable, "-I", str(agent), "run", "--signals", "ssh", "--target", "none"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    assert "--signals must be a comma list of jupyter, terminal, gpu, cpu" in refused.stderr


@pytest.mark.parametrize("kind", ["notebook", "studio", "ec2"])
@pytest.mark.parametrize("python", _pythons())
def test_embedded_agent_refuses_to_start_without_a_target(
    python: str, kind: str, tmp_path: Path
) -> None:
    """Each target's own build, on each python: no target found, one line, exit 2; and
    another target's name is refused (the build cannot stop it)."""
    agent = tmp_path / "mlcost-agent.py"
    agent.write_text(bundle.build_script(kind))
    args = ["run", "--target", kind, "--metadata-file", str(tmp_path / "none.json")]
    args += ["--imds-url", "http://127.0.0.1:9"]
    done = subprocess.run([python, "-I", str(agent), *args], capture_output=True, text=True)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    cause = "IMDSv2 at http://127.0.0.1:9 failed" if kind == "ec2" else "none.json is missing"
    assert "cannot tell what to stop" in line and cause in line
    other = "ec2" if kind == "notebook" else "notebook"
    done = subprocess.run(
        [python, "-I", str(agent), "run", "--target", other], capture_output=True, text=True
    )
    assert done.returncode == 2 and "invalid choice" in done.stderr


@pytest.mark.parametrize("python", _pythons())
def test_embedded_agent_reads_a_real_jupyter_on_old_pythons(
    python: str, jserver: dict, tmp_path: Path
) -> None:
    """The minified agent's Jupyter and terminal signals, read for real, on each python."""
    agent = tmp_path / "mlcost-agent.py"
    agent.write_text(bundle.build_script("studio"))
    args = ["run", "--target", "none", "--signals", "jupyter,terminal", "--once"]
    args += ["--jupyter-url", jserver["url"], "--jupyter-token", jserver["token"]]
    args += ["--sample-seconds", "0.01", "--no-publish"]
    done = subprocess.run(
        [python, "-I", str(agent), *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    (decision,) = [line for line in done.stderr.splitlines() if "decision=" in line]
    assert "jupyter idle" in decision or "jupyter busy" in decision
    assert "kernel(s)" in decision and "process(es) with a terminal" in decision
    assert "UNREADABLE" not in decision and "sampler failed" not in decision
