"""Fixtures for the agent tests: a real Jupyter server, a fake IMDSv2, moto on loopback."""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN = "mlcost-test-token"
FAKE_CREDS = {
    "AccessKeyId": "ASIAFAKEROLEKEY",
    "SecretAccessKey": "fakeRoleSecret",
    "Token": "fakeSessionToken",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A real jupyter_server on 127.0.0.1 with a token; its runtime dir is returned too."""
    root = tmp_path_factory.mktemp("jupyter")
    runtime = root / "runtime"
    runtime.mkdir()
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_CONFIG_DIR=str(root / "cfg"))
    env["JUPYTER_DATA_DIR"] = str(root / "data")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--port-retries=0",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.terminals_enabled=True",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not glob.glob(str(runtime / "jpserver-*.json")):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(
                "jupyter_server did not start: " + proc.stderr.read().decode()[-2000:]
            )
        time.sleep(0.2)
    try:
        yield {
            "url": f"http://127.0.0.1:{port}/",
            "token": TOKEN,
            "runtime": str(runtime),
            "root": root,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


class _ImdsHandler(BaseHTTPRequestHandler):
    """IMDSv2 semantics: GETs need the token a PUT handed out (401 otherwise)."""

    data: dict[str, str] = {}
    token = "imds-session-token"
    requests: list[tuple[str, str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_PUT(self) -> None:  # noqa: N802
        self.requests.append(("PUT", self.path))
        if self.path != "/latest/api/token" or not self.headers.get(
            "X-aws-ec2-metadata-token-ttl-seconds"
        ):
            self.send_response(400)
            self.end_headers()
            return
        self._reply(200, self.token)

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append(("GET", self.path))
        if self.headers.get("X-aws-ec2-metadata-token") != self.token:
            self._reply(401, "")
            return
        key = self.path.removeprefix("/latest/")
        if key in self.data:
            self._reply(200, self.data[key])
        else:
            self._reply(404, "")

    def _reply(self, code: int, body: str) -> None:
        raw = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def imds() -> Iterator[type[_ImdsHandler]]:
    """A local IMDSv2 on 127.0.0.1; set ``handler.data`` paths (after /latest/)."""
    handler = type("H", (_ImdsHandler,), {"data": {}, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto's server on 127.0.0.1 with mlcost's emulator fixes (AWS's limits included)."""
    from moto.server import ThreadedMotoServer

    from mlcost.demo.emulator import patch_moto

    patch_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._server.server_port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_url: str) -> str:
    """Fake credentials and AWS_ENDPOINT_URL pointing at moto; no profile files."""
    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    return moto_url
