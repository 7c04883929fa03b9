"""End to end: the `mlcost scan` CLI, as a user runs it, against moto on 127.0.0.1.

The account is seeded through real API calls (PutMetricData included, with dimensions in
the order a client may send them), the CLI runs in its own process with only
``AWS_ENDPOINT_URL`` and credentials in its environment, and the JSON it prints is held to
the findings contract.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest

from mlcost.demo import emulator

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-gpu-py310"
CONTRACT_FINDING_KEYS = {
    "id",
    "check",
    "resource_kind",
    "resource_id",
    "resource_arn",
    "region",
    "title",
    "evidence",
    "monthly_cost_usd",
    "monthly_savings_usd",
    "fix",
    "risk",
    "confidence",
}


def _endpoint(sm, name: str, itype: str, created: datetime) -> None:
    sm.create_model(ModelName=f"{name}-m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sm.create_endpoint_config(
        EndpointConfigName=f"{name}-c",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-m",
                "InstanceType": itype,
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-c")
    emulator.backdate("endpoint", name, created, REGION)


@pytest.fixture(scope="module")
def seeded_server():
    with emulator.start_server() as server:
        kw = emulator.client_kwargs(server.endpoint_url, REGION)
        sm = boto3.client("sagemaker", **kw)
        cw = boto3.client("cloudwatch", **kw)
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        created = now - timedelta(days=30)
        _endpoint(sm, "idle-g5", "ml.g5.xlarge", created)
        _endpoint(sm, "busy-nightly", "ml.g5.xlarge", created)
        # a type the shipped catalogue has no SageMaker hosting price for
        _endpoint(sm, "idle-c7i", "ml.c7i.large", created)
        # The nightly batch calls the endpoint 02:00-03:00 UTC only; the client sends the
        # dimensions in the other order (CloudWatch does not care; stock moto did).
        nightly = [now - timedelta(days=d) for d in range(7)]
        nightly = [t.replace(hour=2) for t in nightly if t.replace(hour=2) < now]
        cw.put_metric_data(
            Namespace="AWS/SageMaker",
            MetricData=[
                {
                    "MetricName": "Invocations",
                    "Timestamp": t,
                    "Value": 1200.0,
                    "Unit": "None",
                    "Dimensions": [
                        {"Name": "VariantName", "Value": "AllTraffic"},
                        {"Name": "EndpointName", "Value": "busy-nightly"},
                    ],
                }
                for t in nightly
            ],
        )
        sm.create_notebook_instance(
            NotebookInstanceName="forgotten-gpu-notebook",
            InstanceType="ml.g5.2xlarge",
            RoleArn=ROLE,
        )
        emulator.backdate("notebook-instance", "forgotten-gpu-notebook", created, REGION)
        yield server


def _run_cli(
    *args: str, endpoint_url: str | None, creds: bool = True
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if creds:
        env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = "e2e"
    return subprocess.run(
        [sys.executable, "-m", "mlcost", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def json_report(seeded_server) -> dict:
    """`mlcost scan --format json` over the seeded account, run once for this module."""
    proc = _run_cli(
        "scan",
        "--region",
        REGION,
        "--lookback-days",
        "7",
        "--format",
        "json",
        endpoint_url=seeded_server.endpoint_url,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_scan_cli_json_follows_the_contract(json_report):
    report = json_report
    assert {"generated_at", "source", "regions", "lookback_days", "findings", "totals"} <= set(
        report
    )
    assert report["regions"] == [REGION] and report["lookback_days"] == 7
    assert datetime.fromisoformat(report["generated_at"])
    for finding in report["findings"]:
        assert set(finding) == CONTRACT_FINDING_KEYS
        assert set(finding["fix"]) == {"action", "params"}
        assert finding["risk"] in {"safe", "review", "disruptive"}
        assert 0 <= finding["confidence"] <= 1
    flagged = {(f["check"], f["resource_id"]) for f in report["findings"]}
    assert ("idle-endpoint", "idle-g5") in flagged
    assert ("notebook-no-autostop", "forgotten-gpu-notebook") in flagged
    # busy once a night is busy: never idle
    assert not any(rid == "busy-nightly" and c == "idle-endpoint" for c, rid in flagged)

    idle = next(f for f in report["findings"] if f["resource_id"] == "idle-g5")
    # ml.g5.xlarge real-time hosting, us-east-1: $1.4084/h (FMBench pricing_fallback, AWS list
    # price), one instance, 730 h a month = $1,028.13.
    assert Decimal(str(idle["monthly_savings_usd"])) == Decimal("1028.13")
    assert idle["fix"]["action"] == "delete-endpoint"
    [variant] = idle["evidence"]["variants"]
    assert variant["price"]["usd_per_hour"] == "1.4084" and variant["price"]["source"]

    totals = report["totals"]
    assert Decimal(str(totals["monthly_savings_usd"])) >= Decimal("1028.13")
    assert totals["by_check"]["idle-endpoint"]["count"] == 2  # idle-g5 and the unpriced idle-c7i
    assert totals["partial"] is True and totals["unpriced_findings"] >= 1


def test_unpriced_type_is_a_warning_never_zero_dollars(seeded_server, json_report):
    report = json_report
    [unpriced] = [f for f in report["findings"] if f["resource_id"] == "idle-c7i"]
    assert unpriced["monthly_cost_usd"] is None and unpriced["monthly_savings_usd"] is None
    assert any("unpriced" in w and "ml.c7i.large" in w for w in report["warnings"])
    table = _run_cli(
        "scan", "-r", REGION, "--lookback-days", "7", endpoint_url=seeded_server.endpoint_url
    )
    assert table.returncode == 0
    assert "unpriced" in table.stdout and "ml.c7i.large" in table.stdout


def test_scan_cli_table_sorted_with_total(seeded_server):
    proc = _run_cli(
        "scan", "-r", REGION, "--lookback-days", "7", endpoint_url=seeded_server.endpoint_url
    )
    assert proc.returncode == 0, proc.stderr
    assert "idle-g5" in proc.stdout
    assert "Total" in proc.stdout or "TOTAL" in proc.stdout


@pytest.mark.parametrize(
    ("args", "creds", "needle"),
    [
        (["scan", "-r", REGION], False, "credentials"),
        (["scan", "-r", "us-east-9"], True, "us-east-9"),
        (["scan", "-r", REGION, "--lookback-days", "two weeks"], True, "--lookback-days"),
        (["scan", "-r", REGION, "--lookback-days", "0"], True, "--lookback-days"),
        (["prices", "show", "ml.x99.mega"], True, "ml.x99.mega"),
    ],
)
def test_bad_input_is_one_line_without_traceback(args, creds, needle):
    proc = _run_cli(*args, endpoint_url="http://127.0.0.1:9", creds=creds)
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert needle in err


def test_scan_cli_with_one_check_reports_only_that_check(seeded_server):
    proc = _run_cli(
        "scan",
        "--region",
        REGION,
        "--lookback-days",
        "7",
        "--format",
        "json",
        "--check",
        "idle-endpoint",
        endpoint_url=seeded_server.endpoint_url,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert {f["check"] for f in report["findings"]} == {"idle-endpoint"}
    assert ("idle-endpoint", "idle-g5") in {
        (f["check"], f["resource_id"]) for f in report["findings"]
    }
    assert report["errors"] == []


def test_skip_check_and_config_through_the_cli(seeded_server, tmp_path):
    """`--skip-check` drops a check (and what only it reads); `--config` tunes another; a bad
    config is one line, exit 2, before any AWS call."""
    cfg = tmp_path / "mlcost.toml"
    cfg.write_text("[checks.endpoint-inference-type]\nmin_hours = 100\n", encoding="utf-8")
    proc = _run_cli(
        "scan",
        "-r",
        REGION,
        "--lookback-days",
        "7",
        "--format",
        "json",
        "--skip-check",
        "idle-endpoint",
        "--skip-check",
        "notebook-no-autostop",
        "--config",
        str(cfg),
        endpoint_url=seeded_server.endpoint_url,
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    checks = {f["check"] for f in findings}
    assert "idle-endpoint" not in checks and "notebook-no-autostop" not in checks
    # the nightly 02:00 batch of requests: a scheduled bulk, priced on batch transform
    [nightly] = [f for f in findings if f["check"] == "endpoint-inference-type"]
    assert nightly["resource_id"] == "busy-nightly"
    assert nightly["evidence"]["recommended"] == "batch-transform"

    cfg.write_text("[checks.endpoint-inference-type]\nmin_hours = 'a week'\n", encoding="utf-8")
    bad = _run_cli("scan", "-r", REGION, "--config", str(cfg), endpoint_url=None)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        f"error: {cfg}: checks.endpoint-inference-type.min_hours = 'a week' is not a whole "
        "number — min_hours takes a whole number (default 168)"
    ]
