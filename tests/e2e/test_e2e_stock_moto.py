"""Against an emulator that matches dimensions by order (stock moto does; CloudWatch does not),
a busy endpoint whose client published dimensions in the other order must not look idle."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from mlcost.model import Endpoint, EndpointVariant, ResourceKind
from mlcost.sources.aws.metrics import ListedMetrics, plan_queries

ROLE = "arn:aws:iam::123456789012:role/r"


def test_current_variant_is_queried_in_the_listed_dimension_order():
    listed = ListedMetrics()
    listed.add(
        "AWS/SageMaker",
        "Invocations",
        [{"Name": "VariantName", "Value": "AllTraffic"}, {"Name": "EndpointName", "Value": "e1"}],
    )
    ep = Endpoint(
        ResourceKind.ENDPOINT,
        "e1",
        "arn:e1",
        "us-east-1",
        variants=[EndpointVariant("AllTraffic", "ml.m5.xlarge", 1)],
    )
    [inv] = [q for q in plan_queries([ep], listed) if q.label == "Invocations"]
    assert inv.dimensions == (("VariantName", "AllTraffic"), ("EndpointName", "e1"))
    other = [q for q in plan_queries([ep], ListedMetrics()) if q.label == "Invocations"]
    assert other[0].dimensions == (("EndpointName", "e1"), ("VariantName", "AllTraffic"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def stock_moto():
    exe = shutil.which("moto_server") or os.path.join(
        os.path.dirname(sys.executable), "moto_server"
    )
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_busy_endpoint_on_stock_moto_with_reversed_dimensions_is_not_idle(stock_moto):
    kw = dict(
        endpoint_url=stock_moto,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    sm = boto3.client("sagemaker", **kw)
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/x:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="c",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "m",
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName="busy", EndpointConfigName="c")
    now = datetime.now(UTC)
    boto3.client("cloudwatch", **kw).put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Timestamp": now - timedelta(hours=h),
                "Value": 50.0,
                "Dimensions": [
                    {"Name": "VariantName", "Value": "AllTraffic"},
                    {"Name": "EndpointName", "Value": "busy"},
                ],
            }
            for h in range(1, 6)
        ],
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=stock_moto,
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_CONFIG_FILE="/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
    )
    # the traffic must be read back: an empty series is what an idle verdict rests on
    from mlcost.sources.aws import collect_inventory

    old = dict(os.environ)
    try:
        os.environ.update(env)
        inv = collect_inventory(["us-east-1"], 1)
    finally:
        os.environ.clear()
        os.environ.update(old)
    [ep] = [r for r in inv.resources if r.id == "busy"]
    [series] = inv.series(ep, "Invocations")
    assert series.readable and sum(series.values) == 250.0
