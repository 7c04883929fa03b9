"""`mlcost plan inference` and `mlcost plan training` through the real entry point: a trace
file against stored bench runs, an endpoint read live (moto), a training job described
(Stubber), and every bad input as one line, exit 2, no traceback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from mlcost.bench.store import record_run
from mlcost.journal import journal


def bench_run(itype: str, req_per_s: float, p95_ms: float) -> dict:
    """A stored bench run as `mlcost bench` records it: one open-loop level on 1 instance."""
    return {
        "target": "http://10.0.0.5:8000/v1/completions",
        "backend": "openai",
        "mode": "open",
        "settings": {"instance_types": [itype], "instances": 1},
        "levels": [
            {
                "mode": "open",
                "load": req_per_s,
                "requests": 600,
                "ok": 600,
                "error_rate": 0.0,
                "req_per_s": req_per_s,
                "latency_ms": {"p50": p95_ms / 2, "p95": p95_ms},
            }
        ],
        "costs": [
            {
                "instance_type": itype,
                "instances": 1,
                "load": req_per_s,
                "req_per_s": f"{req_per_s:.3f}",
                "usd_per_1000": None,
            }
        ],
        "warnings": [],
    }


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A journal with two bench runs: ml.g5.xlarge at 1/6 req/s (600 an hour) p95 150 ms,
    ml.inf2.xlarge at 1/6 req/s p95 180 ms, and ml.c5.xlarge at 1/3 req/s but p95 900 ms."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    with journal(url) as j:
        record_run(j, bench_run("ml.g5.xlarge", 1 / 6, 150.0))
        record_run(j, bench_run("ml.inf2.xlarge", 1 / 6, 180.0))
        record_run(j, bench_run("ml.c5.xlarge", 1 / 3, 900.0))
    return url


def steady_csv(tmp_path: Path) -> Path:
    """24 hours of 1,000 requests each (plain CSV, counted)."""
    rows = [f"2024-05-01T{h:02d}:00:00Z,1000" for h in range(24)]
    path = tmp_path / "steady.csv"
    path.write_text("timestamp,count\n" + "\n".join(rows) + "\n")
    return path


def test_trace_against_bench_runs_recommends_the_measured_cheapest(cli, db, tmp_path):
    """Capacity = 0.167 req/s x 3600 = 601.2 per instance-hour (req_per_s is stored to a
    thousandth), so 1,000/h needs 2 instances, 48 instance-hours a day:
    inf2.xlarge: 48 x $0.99 x 730 / 24 = $1,445.40; g5.xlarge: 48 x $1.4084 x 730 / 24 =
    $2,056.26; c5.xlarge (1,200/h: 1 instance, 24 h x $0.204 x 730 / 24 = $148.92) is
    cheaper still but its measured p95 of 900 ms misses the 200 ms SLO, and says so."""
    out = tmp_path / "plan.json"
    r = cli(
        "plan", "inference", "--trace", str(steady_csv(tmp_path)), "--db", db,
        "--slo-p95-ms", "200", "-f", "json", "-o", str(out),
    )  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads(out.read_text())
    assert data["recommended"] == {
        "option": "real-time",
        "instance_type": "ml.inf2.xlarge",
        "monthly_cost_usd": "1445.40",
    }
    rt = {o["instance_type"]: o for o in data["options"] if o["option"] == "real-time"}
    assert rt["ml.g5.xlarge"]["monthly_cost_usd"] == "2056.26"
    assert rt["ml.c5.xlarge"]["monthly_cost_usd"] == "148.92"
    assert (
        "900 ms" in rt["ml.c5.xlarge"]["verdict"] and "200 ms SLO" in rt["ml.c5.xlarge"]["verdict"]
    )
    assert rt["ml.inf2.xlarge"]["capacity"]["basis"] == "bench"
    # the table names the recommendation and every option's verdict
    r = cli(
        "plan", "inference", "--trace", str(steady_csv(tmp_path)), "--db", db, "--slo-p95-ms", "200"
    )
    assert r.code == 0 and "recommended: real-time on ml.inf2.xlarge, $1445.40 a month" in r.out


def test_instance_type_without_a_bench_run_is_named(cli, db, tmp_path):
    r = cli(
        "plan", "inference", "--trace", str(steady_csv(tmp_path)), "--db", db, "-f", "json",
        "--instance-type", "ml.g5.xlarge", "--instance-type", "ml.g6.xlarge",
    )  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert {o["instance_type"] for o in data["options"]} == {"ml.g5.xlarge", None}
    assert any("ml.g6.xlarge: no bench run" in w for w in data["warnings"])


def plan_endpoint(cli, tmp_path, monkeypatch, *, asynchronous: bool, metric: str) -> dict:
    """moto: endpoint `e` on 2 x ml.m5.xlarge (with AsyncInferenceConfig when
    ``asynchronous``); ``metric`` (AWS/SageMaker, by EndpointName + VariantName) 1,200 twenty
    hours ago and 600 eleven hours ago; `plan inference --endpoint e --days 1` as JSON."""
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(k, v)
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": "m",
        "InstanceType": "ml.m5.xlarge",
        "InitialInstanceCount": 2,
    }
    extra = (
        {"AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "s3://bucket/out/"}}}
        if asynchronous
        else {}
    )
    with mock_aws():
        sm = boto3.client("sagemaker", region_name="us-east-1")
        sm.create_model(
            ModelName="m",
            ExecutionRoleArn="arn:aws:iam::123456789012:role/sm",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"},
        )
        sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[variant], **extra)
        sm.create_endpoint(EndpointName="e", EndpointConfigName="c")
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        dims = [
            {"Name": "EndpointName", "Value": "e"},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ]
        for back, value in ((20, 1200.0), (11, 600.0)):
            cw.put_metric_data(
                Namespace="AWS/SageMaker",
                MetricData=[
                    {
                        "MetricName": metric,
                        "Dimensions": dims,
                        "Timestamp": hour - timedelta(hours=back),
                        "Value": value,
                        "Unit": "None",
                    }
                ],
            )
        r = cli("plan", "inference", "--endpoint", "e", "--days", "1", "--db",
                f"sqlite:///{tmp_path / 'j.db'}", "-f", "json")  # fmt: skip
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_endpoint_read_live_sizes_from_its_own_peak(cli, tmp_path, monkeypatch):
    """Capacity is the checks' rule, 1,200 / 2 instances = 600 per instance-hour. Over 24 h:
    real-time (min 1): 24 + 1 (the 1,200 hour) + 1 (its scale-in lag) = 26 instance-hours
      -> 26 x $0.23 x 730 / 24 = $181.89;
    asynchronous: 2 + 2 + 1 + 1 = 6 -> 6 x 0.23 x 730 / 24 = $41.975 -> $41.98;
    batch (all requests in two hours of the day): 3 instance-hours -> $20.99 (20.9875),
    recommended without an SLO."""
    data = plan_endpoint(cli, tmp_path, monkeypatch, asynchronous=False, metric="Invocations")
    assert data["traffic"]["total_requests"] == 1800 and data["traffic"]["hours"] == 24
    assert data["source"]["series"] == "AWS/SageMaker Invocations (Sum, hourly)"
    by = {o["option"]: o for o in data["options"]}
    assert by["real-time"]["capacity"]["basis"] == "observed"
    assert by["real-time"]["monthly_cost_usd"] == "181.89"
    assert by["asynchronous"]["monthly_cost_usd"] == "41.98"
    assert by["batch-transform"]["monthly_cost_usd"] == "20.99"
    assert data["recommended"]["option"] == "batch-transform"


@pytest.mark.parametrize("metric", ["InvocationsProcessed", "InvocationsProcesssed"])
def test_async_endpoint_reads_invocations_processed(cli, tmp_path, monkeypatch, metric):
    """An asynchronous endpoint's requests are InvocationsProcessed (as the checks read
    them, also under the spelling AWS's metric table uses); the same figures follow."""
    data = plan_endpoint(cli, tmp_path, monkeypatch, asynchronous=True, metric=metric)
    assert data["source"]["series"] == "AWS/SageMaker InvocationsProcessed (Sum, hourly)"
    assert data["traffic"]["total_requests"] == 1800


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "text", "extra", "words"),
    [
        ("missing.csv", None, [], ["does not exist"]),
        ("empty.csv", "", [], ["empty"]),
        ("az.csv", "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46,3\n", [], ["GeneratedTokens"]),
        ("ts.csv", "timestamp,count\n2024-13-45T99:00,3\n", [], ["line 2", "timestamp"]),
        ("t.csv", "2024-05-01T00:00:00Z,3\n", ["--trace-format", "xml"], ["xml", "cloudwatch"]),
        ("t.json", '{"Datapoints": [{"Sum": 1}]}', [], ["Timestamp"]),
    ],
)
def test_bad_trace_is_one_line(cli, db, tmp_path, name, text, extra, words):
    path = tmp_path / name if text is None else write(tmp_path, name, text)
    r = cli("plan", "inference", "--trace", str(path), "--db", db, *extra)
    assert r.code == 2
    r.one_error_line(*words)


def test_no_measured_throughput_is_one_line(cli, tmp_path):
    r = cli("plan", "inference", "--trace", str(steady_csv(tmp_path)), "--db",
            f"sqlite:///{tmp_path / 'empty.db'}")  # fmt: skip
    assert r.code == 2
    r.one_error_line("no measured throughput", "mlcost bench")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], ["--trace", "--endpoint"]),
        (["--trace", "x.csv", "--endpoint", "e"], ["cannot be used together"]),
        (["--trace", "x.csv", "--slo-p95-ms", "nan"], ["--slo-p95-ms"]),
        (["--trace", "x.csv", "--region", "mars-1"], ["mars-1"]),
    ],
)
def test_bad_inference_options(cli, args, words):
    r = cli("plan", "inference", *args)
    assert r.code == 2
    r.one_error_line(*words)


def test_training_spec_table(cli):
    """The `--spec` form with the checkpoint minutes in it; figures as in
    tests/plan/test_plan_training.py (2 x ml.g5.2xlarge, 10 h, 0.01/instance-hour)."""
    r = cli("plan", "training", "--spec", "ml.g5.2xlarge,2,10,6", "--interruption-rate", "0.01")
    assert r.code == 0, r.err
    assert "$30.40" in r.out and "$13.66" in r.out
    assert "recommended: managed-spot" in r.out
    assert "MaxWaitTimeInSeconds" in r.out


def test_training_spot_past_awss_28_day_limit_is_a_plan_not_a_crash(cli):
    """100 interruptions an hour, a 414-minute restart, 672 h of work: Daly's expected wall
    is finite but ~1e306 h (it crashed in Decimal). Spot would not finish within the 28 days
    MaxRuntimeInSeconds allows; on-demand is $1.52 x 1 x 672 h = $1,021.44."""
    r = cli("plan", "training", "--spec", "ml.g5.2xlarge,1,672,5", "--interruption-rate",
            "100", "--restart-minutes", "414")  # fmt: skip
    assert r.code == 0, r.err
    assert "$1021.44" in r.out and "28 days" in r.out
    assert "recommended: on-demand" in r.out and "MaxRuntimeInSeconds 0" not in r.out


def test_training_job_read_with_describe_training_job(cli, monkeypatch):
    """DescribeTrainingJob (Stubber, the real response shape): 1 x ml.g5.2xlarge that trained
    36,000 s = 10 h, MaxRuntimeInSeconds 86,400 — the advice keeps the larger limit."""
    sm = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x",
                      aws_secret_access_key="y")  # fmt: skip
    when = datetime(2026, 11, 1, tzinfo=UTC)
    stub = Stubber(sm)
    stub.add_response(
        "describe_training_job",
        {
            "TrainingJobName": "train-1",
            "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/train-1",
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "img:1"},
            "ResourceConfig": {
                "InstanceType": "ml.g5.2xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 50,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 86_400},
            "CreationTime": when,
            "TrainingStartTime": when,
            "TrainingEndTime": when + timedelta(hours=10),
            "TrainingTimeInSeconds": 36_000,
            "BillableTimeInSeconds": 36_000,
        },
        {"TrainingJobName": "train-1"},
    )
    stub.activate()
    monkeypatch.setattr("mlcost.cli.plan._clients", lambda region: (sm, None))
    r = cli("plan", "training", "--job", "train-1", "--checkpoint-minutes", "5",
            "--interruption-rate", "0.01", "-f", "json")  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert (data["job"], data["work_hours"], data["instance_count"]) == ("train-1", 10.0, 1)
    assert data["options"][0]["cost_usd"] == "15.20"  # $1.52 x 1 x 10 h
    assert data["stopping_condition"]["MaxRuntimeInSeconds"] == 86_400
    assert data["stopping_condition"]["MaxWaitTimeInSeconds"] == 172_800
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], ["--job", "--spec"]),
        (["--spec", "ml.g5.2xlarge,2"], ["TYPE,COUNT,HOURS"]),
        (["--spec", "ml.g5.2xlarge,2,10"], ["--checkpoint-minutes"]),
        (["--spec", "ml.g5.2xlarge,two,10,5"], ["count", "two"]),
        (["--spec", "ml.g5.2xlarge,1.5,10,5"], ["whole number"]),
        (["--spec", "ml.g5.2xlarge,nan,10,5"], ["whole number", "nan"]),
        (["--spec", "ml.g5.2xlarge,1e400,10,5"], ["whole number", "1e400"]),
        (["--spec", "ml.nope.xlarge,1,10,5"], ["unknown instance type"]),
        (["--spec", "ml.p3.2xlarge,1,10,5"], ["--interruption-rate"]),
        (["--spec", "ml.g5.2xlarge,1,10,5", "--spot-discount", "1.5"], ["--spot-discount"]),
    ],
)
def test_bad_training_input(cli, args, words):
    r = cli("plan", "training", *args)
    assert r.code == 2
    r.one_error_line(*words)


def test_azure_trace_through_the_cli(cli, db, tmp_path):
    """Azure's per-request rows are bucketed per hour (3 requests in hour 18, 1 in 19); the
    trace's token totals travel with the plan (374 + 396 + 10 + 5 context tokens)."""
    path = write(
        tmp_path,
        "AzureLLMInferenceTrace_code.csv",
        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        "2023-11-16 18:15:46.6805900,374,44\n"
        "2023-11-16 18:15:50.9951690,396,109\n"
        "2023-11-16 18:59:59.9999999,10,1\n"
        "2023-11-16 19:00:00.0000000,5,2\n",
    )
    r = cli("plan", "inference", "--trace", str(path), "--db", db, "-f", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["source"]["format"] == "azure"
    assert data["source"]["tokens"] == {"context_tokens": 785, "generated_tokens": 156}
    assert (data["traffic"]["hours"], data["traffic"]["total_requests"]) == (2, 4)
    assert data["traffic"]["peak_hour_requests"] == 3


def test_policy_self_plan_allows_every_client_call_the_planners_make(cli):
    """Every `sagemaker.X(...)` / `cloudwatch.X(...)` call in plan/live.py (and the reads it
    borrows: bench/sagemaker.py's `variants`, the scan's GetMetricData pager `fetch_batch`,
    whose CloudWatch client is `client`) is in `policy self --plan`."""
    import ast
    import inspect

    from mlcost.bench import sagemaker as bench_sagemaker
    from mlcost.plan import live
    from mlcost.sources.aws.metrics import fetch_batch
    from mlcost.sources.aws.policy import iam_action

    called: set[str] = set()
    plain = {"sagemaker": "sagemaker", "cloudwatch": "cloudwatch"}
    sources = [
        (inspect.getsource(live), plain),
        (inspect.getsource(bench_sagemaker.variants), plain),
        (inspect.getsource(fetch_batch), {"client": "cloudwatch"}),
    ]
    for source, services in sources:
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in services
            ):
                called.add(iam_action(services[node.func.value.id], node.func.attr))
    assert {"cloudwatch:GetMetricData", "sagemaker:DescribeTrainingJob"} <= called
    policy = json.loads(cli("policy", "self", "--check", "idle-notebook", "--plan").out)
    (plan,) = [s for s in policy["Statement"] if s["Sid"] == "MlcostPlan"]
    assert called <= set(plan["Action"])


def test_daily_datapoints_are_flagged_not_silently_read_as_hours(cli, db, tmp_path):
    """`get-metric-statistics --period 86400` prints one Sum a day. Each is put in the hour
    it starts in, so 14,400 requests of a day look like 14,400 in one hour (24 instances at
    601.2 an hour instead of 1) and the window ends an hour after the last day starts (25 h,
    not 48): the plan must say so. Hourly datapoints (the look-alike) get no such warning."""
    daily = {"Datapoints": [{"Timestamp": f"2024-05-0{d}T00:00:00Z", "Sum": 14400.0}
                            for d in (1, 2)]}  # fmt: skip
    hourly = {"Datapoints": [{"Timestamp": f"2024-05-01T{h:02d}:00:00Z", "Sum": 600.0}
                             for h in range(48 // 2)]}  # fmt: skip
    warned = []
    for name, doc in (("daily.json", daily), ("hourly.json", hourly)):
        path = write(tmp_path, name, json.dumps(doc))
        r = cli("plan", "inference", "--trace", str(path), "--db", db, "-f", "json")
        assert r.code == 0, r.err
        warned.append([w for w in json.loads(r.out)["warnings"] if "--period 3600" in w])
    assert len(warned[0]) == 1 and "24 h apart" in warned[0][0]
    assert warned[1] == []
