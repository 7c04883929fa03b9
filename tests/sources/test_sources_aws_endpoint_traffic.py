"""Endpoint traffic evidence: async endpoints, replaced (blue/green) variants, unanswered
queries, inference-component variants and autoscaling targets.

Each test sets up what AWS would hold and asserts what a check will be handed: which series
exist for an endpoint, with which dimensions and status.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from sources_aws_fakes import ROLE, AwsError, FakeCloudWatch, answer, deny_search, make_endpoints

from mlcost.model import Endpoint, ResourceKind, SeriesStatus
from mlcost.sources.aws import CallCounter, collect_inventory
from mlcost.sources.aws.metrics import MetricQuery, assemble, fetch_batch

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/{}"


def _fake_endpoint(
    session: boto3.Session,
    name: str,
    variants: list[dict[str, Any]],
    current: list[dict[str, Any]],
    endpoint_extra: dict[str, Any] | None = None,
    **config_extra: Any,
) -> None:
    """One endpoint answered from ListEndpoints/DescribeEndpoint/DescribeEndpointConfig."""

    def listing(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "Endpoints": [
                {
                    "EndpointName": name,
                    "EndpointArn": ARN.format(name),
                    "CreationTime": NOW - timedelta(days=60),
                    "LastModifiedTime": NOW - timedelta(days=1),
                    "EndpointStatus": "InService",
                }
            ]
        }

    def describe(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "EndpointName": name,
            "EndpointArn": ARN.format(name),
            "EndpointConfigName": f"{name}-config",
            "ProductionVariants": current,
            "EndpointStatus": "InService",
            "CreationTime": NOW - timedelta(days=60),
            "LastModifiedTime": NOW - timedelta(days=1),
            **(endpoint_extra or {}),
        }

    def describe_config(region: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "EndpointConfigName": f"{name}-config",
            "EndpointConfigArn": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/{name}",
            "ProductionVariants": variants,
            "CreationTime": NOW - timedelta(days=60),
            **config_extra,
        }

    deny_search(session)  # the List + Describe fallback answers these fakes
    answer(session, "sagemaker", "ListEndpoints", listing)
    answer(session, "sagemaker", "DescribeEndpoint", describe)
    answer(session, "sagemaker", "DescribeEndpointConfig", describe_config)
    answer(session, "sagemaker", "ListTags", lambda r, p: {"Tags": []})


def _current(name: str, count: int) -> dict[str, Any]:
    return {
        "VariantName": name,
        "CurrentWeight": 1.0,
        "DesiredWeight": 1.0,
        "CurrentInstanceCount": count,
        "DesiredInstanceCount": count,
    }


def test_async_endpoint_gets_processed_and_backlog_series_with_their_data(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    _fake_endpoint(
        session,
        "queue",
        [
            {
                "VariantName": "AllTraffic",
                "ModelName": "m",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.g5.xlarge",
            }
        ],
        [_current("AllTraffic", 1)],
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://b/out"}},
    )
    t0 = NOW.replace(minute=0) - 10 * HOUR
    cloudwatch.put(
        "us-east-1",
        "AWS/SageMaker",
        "InvocationsProcessed",
        [("EndpointName", "queue"), ("VariantName", "AllTraffic")],
        {t0: 40.0, t0 + HOUR: 12.0},
    )
    cloudwatch.put(
        "us-east-1",
        "AWS/SageMaker",
        "ApproximateBacklogSize",
        [("EndpointName", "queue")],
        {t0: 7.0},
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (ep,) = inv.of_kind(ResourceKind.ENDPOINT)  # a full scan also lists the account
    assert isinstance(ep, Endpoint) and ep.is_async
    assert inv.series(ep, "Invocations") == []  # async endpoints never publish it
    processed = {s.metric: s for s in inv.series(ep, "InvocationsProcessed")}
    assert set(processed) == {"InvocationsProcessed", "InvocationsProcesssed"}
    real = processed["InvocationsProcessed"]
    assert (real.namespace, real.stat) == ("AWS/SageMaker", "Sum")
    assert real.dimensions == {"EndpointName": "queue", "VariantName": "AllTraffic"}
    assert real.values == [40.0, 12.0] and real.timestamps == [t0, t0 + HOUR]
    assert processed["InvocationsProcesssed"].readable
    assert processed["InvocationsProcesssed"].values == []
    (backlog,) = inv.series(ep, "ApproximateBacklogSize")
    assert (backlog.dimensions, backlog.stat, backlog.values) == (
        {"EndpointName": "queue"},
        "Maximum",
        [7.0],
    )
    assert inv.errors == []


def test_traffic_of_a_replaced_variant_is_read_as_an_extra_invocations_series(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    """Blue/green: redeployed with variant AllTraffic; yesterday's traffic went to 'blue'."""
    make_endpoints(session, "us-east-1", ["bg", "other"])
    t0 = NOW.replace(minute=0) - 30 * HOUR
    cloudwatch.put(
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("EndpointName", "bg"), ("VariantName", "blue")],
        {t0: 500.0, t0 + HOUR: 20.0},
    )
    cloudwatch.put(  # the current variant: listed too, but must not be queried twice
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("EndpointName", "bg"), ("VariantName", "AllTraffic")],
        {t0: 0.0},
    )
    cloudwatch.put(  # an inference-component series: not a variant series, ignored
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("InferenceComponentName", "ic-1"), ("EndpointName", "bg")],
        {t0: 3.0},
    )
    cloudwatch.put(  # another endpoint's old variant: not bg's
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("EndpointName", "gone"), ("VariantName", "blue")],
        {t0: 9.0},
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    by_id = {r.id: r for r in inv.resources}
    series = {s.dimensions["VariantName"]: s for s in inv.series(by_id["bg"], "Invocations")}
    assert set(series) == {"AllTraffic", "blue"}
    assert series["blue"].dimensions == {"EndpointName": "bg", "VariantName": "blue"}
    assert (series["blue"].values, series["blue"].stat) == ([500.0, 20.0], "Sum")
    assert series["AllTraffic"].values == [0.0]
    assert [s.dimensions["VariantName"] for s in inv.series(by_id["other"], "Invocations")] == [
        "AllTraffic"
    ]
    listings = [p["ListMetrics"] for _, p in cloudwatch.requests if "ListMetrics" in p]
    firsts = [p for p in listings if "NextToken" not in p]
    # one listing for the region (paginated: 4 metrics at 2 per page), no RecentlyActive
    assert firsts == [{"Namespace": "AWS/SageMaker", "MetricName": "Invocations"}]
    assert len(listings) == 2
    assert inv.errors == []


def test_when_replaced_variants_cannot_be_listed_each_endpoint_gets_an_error_series(
    session: boto3.Session,
) -> None:
    def deny_sagemaker_namespace(region: str, params: dict[str, Any]) -> None:
        if params.get("Namespace") == "AWS/SageMaker":
            raise AwsError("AccessDenied", "not allowed: cloudwatch:ListMetrics", 403)

    answer(session, "cloudwatch", "ListMetrics", deny_sagemaker_namespace)  # before the fake
    cw = FakeCloudWatch().attach(session)
    make_endpoints(session, "us-east-1", ["quiet"])
    cw.put(
        "us-east-1",
        "AWS/SageMaker",
        "Invocations",
        [("EndpointName", "quiet"), ("VariantName", "AllTraffic")],
        {NOW - 5 * HOUR: 0.0},
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (ep,) = inv.of_kind(ResourceKind.ENDPOINT)  # a full scan also lists the account
    calls = inv.series(ep, "Invocations")
    assert sorted(s.status for s in calls) == [SeriesStatus.ERROR, SeriesStatus.OK]
    (bad,) = [s for s in calls if not s.readable]
    assert bad.dimensions == {"EndpointName": "quiet", "VariantName": "AllTraffic"}
    assert "ListMetrics failed" in (bad.error or "") and "AccessDenied" in (bad.error or "")
    assert [(e.service, e.operation) for e in inv.errors] == [("cloudwatch", "ListMetrics")]


class _OnePage:
    def __init__(self, page: dict[str, Any]) -> None:
        self.page = page

    def get_metric_data(self, **_: Any) -> dict[str, Any]:
        return self.page


def test_a_query_never_answered_is_an_error_not_an_empty_series() -> None:
    q = MetricQuery(
        "k",
        "Invocations",
        "AWS/SageMaker",
        "Invocations",
        (("EndpointName", "e"), ("VariantName", "v")),
        "Sum",
    )
    t0 = NOW - 2 * HOUR
    client = _OnePage(
        {
            "MetricDataResults": [
                {"Id": "q0", "Timestamps": [t0], "Values": [4.0], "StatusCode": "Complete"}
            ]
        }
    )
    result = fetch_batch(client, [(0, q), (1, q)], NOW - 3 * HOUR, NOW)
    assert 0 not in result.errors
    assert result.errors[1] == "GetMetricData: no result returned"
    (_, answered), (_, missing) = assemble([q, q], [result])
    assert answered.readable and answered.values == [4.0]
    assert missing.status is SeriesStatus.ERROR and missing.values == []


def test_variants_without_a_model_are_marked_as_inference_component_variants(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    _fake_endpoint(
        session,
        "ic",
        [
            {  # inference components: the config names no model, only capacity
                "VariantName": "shared",
                "InitialInstanceCount": 2,
                "InstanceType": "ml.g5.12xlarge",
                "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 1},
                "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
            },
            {
                "VariantName": "classic",
                "ModelName": "m",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            },
            {
                "VariantName": "sls",
                "ModelName": "small",
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
            },
        ],
        [
            _current("shared", 2),
            _current("classic", 1),
            {
                "VariantName": "sls",
                "CurrentServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
            },
        ],
        ExecutionRoleArn=ROLE,
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (ep,) = inv.of_kind(ResourceKind.ENDPOINT)  # a full scan also lists the account
    assert isinstance(ep, Endpoint)
    assert {v.name: v.uses_inference_components for v in ep.variants} == {
        "shared": True,
        "classic": False,
        "sls": False,
    }


def test_autoscaling_targets_are_read_once_per_region_and_attached_to_variants(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    make_endpoints(session, "us-east-1", ["scaled", "fixed"])
    aas = session.client("application-autoscaling", region_name="us-east-1")
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/scaled/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=4,
    )
    counter = CallCounter().attach(session)

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    by_id = {r.id: r for r in inv.resources}
    (scaled,) = by_id["scaled"].variants  # type: ignore[attr-defined]
    (fixed,) = by_id["fixed"].variants  # type: ignore[attr-defined]
    assert scaled.autoscaling == {"MinCapacity": 1, "MaxCapacity": 4}
    assert fixed.autoscaling == {}  # read, and no scalable target
    assert counter.counts["application-auto-scaling.DescribeScalableTargets"] == 1
    assert inv.errors == []


def test_an_unreadable_autoscaling_listing_leaves_targets_unknown_and_is_reported(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    make_endpoints(session, "us-east-1", ["e"])

    def deny(region: str, params: dict[str, Any]) -> None:
        assert params == {"ServiceNamespace": "sagemaker"}
        raise AwsError("AccessDeniedException", "no application-autoscaling:Describe*")

    answer(session, "application-autoscaling", "DescribeScalableTargets", deny)

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (ep,) = inv.of_kind(ResourceKind.ENDPOINT)  # a full scan also lists the account
    assert [v.autoscaling for v in ep.variants] == [None]  # type: ignore[attr-defined]
    assert [(e.service, e.operation) for e in inv.errors] == [
        ("application-autoscaling", "DescribeScalableTargets")
    ]


def test_no_endpoints_means_no_autoscaling_or_invocations_listing(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    counter = CallCounter().attach(session)
    collect_inventory(["us-east-1"], 7, session=session, now=NOW)
    assert "application-auto-scaling.DescribeScalableTargets" not in counter.counts
    assert "cloudwatch.ListMetrics" not in counter.counts


def test_shadow_variants_and_provisioned_serverless_capacity_are_read(
    session: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    name = "shadowed"
    warm_config = {"MemorySizeInMB": 2048, "MaxConcurrency": 10, "ProvisionedConcurrency": 4}
    current = [
        _current("prod", 2),
        {"VariantName": "warm", "CurrentServerlessConfig": warm_config},
    ]
    _fake_endpoint(
        session,
        name,
        [
            {"VariantName": "prod", "ModelName": "m", "InstanceType": "ml.m5.xlarge"},
            {
                "VariantName": "warm",
                "ModelName": "m",
                "ServerlessConfig": {
                    "MemorySizeInMB": 2048,
                    "MaxConcurrency": 10,
                    "ProvisionedConcurrency": 4,
                },
            },
        ],
        current,
        endpoint_extra={"ShadowProductionVariants": [_current("challenger", 1)]},
        ShadowProductionVariants=[
            {"VariantName": "challenger", "ModelName": "m2", "InstanceType": "ml.g5.xlarge"}
        ],
    )

    inv = collect_inventory(["us-east-1"], 7, session=session, now=NOW)

    (ep,) = inv.of_kind(ResourceKind.ENDPOINT)  # a full scan also lists the account
    assert isinstance(ep, Endpoint)
    by_name = {v.name: v for v in ep.variants}
    assert (by_name["challenger"].shadow, by_name["challenger"].instance_type) == (
        True,
        "ml.g5.xlarge",
    )
    assert by_name["challenger"].instance_count == 1
    assert by_name["warm"].serverless_provisioned_concurrency == 4
    assert not by_name["prod"].shadow
    # the shadow variant's traffic and utilisation are read like the others'
    assert {s.dimensions["VariantName"] for s in inv.series(ep, "Invocations")} == {
        "prod",
        "warm",
        "challenger",
    }
    assert "challenger" in {s.dimensions["VariantName"] for s in inv.series(ep, "GPUUtilization")}
