"""Metric reads: batching and call budget, mapping back to resources, failures as errors."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from sources_aws_fakes import AwsError, FakeCloudWatch, answer, make_endpoints

from mlcost.model import ResourceKind, SeriesStatus
from mlcost.sources.aws import CallCounter, collect_inventory
from mlcost.sources.aws.metrics import (
    MAX_PERIODS_PER_CALL,
    MetricQuery,
    fetch_batch,
    sub_windows,
)

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _hours(start: datetime, n: int) -> list[datetime]:
    return [start + i * HOUR for i in range(n)]


def test_600_gpu_endpoints_take_ceil_queries_over_500_calls_per_sub_window(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    make_endpoints(session, "us-east-1", [f"ep-{i:04d}" for i in range(600)], "ml.p3.2xlarge")
    counter = CallCounter().attach(session)

    inv = collect_inventory(["us-east-1"], 21, session=session, now=NOW)

    # hand count: 600 variants x 5 series (Invocations, CPU, memory, GPU, GPU memory) = 3000
    # queries; 21 days from 12:00 (aligned) to 12:30 = 504.5 h -> 505 hourly periods. In
    # 500-query batches over <= 201 h sub-windows that is 6 x 3 = 18 calls, each metric
    # requested (and billed) three times; over the whole window in batches of
    # floor(100,800 / 505) = 199 queries it is ceil(3000 / 199) = 16 calls, each metric once.
    assert len(inv.of_kind(inv.resources[0].kind)) == 600
    calls = cloudwatch.get_calls("us-east-1")
    assert len(calls) == math.ceil(3000 / 199) == 16
    assert counter.counts["cloudwatch.GetMetricData"] == 16
    assert sum(len(c["MetricDataQueries"]) for c in calls) == 3000
    for call in calls:
        n = len(call["MetricDataQueries"])
        assert n <= 500
        periods = (call["EndTime"] - call["StartTime"]) / HOUR
        assert n * periods <= 100_800
    # Search returns 100 endpoints a page with their tags: 6 pages, no DescribeEndpoint, no
    # ListTags (and one Search page of training jobs, none here); the shared endpoint config
    # is read once
    assert counter.counts["sagemaker.Search"] == 6 + 1
    assert "sagemaker.DescribeEndpoint" not in counter.counts
    assert "sagemaker.ListTags" not in counter.counts
    assert counter.counts["sagemaker.DescribeEndpointConfig"] == 1
    # every variant got its five series, all read
    for endpoint in inv.of_kind(ResourceKind.ENDPOINT):
        labels = sorted(s.name for s in inv.metrics[endpoint.key])
        assert labels == sorted(
            [
                "Invocations",
                "CPUUtilization",
                "MemoryUtilization",
                "GPUUtilization",
                "GPUMemoryUtilization",
            ]
        )
        assert all(s.status is SeriesStatus.OK for s in inv.metrics[endpoint.key])


def test_series_land_on_their_resource_and_label_whatever_the_dimension_order(
    session: boto3.Session,
) -> None:
    cw = FakeCloudWatch(page_size=50).attach(session)  # forces PartialData + NextToken
    make_endpoints(session, "us-east-1", ["alpha", "beta"])
    ec2 = session.client("ec2", region_name="us-east-1")
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]
    iid = instance["InstanceId"]
    sm = session.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::1:role/r"
    )
    start = NOW.replace(minute=0) - timedelta(days=14)
    hours = _hours(start, 14 * 24)  # 336 hourly points: two sub-windows, seven pages each
    # stored with VariantName first: CloudWatch matches the dimension *set*
    cw.put(
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("VariantName", "AllTraffic"), ("EndpointName", "alpha")],
        dict.fromkeys(hours, 7.0),
    )
    cw.put(
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("VariantName", "AllTraffic"), ("EndpointName", "beta")],
        {hours[0]: 1.0, hours[-1]: 2.0},
    )
    # the CloudWatch agent publishes one series per GPU with extra dimensions, listed in
    # its own order; we must query exactly those sets
    for gpu, value in (("0", 90.0), ("1", 3.0)):
        cw.put(
            "us-east-1",
            "CWAgent",
            "nvidia_smi_utilization_gpu",
            [("index", gpu), ("name", "NVIDIA A10G"), ("InstanceId", iid), ("arch", "Ampere")],
            dict.fromkeys(hours[:10], value),
        )
    cw.put(
        "us-east-1",
        "CWAgent",
        "nvidia_smi_utilization_gpu",
        [("index", "0"), ("InstanceId", "i-someoneelse")],
        {hours[0]: 50.0},
    )
    cw.put("us-east-1", "MLCost/Agent", "Busy", [("NotebookInstanceName", "nb")], {hours[5]: 1.0})
    cw.put(
        "us-east-1",
        "MLCost/Agent",
        "IdleSeconds",
        [("NotebookInstanceName", "nb")],
        {hours[5]: 9.0},
    )

    inv = collect_inventory(["us-east-1"], 14, session=session, now=NOW)

    by_id = {r.id: r for r in inv.resources}
    (alpha,) = inv.series(by_id["alpha"], "Invocations")
    assert alpha.dimensions == {"EndpointName": "alpha", "VariantName": "AllTraffic"}
    assert alpha.stat == "Sum" and alpha.period_s == 3600
    assert alpha.values == [7.0] * 336 and alpha.timestamps == hours
    (beta,) = inv.series(by_id["beta"], "Invocations")
    assert (beta.timestamps, beta.values) == ([hours[0], hours[-1]], [1.0, 2.0])
    # an endpoint series CloudWatch has no data for is read-and-empty, not an error
    (cpu,) = inv.series(by_id["alpha"], "CPUUtilization")
    assert cpu.status is SeriesStatus.OK and cpu.values == []
    gpus = sorted(inv.series(by_id[iid], "GPUUtilization"), key=lambda s: s.dimensions["index"])
    assert [g.dimensions["index"] for g in gpus] == ["0", "1"]
    assert gpus[0].dimensions == {
        "index": "0",
        "name": "NVIDIA A10G",
        "InstanceId": iid,
        "arch": "Ampere",
    }
    assert gpus[0].namespace == "CWAgent" and gpus[0].values == [90.0] * 10
    assert gpus[1].values == [3.0] * 10
    (busy,) = inv.series(by_id["nb"], "AgentBusy")
    assert (busy.metric, busy.values) == ("Busy", [1.0])
    assert inv.series(by_id["nb"], "AgentGPUUtilization") == []  # nothing published it
    # NextToken pages were followed, and ListMetrics ran once per namespace (paginated)
    assert any("NextToken" in p for _, p in cw.requests if "MetricDataQueries" in p)
    listed = [p["ListMetrics"] for _, p in cw.requests if "ListMetrics" in p]
    assert sorted(p["Namespace"] for p in listed if "NextToken" not in p) == [
        "AWS/SageMaker",  # Invocations of replaced variants
        "CWAgent",
        "MLCost/Agent",
    ]
    assert not inv.errors


def test_a_failed_get_metric_data_call_yields_error_series_not_empty_ok(
    session: boto3.Session,
) -> None:
    cw = FakeCloudWatch().attach(session)
    make_endpoints(session, "us-east-1", ["busy"])
    # the older sub-window succeeds, the newest fails: the series is incomplete, so error
    newest = NOW.replace(minute=0) - timedelta(hours=5)
    cw.fail = lambda region, p: (
        AwsError("InternalFailure", "boom", 500) if p["EndTime"] > newest else None
    )
    cw.put(
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("EndpointName", "busy"), ("VariantName", "AllTraffic")],
        {NOW - timedelta(days=20): 3.0},
    )

    inv = collect_inventory(["us-east-1"], 21, session=session, now=NOW)

    (endpoint,) = inv.of_kind(ResourceKind.ENDPOINT)  # the account is listed too
    series = inv.metrics[endpoint.key]
    assert len(series) == 3
    for s in series:
        assert s.status is SeriesStatus.ERROR and not s.readable
        assert "InternalFailure" in (s.error or "")
        assert s.values == []
    assert any(e.operation == "GetMetricData" and e.service == "cloudwatch" for e in inv.errors)


def test_per_series_status_codes_other_than_complete_are_errors(session: boto3.Session) -> None:
    cw = FakeCloudWatch().attach(session)
    make_endpoints(session, "us-east-1", ["e"])
    cw.status_override = lambda region, q: (
        "Forbidden" if q["MetricStat"]["Metric"]["MetricName"] == "CPUUtilization" else None
    )
    inv = collect_inventory(["us-east-1"], 3, session=session, now=NOW)
    (endpoint,) = inv.of_kind(ResourceKind.ENDPOINT)  # the account is listed too
    (cpu,) = inv.series(endpoint, "CPUUtilization")
    (calls,) = inv.series(endpoint, "Invocations")
    assert cpu.status is SeriesStatus.ERROR and "Forbidden" in (cpu.error or "")
    assert calls.status is SeriesStatus.OK


def test_failed_list_metrics_marks_agent_series_unreadable(session: boto3.Session) -> None:
    sm = session.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn="arn:aws:iam::1:role/r"
    )
    metric_reads: list[dict] = []

    def deny(region: str, params: dict) -> dict:
        raise AwsError("AccessDenied", "not allowed: cloudwatch:ListMetrics", 403)

    def record(region: str, params: dict) -> dict:
        metric_reads.append(params)
        return {"MetricDataResults": []}

    answer(session, "cloudwatch", "ListMetrics", deny)
    answer(session, "cloudwatch", "GetMetricData", record)
    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)
    (nb,) = inv.of_kind(ResourceKind.NOTEBOOK_INSTANCE)  # the account is listed too
    (busy,) = inv.series(nb, "AgentBusy")
    assert busy.status is SeriesStatus.ERROR
    assert busy.dimensions == {"NotebookInstanceName": "nb"}
    assert any(e.operation == "ListMetrics" and "AccessDenied" in e.message for e in inv.errors)
    assert metric_reads == []  # nothing else to read for a notebook


def test_sub_windows_hold_at_most_201_hourly_periods_and_cover_the_window() -> None:
    start = datetime(2026, 1, 1, 7, 45, tzinfo=UTC)
    end = start + timedelta(days=30)
    windows = sub_windows(start, end)
    assert windows[0][0] == datetime(2026, 1, 1, 7, 0, tzinfo=UTC)  # aligned to the hour
    assert windows[-1][1] == end
    for (_a, b), (c, _) in zip(windows, windows[1:], strict=False):
        assert b == c  # contiguous, no overlap (EndTime is exclusive)
    assert all((b - a) <= MAX_PERIODS_PER_CALL * HOUR for a, b in windows)
    # 720.75 h / 201 h -> 4 windows
    assert len(windows) == 4 and MAX_PERIODS_PER_CALL == 201


def test_fetch_batch_refuses_more_than_500_queries() -> None:
    q = MetricQuery(
        "k", "Invocations", "AWS/SageMaker", "Invocations", (("EndpointName", "e"),), "Sum"
    )
    with pytest.raises(ValueError, match="max 500"):
        fetch_batch(None, [(i, q) for i in range(501)], NOW - HOUR, NOW)


@pytest.mark.parametrize(
    ("instance_type", "gpu"),
    [
        ("ml.g5.xlarge", True),
        ("ml.p4d.24xlarge", True),
        ("ml.m5.large", False),
        ("ml.inf2.xlarge", False),  # Neuron: no GPUUtilization published
        (None, False),  # serverless
        # a dash in the family, and not in the catalogue: the family letter decides
        ("ml.p6-b200.48xlarge", True),
        ("p6-b200.48xlarge", True),
    ],
)
def test_gpu_series_are_planned_only_for_nvidia_types(instance_type: str | None, gpu: bool) -> None:
    from mlcost.sources.aws.metrics import is_gpu_type

    assert is_gpu_type(instance_type) is gpu


class _PagedClient:
    """A CloudWatch client stand-in that replays GetMetricData pages and records requests."""

    def __init__(self, pages: list[dict]) -> None:
        self.pages = pages
        self.requests: list[dict] = []

    def get_metric_data(self, **request: object) -> dict:
        self.requests.append(dict(request))
        return self.pages[len(self.requests) - 1]


def test_partial_data_is_completed_via_next_token_and_an_unfinished_series_is_an_error() -> None:
    q = MetricQuery(
        "k", "Invocations", "AWS/SageMaker", "Invocations", (("EndpointName", "e"),), "Sum"
    )
    t0 = NOW - 3 * HOUR
    client = _PagedClient(
        [
            {
                "MetricDataResults": [
                    {"Id": "q0", "Timestamps": [t0], "Values": [1.0], "StatusCode": "PartialData"},
                    {"Id": "q1", "Timestamps": [t0], "Values": [5.0], "StatusCode": "PartialData"},
                ],
                "NextToken": "page-2",
            },
            {
                "MetricDataResults": [
                    {
                        "Id": "q0",
                        "Timestamps": [t0 + HOUR],
                        "Values": [2.0],
                        "StatusCode": "Complete",
                    },
                    {"Id": "q1", "Timestamps": [], "Values": [], "StatusCode": "PartialData"},
                ],
            },
        ]
    )
    result = fetch_batch(client, [(0, q), (1, q)], NOW - 3 * HOUR, NOW)
    assert [r.get("NextToken") for r in client.requests] == [None, "page-2"]
    assert result.points[0] == [(t0, 1.0), (t0 + HOUR, 2.0)]
    assert 0 not in result.errors
    assert "PartialData" in result.errors[1]  # the last page still said partial: incomplete
