"""An HTML 500 page is not an AWS answer: the call fails at once, not after ten retries.
AWS's own 500s (an error document) are still retried."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config

from mlcost.sources.aws.session import ClientFactory, NotAnAwsAnswer

HTML = b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
AWS_500 = b'{"__type": "InternalFailure", "message": "We encountered an internal error."}'


class _Server:
    """Answers every POST with one configured 500 and counts the requests."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests += 1
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(500)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def sagemaker_at(monkeypatch):
    servers: list[_Server] = []

    def make(body: bytes, content_type: str, attempts: int):
        server = _Server(body, content_type)
        servers.append(server)
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        session = boto3.Session(
            aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1"
        )
        config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
        return server, ClientFactory(session, config)("sagemaker", "us-east-1")

    yield make
    for server in servers:
        server.close()


def test_an_html_500_page_fails_the_call_after_one_request(sagemaker_at):
    server, sagemaker = sagemaker_at(HTML, "text/html; charset=utf-8", attempts=10)
    with pytest.raises(NotAnAwsAnswer, match="does not serve ListApps"):
        sagemaker.list_apps()
    assert server.requests == 1


def test_an_aws_internal_failure_is_still_retried(sagemaker_at):
    server, sagemaker = sagemaker_at(AWS_500, "application/x-amz-json-1.1", attempts=3)
    with pytest.raises(sagemaker.exceptions.ClientError, match="InternalFailure"):
        sagemaker.list_apps()
    assert server.requests == 3
