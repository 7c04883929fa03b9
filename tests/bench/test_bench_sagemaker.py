"""`mlcost bench --endpoint NAME` with botocore's Stubber: the real API shapes of
DescribeEndpoint, DescribeEndpointConfig and InvokeEndpoint (moto has no runtime answers worth
timing), and the response stream's events as the API returns them."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from mlcost.bench import sagemaker
from mlcost.bench.backends import Body
from mlcost.bench.metrics import Sample

WHEN = datetime(2026, 12, 1, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012"
BODY = {"inputs": "Hello", "parameters": {"max_new_tokens": 16}}


def _endpoint(status: str = "InService") -> dict:
    return {
        "EndpointName": "llm",
        "EndpointArn": f"{ARN}:endpoint/llm",
        "EndpointConfigName": "llm-config",
        "EndpointStatus": status,
        "CreationTime": WHEN,
        "LastModifiedTime": WHEN,
        "ProductionVariants": [
            {"VariantName": "AllTraffic", "CurrentInstanceCount": 2, "DesiredInstanceCount": 2}
        ],
    }


def _config() -> dict:
    return {
        "EndpointConfigName": "llm-config",
        "EndpointConfigArn": f"{ARN}:endpoint-config/llm-config",
        "CreationTime": WHEN,
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": "llm-model",
                "InstanceType": "ml.g5.xlarge",
                "InitialInstanceCount": 2,
            }
        ],
    }


def _answer() -> dict:
    raw = b'[{"generated_text": "Hi there"}]'
    return {"Body": StreamingBody(io.BytesIO(raw), len(raw)), "ContentType": "application/json"}


def _expect_endpoint_reads(control: Stubber) -> None:
    """The InService endpoint `llm` on ml.g5.xlarge x 2, as DescribeEndpoint and
    DescribeEndpointConfig answer."""
    control.add_response("describe_endpoint", _endpoint(), {"EndpointName": "llm"})
    control.add_response(
        "describe_endpoint_config", _config(), {"EndpointConfigName": "llm-config"}
    )


@pytest.fixture
def stubbed(monkeypatch):
    # a session of its own: boto3's default session would cache this test's configuration
    # for later tests (one writes a corrupt credentials file and expects it to be read)
    session = boto3.session.Session(region_name="us-east-1")
    control = session.client("sagemaker")
    runtime = session.client("sagemaker-runtime")
    stubs = Stubber(control), Stubber(runtime)
    monkeypatch.setattr(sagemaker, "clients", lambda region, workers: (control, runtime))
    for stub in stubs:
        stub.activate()
    yield stubs
    for stub in stubs:
        stub.deactivate()


def test_endpoint_bench_reads_type_and_count_and_counts_model_errors(cli, tmp_path, stubbed):
    """5 requests at 10/s (constant) after one preflight; the 3rd gets a ModelError (HTTP 424).
    The endpoint's own config gives ml.g5.xlarge x 2, priced at $1.4084/h (FMBench's price
    file, 2025-01-26): $ per 1,000 = 1.4084 x 2 / 3600 / req_per_s x 1000."""
    control, runtime = stubbed
    _expect_endpoint_reads(control)
    expected = {
        "EndpointName": "llm",
        "Body": json.dumps(BODY).encode(),
        "ContentType": "application/json",
    }
    for k in range(6):
        if k == 3:
            runtime.add_client_error(
                "invoke_endpoint",
                service_error_code="ModelError",
                service_message="model container failed",
                http_status_code=424,
                expected_params=expected,
            )
        else:
            runtime.add_response("invoke_endpoint", _answer(), expected)
    payloads = tmp_path / "p.jsonl"
    payloads.write_text(json.dumps(BODY) + "\n")
    result = cli(
        "bench", "--endpoint", "llm", "--payloads", str(payloads), "--rate", "10",
        "--arrivals", "constant", "--duration", "0.5", "-f", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    runtime.assert_no_pending_responses()
    data = json.loads(result.out)
    assert data["target"] == "sagemaker:llm" and data["backend"] == "sagemaker"
    (level,) = data["levels"]
    assert (level["requests"], level["ok"], level["errors"]) == (5, 4, {"http_424": 1})
    (cost,) = data["costs"]
    assert (cost["instance_type"], cost["instances"]) == ("ml.g5.xlarge", 2)
    rps = Decimal(cost["req_per_s"])
    expected_usd = (Decimal("1.4084") * 2 / 3600 / rps * 1000).quantize(Decimal("0.000001"))
    assert Decimal(cost["usd_per_1000"]) == expected_usd


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (None, ("cannot load endpoint", "Could not find endpoint")),
        (_endpoint("Creating"), ("Creating", "not InService")),
    ],
)
def test_a_missing_or_unready_endpoint_is_one_line(cli, tmp_path, stubbed, answer, words):
    control, _ = stubbed
    if answer is None:
        control.add_client_error(
            "describe_endpoint",
            service_error_code="ValidationException",
            service_message='Could not find endpoint "llm".',
        )
    else:
        control.add_response("describe_endpoint", answer, {"EndpointName": "llm"})
    payloads = tmp_path / "p.jsonl"
    payloads.write_text(json.dumps(BODY) + "\n")
    result = cli("bench", "--endpoint", "llm", "--payloads", str(payloads))
    assert result.code == 2
    result.one_error_line(*words)


class _Streaming:
    """InvokeEndpointWithResponseStream's answer: ``Body`` is an event stream of
    ``PayloadPart`` events (and, on failure, a ``ModelStreamError`` event)."""

    def __init__(self, events: list[dict]) -> None:
        self.events = events
        self.calls: list[dict] = []

    def invoke_endpoint_with_response_stream(self, **kwargs):
        self.calls.append(kwargs)
        return {"Body": iter(self.events), "ContentType": "text/event-stream"}


def test_a_response_stream_counts_parts_as_tokens_and_stream_errors_by_kind():
    parts = [{"PayloadPart": {"Bytes": f"data: t{i}\n\n".encode()}} for i in range(4)]
    runtime = _Streaming(parts)
    sample = Sample(intended=0.0, started=0.0)
    sagemaker.invoke(runtime, "llm", Body.of({"inputs": "x", "stream": True}), sample)
    assert runtime.calls[0]["EndpointName"] == "llm"
    assert sample.error is None and sample.output_tokens == 4 and len(sample.gaps) == 3
    assert sample.first_token is not None and sample.ended >= sample.first_token

    failing = _Streaming(
        parts[:1] + [{"ModelStreamError": {"Message": "out of memory", "ErrorCode": "500"}}]
    )
    broken = Sample(intended=0.0, started=0.0)
    sagemaker.invoke(failing, "llm", Body.of({"stream": True}), broken)
    assert broken.error == "stream_error"


def test_policy_self_bench_allows_every_call_an_endpoint_bench_makes(cli, tmp_path, stubbed):
    """The calls are recorded as botocore makes them, so a new call in the bench that
    `policy self --bench` does not allow fails here."""
    control, runtime = stubbed
    made: set[str] = set()
    for client in (control.client, runtime.client):
        prefix = "sagemaker"  # the runtime's actions are sagemaker: ones in IAM
        client.meta.events.register(
            "before-parameter-build.*.*",
            lambda model, prefix=prefix, **_: made.add(f"{prefix}:{model.name}"),
        )
    _expect_endpoint_reads(control)
    for _ in range(3):
        runtime.add_response("invoke_endpoint", _answer(), None)
    payloads = tmp_path / "p.jsonl"
    payloads.write_text(json.dumps(BODY) + "\n")
    result = cli(
        "bench", "--endpoint", "llm", "--payloads", str(payloads), "--rate", "10",
        "--arrivals", "constant", "--duration", "0.2", "-f", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert made >= {"sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"}

    policy = json.loads(cli("policy", "self", "--check", "idle-notebook", "--bench").out)
    (bench,) = [s for s in policy["Statement"] if s["Sid"] == "MlcostBench"]
    assert made <= set(bench["Action"])
    assert "sagemaker:InvokeEndpointWithResponseStream" in bench["Action"]
