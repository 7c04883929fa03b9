"""Route moto's CloudWatch metric calls through :mod:`mlcost.demo.cw_index`.

Patched on moto's response class, so the fix holds both in-process (``mock_aws``) and in
``ThreadedMotoServer`` (which runs in the same process). ``PutMetricData`` still reaches
moto's own store too, so alarms keep working on put data; ``GetMetricStatistics`` is
answered from the index like ``GetMetricData``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from mlcost.demo.cw_index import MetricIndex, get_metric_data, to_epoch

_ATTR = "_mlcost_metric_index"


def index_for(account_id: str, region: str) -> MetricIndex:
    """The index of one account and region, living on moto's backend (reset with it)."""
    backend = cloudwatch_backends[account_id][region]
    index = backend.__dict__.get(_ATTR)
    if index is None:
        index = backend.__dict__.setdefault(_ATTR, MetricIndex())
    return index


def _put_metric_data(self: CloudWatchResponse) -> ActionResult:
    namespace = self._get_param("Namespace")
    metric_data = self._get_param("MetricData", [])
    # moto validates the request and keeps its own copy (alarms, GetMetricStatistics).
    result = _ORIGINALS["put_metric_data"](self)
    index = index_for(self.current_account, self.region)
    now = datetime.now(UTC).timestamp()
    for datum in metric_data:
        ts = to_epoch(datum["Timestamp"]) if datum.get("Timestamp") else now
        dims = datum.get("Dimensions") or []
        name = datum["MetricName"]
        unit = datum.get("Unit")
        if datum.get("Values"):
            values = [float(v) for v in datum["Values"]]
            counts = [float(c) for c in (datum.get("Counts") or [1] * len(values))]
            index.add_stats(
                namespace,
                name,
                dims,
                [ts] * len(values),
                [v * c for v, c in zip(values, counts, strict=True)],
                values,
                values,
                counts,
                unit,
            )
        elif datum.get("StatisticValues"):
            s = datum["StatisticValues"]
            index.add_stats(
                namespace,
                name,
                dims,
                [ts],
                [float(s["Sum"])],
                [float(s["Minimum"])],
                [float(s["Maximum"])],
                [float(s["SampleCount"])],
                unit,
            )
        else:
            v = float(datum.get("Value", 0))
            index.add_stats(namespace, name, dims, [ts], [v], [v], [v], [1.0], unit)
    return result


def _get_metric_data(self: CloudWatchResponse) -> ActionResult:
    params = self._get_params()
    queries = params.get("MetricDataQueries", [])
    if any("Expression" in q for q in queries):
        return _ORIGINALS["get_metric_data"](self)
    results, token = get_metric_data(
        index_for(self.current_account, self.region),
        queries,
        params["StartTime"],
        params["EndTime"],
        params.get("ScanBy"),
        params.get("NextToken"),
        params.get("MaxDatapoints"),
    )
    body: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if token:
        body["NextToken"] = token
    if _speaks_json(self):
        return _json_response(body)
    return ActionResult(body)


def _speaks_json(response: CloudWatchResponse) -> bool:
    """The client sent CloudWatch's JSON protocol (boto3 >= 1.36 does)."""
    return response.headers.get("Content-Type", "").startswith("application/x-amz-json")


def _json_response(body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    """The GetMetricData answer written straight as JSON 1.0 (timestamps as epoch seconds,
    as the protocol has them). Why: moto's generic serializer walks the output shape for
    every datapoint, about 6 us each, so a 100,000-datapoint answer cost the emulator half a
    second, time a scan on AWS never spends; benchmarks of the scanner's own work would
    measure the emulator instead."""
    for result in body["MetricDataResults"]:
        result["Timestamps"] = [t.timestamp() for t in result["Timestamps"]]
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body)


#: GetMetricStatistics answers at most this many datapoints (AWS's documented limit).
MAX_STATISTICS_DATAPOINTS = 1440


def _get_metric_statistics(self: CloudWatchResponse) -> ActionResult:
    """GetMetricStatistics from the index (stock moto scans every stored datapoint per call,
    which makes a per-resource scanner minutes slow at bench sizes), with CloudWatch's
    order-free dimensions and its 1,440-datapoint limit."""
    params = self._get_params()
    dims = params.get("Dimensions") or []
    stats = list(params.get("Statistics") or []) + list(params.get("ExtendedStatistics") or [])
    period = int(params["Period"])
    start, end = to_epoch(params["StartTime"]), to_epoch(params["EndTime"])
    if (end - start) / period > MAX_STATISTICS_DATAPOINTS:
        from moto.cloudwatch.exceptions import InvalidParameterCombination

        raise InvalidParameterCombination(
            f"You have requested up to {int((end - start) / period)} datapoints, which exceeds "
            f"the limit of {MAX_STATISTICS_DATAPOINTS}."
        )
    index = index_for(self.current_account, self.region)
    points: dict[float, dict[str, Any]] = {}
    for stat in stats:
        ts, values = index.query(
            params["Namespace"], params["MetricName"], dims, stat, period, start, end
        )
        for t, v in zip(ts, values, strict=True):
            point = points.setdefault(t, {"Timestamp": datetime.fromtimestamp(t, UTC)})
            if stat in ("Sum", "Average", "Maximum", "Minimum", "SampleCount"):
                point[stat] = v
            else:
                point.setdefault("ExtendedStatistics", {})[stat] = v
    body = {"Label": params["MetricName"], "Datapoints": [points[t] for t in sorted(points)]}
    if _speaks_json(self):  # as fast as GetMetricData's answer, so comparisons are fair
        for point in body["Datapoints"]:
            point["Timestamp"] = point["Timestamp"].timestamp()
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body)
    return ActionResult(body)


def _list_metrics(self: CloudWatchResponse) -> ActionResult:
    params = self._get_params()
    metrics, token = index_for(self.current_account, self.region).list_metrics(
        params.get("Namespace"),
        params.get("MetricName"),
        params.get("Dimensions"),
        params.get("NextToken"),
        params.get("RecentlyActive"),
    )
    body: dict[str, Any] = {"Metrics": metrics}
    if token:
        body["NextToken"] = token
    return ActionResult(body)


_ORIGINALS: dict[str, Any] = {}


def apply() -> None:
    """Install the index-backed handlers on moto's CloudWatch response class (idempotent)."""
    if _ORIGINALS:
        return
    for name, fn in (
        ("put_metric_data", _put_metric_data),
        ("get_metric_data", _get_metric_data),
        ("list_metrics", _list_metrics),
        ("get_metric_statistics", _get_metric_statistics),
    ):
        _ORIGINALS[name] = getattr(CloudWatchResponse, name)
        setattr(CloudWatchResponse, name, fn)
