"""The live AWS source: one :class:`Inventory` from the regions of one account.

Why this shape: a scan of a large account is thousands of describe calls, so it is done
concurrently (a bounded thread pool per region, and regions side by side), listing with
paginators and describing each item as soon as its page arrives. Every kind is walked the
same way from the registry in ``kinds.py``; metrics come last, in batches (``metrics.py``).
A region or service that fails is recorded in ``Inventory.errors`` and the rest of the scan
goes on; missing credentials or an unknown region stop the scan with a UserError.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from mlcost.errors import UserError
from mlcost.model import Endpoint, Inventory, MetricSeries, Resource, SourceError
from mlcost.sources.aws.errors import (
    is_not_found,
    is_rejected_credentials,
    raise_if_credentials_rejected,
    raise_if_no_credentials,
    source_error,
)
from mlcost.sources.aws.kinds import REGISTRY, KindSpec, Window
from mlcost.sources.aws.metrics import (
    AGENT_METRICS,
    AGENT_NAMESPACE,
    CWAGENT_GPU_METRIC,
    CWAGENT_NAMESPACE,
    SAGEMAKER_NAMESPACE,
    VARIANT_SCALABLE_DIMENSION,
    BatchResult,
    ListedMetrics,
    MetricQuery,
    assemble,
    batches,
    call_count,
    fetch_batch,
    plan_queries,
    sub_windows,
    unreadable_series,
)
from mlcost.sources.aws.progress import NullProgress, ProgressSink
from mlcost.sources.aws.session import ClientFactory, client_config, validate_regions


def collect_inventory(
    regions: list[str],
    lookback_days: int,
    *,
    session: boto3.Session | None = None,
    now: datetime | None = None,
    max_workers: int = 8,
    progress: ProgressSink | None = None,
) -> Inventory:
    """Read resources, tags and metric series of ``regions`` over the last ``lookback_days``.

    ``session`` defaults to boto3's standard chain (profile, role, env, ``AWS_ENDPOINT_URL``).
    ``now`` fixes the end of the window (tests, reproducible reports). ``max_workers``
    bounds each thread pool (per region, and across regions). ``progress`` receives one
    task per region x phase; it is called from worker threads.

    Raises UserError for bad arguments, an unknown region (before any call), or no
    credentials; every other failure is recorded in ``Inventory.errors``.
    """
    if lookback_days < 1:
        raise UserError(f"lookback of {lookback_days} days", "use --days 1 or more")
    if max_workers < 1:
        raise UserError(f"max_workers={max_workers}", "use 1 or more workers")
    session = session or boto3.Session()
    regions = validate_regions(session, regions)
    end = now or datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    window = Window(start=end - timedelta(days=lookback_days), end=end)
    factory = ClientFactory(session, client_config(max_workers))
    sink: ProgressSink = progress or NullProgress()

    inventory = Inventory(
        source="aws",
        regions=regions,
        lookback_days=lookback_days,
        start=window.start,
        end=window.end,
    )
    inventory.account = _account_id(factory, regions, inventory.errors)

    with ThreadPoolExecutor(
        max_workers=min(len(regions), max_workers), thread_name_prefix="mlcost-region"
    ) as pool:
        scans = [RegionScan(r, factory, window, max_workers, sink) for r in regions]
        futures = [pool.submit(scan.run) for scan in scans]
        results = [f.result() for f in futures]

    for result in results:
        inventory.resources.extend(result.resources)
        for key, series in result.series:
            inventory.metrics.setdefault(key, []).append(series)
        inventory.errors.extend(result.errors)
    return inventory


def _account_id(
    factory: ClientFactory, regions: list[str], errors: list[SourceError]
) -> str | None:
    """The first call of a scan: it also proves credentials exist and that AWS accepts them.

    Rejected credentials (expired SSO session, wrong keys) would otherwise fail every later
    call and end in an empty, "clean" report; they are a UserError instead. STS in an opt-in
    region that is not enabled answers InvalidClientTokenId too, so a rejection is only
    believed once every region given has rejected; a region that rejects while another
    accepts is recorded as that region's error.
    """
    rejected: list[tuple[str, Exception]] = []
    for region in regions:
        try:
            account = factory("sts", region).get_caller_identity()["Account"]
        except Exception as exc:
            raise_if_no_credentials(exc)
            if is_rejected_credentials(exc):
                rejected.append((region, exc))
                continue
            errors.append(source_error(region, "sts", "GetCallerIdentity", exc))
            return None
        errors.extend(source_error(r, "sts", "GetCallerIdentity", e) for r, e in rejected)
        return account
    raise_if_credentials_rejected(rejected[0][1])
    return None  # unreachable: every region rejected, which raised


@dataclass(slots=True)
class RegionResult:
    resources: list[Resource]
    series: list[tuple[str, MetricSeries]]
    errors: list[SourceError] = field(default_factory=list)


class RegionScan:
    """Inventory then metrics of one region, on its own bounded thread pool.

    Also the builders' :class:`~mlcost.sources.aws.kinds.BuildContext`.
    """

    def __init__(
        self,
        region: str,
        factory: ClientFactory,
        window: Window,
        max_workers: int,
        progress: ProgressSink,
    ) -> None:
        self.region = region
        self.partition = factory.partition(region)
        self.window = window
        self._factory = factory
        self._max_workers = max_workers
        self._progress = progress
        self._lock = threading.Lock()
        self._errors: list[SourceError] = []
        self._lookups: dict[tuple[Any, ...], Future[dict[str, Any]]] = {}

    # ----------------------------------------------------------------- BuildContext

    def lookup(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Memoised describe: the first caller makes the call, the others wait for it."""
        key = (service, operation, tuple(sorted(params.items())))
        with self._lock:
            future = self._lookups.get(key)
            owner = future is None
            if owner:
                future = Future()
                self._lookups[key] = future
        assert future is not None
        if owner:
            client = self._factory(service, self.region)
            try:
                future.set_result(getattr(client, operation)(**params))
            except Exception as exc:
                future.set_exception(exc)  # first, so no waiter is left hanging
                raise_if_no_credentials(exc)
                self._error(service, _api_name(client, operation), exc)
        return future.result()

    # ----------------------------------------------------------------- the scan

    def run(self) -> RegionResult:
        with ThreadPoolExecutor(
            max_workers=self._max_workers, thread_name_prefix=f"mlcost-{self.region}"
        ) as pool:
            task = self._progress.add_task(f"{self.region}: inventory", None)
            listings = [
                pool.submit(self._list_kind, spec, pool, task)
                for spec in REGISTRY.values()
                if spec.enabled
            ]
            described: list[Future[Resource | None]] = []
            for listing in listings:
                described.extend(listing.result())
            resources = [r for f in described if (r := f.result()) is not None]
            self._autoscaling(resources)
            series = self._metrics(resources, pool)
        return RegionResult(resources=resources, series=series, errors=self._merged_errors())

    def _list_kind(
        self, spec: KindSpec, pool: ThreadPoolExecutor, task: Hashable
    ) -> list[Future[Resource | None]]:
        """Page through the list call, handing each item to the pool as its page arrives.

        Never waits on the pool (so a pool of one worker cannot deadlock).
        """
        futures: list[Future[Resource | None]] = []
        params = spec.list_params(self.window) if spec.list_params else {}
        client = None
        try:
            client = self._factory(spec.service, self.region)
            for page in client.get_paginator(spec.list_op).paginate(**params):
                for item in spec.page_items(page):
                    if spec.keep is None or spec.keep(item, self.window):
                        futures.append(pool.submit(self._materialise, spec, item, task))
                self._progress.advance(task)
        except Exception as exc:
            raise_if_no_credentials(exc)
            self._error(spec.service, _api_name(client, spec.list_op), exc)
        return futures

    def _materialise(self, spec: KindSpec, item: dict[str, Any], task: Hashable) -> Resource | None:
        """Describe (when the kind needs it), build, and tag one listed item."""
        client = self._factory(spec.service, self.region)
        if spec.describe_op:
            param = spec.describe_param or spec.id_field
            try:
                item = {**item, **getattr(client, spec.describe_op)(**{param: item[spec.id_field]})}
            except Exception as exc:
                raise_if_no_credentials(exc)
                if not is_not_found(exc):  # deleted since listed: simply gone
                    self._error(spec.service, _api_name(client, spec.describe_op), exc)
                return None
        try:
            resource = spec.build(self, item)
        except UserError:
            raise
        except Exception as exc:  # a response we did not expect: report, keep scanning
            self._error(spec.service, f"build {spec.kind}", exc)
            return None
        if spec.tags == "sagemaker" and resource.arn:
            try:
                resource.tags = self._sagemaker_tags(client, resource.arn)
            except Exception as exc:
                raise_if_no_credentials(exc)
                self._error(spec.service, "ListTags", exc)
        self._progress.advance(task)
        return resource

    @staticmethod
    def _sagemaker_tags(client: Any, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        for page in client.get_paginator("list_tags").paginate(ResourceArn=arn):
            tags.update({t["Key"]: t.get("Value", "") for t in page.get("Tags", [])})
        return tags

    # ----------------------------------------------------------------- autoscaling

    def _autoscaling(self, resources: list[Resource]) -> None:
        """Attach each endpoint variant's Application Auto Scaling target (P1-6).

        One paginated DescribeScalableTargets per region, not one per variant. A variant
        with no target gets ``{}``; when the call fails every variant keeps ``None``
        (unknown) and the failure is recorded.
        """
        endpoints = [r for r in resources if isinstance(r, Endpoint)]
        if not endpoints:
            return
        targets: dict[str, dict[str, int]] = {}
        client = None
        try:
            client = self._factory("application-autoscaling", self.region)
            pages = client.get_paginator("describe_scalable_targets").paginate(
                ServiceNamespace="sagemaker"
            )
            for page in pages:
                for t in page.get("ScalableTargets", []):
                    if t.get("ScalableDimension") != VARIANT_SCALABLE_DIMENSION:
                        continue
                    targets[t["ResourceId"]] = {
                        "MinCapacity": int(t.get("MinCapacity", 0)),
                        "MaxCapacity": int(t.get("MaxCapacity", 0)),
                    }
        except Exception as exc:
            raise_if_no_credentials(exc)
            self._error(
                "application-autoscaling", _api_name(client, "describe_scalable_targets"), exc
            )
            return
        for endpoint in endpoints:
            for variant in endpoint.variants:
                resource_id = f"endpoint/{endpoint.id}/variant/{variant.name}"
                variant.autoscaling = dict(targets.get(resource_id, {}))

    # ----------------------------------------------------------------- metrics

    def _metrics(
        self, resources: list[Resource], pool: ThreadPoolExecutor
    ) -> list[tuple[str, MetricSeries]]:
        client = self._factory("cloudwatch", self.region)
        listed = self._discover(client, resources)
        queries = plan_queries(resources, listed)
        windows = sub_windows(self.window.start, self.window.end)
        task = self._progress.add_task(
            f"{self.region}: metrics", call_count(len(queries), len(windows))
        )
        calls = [
            pool.submit(self._fetch, client, batch, start, end, task)
            for batch in batches(list(enumerate(queries)))
            for start, end in windows
        ]
        results = [c.result() for c in calls]
        return unreadable_series(resources, listed) + assemble(queries, results)

    def _discover(self, client: Any, resources: list[Resource]) -> ListedMetrics:
        """One paginated ListMetrics per namespace that could have series for us."""
        listed = ListedMetrics()
        kinds = {r.kind for r in resources}
        lookups: list[tuple[str, dict[str, Any], set[str]]] = []
        if "ec2-instance" in kinds:
            lookups.append(
                (
                    CWAGENT_NAMESPACE,
                    {"Namespace": CWAGENT_NAMESPACE, "MetricName": CWAGENT_GPU_METRIC},
                    {CWAGENT_GPU_METRIC},
                )
            )
        if kinds & {"ec2-instance", "notebook-instance"}:
            lookups.append((AGENT_NAMESPACE, {"Namespace": AGENT_NAMESPACE}, set(AGENT_METRICS)))
        if "endpoint" in kinds:
            # variants replaced by a blue/green deploy keep their traffic under the OLD
            # VariantName; listing finds them. No RecentlyActive (it keeps only the last 3 h):
            # without it CloudWatch lists metrics with data in the last two weeks.
            lookups.append(
                (
                    SAGEMAKER_NAMESPACE,
                    {"Namespace": SAGEMAKER_NAMESPACE, "MetricName": "Invocations"},
                    {"Invocations"},
                )
            )
        for namespace, params, wanted in lookups:
            try:
                for page in client.get_paginator("list_metrics").paginate(**params):
                    for m in page.get("Metrics", []):
                        if m.get("MetricName") in wanted:
                            listed.add(namespace, m["MetricName"], m.get("Dimensions", []))
            except Exception as exc:
                raise_if_no_credentials(exc)
                error = source_error(self.region, "cloudwatch", "ListMetrics", exc)
                self._record(error)
                listed.failed[namespace] = error.message
        return listed

    def _fetch(
        self,
        client: Any,
        batch: list[tuple[int, MetricQuery]],
        start: datetime,
        end: datetime,
        task: Hashable,
    ) -> BatchResult:
        try:
            return fetch_batch(client, batch, start, end)
        except Exception as exc:
            raise_if_no_credentials(exc)
            error = source_error(self.region, "cloudwatch", "GetMetricData", exc)
            self._record(error)
            message = f"GetMetricData failed: {error.message}"
            return BatchResult(points={}, errors={i: message for i, _ in batch}, call_error=message)
        finally:
            self._progress.advance(task)

    # ----------------------------------------------------------------- errors

    def _error(self, service: str, operation: str, exc: BaseException) -> None:
        self._record(source_error(self.region, service, operation, exc))

    def _record(self, error: SourceError) -> None:
        with self._lock:
            self._errors.append(error)

    def _merged_errors(self) -> list[SourceError]:
        """One entry per distinct failure, with how many calls hit it."""
        with self._lock:
            counts = Counter((e.region, e.service, e.operation, e.message) for e in self._errors)
        return [
            SourceError(region, service, operation, f"{message} ({n} calls)" if n > 1 else message)
            for (region, service, operation, message), n in counts.items()
        ]


def _api_name(client: Any, method: str) -> str:
    """``describe_endpoint`` -> ``DescribeEndpoint`` (the name AWS and IAM use)."""
    if client is None:
        return "".join(part.title() for part in method.split("_"))
    return client.meta.method_to_api_mapping.get(method, method)
