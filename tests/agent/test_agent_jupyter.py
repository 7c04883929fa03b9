"""The Jupyter signal against a real jupyter_server + ipykernel on 127.0.0.1."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient

from mlcost.agent.core import jupyter
from mlcost.agent.core.decision import IdleTracker

IDLE = timedelta(minutes=60)


def _api(server: dict, method: str, path: str) -> object:
    req = urllib.request.Request(
        server["url"] + path, method=method, headers={"Authorization": f"token {server['token']}"}
    )
    if method == "POST":
        req.data = b"{}"
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def _wait(pred, what: str, timeout: float = 60.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def kernel(jserver: dict):  # noqa: ANN201
    """A kernel started through the server's REST API, with a client on its connection file."""
    k = _api(jserver, "POST", "api/kernels")
    kc = BlockingKernelClient(connection_file=f"{jserver['runtime']}/kernel-{k['id']}.json")
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    yield k["id"], kc
    kc.stop_channels()
    _api(jserver, "DELETE", f"api/kernels/{k['id']}")


def _cell_until(flag) -> str:  # noqa: ANN001
    """A cell that sleeps until the test creates ``flag``: busy for exactly as long as needed."""
    return f"import os, time\nwhile not os.path.exists({str(flag)!r}):\n    time.sleep(0.05)\n"


def _servers(jserver: dict, monkeypatch: pytest.MonkeyPatch) -> list[jupyter.Server]:
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", jserver["runtime"])
    monkeypatch.setenv("MLCOST_AGENT_ONLY_ENV_RUNTIME_DIR", "1")
    return jupyter.find_servers((), None, "/nonexistent/metadata.json")


def test_discovers_url_and_token_from_runtime_file(
    jserver: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = _servers(jserver, monkeypatch)
    assert [(s.url, s.token) for s in servers] == [(jserver["url"], jserver["token"])]


def test_sleeping_cell_is_busy_then_idle_only_after_timeout(
    jserver: dict, kernel: tuple, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kernel_id, kc = kernel
    servers = _servers(jserver, monkeypatch)
    start = datetime.now(UTC) - timedelta(hours=2)  # the agent has run for a while
    tracker = IdleTracker(IDLE.total_seconds(), start)

    msg_id = kc.execute(_cell_until(tmp_path / "done"))
    busy = _wait(
        lambda: (r := jupyter.sample_servers(servers)).busy and r, "the kernel to report busy"
    )
    # Decide at the sample's own time (a busy kernel's activity stamp is "now" when read):
    # on a loaded machine, reading the clock later could fall after the cell's end.
    assert busy.last_active is not None
    d = tracker.decide([busy], busy.last_active)
    assert not d.idle and d.any_busy
    assert kernel_id[:8] in busy.detail and "1 busy" in busy.detail
    # Even with the clock far ahead, a kernel that is busy now is not idle.
    other = IdleTracker(IDLE.total_seconds(), start)
    assert not other.decide([busy], datetime.now(UTC) + 2 * IDLE).idle

    (tmp_path / "done").touch()
    reply = kc.get_shell_msg(timeout=30)
    assert reply["parent_header"]["msg_id"] == msg_id
    done = _wait(
        lambda: (r := jupyter.sample_servers(servers)).busy is False and r, "the kernel to go idle"
    )
    ended = done.last_active
    assert ended is not None and ended > start
    # Just finished: idle, but not for long enough.
    d = tracker.decide([done], ended + IDLE - timedelta(seconds=5))
    assert not d.idle and "idle 59m" in d.reason
    # Past the timeout since the cell ended: idle.
    d = tracker.decide([done], ended + IDLE + timedelta(seconds=5))
    assert d.idle


def test_recent_terminal_activity_keeps_machine_busy(
    jserver: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = _servers(jserver, monkeypatch)
    term = _api(jserver, "POST", "api/terminals")
    try:
        r = _wait(
            lambda: (x := jupyter.sample_servers(servers)).stamps.get("terminals") and x,
            "the terminal to be listed",
        )
        last = max(r.stamps["terminals"])
        now = datetime.now(UTC)
        assert now - last < timedelta(minutes=5)
        tracker = IdleTracker(IDLE.total_seconds(), now - 3 * IDLE)
        d = tracker.decide([r], last + timedelta(minutes=10))
        assert not d.idle, d.reason
        assert tracker.decide([r], last + IDLE + timedelta(seconds=1)).idle
    finally:
        _api(jserver, "DELETE", f"api/terminals/{term['name']}")


def test_wrong_token_is_unreadable_and_blocks_the_stop(jserver: dict) -> None:
    r = jupyter.sample_servers([jupyter.Server(jserver["url"], "wrong-token", "test")])
    assert r.busy is None and ("403" in r.detail or "401" in r.detail)
    tracker = IdleTracker(60, datetime.now(UTC) - timedelta(days=1))
    d = tracker.decide([r], datetime.now(UTC))
    assert not d.idle and d.blocked and "UNREADABLE" in d.reason


def test_unreachable_jupyter_is_unreadable() -> None:
    r = jupyter.sample_servers([jupyter.Server("http://127.0.0.1:9/", None, "test")])
    assert r.busy is None and "unreachable" in r.detail


def test_no_server_found_says_where_it_looked(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("MLCOST_AGENT_ONLY_ENV_RUNTIME_DIR", "1")
    r = jupyter.sample_servers(jupyter.find_servers((), None, str(tmp_path / "no-metadata.json")))
    assert r.busy is None and str(tmp_path) in r.detail and "--jupyter-url" in r.detail


def test_sagemaker_defaults_when_no_runtime_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("MLCOST_AGENT_ONLY_ENV_RUNTIME_DIR", "1")
    nb = tmp_path / "nb.json"
    nb.write_text(
        json.dumps(
            {
                "ResourceName": "nb-1",
                "ResourceArn": "arn:aws:sagemaker:us-east-1:1:notebook-instance/nb-1",
            }
        )
    )
    assert [s.url for s in jupyter.find_servers((), None, str(nb))] == ["https://127.0.0.1:8443/"]
    studio = tmp_path / "studio.json"
    studio.write_text(json.dumps({"DomainId": "d-1", "SpaceName": "s", "AppType": "JupyterLab"}))
    assert [s.url for s in jupyter.find_servers((), None, str(studio))] == [
        "http://127.0.0.1:8888/jupyterlab/default/"
    ]


def test_agent_end_to_end_busy_cell_then_stop_in_moto(
    jserver: dict, kernel: tuple, aws_env: str, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # noqa: ANN001
    """Real Jupyter + the agent loop + moto: no stop while the cell runs, stop an hour after."""
    import boto3

    from mlcost.agent.core.config import AgentConfig
    from mlcost.agent.core.runner import Agent

    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance(
        NotebookInstanceName="nb-e2e",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
    )
    arn = sm.describe_notebook_instance(NotebookInstanceName="nb-e2e")["NotebookInstanceArn"]
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": "nb-e2e"}))
    offset = [timedelta(0)]
    cfg = AgentConfig(
        signals=("jupyter",),
        jupyter_urls=(jserver["url"],),
        jupyter_token=jserver["token"],
        metadata_file=str(meta),
        imds_url="http://127.0.0.1:9",
        publish=False,
    )
    caplog.set_level("INFO", logger="mlcost.agent")
    agent = Agent(cfg, clock=lambda: datetime.now(UTC) + offset[0], sleep=lambda s: None)
    _, kc = kernel

    servers = [jupyter.Server(jserver["url"], jserver["token"], "t")]
    kc.execute(_cell_until(tmp_path / "done"))
    _wait(lambda: jupyter.sample_servers(servers).busy, "the kernel to report busy")
    offset[0] = timedelta(hours=2)  # long past the agent's start: only the cell keeps it alive
    d = agent.step()
    assert not d.idle and not agent.stopped
    (tmp_path / "done").touch()
    kc.get_shell_msg(timeout=30)
    _wait(lambda: jupyter.sample_servers(servers).busy is False, "the kernel to go idle")
    d = agent.step()  # seconds after the busy sample: idle, not for long enough
    assert not d.idle and not agent.stopped
    assert (
        sm.describe_notebook_instance(NotebookInstanceName="nb-e2e")["NotebookInstanceStatus"]
        == "InService"
    )
    offset[0] = timedelta(hours=3, minutes=5)
    d = agent.step()
    assert d.idle and agent.stopped
    status = sm.describe_notebook_instance(NotebookInstanceName="nb-e2e")["NotebookInstanceStatus"]
    assert status in ("Stopping", "Stopped")
    decisions = [m for m in caplog.messages if m.startswith("decision=")]
    assert [m.split()[0] for m in decisions] == [
        "decision=busy",
        "decision=not-yet-idle",
        "decision=IDLE",
    ]


def test_runtime_file_of_server_bound_to_all_interfaces(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # noqa: ANN001
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("MLCOST_AGENT_ONLY_ENV_RUNTIME_DIR", "1")
    info = {"url": "https://0.0.0.0:8443/", "base_url": "/", "token": "", "pid": os.getpid()}
    (tmp_path / "jpserver-1.json").write_text(json.dumps(info))
    dead = dict(info, url="http://127.0.0.1:8899/", pid=2**22 + 12345)  # no such process
    (tmp_path / "jpserver-2.json").write_text(json.dumps(dead))
    servers = jupyter.find_servers((), None, "/nonexistent")
    assert [(s.url, s.token) for s in servers] == [("https://127.0.0.1:8443/", None)]


def test_cell_and_terminal_between_samples_publish_busy(
    jserver: dict, kernel: tuple, tmp_path: Path
) -> None:
    """Real Jupyter: a cell that ran, and a terminal opened, between two samples -> Busy=1."""
    from mlcost.agent.core.config import AgentConfig
    from mlcost.agent.core.runner import Agent
    from mlcost.agent.core.target import Target

    batches: list[dict[str, float]] = []

    class Api:
        via = "fake"

        def put_metric_data(self, ns: str, data: list[dict]) -> None:
            batches.append({d["MetricName"]: d["Value"] for d in data})

    cfg = AgentConfig(
        signals=("jupyter",),
        jupyter_urls=(jserver["url"],),
        jupyter_token=jserver["token"],
        publish_seconds=3600,
    )
    target = Target("notebook", "us-east-1", {"NotebookInstanceName": "nb"})
    agent = Agent(cfg, sleep=lambda s: None, api=Api(), target=target)  # type: ignore[arg-type]
    servers = [jupyter.Server(jserver["url"], jserver["token"], "t")]
    _, kc = kernel

    def interval() -> dict[str, float]:
        d = agent.step()
        assert not d.any_busy, d.reason  # nothing is busy AT the sample
        agent.publish(datetime.now(UTC))
        return batches[-1]

    assert interval()["Busy"] == 0.0  # nothing since the agent started
    kc.execute("x = 1 + 1")
    kc.get_shell_msg(timeout=30)
    _wait(lambda: jupyter.sample_servers(servers).busy is False, "the kernel to go idle")
    busy = interval()
    assert busy["Busy"] == 1.0 and busy["JupyterBusyKernels"] == 1.0
    term = _api(jserver, "POST", "api/terminals")
    try:
        busy = interval()
        assert busy["Busy"] == 1.0 and busy["ActiveTerminals"] == 1.0
    finally:
        _api(jserver, "DELETE", f"api/terminals/{term['name']}")
