"""Plan and read the metric series of a region's resources with batched GetMetricData.

Why this shape: CloudWatch bills per metric requested and throttles per call, and a real
account has thousands of endpoint variants. So every series of a region is one query in a
``GetMetricData`` call of at most 500 queries, never one call per resource per metric.
One call may return at most 100,800 datapoints, so the lookback is cut into sub-windows of
at most floor(100800 / 500) = 201 hourly periods: calls = ceil(queries / 500) x sub-windows.

Agent and GPU metrics exist only where something publishes them, so they are discovered
with one ``ListMetrics`` (paginated) per region and namespace, and exactly the listed
dimension sets are queried. Labels, namespaces and dimensions follow docs/CONTRACTS.md.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mlcost.model import (
    Ec2Instance,
    Endpoint,
    MetricSeries,
    NotebookInstance,
    Resource,
    SeriesStatus,
)

PERIOD_S = 3600
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
#: Periods per sub-window so that a full call of 500 queries fits one response.
MAX_PERIODS_PER_CALL = MAX_DATAPOINTS_PER_CALL // MAX_QUERIES_PER_CALL  # 201

SAGEMAKER_NAMESPACE = "AWS/SageMaker"
#: Application Auto Scaling's dimension for an endpoint variant's instance count.
VARIANT_SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
CWAGENT_NAMESPACE = "CWAgent"
CWAGENT_GPU_METRIC = "nvidia_smi_utilization_gpu"
AGENT_NAMESPACE = "MLCost/Agent"
#: MLCost/Agent metric -> our label
AGENT_METRICS = {
    "Busy": "AgentBusy",
    "IdleSeconds": "AgentIdleSeconds",
    "GPUUtilization": "AgentGPUUtilization",
}

#: Endpoint variant series: (label, namespace, metric, stat, only on GPU instance types)
ENDPOINT_METRICS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("Invocations", "AWS/SageMaker", "Invocations", "Sum", False),
    ("CPUUtilization", "/aws/sagemaker/Endpoints", "CPUUtilization", "Maximum", False),
    ("MemoryUtilization", "/aws/sagemaker/Endpoints", "MemoryUtilization", "Maximum", False),
    ("GPUUtilization", "/aws/sagemaker/Endpoints", "GPUUtilization", "Maximum", True),
    ("GPUMemoryUtilization", "/aws/sagemaker/Endpoints", "GPUMemoryUtilization", "Maximum", True),
)

#: Asynchronous endpoints publish no ``Invocations`` (async-inference-monitor.html); their
#: traffic is the processed count per variant and the queue per endpoint. The processed
#: count is published as ``InvocationsProcessed``; AWS's metric table spells it
#: ``InvocationsProcesssed``. Both spellings are queried under one label (a name CloudWatch
#: does not have reads as an empty series, at the price of one query), so neither a doc typo
#: nor its later correction can make a busy endpoint look idle.
ASYNC_PROCESSED_LABEL = "InvocationsProcessed"
ASYNC_PROCESSED_METRICS = ("InvocationsProcessed", "InvocationsProcesssed")
ASYNC_BACKLOG_LABEL = "ApproximateBacklogSize"


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One series to read, and where its result belongs."""

    resource_key: str
    label: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str

    def request(self, query_id: str) -> dict[str, Any]:
        """The MetricDataQuery for this series (real GetMetricData shape)."""
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": PERIOD_S,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }

    def empty_series(self) -> MetricSeries:
        return MetricSeries(
            name=self.label,
            namespace=self.namespace,
            metric=self.metric,
            dimensions=dict(self.dimensions),
            stat=self.stat,
            period_s=PERIOD_S,
        )


@dataclass(slots=True)
class ListedMetrics:
    """Dimension sets found by ListMetrics, indexed by each of their dimensions.

    Indexed so that matching N resources against M listed metrics is O(N + M), not O(N x M).
    """

    #: (namespace, metric, dimension name, value) -> dimension sets containing that pair
    _by_pair: dict[tuple[str, str, str, str], list[tuple[tuple[str, str], ...]]] = field(
        default_factory=dict
    )
    #: (namespace, metric, sorted dimensions) -> the dimensions in the order ListMetrics gave
    _as_listed: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[tuple[str, str], ...]] = (
        field(default_factory=dict)
    )
    #: namespace -> error message when its ListMetrics failed
    failed: dict[str, str] = field(default_factory=dict)

    def add(self, namespace: str, metric: str, dimensions: Iterable[dict[str, str]]) -> None:
        """Record one listed metric (duplicates, which ListMetrics may return, are dropped).

        The dimensions keep the order ListMetrics gave; CloudWatch ignores order anyway.
        """
        dims = tuple((d["Name"], d["Value"]) for d in dimensions)
        key = (namespace, metric, tuple(sorted(dims)))
        if key in self._as_listed:
            return
        self._as_listed[key] = dims
        for name, value in dims:
            self._by_pair.setdefault((namespace, metric, name, value), []).append(dims)

    def as_listed(
        self, namespace: str, metric: str, dims: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[str, str], ...]:
        """``dims`` in the order ListMetrics listed the same set, or as given if not listed.

        CloudWatch matches dimensions as a set, but emulators and proxies have matched them
        by order (stock moto does): asking in the stored order can only find more, never a
        false "no datapoints" that would make a busy endpoint look idle.
        """
        return self._as_listed.get((namespace, metric, tuple(sorted(dims))), dims)

    def matching(
        self, namespace: str, metric: str, name: str, value: str
    ) -> list[tuple[tuple[str, str], ...]]:
        """Listed dimension sets of this metric that contain ``name=value``."""
        return list(self._by_pair.get((namespace, metric, name, value), []))


@functools.cache
def is_gpu_type(instance_type: str | None) -> bool:
    """Whether SageMaker publishes GPUUtilization for this type: NVIDIA GPUs only.

    Inferentia/Trainium (Neuron) instances publish no GPU metrics; querying them would give
    an empty "ok" series that a check could misread as an idle GPU. Asks the price
    catalogue's specs first; falls back to the family letter (g*, p*) when the catalogue
    does not know the type.
    """
    if not instance_type:
        return False
    try:
        from mlcost.pricing import catalogue

        spec = catalogue.spec(instance_type)
        return spec.gpu_count > 0 and spec.accelerator == "nvidia"
    except (NotImplementedError, LookupError, ValueError, OSError):
        family = instance_type.removeprefix("ml.").split(".")[0]
        return family[:1] in {"g", "p"}


def plan_queries(resources: Iterable[Resource], listed: ListedMetrics) -> list[MetricQuery]:
    """Every series the checks need for these resources (docs/CONTRACTS.md table).

    Agent and CWAgent series are planned only for the dimension sets ListMetrics found.
    """
    queries: list[MetricQuery] = []
    for r in resources:
        if isinstance(r, Endpoint):
            queries.extend(_endpoint_queries(r, listed))
        elif isinstance(r, Ec2Instance):
            queries.append(
                MetricQuery(
                    r.key,
                    "CPUUtilization",
                    "AWS/EC2",
                    "CPUUtilization",
                    (("InstanceId", r.id),),
                    "Maximum",
                )
            )
            for dims in listed.matching(CWAGENT_NAMESPACE, CWAGENT_GPU_METRIC, "InstanceId", r.id):
                queries.append(
                    MetricQuery(
                        r.key,
                        "GPUUtilization",
                        CWAGENT_NAMESPACE,
                        CWAGENT_GPU_METRIC,
                        dims,
                        "Maximum",
                    )
                )
            queries.extend(_agent_queries(r, "InstanceId", listed))
        elif isinstance(r, NotebookInstance):
            queries.extend(_agent_queries(r, "NotebookInstanceName", listed))
    return queries


def _endpoint_queries(r: Endpoint, listed: ListedMetrics) -> list[MetricQuery]:
    """Per-variant series, async traffic series, and Invocations of replaced variants."""
    out: list[MetricQuery] = []
    current = {v.name for v in r.variants}
    for v in r.variants:
        dims = (("EndpointName", r.id), ("VariantName", v.name))
        serverless = v.instance_type is None and v.serverless_memory_mb is not None
        for label, namespace, metric, stat, gpu_only in ENDPOINT_METRICS:
            if label == "Invocations" and r.is_async:
                continue  # never published for async endpoints: an empty series would lie
            if namespace != SAGEMAKER_NAMESPACE and serverless:
                continue  # serverless variants publish no instance utilisation
            if gpu_only and not is_gpu_type(v.instance_type):
                continue
            query_dims = listed.as_listed(namespace, metric, dims)
            out.append(MetricQuery(r.key, label, namespace, metric, query_dims, stat))
        if r.is_async:
            for metric in ASYNC_PROCESSED_METRICS:
                out.append(
                    MetricQuery(
                        r.key, ASYNC_PROCESSED_LABEL, SAGEMAKER_NAMESPACE, metric, dims, "Sum"
                    )
                )
    if r.is_async:
        out.append(
            MetricQuery(
                r.key,
                ASYNC_BACKLOG_LABEL,
                SAGEMAKER_NAMESPACE,
                "ApproximateBacklogSize",
                (("EndpointName", r.id),),
                "Maximum",
            )
        )
    # variants replaced by a redeploy: their traffic is under the old VariantName
    for dims in listed.matching(SAGEMAKER_NAMESPACE, "Invocations", "EndpointName", r.id):
        names = dict(dims)
        if set(names) != {"EndpointName", "VariantName"} or names["VariantName"] in current:
            continue
        out.append(
            MetricQuery(r.key, "Invocations", SAGEMAKER_NAMESPACE, "Invocations", dims, "Sum")
        )
    return out


def _agent_queries(r: Resource, dimension: str, listed: ListedMetrics) -> list[MetricQuery]:
    out = []
    for metric, label in AGENT_METRICS.items():
        for dims in listed.matching(AGENT_NAMESPACE, metric, dimension, r.id):
            out.append(MetricQuery(r.key, label, AGENT_NAMESPACE, metric, dims, "Maximum"))
    return out


def unreadable_series(
    resources: Iterable[Resource], listed: ListedMetrics
) -> list[tuple[str, MetricSeries]]:
    """Error series for labels whose discovery (ListMetrics) failed.

    Why: without them a check would see "no agent series" and could not tell "no agent
    installed" from "could not look".
    """
    out: list[tuple[str, MetricSeries]] = []
    for r in resources:
        if isinstance(r, Endpoint) and SAGEMAKER_NAMESPACE in listed.failed:
            # replaced variants could not be looked for: one error Invocations series per
            # current variant, so no check reads "no traffic" from the current ones alone
            message = listed.failed[SAGEMAKER_NAMESPACE]
            for v in r.variants or [None]:
                dims = {"EndpointName": r.id}
                if v is not None:
                    dims["VariantName"] = v.name
                out.append(
                    (
                        r.key,
                        MetricSeries(
                            name="Invocations",
                            namespace=SAGEMAKER_NAMESPACE,
                            metric="Invocations",
                            dimensions=dims,
                            stat="Sum",
                            period_s=PERIOD_S,
                            status=SeriesStatus.ERROR,
                            error=f"ListMetrics failed: {message}",
                        ),
                    )
                )
        wanted: list[tuple[str, str, str, str]] = []
        if isinstance(r, Ec2Instance):
            wanted.append((CWAGENT_NAMESPACE, CWAGENT_GPU_METRIC, "GPUUtilization", "InstanceId"))
        if isinstance(r, Ec2Instance | NotebookInstance):
            dim = "InstanceId" if isinstance(r, Ec2Instance) else "NotebookInstanceName"
            wanted += [(AGENT_NAMESPACE, m, label, dim) for m, label in AGENT_METRICS.items()]
        for namespace, metric, label, dim in wanted:
            message = listed.failed.get(namespace)
            if message is None:
                continue
            out.append(
                (
                    r.key,
                    MetricSeries(
                        name=label,
                        namespace=namespace,
                        metric=metric,
                        dimensions={dim: r.id},
                        stat="Maximum",
                        period_s=PERIOD_S,
                        status=SeriesStatus.ERROR,
                        error=f"ListMetrics failed: {message}",
                    ),
                )
            )
    return out


def sub_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Cut [start, end) into windows of at most 201 hourly periods.

    ``start`` is first aligned down to the hour so periods fall on CloudWatch's hour marks.
    """
    start = start.replace(minute=0, second=0, microsecond=0)
    if end <= start:
        return []
    step = timedelta(seconds=PERIOD_S * MAX_PERIODS_PER_CALL)
    windows = []
    cursor = start
    while cursor < end:
        stop = min(cursor + step, end)
        windows.append((cursor, stop))
        cursor = stop
    return windows


def batches(queries: Sequence[MetricQuery]) -> Iterator[list[MetricQuery]]:
    """Consecutive chunks of at most 500 queries."""
    for i in range(0, len(queries), MAX_QUERIES_PER_CALL):
        yield list(queries[i : i + MAX_QUERIES_PER_CALL])


def call_count(n_queries: int, n_windows: int) -> int:
    """GetMetricData calls (without NextToken follow-ups) a read of n_queries takes."""
    return math.ceil(n_queries / MAX_QUERIES_PER_CALL) * n_windows


@dataclass(slots=True)
class BatchResult:
    """One batch x sub-window: datapoints by query index, or the call's failure."""

    points: dict[int, list[tuple[datetime, float]]]
    errors: dict[int, str]
    call_error: str | None = None


def fetch_batch(
    client: Any, batch: Sequence[tuple[int, MetricQuery]], start: datetime, end: datetime
) -> BatchResult:
    """One GetMetricData call (and its NextToken pages) for up to 500 queries.

    Query ids are ``q<index>`` - valid CloudWatch ids (``^[a-z][a-zA-Z0-9_]*$``) that map
    back to the query. A series whose last page still says PartialData, or that reports
    InternalError/Forbidden, is an error: its datapoints are incomplete.
    Exceptions from the call propagate (the caller records them).
    """
    if len(batch) > MAX_QUERIES_PER_CALL:
        raise ValueError(f"{len(batch)} queries in one GetMetricData call (max 500)")
    by_id = {f"q{index}": index for index, _ in batch}
    request: dict[str, Any] = {
        "MetricDataQueries": [q.request(f"q{index}") for index, q in batch],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    points: dict[int, list[tuple[datetime, float]]] = {index: [] for index, _ in batch}
    status: dict[int, str] = {}
    messages: dict[int, str] = {}
    seen_tokens: set[str] = set()
    # The 500 series of a batch share the same hourly timestamps; keep one datetime object
    # per instant instead of one per datapoint (a 2,000-endpoint scan holds millions).
    canonical: dict[datetime, datetime] = {}
    while True:
        response = client.get_metric_data(**request)
        for result in response.get("MetricDataResults", []):
            index = by_id.get(result.get("Id", ""))
            if index is None:
                continue
            stamps = [canonical.setdefault(t, t) for t in result.get("Timestamps", [])]
            points[index].extend(zip(stamps, result.get("Values", []), strict=False))
            code = result.get("StatusCode", "Complete")
            if status.get(index) not in {"InternalError", "Forbidden"}:
                status[index] = code
            if result.get("Messages"):
                messages[index] = "; ".join(
                    f"{m.get('Code', '')}: {m.get('Value', '')}" for m in result["Messages"]
                )
        token = response.get("NextToken")
        if not token or token in seen_tokens:
            break
        seen_tokens.add(token)
        request["NextToken"] = token
    errors = {
        index: f"GetMetricData StatusCode {code}"
        + (f" ({messages[index]})" if index in messages else "")
        for index, code in status.items()
        if code != "Complete"
    }
    # an id absent from every page was never answered: unknown, not "no datapoints"
    for index, _ in batch:
        if index not in status:
            errors[index] = "GetMetricData: no result returned"
    return BatchResult(points=points, errors=errors)


def assemble(
    queries: Sequence[MetricQuery], results: Iterable[BatchResult]
) -> list[tuple[str, MetricSeries]]:
    """Merge every sub-window's datapoints into one series per query, oldest first.

    A query is an error if any of its calls failed: a partial read must not look like a
    quiet resource.
    """
    series = [q.empty_series() for q in queries]
    points: list[list[tuple[datetime, float]]] = [[] for _ in queries]
    for result in results:
        for index, pts in result.points.items():
            points[index].extend(pts)
        for index, message in result.errors.items():
            series[index].status = SeriesStatus.ERROR
            series[index].error = message
    for s, pts in zip(series, points, strict=True):
        if s.status is SeriesStatus.ERROR:
            continue
        merged = dict(pts)  # sub-windows do not overlap; keep the last value per timestamp
        for ts in sorted(merged):
            s.timestamps.append(ts)
            s.values.append(float(merged[ts]))
    return [(q.resource_key, s) for q, s in zip(queries, series, strict=True)]
