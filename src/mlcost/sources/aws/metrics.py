"""Plan and read the metric series of a region's resources with batched GetMetricData.

Why this shape: CloudWatch bills per metric requested and throttles per call, and a real
account has thousands of endpoint variants. So every series of a region is one query in a
``GetMetricData`` call of at most 500 queries, never one call per resource per metric.
One call may return at most 100,800 datapoints, so either the whole lookback is read in
batches of floor(100800 / hours) queries, or it is cut into sub-windows of at most
floor(100800 / 500) = 201 hourly periods read in 500-query batches, whichever takes fewer
calls (:func:`read_plan`; the whole window when equal, so each metric is billed once).

Agent and GPU metrics exist only where something publishes them, so they are discovered
with one ``ListMetrics`` (paginated) per region and namespace, and exactly the listed
dimension sets are queried. Labels, namespaces and dimensions follow docs/CONTRACTS.md.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mlcost.model import MetricLabel, MetricSeries, Resource, ResourceKind, SeriesStatus
from mlcost.sources.aws.descriptors import Dims, SeriesSpec
from mlcost.sources.aws.kinds import (  # noqa: F401  (re-exported names of the contract)
    AGENT_METRICS,
    AGENT_NAMESPACE,
    ASYNC_PROCESSED_METRICS,
    CWAGENT_GPU_METRIC,
    CWAGENT_NAMESPACE,
    REGISTRY,
    SAGEMAKER_NAMESPACE,
    VARIANT_SCALABLE_DIMENSION,
    is_gpu_type,
)

PERIOD_S = 3600
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
#: Periods per sub-window so that a full call of 500 queries fits one response.
MAX_PERIODS_PER_CALL = MAX_DATAPOINTS_PER_CALL // MAX_QUERIES_PER_CALL  # 201

#: Which labels of which kinds to read; None: every series the kinds declare.
Labels = Mapping[ResourceKind, Collection[MetricLabel]] | None


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


def series_specs(kind: ResourceKind, labels: Labels = None) -> list[SeriesSpec]:
    """The series a kind declares, limited to the labels wanted for it."""
    spec = REGISTRY.get(kind)
    if spec is None:
        return []
    if labels is None:
        return list(spec.series)
    wanted = labels.get(kind, ())
    return [s for s in spec.series if s.label in wanted]


@dataclass(frozen=True, slots=True)
class Listing:
    """One ListMetrics to run: its parameters and the metric names it is for."""

    namespace: str
    params: dict[str, str]
    metrics: frozenset[str]


def listings(kinds: Iterable[ResourceKind], labels: Labels = None) -> list[Listing]:
    """One paginated ListMetrics per namespace with discovered series (for these kinds).

    With one metric name in a namespace the listing names it; with several it lists the
    namespace (one listing instead of one per metric).
    """
    by_namespace: dict[str, set[str]] = {}
    for kind in sorted(set(kinds)):
        for s in series_specs(kind, labels):
            if s.discovered:
                by_namespace.setdefault(s.namespace, set()).update(s.metrics)
    out = []
    for namespace, metrics in sorted(by_namespace.items()):
        params = {"Namespace": namespace}
        if len(metrics) == 1:
            params["MetricName"] = next(iter(metrics))
        out.append(Listing(namespace, params, frozenset(metrics)))
    return out


def plan_queries(
    resources: Iterable[Resource], listed: ListedMetrics, labels: Labels = None
) -> list[MetricQuery]:
    """Every series the checks need for these resources (docs/CONTRACTS.md table), as the
    kinds' descriptors declare them.

    Discovered series are planned only for the dimension sets ListMetrics found; fixed ones
    are asked in the order ListMetrics listed the same set, if it did.
    """
    queries: list[MetricQuery] = []
    for r in resources:
        for s in series_specs(r.kind, labels):
            for metric in s.metrics:
                for dims in _dimension_sets(s, r, metric, listed):
                    queries.append(MetricQuery(r.key, s.label, s.namespace, metric, dims, s.stat))
    return queries


def _dimension_sets(s: SeriesSpec, r: Resource, metric: str, listed: ListedMetrics) -> list[Dims]:
    if s.listed_by is not None:
        name, value = s.listed_by(r)
        found = listed.matching(s.namespace, metric, name, value)
        if s.keep_listed is not None:
            found = [d for d in found if s.keep_listed(r, d)]
        return found
    assert s.dimensions is not None
    return [listed.as_listed(s.namespace, metric, dims) for dims in s.dimensions(r)]


def unreadable_series(
    resources: Iterable[Resource], listed: ListedMetrics, labels: Labels = None
) -> list[tuple[str, MetricSeries]]:
    """Error series for labels whose discovery (ListMetrics) failed.

    Why: without them a check would see "no agent series" and could not tell "no agent
    installed" from "could not look".
    """
    out: list[tuple[str, MetricSeries]] = []
    if not listed.failed:
        return out
    for r in resources:
        for s in series_specs(r.kind, labels):
            if s.listed_by is None or s.namespace not in listed.failed:
                continue
            message = listed.failed[s.namespace]
            dim_sets = s.unreadable(r) if s.unreadable else [(s.listed_by(r),)]
            for dims in dim_sets:
                out.append(
                    (
                        r.key,
                        MetricSeries(
                            name=s.label,
                            namespace=s.namespace,
                            metric=s.metrics[0],
                            dimensions=dict(dims),
                            stat=s.stat,
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


def batches(queries: Sequence[Any], size: int = MAX_QUERIES_PER_CALL) -> Iterator[list[Any]]:
    """Consecutive chunks of at most ``size`` (<= 500) queries."""
    for i in range(0, len(queries), size):
        yield list(queries[i : i + size])


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """How a region's queries are read: batches of ``batch_size`` x ``windows``."""

    batch_size: int
    windows: list[tuple[datetime, datetime]]

    def calls(self, n_queries: int) -> int:
        return math.ceil(n_queries / self.batch_size) * len(self.windows) if n_queries else 0


def read_plan(n_queries: int, start: datetime, end: datetime) -> ReadPlan:
    """The fewest GetMetricData calls that keep every response within 100,800 datapoints.

    Either 500-query batches over sub-windows of <= 201 hours, or the whole window in
    smaller batches (floor(100,800 / hours) queries: 300 for 14 days). The whole window is
    taken when it needs no more calls, because CloudWatch bills every metric of every call:
    a query read over two sub-windows is billed twice (and serialised twice).
    """
    split = sub_windows(start, end)
    if len(split) <= 1:
        return ReadPlan(MAX_QUERIES_PER_CALL, split)
    whole = [(split[0][0], split[-1][1])]
    periods = math.ceil((whole[0][1] - whole[0][0]) / timedelta(seconds=PERIOD_S))
    size = MAX_DATAPOINTS_PER_CALL // periods
    if size >= 1:
        one = ReadPlan(size, whole)
        many = ReadPlan(MAX_QUERIES_PER_CALL, split)
        if one.calls(n_queries) <= many.calls(n_queries):
            return one
    return ReadPlan(MAX_QUERIES_PER_CALL, split)


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
        if s.status is SeriesStatus.ERROR or not pts:
            continue
        stamps = [t for t, _ in pts]
        if all(a < b for a, b in zip(stamps, stamps[1:], strict=False)):
            # one window read oldest first (ScanBy TimestampAscending): already in order
            s.timestamps = stamps
            s.values = [float(v) for _, v in pts]
            continue
        merged = dict(pts)  # sub-windows do not overlap; keep the last value per timestamp
        for ts in sorted(merged):
            s.timestamps.append(ts)
            s.values.append(float(merged[ts]))
    return [(q.resource_key, s) for q, s in zip(queries, series, strict=True)]
