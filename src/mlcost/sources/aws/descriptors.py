"""The vocabulary a resource kind is declared in (Cloud Custodian's TypeInfo, typed).

Why: everything the live source knows about a kind - how it is listed (SageMaker ``Search``
or a List call), described (with any number of keys), enriched (one region-wide read, such
as Application Auto Scaling targets), tagged, which CloudWatch series it has and how our
model object is built - is data on its :class:`KindSpec`. The collector and the metrics
planner walk these descriptors and name no kind; ``mlcost policy self`` reads the IAM
actions from them, so the policy cannot drift from the calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from mlcost.model import MetricLabel, Resource, ResourceKind

#: One CloudWatch dimension set, as ordered (name, value) pairs.
Dims = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Window:
    """The lookback window [start, end) of a scan."""

    start: datetime
    end: datetime


class RegionContext(Protocol):
    """What builders and enrichments may ask of the collector, besides the response."""

    region: str
    partition: str
    window: Window

    def lookup(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call a describe operation once per region per distinct params (memoised).

        Raises the call's exception (already recorded as a SourceError) when it failed.
        """
        ...

    def client(self, service: str) -> Any:
        """A boto3 client of the region."""
        ...

    def error(self, service: str, operation: str, exc: BaseException) -> None:
        """Record a failed read (the scan goes on)."""
        ...


Builder = Callable[[RegionContext, dict[str, Any]], Resource]


@dataclass(frozen=True, slots=True)
class ListCall:
    """A paginated List/Describe* call that enumerates the kind.

    ``page_size`` is sent as ``MaxResults`` (AWS's maximum: SageMaker's List calls default
    to 10 a page, which makes a large account ten times the calls); ``None`` for calls
    that take none.
    """

    op: str  # paginator name, snake_case as boto3 names it
    result_key: str
    params: Callable[[Window], dict[str, Any]] | None = None
    page_size: int | None = 100
    #: Items of a page (default ``page[result_key]``); EC2 nests instances in reservations.
    items: Callable[[dict[str, Any]], Iterable[dict[str, Any]]] | None = None
    #: Parameters that restrict the listing to named resources (EC2's instance-id filter);
    #: ``None``: named resources are described one by one instead.
    targets: Callable[[Sequence[str]], dict[str, Any]] | None = None
    #: Parameters that restrict the listing to statuses (EC2's instance-state-name filter).
    statuses: Callable[[frozenset[str]], dict[str, Any]] | None = None
    #: A second pass listing the items still running whatever their creation time (a job
    #: created before the window): ``(status, params)``, e.g. ``("InProgress",
    #: {"StatusEquals": "InProgress"})``. List calls filter on creation time or status, not
    #: on "created in the window OR running".
    running: tuple[str, dict[str, Any]] | None = None

    def page_items(self, page: dict[str, Any]) -> Iterable[dict[str, Any]]:
        return self.items(page) if self.items else page.get(self.result_key, [])

    def request(
        self, window: Window, statuses: frozenset[str] | None, targets: Sequence[str] | None
    ) -> dict[str, Any]:
        params = dict(self.params(window)) if self.params else {}
        if statuses is not None and self.statuses is not None:
            _merge(params, self.statuses(statuses))
        if targets is not None and self.targets is not None:
            _merge(params, self.targets(targets))
        if self.page_size is not None:
            params["PaginationConfig"] = {"PageSize": self.page_size}
        return params

    def running_request(
        self, statuses: frozenset[str] | None, targets: Sequence[str] | None
    ) -> dict[str, Any] | None:
        """The second pass's parameters, or None when no selected check reads that status."""
        if self.running is None or (statuses is not None and self.running[0] not in statuses):
            return None
        params = dict(self.running[1])
        if targets is not None and self.targets is not None:
            _merge(params, self.targets(targets))
        if self.page_size is not None:
            params["PaginationConfig"] = {"PageSize": self.page_size}
        return params


def _merge(params: dict[str, Any], extra: dict[str, Any]) -> None:
    """Add ``extra`` to ``params``; an EC2 filter replaces the filter of the same name."""
    for key, value in extra.items():
        if key == "Filters":
            names = {f["Name"] for f in value}
            params["Filters"] = [
                f for f in params.get("Filters", []) if f["Name"] not in names
            ] + list(value)
        else:
            params[key] = value


def field_value(item: dict[str, Any], path: str) -> Any:
    """``item["State"]["Name"]`` for ``"State.Name"``; None when absent."""
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


#: SageMaker Search takes at most 20 filters or sub-expressions per expression.
SEARCH_MAX_TERMS = 20


@dataclass(frozen=True, slots=True)
class SearchCall:
    """SageMaker ``Search``: the resource with its status, times and tags, 100 a page.

    One page replaces a hundred Describe + ListTags pairs. When ``sagemaker:Search`` is
    denied, the kind's ``fallback`` listing (with its describe call and ListTags) is used.
    """

    resource: str  # Search's Resource, e.g. "Endpoint", "TrainingJob"
    name_field: str  # the property named resources are matched on
    status_field: str | None = None
    #: Filters for the window (e.g. CreationTime >= start), as Search Filter dicts.
    window_filters: Callable[[Window], list[dict[str, str]]] | None = None
    #: Statuses listed whatever the window filters say: a job still running was created
    #: before the window, and it is exactly the one a long-running check must see.
    running_statuses: tuple[str, ...] = ()
    page_size: int = 100

    def request(
        self, window: Window, statuses: frozenset[str] | None, targets: Sequence[str] | None
    ) -> dict[str, Any]:
        """The Search parameters: window filters AND (status OR ...) AND (name OR ...)."""
        filters = self.window_filters(window) if self.window_filters else []
        subs: list[dict[str, Any]] = []
        running = [s for s in self.running_statuses if statuses is None or s in statuses]
        if filters and running and self.status_field:
            # (in the window) OR (still running): one sub-expression, AWS's nesting
            subs.append(
                {
                    "Operator": "Or",
                    "Filters": [
                        {"Name": self.status_field, "Operator": "Equals", "Value": s}
                        for s in running
                    ],
                    "SubExpressions": [{"Operator": "And", "Filters": filters}],
                }
            )
            filters = []
        if statuses is not None and self.status_field:
            subs.append(_any_of(self.status_field, sorted(statuses)))
        if targets is not None:
            subs.append(_any_of(self.name_field, list(targets)))
        expression: dict[str, Any] = {"Operator": "And"}
        if filters:
            expression["Filters"] = filters
        if subs:
            expression["SubExpressions"] = subs
        params: dict[str, Any] = {
            "Resource": self.resource,
            "PaginationConfig": {"PageSize": self.page_size},
        }
        if filters or subs:
            params["SearchExpression"] = expression
        return params

    def item(self, result: dict[str, Any]) -> dict[str, Any] | None:
        """The resource record of one search result."""
        return result.get(self.resource)


def _any_of(name: str, values: Sequence[str]) -> dict[str, Any]:
    if len(values) > SEARCH_MAX_TERMS:
        raise ValueError(f"{len(values)} values for {name}: Search takes at most 20 at once")
    return {
        "Filters": [{"Name": name, "Operator": "Equals", "Value": v} for v in values],
        "Operator": "Or",
    }


@dataclass(frozen=True, slots=True)
class Describe:
    """The per-item describe call; its parameters are the item's fields ``keys``.

    ``per_item`` False: the listing already has every field, and the call is only used to
    fetch one named resource directly (``collect_inventory(targets=...)``).
    """

    op: str
    keys: tuple[str, ...]
    per_item: bool = True
    #: Keys sent only when the item has them (DescribeApp: SpaceName or UserProfileName).
    optional: tuple[str, ...] = ()

    def params(self, item: dict[str, Any]) -> dict[str, Any]:
        params = {k: item[k] for k in self.keys}
        params.update({k: item[k] for k in self.optional if item.get(k)})
        return params


class Tagging(StrEnum):
    #: SageMaker ListTags by ARN (unless the record came from Search, which carries Tags).
    LIST_TAGS = "list-tags"
    #: The listing carries ``Tags`` (EC2).
    INLINE = "inline"


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One CloudWatch series a kind has, under one label.

    Either fixed dimension sets (``dimensions(resource)``: one series per set, e.g. one per
    endpoint variant; empty when the resource has none), or sets discovered with
    ``ListMetrics`` (``listed_by(resource)`` = the (name, value) a listed set must contain,
    ``keep_listed`` a further test). Several ``metrics`` under one label are read alike
    (a metric AWS documents under two spellings).
    """

    label: MetricLabel
    namespace: str
    metrics: tuple[str, ...]
    stat: str
    dimensions: Callable[[Resource], Iterable[Dims]] | None = None
    listed_by: Callable[[Resource], tuple[str, str]] | None = None
    keep_listed: Callable[[Resource, Dims], bool] | None = None
    #: Dimension sets of the error series a resource gets when the listing failed
    #: (default: the ``listed_by`` pair alone).
    unreadable: Callable[[Resource], Iterable[Dims]] | None = None

    @property
    def discovered(self) -> bool:
        return self.listed_by is not None


@dataclass(frozen=True, slots=True)
class Enrichment:
    """A region-wide read that completes the kind's resources (one call, not one each).

    ``label``: run only when a selected check needs it (an account-level read such as Cost
    Explorer, which AWS bills per request, is made only for the check that uses it).
    """

    service: str
    operations: tuple[str, ...]  # API names, for the IAM policy
    run: Callable[[RegionContext, list[Resource]], None]
    label: MetricLabel | None = None

    def wanted(self, labels: frozenset[MetricLabel]) -> bool:
        return self.label is None or self.label in labels


@dataclass(frozen=True, slots=True)
class AccountListing:
    """The kind is the account itself: one item, ``{"AccountId": <the scanned account>}``
    (from STS GetCallerIdentity), and everything else is read by its enrichments. No call
    of its own; with an unknown account id nothing is listed (the STS error is reported)."""


@dataclass(frozen=True, slots=True)
class KindSpec:
    """How one kind of resource is listed, described, enriched, tagged, measured and built."""

    kind: ResourceKind
    service: str  # boto3 client name
    id_field: str
    build: Builder
    listing: ListCall | SearchCall | AccountListing
    #: The List call used when ``listing`` is a Search and Search is denied.
    fallback: ListCall | None = None
    describe: Describe | None = None
    arn_field: str | None = None
    #: The status field of a listed/described item (checks declare the statuses they read).
    status_field: str | None = None
    #: Keep only items in the window (a second, client-side check of the list filter).
    keep: Callable[[dict[str, Any], Window], bool] | None = None
    tags: Tagging = Tagging.LIST_TAGS
    series: tuple[SeriesSpec, ...] = ()
    enrich: tuple[Enrichment, ...] = ()
    #: Other read calls the builder makes through ``RegionContext.lookup`` (API names).
    lookups: tuple[str, ...] = ()
    #: The model class the builder returns (for readers and the policy listing).
    model: type[Resource] = field(default=Resource)
    #: A global service (IAM): read in the first region scanned only, not once per region.
    global_service: bool = False

    def operations(self, labels: frozenset[MetricLabel] | None = None) -> list[tuple[str, str]]:
        """Every (service, snake_case operation or API name) a scan of this kind may call
        (``labels``: what the selected checks need; None: everything)."""
        ops: list[tuple[str, str]] = []
        for listing in (self.listing, self.fallback):
            if isinstance(listing, ListCall):
                ops.append((self.service, listing.op))
            elif isinstance(listing, SearchCall):
                ops.append((self.service, "search"))
        if self.describe:
            ops.append((self.service, self.describe.op))
        if self.tags is Tagging.LIST_TAGS:
            ops.append((self.service, "list_tags"))
        ops += [(self.service, op) for op in self.lookups]
        ops += [
            (e.service, op)
            for e in self.enrich
            if labels is None or e.wanted(labels)
            for op in e.operations
        ]
        return ops


@dataclass(frozen=True, slots=True)
class Needs:
    """What the selected checks read: kinds, metric labels per kind, statuses per kind.

    ``statuses[kind]`` None: every status.
    """

    kinds: frozenset[ResourceKind]
    labels: dict[ResourceKind, frozenset[MetricLabel]] = field(default_factory=dict)
    statuses: dict[ResourceKind, frozenset[str] | None] = field(default_factory=dict)
