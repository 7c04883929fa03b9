"""End to end: `mlcost fix` resizing an endpoint under auto scaling, SIGKILLed right after
AWS deregistered the scalable target and before the journal heard; `--resume` must see the
target gone (a second DeregisterScalableTarget is refused by AWS), finish the resize and
register the target and its policy again."""

from __future__ import annotations

import signal

import boto3
from fix_helpers import REGION, history_cli, invocations, run_cli, scan_cli, seed_endpoint
from test_fix_endpoints import _busy_but_small

from mlcost.demo import emulator

RID = "endpoint/search-big/variant/AllTraffic"


def test_sigkill_after_deregister_then_resume_finishes_the_resize(server, tmp_path):
    url = server.endpoint_url
    seed_endpoint("search-big", itype="ml.g5.12xlarge", count=2, endpoint_url=url)
    _busy_but_small(invocations)
    report = scan_cli(server, tmp_path)
    [fid] = [f["id"] for f in report["findings"] if f["check"] == "underused-endpoint"]
    db = f"sqlite:///{tmp_path / 'journal.db'}"
    args = ["fix", fid, "--from", str(tmp_path / "findings.json"), "--apply", "--yes"]
    aas = boto3.client("application-autoscaling", **emulator.client_kwargs(url, REGION))
    sm = boto3.client("sagemaker", **emulator.client_kwargs(url, REGION))

    killed = run_cli(url, *args, "--db", db, crash="after-call:DeregisterScalableTarget")

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[RID])
    assert targets["ScalableTargets"] == []  # AWS did it; the journal never heard back
    assert sm.describe_endpoint(EndpointName="search-big")["EndpointConfigName"] == (
        "search-big-config"
    )

    resumed = run_cli(url, "fix", "--resume", "--db", db)

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    [fix] = history_cli(server, db)["fixes"]
    assert fix["state"] == "done", fix["reason"]
    config = sm.describe_endpoint(EndpointName="search-big")["EndpointConfigName"]
    [variant] = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.g5.2xlarge", 2)
    [target] = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[RID])[
        "ScalableTargets"
    ]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
    [policy] = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=RID)[
        "ScalingPolicies"
    ]
    assert policy["PolicyName"] == "search-big-invocations"
