"""The synthetic organisation: deterministic, planted as specified, and readable through boto3."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from mlcost.checks import load_all
from mlcost.demo.emulator import EmulatorServer, reset, start_server
from mlcost.demo.org import REGIONS, Org, build_org
from mlcost.demo.seed import seed_org

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
#: every registered check: a new check must plant waste and a look-alike in the demo
CHECKS = set(load_all())


@pytest.fixture(scope="module")
def org() -> Org:
    return build_org(NOW)


def _series(org: Org, metric: str, **dims: str):
    return [
        s
        for s in org.series
        if s.metric == metric and all(s.dimensions.get(k) == v for k, v in dims.items())
    ]


def test_build_is_deterministic_and_seed_sensitive(org):
    again = build_org(NOW)
    assert again.resources == org.resources
    assert again.series == org.series
    assert again.flagged == org.flagged and again.not_flagged == org.not_flagged
    other = build_org(NOW, seed=8)
    assert [s.values for s in other.series] != [s.values for s in org.series]


def test_size_regions_and_window(org):
    assert len(org.resources) >= 80
    assert {r.region for r in org.resources} == set(REGIONS)
    hourly = _series(org, "CPUUtilization", EndpointName="home-feed-ranker")[0]
    assert len(hourly.timestamps) == 21 * 24
    assert max(hourly.timestamps) < NOW.timestamp()
    assert min(hourly.timestamps) == (NOW - timedelta(days=21)).timestamp()


def test_manifest_covers_every_check_with_waste_and_lookalikes(org):
    ids = {r.name for r in org.resources}
    # the account-level checks judge the one demo account: flagged, with their look-alikes
    # (budgets that must not count) inside it - asserted by tests/e2e/test_e2e_demo.py
    account_checks = {c for c, chk in load_all().items() if chk.kind == "account"}
    assert account_checks == {"no-budget", "savings-plan"}
    assert set(org.flagged) >= CHECKS and set(org.not_flagged) >= CHECKS - account_checks
    for check in account_checks:
        assert org.flagged[check] == {"123456789012"} and org.flagged[check] <= ids
    for check in CHECKS - account_checks:
        assert org.flagged[check] and org.not_flagged[check]
        assert org.flagged[check].isdisjoint(org.not_flagged[check]), check
        assert org.flagged[check] | org.not_flagged[check] <= ids
    skipped = [r for r in org.resources if r.tags.get("mlcost:skip") == "true"]
    assert [r.name for r in skipped] == sorted(org.opted_out) and len(skipped) == 1


def test_idle_endpoints_publish_no_invocations_but_lookalikes_do(org):
    for name in org.flagged["idle-endpoint"]:
        assert _series(org, "Invocations", EndpointName=name) == []
    nightly = _series(org, "Invocations", EndpointName="nightly-scoring")[0]
    hours = {datetime.fromtimestamp(t, UTC).hour for t in nightly.timestamps}
    assert hours == {2}
    monday = _series(org, "Invocations", EndpointName="weekly-report-ranker")[0]
    assert {datetime.fromtimestamp(t, UTC).weekday() for t in monday.timestamps} == {0}
    young = next(r for r in org.resources if r.name == "support-bot-g5-v2")
    assert NOW - young.created == timedelta(hours=10)
    for name in org.flagged["idle-endpoint"]:
        created = next(r.created for r in org.resources if r.name == name)
        assert NOW - created > timedelta(days=21)
    assert all(v > 0 for s in org.series if s.metric == "Invocations" for v in s.values)


def test_underused_endpoints_are_summed_over_cores(org):
    # ml.g5.12xlarge: 48 vCPUs, 4 GPUs -> CPUUtilization ranges 0..4800, GPUUtilization 0..400.
    cpu = _series(org, "CPUUtilization", EndpointName="support-bot-llm")[0]
    gpu = _series(org, "GPUUtilization", EndpointName="support-bot-llm")[0]
    assert max(cpu.values) < 0.10 * 4800 and max(gpu.values) < 0.15 * 400
    busy = _series(org, "GPUUtilization", EndpointName="home-feed-ranker")[
        0
    ]  # ml.g5.2xlarge, 1 GPU
    assert max(busy.values) > 80
    inv = _series(org, "Invocations", EndpointName="support-bot-llm")[0]
    assert len(inv.values) == 21 * 24  # steady traffic every hour


def test_ec2_gpu_metrics_carry_agent_dimensions(org):
    gpu = _series(org, "nvidia_smi_utilization_gpu", InstanceId="gpu-dev-box-ana")
    assert len(gpu) == 1
    assert set(gpu[0].dimensions) == {"InstanceId", "index", "name", "arch"}
    assert max(gpu[0].values) == 0.0
    assert _series(org, "nvidia_smi_utilization_gpu", InstanceId="g4dn-no-agent") == []
    night = _series(org, "nvidia_smi_utilization_gpu", InstanceId="nightly-trainer-g5")[0]
    assert max(night.values) > 80


# ------------------------------------------------------------------ seeded into a server


@pytest.fixture(scope="module")
def seeded(org: Org) -> Iterator[tuple[EmulatorServer, Org]]:
    reset()
    server = start_server()
    try:
        seed_org(org, server.endpoint_url)
        yield server, org
    finally:
        server.stop()
        reset()


def _client(server: EmulatorServer, service: str, region: str):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _all(client, op: str, key: str, **kwargs):
    return [item for page in client.get_paginator(op).paginate(**kwargs) for item in page[key]]


@pytest.mark.parametrize("region", REGIONS)
def test_seeded_counts_per_kind_and_region(seeded, region):
    server, org = seeded
    sm, ec2 = _client(server, "sagemaker", region), _client(server, "ec2", region)
    window = NOW - timedelta(days=21)
    assert len(_all(sm, "list_endpoints", "Endpoints")) == org.count("endpoint", region)
    assert len(_all(sm, "list_notebook_instances", "NotebookInstances")) == org.count(
        "notebook-instance", region
    )
    in_window = sum(
        1
        for r in org.resources
        if r.kind == "training-job" and r.region == region and r.created > window
    )
    assert (
        len(_all(sm, "list_training_jobs", "TrainingJobSummaries", CreationTimeAfter=window))
        == in_window
    )
    assert len(_all(sm, "list_processing_jobs", "ProcessingJobSummaries")) == org.count(
        "processing-job", region
    )
    assert len(_all(sm, "list_transform_jobs", "TransformJobSummaries")) == org.count(
        "transform-job", region
    )
    instances = [i for r in _all(ec2, "describe_instances", "Reservations") for i in r["Instances"]]
    assert len(instances) == org.count("ec2-instance", region)
    states = Counter(i["State"]["Name"] for i in instances)
    assert states["stopped"] == sum(
        1
        for r in org.resources
        if r.kind == "ec2-instance" and r.region == region and r.state == "stopped"
    )


def test_seeded_describes_carry_what_checks_need(seeded):
    server, org = seeded
    sm = _client(server, "sagemaker", "us-east-1")
    ep = sm.describe_endpoint(EndpointName="defect-detect-shadow")
    assert ep["EndpointStatus"] == "InService"
    assert ep["CreationTime"] == NOW - timedelta(days=45)
    config = sm.describe_endpoint_config(EndpointConfigName=ep["EndpointConfigName"])
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.g4dn.xlarge"
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 2
    async_cfg = sm.describe_endpoint_config(EndpointConfigName="video-captioning-async-config")
    assert "AsyncInferenceConfig" in async_cfg
    tags = {
        t["Key"]: t["Value"]
        for t in sm.list_tags(
            ResourceArn=sm.describe_endpoint(EndpointName="dr-standby-recs")["EndpointArn"]
        )["Tags"]
    }
    assert tags["mlcost:skip"] == "true" and tags["team"] == "recs"
    nb = sm.describe_notebook_instance(NotebookInstanceName="sam-t3-eda")
    script = sm.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=nb["NotebookInstanceLifecycleConfigName"]
    )["OnStart"][0]["Content"]
    assert "pip install" in base64.b64decode(script).decode()
    guarded = sm.describe_notebook_instance(NotebookInstanceName="vision-guarded-g5")
    guard = sm.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=guarded["NotebookInstanceLifecycleConfigName"]
    )
    assert "autostop.py" in base64.b64decode(guard["OnStart"][0]["Content"]).decode()
    assert (
        sm.describe_notebook_instance(NotebookInstanceName="li-p3-stopped")[
            "NotebookInstanceStatus"
        ]
        == "Stopped"
    )
    job = sm.describe_training_job(TrainingJobName="support-bot-llm-sft-0419")
    # 9.25 h on-demand: 33,300 s run and billed per instance
    assert job["TrainingTimeInSeconds"] == job["BillableTimeInSeconds"] == 33_300
    assert job["ResourceConfig"] == {
        "InstanceType": "ml.g5.12xlarge",
        "InstanceCount": 2,
        "VolumeSizeInGB": 100,
    }
    spot = sm.describe_training_job(TrainingJobName="home-feed-twotower-spot")
    assert spot["EnableManagedSpotTraining"] is True
    assert spot["BillableTimeInSeconds"] == 7_560 < spot["TrainingTimeInSeconds"] == 21_600
    failed = sm.describe_training_job(TrainingJobName="defect-detect-oom-0421")
    assert failed["TrainingJobStatus"] == "Failed" and failed["TrainingTimeInSeconds"] == 120
    assert _client(server, "sts", "us-east-1").get_caller_identity()["Account"] == "123456789012"


def test_seeded_metrics_readable_through_cloudwatch(seeded):
    server, org = seeded
    cw = _client(server, "cloudwatch", "us-east-1")
    start, end = NOW - timedelta(days=21), NOW

    def query(i, ns, metric, dims, stat="Sum"):
        return {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": ns,
                    "MetricName": metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                },
                "Period": 3600,
                "Stat": stat,
            },
        }

    inv = "AWS/SageMaker", "Invocations"
    out = cw.get_metric_data(
        StartTime=start,
        EndTime=end,
        MetricDataQueries=[
            query(0, *inv, {"VariantName": "AllTraffic", "EndpointName": "support-bot-g5-staging"}),
            query(1, *inv, {"VariantName": "AllTraffic", "EndpointName": "nightly-scoring"}),
            query(2, *inv, {"EndpointName": "home-feed-ranker", "VariantName": "AllTraffic"}),
        ],
    )
    by_id = {r["Id"]: r for r in out["MetricDataResults"]}
    assert by_id["m0"]["Values"] == []  # idle: no datapoints at all
    assert len(by_id["m1"]["Values"]) == 21 and all(v > 0 for v in by_id["m1"]["Values"])
    assert len(by_id["m2"]["Values"]) == 21 * 24
    expected_sum = sum(_series(org, "Invocations", EndpointName="home-feed-ranker")[0].values)
    assert sum(by_id["m2"]["Values"]) == pytest.approx(expected_sum)

    gpus = _all(
        cw, "list_metrics", "Metrics", Namespace="CWAgent", MetricName="nvidia_smi_utilization_gpu"
    )
    instance_ids = {d["Value"] for m in gpus for d in m["Dimensions"] if d["Name"] == "InstanceId"}
    assert instance_ids == {
        org.ec2_instance_ids[n]
        for n in (
            "gpu-dev-box-ana",
            "p3-legacy-trainer",
            "nightly-trainer-g5",
            # scenarios/underused_ec2_gpu.py (the power-only box publishes no utilisation)
            "vision-batch-g5-12x",
            "vision-train-g5-12x",
        )
    }
    busy = _all(cw, "list_metrics", "Metrics", Namespace="MLCost/Agent", MetricName="Busy")
    assert len(busy) == sum(1 for s in org.series if s.region == "us-east-1" and s.metric == "Busy")
    idle_nb = cw.get_metric_data(
        StartTime=start,
        EndTime=end,
        MetricDataQueries=[
            query(
                0, "MLCost/Agent", "Busy", {"NotebookInstanceName": "ana-g5-experiments"}, "Maximum"
            ),
            query(
                1, "MLCost/Agent", "Busy", {"NotebookInstanceName": "team-nlp-shared"}, "Maximum"
            ),
        ],
    )["MetricDataResults"]
    assert max(idle_nb[0]["Values"]) == 0.0 and len(idle_nb[0]["Values"]) == 21 * 24
    assert max(idle_nb[1]["Values"]) == 1.0

    eu = _client(server, "cloudwatch", "eu-west-1")
    eu_gpu = _all(eu, "list_metrics", "Metrics", Namespace="CWAgent")
    assert {d["Value"] for m in eu_gpu for d in m["Dimensions"] if d["Name"] == "InstanceId"} == {
        org.ec2_instance_ids["g4dn-demo-box-eu"]
    }


def test_expected_manifest_names_resources_by_aws_id_after_seeding(seeded):
    server, org = seeded
    manifest = org.expected
    flagged = set(manifest["flagged"])
    iid = org.ec2_instance_ids["gpu-dev-box-ana"]
    assert iid.startswith("i-") and ("idle-ec2-gpu", iid) in flagged
    assert ("idle-endpoint", "churn-model-v1") in flagged
    assert ("idle-endpoint", "nightly-scoring") in set(manifest["not_flagged"])
    assert ("idle-endpoint", "dr-standby-recs") in set(manifest["not_flagged"])
    assert manifest["opted_out"] == [("*", "dr-standby-recs")]
    assert manifest["low_confidence_only"] == [
        ("idle-ec2-gpu", org.ec2_instance_ids["g4dn-no-agent"])
    ]
    assert flagged.isdisjoint(manifest["not_flagged"])
    # every manifest id names something that exists in the emulator
    ec2 = _client(server, "ec2", "us-east-1")
    described = {
        i["InstanceId"]
        for r in _all(ec2, "describe_instances", "Reservations")
        for i in r["Instances"]
    }
    assert org.ec2_instance_ids["gpu-dev-box-ana"] in described
