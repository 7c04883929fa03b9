"""The AWS environment a user gets wrong: one line, exit 2, and no hang.

Each case was measured as a traceback or a hang before (issue 20): an unknown
``AWS_PROFILE``, a corrupt credentials file, an endpoint that accepts and never answers, a
closed port, and a Price List "API" that answers with an HTML page.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real-looking ~/.aws with one profile, ``dev``."""
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = eu-west-1\n")
    creds = tmp_path / "credentials"
    creds.write_text("[dev]\naws_access_key_id = AKIDEV\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    # the files are the only source of credentials, and nothing can reach AWS
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    return creds


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "--region", "us-east-1"],
        ["prices", "refresh", "--region", "us-east-1"],
        ["billing", "budget", "--apply", "--email", "finops@example.com"],
    ],
)
def test_an_unknown_aws_profile_is_one_line(cli, aws_config, monkeypatch, tmp_path, argv) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    monkeypatch.chdir(tmp_path)
    if argv[0] == "billing":
        argv = [*argv, "--db", str(_billing_db(tmp_path))]
    r = cli(*argv)
    assert r.code == 2
    r.one_error_line("profile", "nosuch")


def test_the_profile_option_names_known_profiles(cli, aws_config, no_scan) -> None:
    r = cli("scan", "--profile", "prod", "--region", "us-east-1")
    assert r.code == 2
    r.one_error_line("'prod' not found", "dev")
    r = cli("--profile", "prod", "policy", "self")
    assert r.code == 2 and "'prod' not found" in r.err


def test_a_corrupt_credentials_file_is_one_line(cli, aws_config, tmp_path) -> None:
    aws_config.write_text("[default\naws_access_key_id = AKIA\n")  # unclosed section
    for argv in (["scan", "--region", "us-east-1"], ["prices", "refresh", "-r", "us-east-1"]):
        r = cli(*argv)
        assert r.code == 2
        r.one_error_line("AWS configuration cannot be read", str(aws_config))


# --- the network: subprocesses, so that a regression hangs a child, not the suite ----------


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a stuck proxy, a firewall)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def _mlcost(args: list[str], endpoint: str, limit_s: float) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    return subprocess.run(
        [sys.executable, "-m", "mlcost", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=limit_s,  # a hang fails the test here instead of holding the suite
    )


def test_an_endpoint_that_never_answers_fails_within_the_read_timeout(silent_port) -> None:
    # 2 preflight attempts x 1 s read timeout, plus start-up: far inside the 60 s guard
    # (it hung for more than 400 s before)
    done = _mlcost(
        ["--read-timeout", "1", "scan", "--region", "us-east-1"],
        f"http://127.0.0.1:{silent_port}",
        limit_s=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "could not reach AWS" in lines[0] and "ReadTimeoutError" in lines[0]
    assert "--read-timeout" in lines[0]  # says what to change


def test_a_closed_port_is_reported_at_once() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _mlcost(["scan", "--region", "us-east-1"], f"http://127.0.0.1:{port}", limit_s=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "could not reach AWS" in done.stderr


def test_every_client_has_the_connect_and_read_timeouts() -> None:
    from mlcost.fix.context import Clients
    from mlcost.sources.aws import session

    session.set_timeouts(3, 7)
    try:
        assert (
            session.client_config(8).connect_timeout,
            session.client_config(8).read_timeout,
        ) == (
            3,
            7,
        )
        fix_config = Clients()._config
        assert (fix_config.connect_timeout, fix_config.read_timeout) == (3, 7)
        assert fix_config.retries == {"mode": "standard", "total_max_attempts": 5}
        pre = session.preflight_config()
        assert pre.read_timeout == 7 and pre.retries["total_max_attempts"] == 2
    finally:
        session.set_timeouts()
    assert session.timeouts() == (10.0, 60.0)


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-5"])
def test_a_timeout_must_be_a_positive_number_of_seconds(cli, value) -> None:
    r = cli("--read-timeout", value, "policy", "self")
    assert r.code == 2
    r.one_error_line("--read-timeout", value.replace("inf", "inf"))


# --- the Price List API answered by something else --------------------------------------


class _Html(BaseHTTPRequestHandler):
    status = 502

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = b"<html><body><h1>502 Bad Gateway</h1>AccessDenied? no: a proxy</body></html>"
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(params=[502, 200])
def html_endpoint(request, monkeypatch) -> Iterator[str]:
    handler = type("Handler", (_Html,), {"status": request.param})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    yield request.param
    server.shutdown()
    server.server_close()


def test_prices_refresh_against_an_html_page_does_not_blame_a_permission(
    cli, html_endpoint, tmp_path
) -> None:
    out = tmp_path / "prices"
    r = cli("prices", "refresh", "--region", "us-east-1", "-o", str(out))
    assert r.code == 2
    line = r.one_error_line("Price List API")
    assert "pricing:GetProducts" not in line  # the old message blamed the wrong permission
    assert "<html" not in line  # and did not paste the page
    assert not (out / "catalogue.json").exists()  # nothing written


def _billing_db(tmp_path: Path) -> Path:
    from mlcost.billing import synth
    from mlcost.billing.ingest import ingest

    csv = synth.write(synth.generate_cur2(hours=6), tmp_path / "cur.csv")
    db = tmp_path / "bill.duckdb"
    ingest([csv], db)
    return db


@pytest.mark.parametrize("endpoint", ["notaurl", "http://[::1", "ftp://host", "http://h:port"])
def test_an_endpoint_url_that_is_not_a_url_is_one_line(cli, monkeypatch, no_scan, endpoint) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    r = cli("scan", "--region", "us-east-1")
    assert r.code == 2
    r.one_error_line("AWS_ENDPOINT_URL", "not an http(s) URL")
    assert no_scan == []
