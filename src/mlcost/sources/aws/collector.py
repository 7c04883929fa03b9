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
from collections.abc import Hashable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from mlcost.errors import UserError
from mlcost.model import Inventory, MetricSeries, Resource, ResourceKind, SourceError
from mlcost.sources.aws.descriptors import (
    SEARCH_MAX_TERMS,
    AccountListing,
    KindSpec,
    ListCall,
    Needs,
    SearchCall,
    Tagging,
    Window,
    field_value,
)
from mlcost.sources.aws.errors import (
    is_access_denied,
    is_not_found,
    is_rejected_credentials,
    is_unreachable,
    raise_if_bad_config,
    raise_if_credentials_rejected,
    raise_if_no_credentials,
    raise_unreachable,
    source_error,
)
from mlcost.sources.aws.kinds import REGISTRY
from mlcost.sources.aws.metrics import (
    BatchResult,
    ListedMetrics,
    MetricQuery,
    assemble,
    batches,
    fetch_batch,
    listings,
    plan_queries,
    read_plan,
    series_specs,
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
    checks: Iterable[str] | None = None,
    targets: Iterable[str] | None = None,
) -> Inventory:
    """Read resources, tags and metric series of ``regions`` over the last ``lookback_days``.

    ``session`` defaults to boto3's standard chain (profile, role, env, ``AWS_ENDPOINT_URL``).
    ``now`` fixes the end of the window (tests, reproducible reports). ``max_workers``
    bounds each thread pool (per region, and across regions). ``progress`` receives one
    task per region x phase; it is called from worker threads.

    ``checks`` (check ids; default every registered check) decides what is read: only the
    kinds, statuses and metric series those checks declare they need. ``targets``
    (resource ids / names, ``Resource.id`` as findings carry it in ``resource_id``) limits
    the read to those resources, fetched directly (a Search on their names, a Describe, an
    EC2 id filter) without listing the account: what ``mlcost fix`` uses to re-check one
    finding before acting.

    Raises UserError for bad arguments, an unknown check, an unknown region (before any
    call), or no credentials; every other failure is recorded in ``Inventory.errors``.
    """
    if lookback_days < 1:
        raise UserError(f"lookback of {lookback_days} days", "use --days 1 or more")
    if max_workers < 1:
        raise UserError(f"max_workers={max_workers}", "use 1 or more workers")
    from mlcost.checks import needs_for  # the checks decide what is read

    needs = needs_for(None if checks is None else list(checks))
    wanted = None if targets is None else tuple(dict.fromkeys(targets))
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
        scans = [
            RegionScan(
                r,
                factory,
                window,
                max_workers,
                sink,
                needs=needs if i == 0 else regional_needs(needs),
                targets=wanted,
                account=inventory.account,
            )
            for i, r in enumerate(regions)
        ]
        futures = [pool.submit(scan.run) for scan in scans]
        results = [f.result() for f in futures]

    denied: list[str] = []
    for result in results:
        inventory.resources.extend(result.resources)
        for key, series in result.series:
            inventory.metrics.setdefault(key, []).append(series)
        inventory.errors.extend(result.errors)
        denied.extend(result.search_denied)
    inventory.listed = {r: result.listed for r, result in zip(regions, results, strict=True)}
    if denied:
        inventory.notes.append(search_denied_note(sorted(set(denied))))
    return inventory


def regional_needs(needs: Needs) -> Needs:
    """``needs`` without the global kinds (IAM): those are read in the first region only."""
    kinds = frozenset(k for k in needs.kinds if not REGISTRY[k].global_service)
    return Needs(
        kinds=kinds,
        labels={k: v for k, v in needs.labels.items() if k in kinds},
        statuses={k: v for k, v in needs.statuses.items() if k in kinds},
    )


def search_denied_note(regions: Sequence[str]) -> str:
    """The one report line for a scan that could not use SageMaker Search."""
    return (
        f"sagemaker:Search was denied in {', '.join(regions)}: endpoints and training jobs "
        "were read with List + Describe + ListTags instead (about three calls per resource "
        "instead of one page per 100); allow sagemaker:Search (see `mlcost policy self`)"
    )


def _account_id(
    factory: ClientFactory, regions: list[str], errors: list[SourceError]
) -> str | None:
    """The first call of a scan: it also proves credentials exist and that AWS accepts them.

    Rejected credentials (expired SSO session, wrong keys) would otherwise fail every later
    call and end in an empty, "clean" report; they are a UserError instead. STS in an opt-in
    region that is not enabled answers InvalidClientTokenId too, so a rejection is only
    believed once every region given has rejected; a region that rejects while another
    accepts is recorded as that region's error. An endpoint that cannot be reached in any
    region (no network, a wrong ``AWS_ENDPOINT_URL``, a port that never answers) is a
    UserError within the preflight's short timeout, instead of a scan that hangs.
    """
    rejected: list[tuple[str, Exception]] = []
    unreachable: list[tuple[str, Exception]] = []
    for region in regions:
        try:
            # short timeouts and two attempts: an endpoint that never answers is reported
            # in seconds, not after every later call waits out ten adaptive retries
            account = factory.preflight("sts", region).get_caller_identity()["Account"]
        except Exception as exc:
            raise_if_no_credentials(exc)
            raise_if_bad_config(exc)
            if is_rejected_credentials(exc):
                rejected.append((region, exc))
                continue
            if is_unreachable(exc):
                unreachable.append((region, exc))
                continue
            errors.append(source_error(region, "sts", "GetCallerIdentity", exc))
            return None
        errors.extend(
            source_error(r, "sts", "GetCallerIdentity", e) for r, e in rejected + unreachable
        )
        return account
    if unreachable and not rejected:
        raise_unreachable(unreachable[0][1])
    raise_if_credentials_rejected(rejected[0][1])
    return None  # unreachable: every region rejected, which raised


@dataclass(slots=True)
class RegionResult:
    resources: list[Resource]
    series: list[tuple[str, MetricSeries]]
    errors: list[SourceError] = field(default_factory=list)
    #: the region, once, when sagemaker:Search was denied there
    search_denied: list[str] = field(default_factory=list)
    #: the kinds whose listing completed (every page read) in the region
    listed: list[str] = field(default_factory=list)


class _SearchDenied(Exception):
    """Search was refused before any record was read: take the kind's List fallback."""


class RegionScan:
    """Inventory then metrics of one region, on its own bounded thread pool.

    Generic over kinds: everything kind-specific comes from the descriptors in
    ``kinds.py``. Also the builders' :class:`~mlcost.sources.aws.descriptors.RegionContext`.
    """

    def __init__(
        self,
        region: str,
        factory: ClientFactory,
        window: Window,
        max_workers: int,
        progress: ProgressSink,
        *,
        needs: Needs | None = None,
        targets: Sequence[str] | None = None,
        account: str | None = None,
    ) -> None:
        self.region = region
        self.account = account
        self.partition = factory.partition(region)
        self.window = window
        self._factory = factory
        self._max_workers = max_workers
        self._progress = progress
        if needs is None:
            from mlcost.checks import needs_for

            needs = needs_for(None)
        self._needs = needs
        self._targets = targets
        self._lock = threading.Lock()
        self._errors: list[SourceError] = []
        self._lookups: dict[tuple[Any, ...], Future[dict[str, Any]]] = {}
        self._search_denied = False
        self._listed: set[ResourceKind] = set()  # kinds whose listing completed

    # ----------------------------------------------------------------- RegionContext

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

    def client(self, service: str) -> Any:
        return self._factory(service, self.region)

    def error(self, service: str, operation: str, exc: BaseException) -> None:
        raise_if_no_credentials(exc)
        self._error(service, operation, exc)

    # ----------------------------------------------------------------- the scan

    def run(self) -> RegionResult:
        specs = [spec for kind, spec in REGISTRY.items() if kind in self._needs.kinds]
        with ThreadPoolExecutor(
            max_workers=self._max_workers, thread_name_prefix=f"mlcost-{self.region}"
        ) as pool:
            task = self._progress.add_task(f"{self.region}: inventory", None)
            listed = [pool.submit(self._collect_kind, spec, pool, task) for spec in specs]
            described: list[Future[Resource | None]] = []
            for listing in listed:
                described.extend(listing.result())
            resources = [r for f in described if (r := f.result()) is not None]
            # one order whatever the listing's sort or the pool's timing: kind, then id
            order = {spec.kind: i for i, spec in enumerate(specs)}
            resources.sort(key=lambda r: (order[r.kind], r.id))
            for spec in specs:
                of_kind = [r for r in resources if r.kind is spec.kind]
                if of_kind:
                    labels = self._needs.labels.get(spec.kind, frozenset())
                    for enrichment in spec.enrich:
                        if enrichment.wanted(labels):
                            enrichment.run(self, of_kind)
            series = self._metrics(resources, pool)
        return RegionResult(
            resources=resources,
            series=series,
            errors=self._merged_errors(),
            search_denied=[self.region] if self._search_denied else [],
            listed=sorted(str(k) for k in self._listed),
        )

    def _collect_kind(
        self, spec: KindSpec, pool: ThreadPoolExecutor, task: Hashable
    ) -> list[Future[Resource | None]]:
        """Hand each item of the kind to the pool as its page arrives (never waits on the
        pool, so a pool of one worker cannot deadlock)."""
        if isinstance(spec.listing, AccountListing):
            item = {spec.id_field: self.account}
            if self.account is None or not self._keep(spec, item):
                return []
            # not marked listed: naming the account is no read (its enrichments are)
            return [pool.submit(self._materialise, spec, item, task, False)]
        if isinstance(spec.listing, SearchCall):
            try:
                return self._search(spec, spec.listing, pool, task)
            except _SearchDenied:
                self._search_denied = True
            if spec.fallback is None:
                return []
            return self._list(spec, spec.fallback, pool, task)
        return self._list(spec, spec.listing, pool, task)

    def _search(
        self, spec: KindSpec, search: SearchCall, pool: ThreadPoolExecutor, task: Hashable
    ) -> list[Future[Resource | None]]:
        """Search pages carry the whole record (status, times, tags): no describe, no
        ListTags. Raises _SearchDenied when Search is refused before any record was read."""
        futures: list[Future[Resource | None]] = []
        statuses = self._needs.statuses.get(spec.kind)
        chunks: list[Sequence[str] | None] = [None]
        if self._targets is not None:
            t = list(self._targets)
            chunks = [t[i : i + SEARCH_MAX_TERMS] for i in range(0, len(t), SEARCH_MAX_TERMS)]
        client = None
        try:
            client = self._factory(spec.service, self.region)
            paginator = client.get_paginator("search")
            for chunk in chunks:
                params = search.request(self.window, statuses, chunk)
                for page in paginator.paginate(**params):
                    for result in page.get("Results", []):
                        item = search.item(result)
                        if item is not None and self._keep(spec, item):
                            futures.append(pool.submit(self._materialise, spec, item, task, False))
                    self._progress.advance(task)
            self._listed.add(spec.kind)
        except Exception as exc:
            raise_if_no_credentials(exc)
            if is_access_denied(exc) and not futures:
                raise _SearchDenied() from exc
            self._error(spec.service, _api_name(client, "search"), exc)
        return futures

    def _list(
        self, spec: KindSpec, listing: ListCall, pool: ThreadPoolExecutor, task: Hashable
    ) -> list[Future[Resource | None]]:
        """Page through the list call (or describe each named target directly)."""
        describe = spec.describe is not None and spec.describe.per_item
        if self._targets is not None and listing.targets is None and spec.describe is not None:
            return [
                pool.submit(self._materialise, spec, {spec.id_field: t}, task, True)
                for t in self._targets
            ]
        futures: list[Future[Resource | None]] = []
        statuses = self._needs.statuses.get(spec.kind)
        passes = [listing.request(self.window, statuses, self._targets)]
        running = listing.running_request(statuses, self._targets)
        if running is not None:
            passes.append(running)  # still running, created before the window
        seen: set[Any] = set()
        client = None
        try:
            client = self._factory(spec.service, self.region)
            for params in passes:
                for page in client.get_paginator(listing.op).paginate(**params):
                    for item in listing.page_items(page):
                        key = item.get(spec.id_field)
                        if key in seen or not self._keep(spec, item):
                            continue
                        seen.add(key)
                        futures.append(pool.submit(self._materialise, spec, item, task, describe))
                    self._progress.advance(task)
            self._listed.add(spec.kind)
        except Exception as exc:
            raise_if_no_credentials(exc)
            self._error(spec.service, _api_name(client, listing.op), exc)
        return futures

    def _keep(self, spec: KindSpec, item: dict[str, Any]) -> bool:
        """In the window, of a status a selected check reads, and among the targets."""
        if spec.keep is not None and not spec.keep(item, self.window):
            return False
        if self._targets is not None and item.get(spec.id_field) not in self._targets:
            return False
        return self._status_ok(spec, item)

    def _status_ok(self, spec: KindSpec, item: dict[str, Any]) -> bool:
        statuses = self._needs.statuses.get(spec.kind)
        if statuses is None or spec.status_field is None:
            return True
        status = field_value(item, spec.status_field)
        return status is None or status in statuses  # None: not known until described

    def _materialise(
        self, spec: KindSpec, item: dict[str, Any], task: Hashable, describe: bool
    ) -> Resource | None:
        """Describe (when the listing lacks fields), build, and tag one item."""
        client = self._factory(spec.service, self.region)
        if describe and spec.describe is not None:
            try:
                response = getattr(client, spec.describe.op)(**spec.describe.params(item))
                item = {**item, **response}
            except Exception as exc:
                raise_if_no_credentials(exc)
                if not is_not_found(exc):  # deleted since listed (or no such target): gone
                    self._error(spec.service, _api_name(client, spec.describe.op), exc)
                return None
            if not self._status_ok(spec, item) or not (
                spec.keep is None or spec.keep(item, self.window)
            ):
                return None
        try:
            resource = spec.build(self, item)
        except UserError:
            raise
        except Exception as exc:  # a response we did not expect: report, keep scanning
            self._error(spec.service, f"build {spec.kind}", exc)
            return None
        if "Tags" in item:  # a Search record or an EC2 instance carries its tags
            resource.tags = {t["Key"]: t.get("Value", "") for t in item["Tags"] or []}
        elif spec.tags is Tagging.LIST_TAGS and resource.arn:
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

    # ----------------------------------------------------------------- metrics

    def _metrics(
        self, resources: list[Resource], pool: ThreadPoolExecutor
    ) -> list[tuple[str, MetricSeries]]:
        labels = self._needs.labels
        client = self._factory("cloudwatch", self.region)
        listed = self._discover(client, resources)
        queries = plan_queries(resources, listed, labels)
        plan = read_plan(len(queries), self.window.start, self.window.end)
        task = self._progress.add_task(f"{self.region}: metrics", plan.calls(len(queries)))
        calls = [
            pool.submit(self._fetch, client, batch, start, end, task)
            for batch in batches(list(enumerate(queries)), plan.batch_size)
            for start, end in plan.windows
        ]
        results = [c.result() for c in calls]
        return unreadable_series(resources, listed, labels) + assemble(queries, results)

    def _discover(self, client: Any, resources: list[Resource]) -> ListedMetrics:
        """One paginated ListMetrics per namespace that could have series for us; when the
        scan reads named targets, one per target and namespace, filtered on the target's
        dimension (a re-check of one resource does not list the account's metrics)."""
        listed = ListedMetrics()
        for listing in listings({r.kind for r in resources}, self._needs.labels):
            requests = [listing.params]
            if self._targets is not None:
                pairs = sorted(
                    {
                        spec.listed_by(r)
                        for r in resources
                        for spec in series_specs(r.kind, self._needs.labels)
                        if spec.listed_by is not None and spec.namespace == listing.namespace
                    }
                )
                requests = [
                    {**listing.params, "Dimensions": [{"Name": name, "Value": value}]}
                    for name, value in pairs
                ]
            try:
                for params in requests:
                    for page in client.get_paginator("list_metrics").paginate(**params):
                        for m in page.get("Metrics", []):
                            if m.get("MetricName") in listing.metrics:
                                dims = m.get("Dimensions", [])
                                listed.add(listing.namespace, m["MetricName"], dims)
            except Exception as exc:
                raise_if_no_credentials(exc)
                error = source_error(self.region, "cloudwatch", "ListMetrics", exc)
                self._record(error)
                listed.failed[listing.namespace] = error.message
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
