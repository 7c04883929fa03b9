"""The emulator server: loopback only, patched, and fresh on each start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from mlcost.demo.emulator import load_metric_data, reset, start_server


def _sm(url: str):
    return boto3.client(
        "sagemaker",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_server_is_loopback_patched_and_fresh_each_start():
    reset()
    with start_server() as emu:
        assert emu.endpoint_url.startswith("http://127.0.0.1:")
        sm = _sm(emu.endpoint_url)
        # ml.g5 is rejected by stock moto: proof the fixes are live in the server
        sm.create_notebook_instance(
            NotebookInstanceName="nb",
            InstanceType="ml.g5.2xlarge",
            RoleArn="arn:aws:iam::123456789012:role/sm",
        )
        now = datetime.now(UTC).replace(microsecond=0)
        load_metric_data(
            "us-east-1",
            "MLCost/Agent",
            "Busy",
            {"NotebookInstanceName": "nb"},
            [now - timedelta(minutes=10)],
            [1.0],
        )
        cw = boto3.client(
            "cloudwatch",
            region_name="us-east-1",
            endpoint_url=emu.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert len(cw.list_metrics(Namespace="MLCost/Agent")["Metrics"]) == 1
    with start_server() as emu:  # fresh=True by default: nothing left from the last run
        assert _sm(emu.endpoint_url).list_notebook_instances()["NotebookInstances"] == []
        cw = boto3.client(
            "cloudwatch",
            region_name="us-east-1",
            endpoint_url=emu.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert cw.list_metrics(Namespace="MLCost/Agent")["Metrics"] == []
    reset()
