"""Test doubles for the live-source tests: answers hooked into botocore's events, and a small
CloudWatch fake.

Why a CloudWatch fake: stock moto reads metrics slowly and matches dimensions by order
(/work/shared/MOTO.md), which would make these tests minutes long and hide the very bug
(b) guards against. The fake answers ``GetMetricData`` and ``ListMetrics`` with CloudWatch's
semantics: dimensions are a set, 500 queries at most, ``NextToken`` with ``PartialData``.
Requests still pass botocore's parameter validation (the hook runs after it), and every
faked response is validated against the operation's output shape, as Stubber does.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


class AwsError(Exception):
    """Raise from an answer function to make the call fail like AWS does."""

    def __init__(self, code: str, message: str = "denied", status: int = 400) -> None:
        super().__init__(code)
        self.code, self.message, self.status = code, message, status


def _stash_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    # the same context dict reaches before-call: keep the API-level parameters for answers
    context["api_params"] = copy.deepcopy(params)


def answer(
    session: boto3.Session,
    service: str,
    operation: str,
    fn: Callable[[str, dict[str, Any]], dict[str, Any] | None],
) -> None:
    """Answer ``service.operation`` with ``fn(region, params)``.

    ``fn`` returns a response dict (AWS's shape), None to let the call through to moto, or
    raises AwsError. Register before creating clients.
    """

    def handler(context: dict[str, Any], model: Any, **_: Any) -> Any:
        region = context["client_region"]
        try:
            parsed = fn(region, context.get("api_params", {}))
        except AwsError as err:
            body = {
                "Error": {"Code": err.code, "Message": err.message},
                "ResponseMetadata": {"HTTPStatusCode": err.status},
            }
            return AWSResponse("https://fake", err.status, {}, None), body
        if parsed is None:
            return None
        # hold the fake to AWS's response shape, as botocore's Stubber does
        report = ParamValidator().validate(parsed, model.output_shape)
        if report.has_errors():
            raise AssertionError(f"fake {service}.{operation} response: {report.generate_report()}")
        parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200})
        return AWSResponse("https://fake", 200, {}, None), parsed

    session.events.register("before-parameter-build", _stash_params)
    session.events.register(f"before-call.{service}.{operation}", handler)


def deny_search(session: boto3.Session) -> None:
    """Refuse sagemaker:Search, as a role without it does: the scan then reads endpoints
    and training jobs with List + Describe + ListTags (the fakes those tests answer)."""

    def denied(region: str, params: dict[str, Any]) -> None:
        raise AwsError(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/scan is not authorized to perform: "
            "sagemaker:Search because no identity-based policy allows the sagemaker:Search "
            "action",
        )

    answer(session, "sagemaker", "Search", denied)


class FakeCloudWatch:
    """GetMetricData / ListMetrics over an in-memory index keyed by the *set* of dimensions."""

    def __init__(self, page_size: int | None = None) -> None:
        #: (region, namespace, metric, frozenset(dims)) -> {timestamp: value}
        self.data: dict[tuple[str, str, str, frozenset[tuple[str, str]]], dict[datetime, float]]
        self.data = {}
        #: the order ListMetrics reports each metric's dimensions in
        self.listed_order: dict[tuple[str, str, str, frozenset[tuple[str, str]]], list] = {}
        self.page_size = page_size  # datapoints per series per page (forces NextToken)
        self.requests: list[tuple[str, dict[str, Any]]] = []  # (region, params) per call
        self.fail: Callable[[str, dict[str, Any]], AwsError | None] = lambda r, p: None
        #: (region, query id) -> StatusCode to report instead of Complete
        self.status_override: Callable[[str, dict[str, Any]], str | None] = lambda r, q: None
        self._lock = threading.Lock()

    def put(
        self,
        region: str,
        namespace: str,
        metric: str,
        dimensions: list[tuple[str, str]],
        points: dict[datetime, float],
    ) -> None:
        key = (region, namespace, metric, frozenset(dimensions))
        self.data.setdefault(key, {}).update(points)
        self.listed_order[key] = list(dimensions)

    def attach(self, session: boto3.Session) -> FakeCloudWatch:
        answer(session, "cloudwatch", "GetMetricData", self._get_metric_data)
        answer(session, "cloudwatch", "ListMetrics", self._list_metrics)
        return self

    def get_calls(self, region: str | None = None) -> list[dict[str, Any]]:
        """GetMetricData first pages only (no NextToken): one per batch x sub-window."""
        return [
            p
            for r, p in self.requests
            if (region is None or r == region) and "MetricDataQueries" in p and "NextToken" not in p
        ]

    def _get_metric_data(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests.append((region, params))
        queries = params["MetricDataQueries"]
        if len(queries) > 500:
            raise AwsError(
                "ValidationError",
                "The collection MetricDataQueries must not have a size greater than 500.",
            )
        err = self.fail(region, params)
        if err:
            raise err
        offset = int(params.get("NextToken", "0"))
        more = False
        results = []
        for q in queries:
            stat = q["MetricStat"]
            metric = stat["Metric"]
            key = (
                region,
                metric["Namespace"],
                metric["MetricName"],
                frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", [])),
            )
            pts = sorted(
                (ts, v)
                for ts, v in self.data.get(key, {}).items()
                if params["StartTime"] <= ts < params["EndTime"]
            )
            page = pts[offset : offset + self.page_size] if self.page_size else pts[offset:]
            partial = self.page_size is not None and offset + self.page_size < len(pts)
            more = more or partial
            code = self.status_override(region, q) or ("PartialData" if partial else "Complete")
            results.append(
                {
                    "Id": q["Id"],
                    "Label": metric["MetricName"],
                    "Timestamps": [ts for ts, _ in page],
                    "Values": [v for _, v in page],
                    "StatusCode": code,
                }
            )
        out: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
        if more:
            out["NextToken"] = str(offset + (self.page_size or 0))
        return out

    def _list_metrics(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests.append((region, {"ListMetrics": params}))
        metrics = [
            {
                "Namespace": ns,
                "MetricName": name,
                "Dimensions": [{"Name": n, "Value": v} for n, v in self.listed_order[key]],
            }
            for key in self.data
            for (r, ns, name, _dims) in [key]
            if r == region
            and ns == params.get("Namespace", ns)
            and name == params.get("MetricName", name)
        ]
        # two pages, like CloudWatch's 500-per-page listing, to exercise the paginator
        start = int(params.get("NextToken", "0"))
        page, rest = metrics[start : start + 2], metrics[start + 2 :]
        out: dict[str, Any] = {"Metrics": page}
        if rest:
            out["NextToken"] = str(start + 2)
        return out


def make_endpoints(
    session: boto3.Session,
    region: str,
    names: list[str],
    instance_type: str = "ml.m5.large",
    count: int = 1,
    config: str = "shared-config",
) -> None:
    """Endpoints on moto sharing one model and one endpoint config (variant "AllTraffic")."""
    sm = session.client("sagemaker", region_name=region)
    sm.create_model(ModelName="model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "model",
                "InitialInstanceCount": count,
                "InstanceType": instance_type,
            }
        ],
    )
    for name in names:
        sm.create_endpoint(EndpointName=name, EndpointConfigName=config)


def make_training_job(sm: Any, name: str, instance_type: str = "ml.p3.2xlarge") -> None:
    """One training job on moto (moto completes it at once)."""
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "img:1", "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": instance_type, "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
