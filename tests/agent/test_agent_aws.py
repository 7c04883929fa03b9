"""The agent's AWS calls: SigV4 against botocore's signer, stops and metrics against moto.

Metadata files and IMDSv2 are served by local fakes; AWS by moto on 127.0.0.1. Both the
stdlib SigV4 path (the embedded agent's) and Boto3Api (`mlcost agent run`'s) are exercised.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import botocore.auth
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from botocore.validate import validate_parameters

from mlcost.agent.boto3_api import Boto3Api
from mlcost.agent.core import target as target_mod
from mlcost.agent.core.aws import (
    AwsApi,
    AwsError,
    ContainerCredentials,
    Credentials,
    Imds,
    credentials_for,
    sigv4_headers,
)
from mlcost.agent.core.config import AgentConfig
from mlcost.agent.core.runner import Agent, resolve_target
from mlcost.agent.core.signals import Reading

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole"


@pytest.mark.parametrize("token", [None, "session-token/with+chars="])
@pytest.mark.parametrize(
    ("url", "service", "content_type", "body"),
    [
        (
            "https://api.sagemaker.eu-west-1.amazonaws.com/",
            "sagemaker",
            "application/x-amz-json-1.1",
            b'{"NotebookInstanceName": "nb-1"}',
        ),
        (
            "http://127.0.0.1:5000/",
            "monitoring",
            "application/x-www-form-urlencoded; charset=utf-8",
            b"Action=PutMetricData&Version=2010-08-01&Namespace=MLCost%2FAgent",
        ),
    ],
)
def test_sigv4_matches_botocore(
    monkeypatch: pytest.MonkeyPatch,
    token: str | None,
    url: str,
    service: str,
    content_type: str,
    body: bytes,
) -> None:
    when = datetime(2026, 11, 25, 14, 5, 9, tzinfo=UTC)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when.replace(tzinfo=None))
    headers = {"Content-Type": content_type, "X-Amz-Target": "SageMaker.StopNotebookInstance"}
    req = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    botocore.auth.SigV4Auth(
        BotoCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", token), service, "eu-west-1"
    ).add_auth(req)
    ours = sigv4_headers(
        "POST",
        url,
        body,
        headers,
        service,
        "eu-west-1",
        ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", token),
        when,
    )
    assert ours["Authorization"] == req.headers["Authorization"]
    assert ours["X-Amz-Date"] == "20261125T140509Z"


def _notebook(name: str) -> str:
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    return sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"]


def _idle_agent(cfg: AgentConfig, gpu_busy: bool = False, use_boto3: bool = False) -> Agent:
    """An agent whose signals have been idle since 2 h before it started (clock injected).

    ``use_boto3``: with the Boto3Api that `mlcost agent run` gives it.
    """
    t0 = datetime.now(UTC)
    times = iter([t0] + [t0 + timedelta(minutes=61 + i) for i in range(100)])
    gpu = Reading("gpu", gpu_busy, "fake", values={"gpu_util": 97.0 if gpu_busy else 0.0})
    jup = Reading("jupyter", False, "1 kernel(s), 0 busy", last_active=t0 - timedelta(hours=2))
    target = api = None
    if use_boto3:
        target = resolve_target(cfg)
        api = Boto3Api(str(target.region), cfg.endpoint_url, Imds(cfg.imds_url))
    return Agent(
        cfg,
        clock=lambda: next(times),
        sleep=lambda s: None,
        samplers=[("jupyter", lambda: jup), ("gpu", lambda: gpu)],
        api=api,
        target=target,
    )


@pytest.mark.parametrize("use_boto3", [True, False], ids=["boto3", "stdlib-sigv4"])
def test_idle_notebook_instance_is_stopped_in_moto(
    aws_env: str, tmp_path: Path, use_boto3: bool, caplog: pytest.LogCaptureFixture
) -> None:
    name = f"nb-idle-{use_boto3}"
    arn = _notebook(name)
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": name}))
    cfg = AgentConfig(
        target="auto",
        metadata_file=str(meta),
        imds_url="http://127.0.0.1:9",
        once=True,
    )
    agent = _idle_agent(cfg, use_boto3=use_boto3)
    caplog.set_level("INFO", logger="mlcost.agent")
    agent.run()
    assert agent.stopped
    status = boto3.client("sagemaker", region_name=REGION).describe_notebook_instance(
        NotebookInstanceName=name
    )
    assert status["NotebookInstanceStatus"] in ("Stopping", "Stopped")
    assert any("StopNotebookInstance " + name in m for m in caplog.messages)


def test_gpu_busy_kernel_idle_notebook_is_not_stopped(aws_env: str, tmp_path: Path) -> None:
    name = "nb-gpu-busy"
    arn = _notebook(name)
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": name}))
    cfg = AgentConfig(metadata_file=str(meta), imds_url="http://127.0.0.1:9", max_samples=3)
    agent = _idle_agent(cfg, gpu_busy=True)
    agent.run()
    assert not agent.stopped
    status = boto3.client("sagemaker", region_name=REGION).describe_notebook_instance(
        NotebookInstanceName=name
    )
    assert status["NotebookInstanceStatus"] == "InService"


@pytest.mark.parametrize("use_boto3", [True, False], ids=["boto3", "stdlib-sigv4"])
def test_idle_ec2_instance_found_via_imdsv2_is_stopped(aws_env: str, imds, use_boto3: bool) -> None:  # noqa: ANN001
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, InstanceType="g5.xlarge", MinCount=1, MaxCount=1)[
        "Instances"
    ][0]["InstanceId"]
    imds.data = {"meta-data/instance-id": iid, "meta-data/placement/region": REGION}
    cfg = AgentConfig(
        target="auto",
        metadata_file="/nonexistent/metadata.json",
        imds_url=imds.url,
        once=True,
    )
    agent = _idle_agent(cfg, use_boto3=use_boto3)
    assert agent.target.kind == "ec2" and agent.target.ident == {"InstanceId": iid}
    agent.run()
    state = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"][
        "Name"
    ]
    assert state in ("stopping", "stopped")
    assert ("PUT", "/latest/api/token") in imds.requests


@pytest.mark.parametrize("creds_in", ["env", "profile-file"])
def test_metrics_batch_matches_the_contract(
    aws_env: str, tmp_path: Path, creds_in: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Env credentials: the stdlib signer sends it. Only a profile file: boto3 takes over."""
    name = f"nb-metrics-{creds_in}"
    arn = _notebook(name)
    if creds_in == "profile-file":
        profile = tmp_path / "credentials"
        profile.write_text(
            "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        )
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(profile))
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(json.dumps({"ResourceArn": arn, "ResourceName": name}))
    cfg = AgentConfig(
        metadata_file=str(meta),
        imds_url="http://127.0.0.1:9",
        max_samples=3,
        dry_run=True,
        publish_seconds=24 * 3600,
    )
    agent = _idle_agent(cfg, gpu_busy=True, use_boto3=True)
    calls = []
    real_put = agent.api.put_metric_data
    agent.api.put_metric_data = lambda ns, data: (calls.append(len(data)), real_put(ns, data))
    agent.run()
    assert calls == [5]  # three samples, one batch; no CPU signal enabled so no CPUUtilization
    cw = boto3.client("cloudwatch", region_name=REGION)
    dims = [{"Name": "NotebookInstanceName", "Value": name}]
    names = {
        m["MetricName"]
        for m in cw.list_metrics(Namespace="MLCost/Agent", Dimensions=dims)["Metrics"]
    }
    assert names == {
        "Busy",
        "IdleSeconds",
        "GPUUtilization",
        "JupyterBusyKernels",
        "ActiveTerminals",
    }
    now = datetime.now(UTC)
    stats = cw.get_metric_statistics(
        Namespace="MLCost/Agent",
        MetricName="GPUUtilization",
        Dimensions=dims,
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(hours=3),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert [p["Maximum"] for p in stats] == [97.0]
    busy = cw.get_metric_statistics(
        Namespace="MLCost/Agent",
        MetricName="Busy",
        Dimensions=dims,
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(hours=3),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert [p["Maximum"] for p in busy] == [1.0]


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[dict, bytes]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def test_studio_app_is_deleted_with_the_api_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto has no DeleteApp: a recorder stands in, and botocore's model validates the call."""
    handler = type("R", (_Recorder,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    meta = tmp_path / "resource-metadata.json"
    meta.write_text(
        json.dumps(
            {
                "AppType": "JupyterLab",
                "DomainId": "d-abc123",
                "SpaceName": "alice-space",
                "UserProfileName": "alice",
                "ResourceName": "default",
                "ResourceArn": "arn:aws:sagemaker:eu-west-1:123456789012:app/d-abc123/alice-space/jupyterlab/default",
            }
        )
    )
    try:
        tgt = target_mod.discover("auto", str(meta), Imds("http://127.0.0.1:9"), None)
        assert tgt.kind == "studio" and tgt.region == "eu-west-1"
        assert tgt.dimensions == [
            {"Name": "DomainId", "Value": "d-abc123"},
            {"Name": "SpaceName", "Value": "alice-space"},
        ]
        api = AwsApi("eu-west-1", f"http://127.0.0.1:{server.server_address[1]}", None)
        target_mod.stop(tgt, api)
    finally:
        server.shutdown()
        server.server_close()
    ((headers, body),) = handler.seen
    assert headers["X-Amz-Target"] == "SageMaker.DeleteApp"
    assert "/eu-west-1/sagemaker/aws4_request" in headers["Authorization"]
    params = json.loads(body)
    assert params == {
        "DomainId": "d-abc123",
        "AppType": "JupyterLab",
        "AppName": "default",
        "SpaceName": "alice-space",
    }
    model = botocore.session.get_session().get_service_model("sagemaker")
    validate_parameters(params, model.operation_model("DeleteApp").input_shape)


def test_instance_role_credentials_come_from_imdsv2(imds, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(var, raising=False)
    exp = (datetime.now(UTC) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    imds.data = {
        "meta-data/iam/security-credentials/": "NotebookRole",
        "meta-data/iam/security-credentials/NotebookRole": json.dumps(
            {
                "Code": "Success",
                "AccessKeyId": "ASIAROLE",
                "SecretAccessKey": "roleSecret",
                "Token": "roleToken",
                "Expiration": exp,
            }
        ),
    }
    creds = Credentials(Imds(imds.url))
    assert creds.get() == ("ASIAROLE", "roleSecret", "roleToken")
    n = len(imds.requests)
    assert creds.get() == ("ASIAROLE", "roleSecret", "roleToken")
    assert len(imds.requests) == n  # cached until near expiry


def test_missing_metadata_file_never_stops(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = AgentConfig(target="notebook", metadata_file=str(tmp_path / "missing.json"), once=True)
    caplog.set_level("INFO", logger="mlcost.agent")
    agent = _idle_agent(cfg)
    agent.run()
    assert not agent.stopped and agent.api is None
    assert any(
        "idle, but not stopping" in m and "missing.json is missing" in m for m in caplog.messages
    )


class _ContainerCreds(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        ok = (
            self.path == "/v2/credentials/abc"
            and self.headers.get("Authorization") == "studio-auth"
        )
        body = json.dumps(
            {
                "AccessKeyId": "ASIASTUDIO",
                "SecretAccessKey": "s",
                "Token": "t",
                "Expiration": "2099-01-01T00:00:00Z",
            }
        ).encode()
        self.send_response(200 if ok else 403)
        self.send_header("Content-Length", str(len(body) if ok else 0))
        self.end_headers()
        if ok:
            self.wfile.write(body)


def test_studio_container_credentials_endpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ContainerCreds)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(var, raising=False)
    token_file = tmp_path / "token"
    token_file.write_text("studio-auth\n")
    monkeypatch.setenv(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        f"http://127.0.0.1:{server.server_address[1]}/v2/credentials/abc",
    )
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token_file))
    try:
        assert ContainerCredentials(None).get() == ("ASIASTUDIO", "s", "t")
        assert type(credentials_for("studio", None)) is ContainerCredentials
        # notebook instances and EC2 take the instance role: no container endpoint there
        assert type(credentials_for("notebook", None)) is Credentials
        with pytest.raises(AwsError, match="no AWS credentials"):
            Credentials(None).get()
    finally:
        server.shutdown()
        server.server_close()
