"""Helpers for the fix tests: a moto account (in-process, with mlcost's emulator fixes),
resources seeded through real API calls, findings from the product's own scan, and a journal
on SQLite (and on PostgreSQL when ``MLCOST_TEST_POSTGRES_URL`` is set, as `.ci/run` does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from mlcost.demo import emulator
from mlcost.fix.context import Clients
from mlcost.fix.findings import FindingSet, from_scan
from mlcost.fix.run import FixRunner
from mlcost.fix.waiters import Waiter
from mlcost.journal import Journal, open_journal

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-gpu-py310"
MODEL_DATA = "s3://models-bucket/churn/model.tar.gz"
POSTGRES_ENV = "MLCOST_TEST_POSTGRES_URL"


def seed_endpoint(
    name: str,
    *,
    itype: str = "ml.g5.xlarge",
    count: int = 1,
    tags: dict[str, str] | None = None,
    autoscaling: bool = True,
    age_days: int = 30,
    endpoint_url: str | None = None,
) -> None:
    """A model (image, model data, environment, role), its config, the endpoint, tags, and
    a scalable target with a target-tracking policy on its variant."""
    kw = emulator.client_kwargs(endpoint_url, REGION)
    sm = boto3.client("sagemaker", **kw)
    sm.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": IMAGE,
            "ModelDataUrl": MODEL_DATA,
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py", "MAX_BATCH": "8"},
        },
        Tags=[{"Key": "team", "Value": "churn"}],
    )
    sm.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-model",
                "InstanceType": itype,
                "InitialInstanceCount": count,
            }
        ],
        Tags=[{"Key": "team", "Value": "churn"}],
    )
    sm.create_endpoint(
        EndpointName=name,
        EndpointConfigName=f"{name}-config",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {"team": "churn"}).items()],
    )
    created = datetime.now(UTC) - timedelta(days=age_days)
    emulator.backdate("endpoint", name, created, REGION)
    emulator.backdate("endpoint-config", f"{name}-config", created, REGION)
    if autoscaling:
        aas = boto3.client("application-autoscaling", **kw)
        resource_id = f"endpoint/{name}/variant/AllTraffic"
        aas.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=resource_id,
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            MinCapacity=1,
            MaxCapacity=4,
        )
        aas.put_scaling_policy(
            PolicyName=f"{name}-invocations",
            ServiceNamespace="sagemaker",
            ResourceId=resource_id,
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        )


def endpoint_config(name: str, model: str, itype: str, count: int = 1) -> None:
    """An endpoint config of one AllTraffic variant (to move an endpoint to)."""
    boto3.client("sagemaker", region_name=REGION).create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InstanceType": itype,
                "InitialInstanceCount": count,
            }
        ],
    )


def scaling_picture(resource_id: str) -> dict:
    """A variant's scalable targets (min, max) and target-tracking policies, as a user reads them."""
    aas = boto3.client("application-autoscaling", region_name=REGION)
    targets = aas.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[resource_id]
    )["ScalableTargets"]
    policies = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource_id)[
        "ScalingPolicies"
    ]
    return {
        "targets": [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets],
        "policies": [
            (
                p["PolicyName"],
                p["PolicyType"],
                p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"],
            )
            for p in policies
        ],
    }


def seed_notebook(
    name: str, *, itype: str = "ml.g5.2xlarge", idle: bool = True, endpoint_url: str | None = None
) -> None:
    """An InService notebook, 30 days old, whose mlcost agent reported Busy=0 every 5 minutes
    for the last 4 days (or Busy=1 when ``idle`` is False)."""
    sm = boto3.client("sagemaker", **emulator.client_kwargs(endpoint_url, REGION))
    sm.create_notebook_instance(
        NotebookInstanceName=name,
        InstanceType=itype,
        RoleArn=ROLE,
        Tags=[{"Key": "owner", "Value": "ana"}],
    )
    now = datetime.now(UTC)
    emulator.backdate("notebook-instance", name, now - timedelta(days=30), REGION)
    stamps = [now - timedelta(minutes=5 * i) for i in range(1, 4 * 24 * 12)]
    busy_points(name, stamps, 0.0 if idle else 1.0)


def busy_points(name: str, stamps: list[datetime], value: float) -> None:
    """The agent's Busy at ``stamps``, and its IdleSeconds as it publishes them beside it:
    0 while busy, else the time since the earliest of these idle samples."""
    dims = {"NotebookInstanceName": name}
    emulator.load_metric_data(REGION, "MLCost/Agent", "Busy", dims, stamps, [value] * len(stamps))
    since = min(stamps)
    idle_seconds = [0.0 if value else (t - since).total_seconds() for t in stamps]
    emulator.load_metric_data(REGION, "MLCost/Agent", "IdleSeconds", dims, stamps, idle_seconds)


def invocations(endpoint: str, when: datetime, count: float) -> None:
    """Traffic on an endpoint at ``when`` (CloudWatch's AWS/SageMaker Invocations)."""
    emulator.load_metric_data(
        REGION,
        "AWS/SageMaker",
        "Invocations",
        {"EndpointName": endpoint, "VariantName": "AllTraffic"},
        [when],
        [count],
    )


def scan(checks: list[str] | None = None, lookback_days: int = 14) -> FindingSet:
    """Findings from the product's own scan of the moto account."""
    from mlcost.scan import run_checks
    from mlcost.sources.aws import collect_inventory

    inventory = collect_inventory([REGION], lookback_days, session=boto3.Session())
    return from_scan(run_checks(inventory, only=checks))


def finding_for(found: FindingSet, check: str, resource_id: str):
    return next(f for f in found.findings if f.check == check and f.resource_id == resource_id)


def journal_urls() -> list[str]:
    urls = ["sqlite"]
    if os.environ.get(POSTGRES_ENV):
        urls.append("postgresql")
    return urls


def make_runner(journal: Journal, session: boto3.Session | None = None, **kw) -> FixRunner:
    clients = Clients(
        session or boto3.Session(region_name=REGION), max_attempts=kw.pop("max_attempts", 3)
    )
    return FixRunner(journal, clients, Waiter(timeout_s=30, delay_s=0), **kw)


def postgres_journal() -> Iterator[Journal]:
    import sqlalchemy as sa

    from mlcost.journal.store import resolve_url

    base = resolve_url(os.environ[POSTGRES_ENV])
    name = f"mlcost_test_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    j = open_journal(url)
    try:
        yield j
    finally:
        j.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}"'))
        admin.dispose()


# ----------------------------------------------------------------- the CLI in its own process

HERE = Path(__file__).parent


def cli_env(endpoint_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLCOST_DATABASE"))}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_ENDPOINT_URL"] = endpoint_url
    env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = "e2e"
    env["AWS_DEFAULT_REGION"] = REGION
    return env


def run_cli(endpoint_url: str, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    cmd = (
        [sys.executable, str(HERE / "crash_cli.py"), crash]
        if crash
        else [sys.executable, "-m", "mlcost"]
    )
    return subprocess.run(
        [*cmd, *args], env=cli_env(endpoint_url), capture_output=True, text=True, timeout=300
    )


def scan_cli(server, tmp_path: Path) -> dict:
    out = tmp_path / "findings.json"
    proc = run_cli(server.endpoint_url, "scan", "-r", REGION, "--format", "json", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def history_cli(server, db: str) -> dict:
    proc = run_cli(server.endpoint_url, "history", "--format", "json", "--db", db)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def endpoint_names(server) -> set[str]:
    sm = boto3.client("sagemaker", **emulator.client_kwargs(server.endpoint_url, REGION))
    return {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]}
