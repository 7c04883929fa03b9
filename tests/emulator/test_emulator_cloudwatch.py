"""CloudWatch reads answered from the emulator's index, with CloudWatch's semantics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from mlcost.demo.emulator import load_metric_data

NOW = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
HOURS = [NOW - timedelta(hours=h) for h in range(1, 14 * 24 + 1)]  # 336 hourly points


def _cw():
    return boto3.client("cloudwatch", region_name="us-east-1")


def _assert_matches_output_shape(client, operation: str, response: dict) -> None:
    """botocore's Stubber rejects a response that does not fit the operation's output shape."""
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    with Stubber(client) as stub:
        stub.add_response(xform_name(operation), body)  # raises ParamValidationError on a bad shape


def _invocation_query(i: int, endpoint: str, variant_first: bool, stat: str = "Sum", period=86400):
    dims = [
        {"Name": "EndpointName", "Value": endpoint},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    if variant_first:
        dims.reverse()
    return {
        "Id": f"q{i}",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/SageMaker",
                "MetricName": "Invocations",
                "Dimensions": dims,
            },
            "Period": period,
            "Stat": stat,
        },
    }


def _load_endpoints(n: int, per_hour: float = 2.0) -> None:
    for e in range(n):
        load_metric_data(
            "us-east-1",
            "AWS/SageMaker",
            "Invocations",
            {"EndpointName": f"ep-{e:03d}", "VariantName": "AllTraffic"},
            HOURS,
            [per_hour] * len(HOURS),
        )


def test_dimension_order_does_not_matter(aws):
    """The MOTO.md case: 100 series asked with VariantName first. Stock moto: 0 of 100."""
    _load_endpoints(100)
    cw = _cw()
    for variant_first in (False, True):
        out = cw.get_metric_data(
            MetricDataQueries=[
                _invocation_query(i, f"ep-{i:03d}", variant_first) for i in range(100)
            ],
            StartTime=NOW - timedelta(days=14),
            EndTime=NOW,
            ScanBy="TimestampAscending",
        )
        results = out["MetricDataResults"]
        assert len(results) == 100
        for r in results:
            # 14 daily periods, each 24 hourly points of 2.0 -> Sum 48.0
            assert r["Values"] == [48.0] * 14
            assert r["StatusCode"] == "Complete"
        _assert_matches_output_shape(cw, "GetMetricData", out)


def test_statistics_per_period_and_alignment(aws):
    hour = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    stamps = [hour + timedelta(minutes=5 * i) for i in range(10)]  # ten points in one hour
    load_metric_data(
        "us-east-1",
        "AWS/EC2",
        "CPUUtilization",
        {"InstanceId": "i-1"},
        stamps,
        [float(v) for v in range(1, 11)],
    )
    cw = _cw()
    expected = {
        "Sum": 55.0,
        "Average": 5.5,
        "Maximum": 10.0,
        "Minimum": 1.0,
        "SampleCount": 10.0,
        "p50": 5.5,
        "p100": 10.0,
    }
    queries = [
        {
            "Id": f"s{i}",
            "Label": stat,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/EC2",
                    "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
                },
                "Period": 3600,
                "Stat": stat,
            },
        }
        for i, stat in enumerate(expected)
    ]
    out = cw.get_metric_data(
        MetricDataQueries=queries,
        StartTime=hour - timedelta(hours=2),
        EndTime=hour + timedelta(hours=2),
    )
    got = {r["Label"]: r for r in out["MetricDataResults"]}
    for stat, value in expected.items():
        assert got[stat]["Values"] == [value], stat
        assert got[stat]["Timestamps"] == [hour]  # aligned to the hour, not to the first point


def test_scan_by_orders_timestamps(aws):
    _load_endpoints(1)
    cw = _cw()
    q = [_invocation_query(0, "ep-000", False, period=3600)]
    desc = cw.get_metric_data(MetricDataQueries=q, StartTime=NOW - timedelta(hours=5), EndTime=NOW)
    asc = cw.get_metric_data(
        MetricDataQueries=q,
        StartTime=NOW - timedelta(hours=5),
        EndTime=NOW,
        ScanBy="TimestampAscending",
    )
    d, a = desc["MetricDataResults"][0]["Timestamps"], asc["MetricDataResults"][0]["Timestamps"]
    assert d == sorted(d, reverse=True) and a == sorted(a) and len(a) == 5
    assert d[0] == NOW - timedelta(hours=1)  # EndTime is exclusive


def test_more_than_500_queries_is_a_validation_error(aws):
    cw = _cw()
    queries = [_invocation_query(i, f"ep-{i}", False) for i in range(501)]
    with pytest.raises(ClientError) as err:
        cw.get_metric_data(
            MetricDataQueries=queries, StartTime=NOW - timedelta(days=1), EndTime=NOW
        )
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # 500 is allowed
    cw.get_metric_data(
        MetricDataQueries=queries[:500], StartTime=NOW - timedelta(days=1), EndTime=NOW
    )


def test_max_datapoints_pages_with_next_token(aws):
    """MaxDatapoints pages a long series: 2,000 points in pages of 750, 750, 500."""
    stamps = [(NOW - timedelta(minutes=2000 - i)).timestamp() for i in range(2000)]
    load_metric_data(
        "us-east-1",
        "AWS/EC2",
        "CPUUtilization",
        {"InstanceId": "i-2"},
        stamps,
        [float(i) for i in range(2000)],
    )
    cw = _cw()
    q = [
        {
            "Id": "cpu",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/EC2",
                    "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "InstanceId", "Value": "i-2"}],
                },
                "Period": 60,
                "Stat": "Average",
            },
        }
    ]
    pages = list(
        cw.get_paginator("get_metric_data").paginate(
            MetricDataQueries=q,
            StartTime=NOW - timedelta(days=2),
            EndTime=NOW,
            ScanBy="TimestampAscending",
            PaginationConfig={"PageSize": 750},
        )
    )
    results = [p["MetricDataResults"][0] for p in pages]
    assert [len(r["Values"]) for r in results] == [750, 750, 500]
    assert [r["StatusCode"] for r in results] == ["PartialData", "PartialData", "Complete"]
    values = [v for r in results for v in r["Values"]]
    assert values == [float(i) for i in range(2000)]  # every point once, in order


@pytest.mark.slow
def test_datapoint_limit_pages_with_next_token(aws):
    """120,000 one-minute points: a first page of 100,800 (PartialData), then the rest."""
    start = NOW - timedelta(minutes=120_000)
    stamps = [start.timestamp() + 60 * i for i in range(120_000)]
    load_metric_data(
        "us-east-1", "MLCost/Agent", "Busy", {"InstanceId": "i-1"}, stamps, [1.0] * 120_000
    )
    cw = _cw()
    q = [
        {
            "Id": "busy",
            "MetricStat": {
                "Metric": {
                    "Namespace": "MLCost/Agent",
                    "MetricName": "Busy",
                    "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
                },
                "Period": 60,
                "Stat": "Maximum",
            },
        }
    ]
    first = cw.get_metric_data(MetricDataQueries=q, StartTime=start, EndTime=NOW)
    r1 = first["MetricDataResults"][0]
    assert len(r1["Values"]) == 100_800 and r1["StatusCode"] == "PartialData"
    assert "NextToken" in first
    second = cw.get_metric_data(
        MetricDataQueries=q, StartTime=start, EndTime=NOW, NextToken=first["NextToken"]
    )
    r2 = second["MetricDataResults"][0]
    assert len(r2["Values"]) == 120_000 - 100_800 and r2["StatusCode"] == "Complete"
    assert "NextToken" not in second
    assert set(r1["Timestamps"]).isdisjoint(r2["Timestamps"])


def test_list_metrics_one_entry_per_metric_and_pages(aws):
    _load_endpoints(1200)
    cw = _cw()
    first = cw.list_metrics(Namespace="AWS/SageMaker", MetricName="Invocations")
    assert len(first["Metrics"]) == 500 and "NextToken" in first
    pages = list(cw.get_paginator("list_metrics").paginate(Namespace="AWS/SageMaker"))
    names = [
        next(d["Value"] for d in m["Dimensions"] if d["Name"] == "EndpointName")
        for p in pages
        for m in p["Metrics"]
    ]
    assert [len(p["Metrics"]) for p in pages] == [500, 500, 200]
    assert len(names) == len(set(names)) == 1200
    _assert_matches_output_shape(cw, "ListMetrics", first)
    # dimension filter: name and value, order-free
    one = cw.list_metrics(
        Dimensions=[
            {"Name": "VariantName", "Value": "AllTraffic"},
            {"Name": "EndpointName", "Value": "ep-007"},
        ]
    )
    assert len(one["Metrics"]) == 1


def test_put_metric_data_feeds_the_index(aws):
    cw = _cw()
    t = NOW - timedelta(minutes=30)
    cw.put_metric_data(
        Namespace="MLCost/Agent",
        MetricData=[
            {
                "MetricName": "Busy",
                "Dimensions": [{"Name": "NotebookInstanceName", "Value": "nb-1"}],
                "Timestamp": t,
                "Value": 1.0,
                "Unit": "None",
            },
            {
                "MetricName": "Busy",
                "Dimensions": [{"Name": "NotebookInstanceName", "Value": "nb-1"}],
                "Timestamp": t + timedelta(minutes=5),
                "Value": 0.0,
                "Unit": "None",
            },
        ],
    )
    listed = cw.list_metrics(Namespace="MLCost/Agent")["Metrics"]
    assert listed == [
        {
            "Namespace": "MLCost/Agent",
            "MetricName": "Busy",
            "Dimensions": [{"Name": "NotebookInstanceName", "Value": "nb-1"}],
        }
    ]
    out = cw.get_metric_data(
        MetricDataQueries=[
            {"Id": "b", "MetricStat": {"Metric": listed[0], "Period": 3600, "Stat": "SampleCount"}}
        ],
        StartTime=NOW - timedelta(hours=2),
        EndTime=NOW,
    )
    assert sum(out["MetricDataResults"][0]["Values"]) == 2.0


def test_put_metric_data_matches_dimensions_in_any_order(aws):
    cw = _cw()
    dims = [{"Name": "EndpointName", "Value": "ep"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    cw.put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": dims,
                "Timestamp": NOW - timedelta(hours=1),
                "Values": [3.0, 4.0],
                "Counts": [2.0, 1.0],
            },
        ],
    )
    q = _invocation_query(0, "ep", variant_first=True, period=3600)
    out = cw.get_metric_data(MetricDataQueries=[q], StartTime=NOW - timedelta(hours=2), EndTime=NOW)
    assert out["MetricDataResults"][0]["Values"] == [10.0]  # 3 x 2 + 4 x 1


def test_series_without_data_is_complete_and_empty(aws):
    cw = _cw()
    out = cw.get_metric_data(
        MetricDataQueries=[_invocation_query(0, "never-called", False)],
        StartTime=NOW - timedelta(days=1),
        EndTime=NOW,
    )
    r = out["MetricDataResults"][0]
    assert r["Values"] == [] and r["StatusCode"] == "Complete" and r["Id"] == "q0"


def test_get_metric_statistics_is_answered_from_the_index_in_any_dimension_order(aws):
    _load_endpoints(3, per_hour=2.0)
    cw = _cw()
    response = cw.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName="Invocations",
        Dimensions=[  # the other order than loaded: CloudWatch matches a set
            {"Name": "VariantName", "Value": "AllTraffic"},
            {"Name": "EndpointName", "Value": "ep-001"},
        ],
        StartTime=NOW - timedelta(days=14),
        EndTime=NOW,
        Period=86400,
        Statistics=["Sum", "Maximum"],
    )
    _assert_matches_output_shape(cw, "GetMetricStatistics", response)
    points = sorted(response["Datapoints"], key=lambda p: p["Timestamp"])
    assert len(points) == 14
    assert all(p["Sum"] == 48.0 and p["Maximum"] == 2.0 for p in points)  # 24 h x 2
    with pytest.raises(ClientError, match="1440"):
        cw.get_metric_statistics(
            Namespace="AWS/SageMaker",
            MetricName="Invocations",
            StartTime=NOW - timedelta(days=14),
            EndTime=NOW,
            Period=60,
            Statistics=["Sum"],
        )
