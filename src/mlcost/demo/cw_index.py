"""A fast, CloudWatch-faithful metric store for the emulator.

Stock moto keeps every datapoint in one list and matches dimensions by *order*: reading
100 endpoints' hourly ``Invocations`` for 14 days takes ~40 s, and asking with the
dimensions in another order returns no series at all (a busy endpoint then looks idle,
the worst error mlcost can make). See /work/shared/MOTO.md.

This module keeps datapoints in an index keyed by
``(namespace, metric name, frozenset of dimensions)`` per moto CloudWatch backend (so
moto's reset clears it with the backend), and answers ``GetMetricData`` and
``ListMetrics`` with CloudWatch's rules:

* dimensions match as a set, not a list;
* ``ListMetrics`` lists each metric (dimension set) once, 500 per page, with ``NextToken``;
* ``GetMetricData`` accepts at most 500 queries, aggregates per ``Period`` (timestamps
  aligned to multiples of the period since the epoch), supports ``Sum``, ``Average``,
  ``Maximum``, ``Minimum``, ``SampleCount`` and ``pNN`` percentiles, ``ScanBy``,
  ``Label``, ``ReturnData``, ``MaxDatapoints`` and pages at 100,800 datapoints with
  ``NextToken`` (``StatusCode`` ``PartialData`` on a cut series, ``Complete`` otherwise).

Not implemented: metric math ``Expression`` queries (they fall back to moto's own
implementation, which only sees data put through ``PutMetricData``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from moto.core.exceptions import ServiceException

#: CloudWatch's documented limits.
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
LIST_METRICS_PAGE_SIZE = 500

SeriesKey = tuple[str, str, frozenset[tuple[str, str]]]

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100(?:\.0+)?)$")
_SIMPLE_STATS = ("Sum", "Average", "Maximum", "Minimum", "SampleCount")


class CloudWatchValidationError(ServiceException):
    """CloudWatch's 400 ``ValidationError`` (the Query/CBOR protocols' code for it)."""

    code = "ValidationError"


class InvalidNextToken(ServiceException):
    code = "InvalidNextToken"


class InvalidParameterValue(ServiceException):
    code = "InvalidParameterValue"


def to_epoch(value: Any) -> float:
    """Seconds since the epoch for a datetime (naive = UTC), number or ISO string."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return to_epoch(datetime.fromisoformat(value.replace("Z", "+00:00")))
    raise InvalidParameterValue(f"Cannot read timestamp {value!r}")


def dims_key(dimensions: Iterable[dict[str, str]] | dict[str, str] | None) -> frozenset:
    """The order-free identity of a dimension list, as CloudWatch treats it."""
    if not dimensions:
        return frozenset()
    if isinstance(dimensions, dict):
        return frozenset((str(k), str(v)) for k, v in dimensions.items())
    return frozenset((str(d["Name"]), str(d["Value"])) for d in dimensions)


@dataclass
class _Series:
    """One metric's datapoints; appended in chunks, sorted lazily on read."""

    unit: str | None = None
    _chunks: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    _ts: np.ndarray = field(default_factory=lambda: np.empty(0))
    _sum: np.ndarray = field(default_factory=lambda: np.empty(0))
    _min: np.ndarray = field(default_factory=lambda: np.empty(0))
    _max: np.ndarray = field(default_factory=lambda: np.empty(0))
    _cnt: np.ndarray = field(default_factory=lambda: np.empty(0))

    def add(
        self,
        ts: Sequence[float],
        sums: Sequence[float],
        mins: Sequence[float],
        maxs: Sequence[float],
        counts: Sequence[float],
    ) -> None:
        self._chunks.append(
            tuple(np.asarray(a, dtype=np.float64) for a in (ts, sums, mins, maxs, counts))
        )

    def arrays(self) -> tuple[np.ndarray, ...]:
        if self._chunks:
            parts = [(self._ts, self._sum, self._min, self._max, self._cnt), *self._chunks]
            cols = [np.concatenate([p[i] for p in parts]) for i in range(5)]
            order = np.argsort(cols[0], kind="stable")
            self._ts, self._sum, self._min, self._max, self._cnt = (c[order] for c in cols)
            self._chunks = []
        return self._ts, self._sum, self._min, self._max, self._cnt

    @property
    def last_ts(self) -> float | None:
        ts = self.arrays()[0]
        return float(ts[-1]) if len(ts) else None


class MetricIndex:
    """All series of one account and region, keyed by namespace, name and dimension set."""

    def __init__(self) -> None:
        self.series: dict[SeriesKey, _Series] = {}
        self.lock = threading.RLock()

    def add_points(
        self,
        namespace: str,
        metric: str,
        dimensions: Iterable[dict[str, str]] | dict[str, str] | None,
        timestamps: Sequence[Any],
        values: Sequence[float],
        unit: str | None = None,
    ) -> None:
        """Add raw values (each one sample)."""
        ts = np.fromiter((to_epoch(t) for t in timestamps), dtype=np.float64)
        vals = np.asarray(values, dtype=np.float64)
        if ts.shape != vals.shape:
            raise ValueError(
                f"timestamps ({len(ts)}) and values ({len(vals)}) must have the same length"
            )
        self.add_stats(
            namespace, metric, dimensions, ts, vals, vals, vals, np.ones_like(vals), unit
        )

    def add_stats(
        self,
        namespace: str,
        metric: str,
        dimensions: Iterable[dict[str, str]] | dict[str, str] | None,
        ts: Sequence[float],
        sums: Sequence[float],
        mins: Sequence[float],
        maxs: Sequence[float],
        counts: Sequence[float],
        unit: str | None = None,
    ) -> None:
        """Add pre-aggregated points (a ``StatisticValues`` set, or raw values with count 1)."""
        key = (namespace, metric, dims_key(dimensions))
        with self.lock:
            series = self.series.setdefault(key, _Series())
            series.add(ts, sums, mins, maxs, counts)
            if unit:
                series.unit = unit

    # ------------------------------------------------------------------ ListMetrics

    def list_metrics(
        self,
        namespace: str | None,
        metric_name: str | None,
        dimension_filters: list[dict[str, Any]] | None,
        next_token: str | None,
        recently_active: str | None = None,
        now: float | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One entry per metric (dimension set) matching every filter, 500 a page."""
        filters = [(f["Name"], f.get("Value")) for f in (dimension_filters or [])]
        cutoff = None
        if recently_active:
            if recently_active != "PT3H":
                raise InvalidParameterValue(
                    "The parameter RecentlyActive must be 'PT3H' (the only value CloudWatch accepts)."
                )
            cutoff = (now if now is not None else datetime.now(UTC).timestamp()) - 3 * 3600
        with self.lock:
            keys = sorted(self.series, key=lambda k: (k[0], k[1], sorted(k[2])))
            matched = []
            for key in keys:
                ns, name, dims = key
                if namespace and ns != namespace:
                    continue
                if metric_name and name != metric_name:
                    continue
                dmap = dict(dims)
                if any(n not in dmap or (v is not None and dmap[n] != v) for n, v in filters):
                    continue
                if cutoff is not None:
                    last = self.series[key].last_ts
                    if last is None or last < cutoff:
                        continue
                matched.append(key)
        start = _decode_token(next_token, "offset") if next_token else 0
        page = matched[start : start + LIST_METRICS_PAGE_SIZE]
        token = None
        if start + LIST_METRICS_PAGE_SIZE < len(matched):
            token = _encode_token({"offset": start + LIST_METRICS_PAGE_SIZE})
        metrics = [
            {
                "Namespace": ns,
                "MetricName": name,
                "Dimensions": [{"Name": n, "Value": v} for n, v in sorted(dims)],
            }
            for ns, name, dims in page
        ]
        return metrics, token

    # ------------------------------------------------------------------ GetMetricData

    def query(
        self,
        namespace: str,
        metric: str,
        dimensions: list[dict[str, str]] | None,
        stat: str,
        period: int,
        start: float,
        end: float,
        unit: str | None = None,
    ) -> tuple[list[float], list[float]]:
        """Aggregate one series per period over ``[start, end)``, ascending."""
        with self.lock:
            series = self.series.get((namespace, metric, dims_key(dimensions)))
            if series is None or (unit and series.unit and unit != series.unit):
                return [], []
            ts, sums, mins, maxs, cnts = series.arrays()
        lo, hi = np.searchsorted(ts, start, "left"), np.searchsorted(ts, end, "left")
        if lo >= hi:
            return [], []
        ts, sums, mins, maxs, cnts = (a[lo:hi] for a in (ts, sums, mins, maxs, cnts))
        buckets = np.floor(ts / period) * period
        uniq, first = np.unique(buckets, return_index=True)
        if stat == "Sum":
            out = np.add.reduceat(sums, first)
        elif stat == "SampleCount":
            out = np.add.reduceat(cnts, first)
        elif stat == "Average":
            out = np.add.reduceat(sums, first) / np.add.reduceat(cnts, first)
        elif stat == "Maximum":
            out = np.maximum.reduceat(maxs, first)
        elif stat == "Minimum":
            out = np.minimum.reduceat(mins, first)
        else:
            q = float(_PERCENTILE.match(stat).group(1))  # type: ignore[union-attr]
            # A statistic set has no distribution: its mean stands in for its samples.
            means = sums / cnts
            bounds = [*first.tolist(), len(means)]
            out = np.array(
                [np.percentile(means[bounds[i] : bounds[i + 1]], q) for i in range(len(first))]
            )
        return uniq.tolist(), out.tolist()


def validate_stat(stat: str, where: str) -> None:
    if stat in _SIMPLE_STATS or _PERCENTILE.match(stat):
        return
    raise CloudWatchValidationError(
        f"The value {stat} for parameter {where} is not supported. Use Sum, Average, "
        "Maximum, Minimum, SampleCount or a percentile such as p95."
    )


def _encode_token(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode_token(token: str, field_name: str) -> int:
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))[field_name]
        if not isinstance(value, int) or value < 0:
            raise ValueError
        return value
    except Exception:
        raise InvalidNextToken(f"The NextToken {token!r} is invalid or expired.") from None


def get_metric_data(
    index: MetricIndex,
    queries: list[dict[str, Any]],
    start_time: Any,
    end_time: Any,
    scan_by: str | None,
    next_token: str | None,
    max_datapoints: int | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """``GetMetricData`` over the index, returning (MetricDataResults, NextToken)."""
    if not queries:
        raise CloudWatchValidationError("The parameter MetricDataQueries is required.")
    if len(queries) > MAX_QUERIES_PER_CALL:
        raise CloudWatchValidationError(
            "The collection MetricDataQueries must not have a size greater than "
            f"{MAX_QUERIES_PER_CALL}."
        )
    start, end = to_epoch(start_time), to_epoch(end_time)
    if start >= end:
        raise CloudWatchValidationError("The parameter EndTime must be greater than StartTime.")
    scan_by = scan_by or "TimestampDescending"
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise CloudWatchValidationError(
            f"The value {scan_by} for parameter ScanBy is not one of TimestampDescending, "
            "TimestampAscending."
        )
    ids = [q.get("Id") for q in queries]
    if len(set(ids)) != len(ids):
        raise CloudWatchValidationError(
            "The values for parameter Id in MetricDataQueries are not unique."
        )
    limit = min(int(max_datapoints or MAX_DATAPOINTS_PER_CALL), MAX_DATAPOINTS_PER_CALL)

    computed: list[tuple[dict[str, Any], list[float], list[float]]] = []
    for i, q in enumerate(queries, start=1):
        stat_q = q.get("MetricStat")
        if stat_q is None:
            raise CloudWatchValidationError(
                f"The parameter MetricDataQueries.member.{i}.MetricStat is required.\n"
            )
        metric = stat_q["Metric"]
        period = int(q.get("Period") or stat_q.get("Period") or 0)
        if (
            period <= 0
            or (period >= 60 and period % 60)
            or (period < 60 and period not in (1, 5, 10, 20, 30))
        ):
            raise CloudWatchValidationError(
                f"The parameter MetricDataQueries.member.{i}.MetricStat.Period must be 1, 5, "
                "10, 20, 30 or a multiple of 60."
            )
        validate_stat(stat_q["Stat"], f"MetricDataQueries.member.{i}.MetricStat.Stat")
        if q.get("ReturnData") is False:
            continue
        ts, vals = index.query(
            metric["Namespace"],
            metric["MetricName"],
            metric.get("Dimensions"),
            stat_q["Stat"],
            period,
            start,
            end,
            stat_q.get("Unit"),
        )
        if scan_by == "TimestampDescending":
            ts.reverse()
            vals.reverse()
        computed.append((q, ts, vals))

    pos_q, pos_o = 0, 0
    if next_token:
        pos_q, pos_o = _decode_token(next_token, "q"), _decode_token(next_token, "o")
        if pos_q > len(computed):
            raise InvalidNextToken(f"The NextToken {next_token!r} is invalid or expired.")
    results: list[dict[str, Any]] = []
    budget = limit
    token = None
    for qi in range(pos_q, len(computed)):
        q, ts, vals = computed[qi]
        offset = pos_o if qi == pos_q else 0
        take = min(budget, len(ts) - offset)
        part_ts, part_vals = ts[offset : offset + take], vals[offset : offset + take]
        partial = offset + take < len(ts)
        results.append(
            {
                "Id": q["Id"],
                "Label": q.get("Label") or q["MetricStat"]["Metric"]["MetricName"],
                "Timestamps": [datetime.fromtimestamp(t, UTC) for t in part_ts],
                "Values": part_vals,
                "StatusCode": "PartialData" if partial else "Complete",
            }
        )
        budget -= take
        if partial:
            token = _encode_token({"q": qi, "o": offset + take})
            break
        if budget == 0 and qi + 1 < len(computed):
            token = _encode_token({"q": qi + 1, "o": 0})
            break
    return results, token
