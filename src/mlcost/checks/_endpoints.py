"""What the endpoint checks share: which variants bill, the window an endpoint is judged
over, and the proof that it served nothing.

Series labels and units are those of docs/CONTRACTS.md: ``Invocations`` (Sum, per variant,
including variants that no longer exist), ``InvocationsProcessed`` (Sum, per variant, async
endpoints) and ``ApproximateBacklogSize`` (Maximum, per endpoint, async endpoints).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mlcost.checks._support import Priced, in_window, quote
from mlcost.model import Endpoint, EndpointVariant, Inventory, MetricLabel, MetricSeries, Usage


def variant_series(
    inventory: Inventory, endpoint: Endpoint, label: MetricLabel, variant: str
) -> list[MetricSeries]:
    return [
        s for s in inventory.series(endpoint, label) if s.dimensions.get("VariantName") == variant
    ]


def instance_variants(endpoint: Endpoint) -> list[EndpointVariant]:
    """Variants that bill per instance-hour right now, shadow variants included (they run
    instances like production ones)."""
    return [v for v in endpoint.variants if _on_instances(v)]


def _on_instances(v: EndpointVariant) -> bool:
    return bool(v.instance_type) and v.instance_count > 0


def provisioned_serverless(v: EndpointVariant) -> bool:
    """A serverless variant with provisioned concurrency: its warm copies bill every hour,
    used or not (a serverless variant without it costs nothing idle)."""
    return v.instance_type is None and bool(v.serverless_provisioned_concurrency)


def billed_variants(endpoint: Endpoint) -> list[EndpointVariant]:
    """Every variant that bills while idle: instance-based ones (shadow ones too) and
    serverless ones with provisioned concurrency."""
    return [v for v in endpoint.variants if _on_instances(v) or provisioned_serverless(v)]


#: Why a provisioned-concurrency variant has no price (../shared/data/prices/README.md).
SERVERLESS_UNPRICED = (
    "SageMaker Serverless Inference provisioned-concurrency prices (per GB-hour of memory "
    "provisioned) are not in the price catalogue — run `mlcost prices refresh` once it fetches "
    "them; the variant still bills while idle"
)


def variant_price(endpoint: Endpoint, v: EndpointVariant) -> Priced:
    """The hourly price of one billed variant instance: asynchronous endpoints at the
    asynchronous-inference rate (a labelled substitution of the real-time rate when the
    catalogue has none), provisioned serverless capacity unpriced with the reason."""
    if provisioned_serverless(v):
        return Priced(None, SERVERLESS_UNPRICED)
    return quote(v.instance_type or "", endpoint.region, variant_usage(endpoint, v))


def variant_usage(endpoint: Endpoint, v: EndpointVariant) -> Usage | str:
    if provisioned_serverless(v):
        return "serverless-provisioned-concurrency"
    return Usage.ASYNC_INFERENCE if endpoint.is_async else Usage.HOSTING


def variant_label(v: EndpointVariant) -> str:
    """The type a price is asked for, as a warning names it."""
    if provisioned_serverless(v):
        return (
            f"serverless {v.serverless_memory_mb} MB x "
            f"{v.serverless_provisioned_concurrency} provisioned"
        )
    return v.instance_type or ""


def last_change(endpoint: Endpoint) -> datetime | None:
    """When the endpoint last took its current shape: max(created, last_modified)."""
    stamps = [t for t in (endpoint.created, endpoint.last_modified) if t is not None]
    return max(stamps) if stamps else None


def judged_window(endpoint: Endpoint, inventory: Inventory) -> tuple[datetime, datetime]:
    """The part of the lookback the endpoint has had its current shape for.

    An endpoint created mid-window can only be judged over its own lifetime; one updated
    mid-window (a blue/green deploy swaps in a new variant, often under a new name) only since
    the update, because what ran before is not what bills now."""
    start = inventory.start
    changed = last_change(endpoint)
    if changed is not None and changed > start:
        start = changed
    return start, inventory.end


def uses_components(endpoint: Endpoint) -> bool:
    """Inference-component endpoints publish their traffic and utilisation per
    InferenceComponentName, not per variant: the variant-level evidence cannot be read."""
    return any(v.uses_inference_components for v in endpoint.variants)


def zero_sum(series: list[MetricSeries], start: datetime, end: datetime) -> dict[str, Any] | None:
    """Sum and datapoint count when every series is readable and sums to 0; else ``None``."""
    if not series or not all(s.readable for s in series):
        return None
    points = [p for s in series for p in in_window(s, start, end)]
    total = sum(v for _, v in points)
    if total > 0:
        return None
    return {"sum": total, "datapoints": len(points)}


def no_invocations(
    inventory: Inventory, endpoint: Endpoint, start: datetime, end: datetime
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Evidence that the endpoint served nothing over the window: (per-variant sums,
    endpoint-level evidence); ``None`` as soon as anything shows traffic, failed to read, or
    is missing (absence of evidence is not idleness).

    * Traffic on ANY ``Invocations`` series of the endpoint counts, including series of
      variants that no longer exist (a blue/green deploy renames the variant; the old one's
      traffic is the endpoint's traffic). An unreadable one blocks the verdict too.
    * Real-time endpoints: every billed variant needs its own readable, all-zero
      ``Invocations`` series.
    * Asynchronous endpoints do not publish ``Invocations`` (AWS, "Monitoring asynchronous
      endpoints"): every billed variant needs a readable, all-zero ``InvocationsProcessed``
      series AND the endpoint a readable ``ApproximateBacklogSize`` series that never rose
      above 0 (requests queued but not yet processed are still demand).
    """
    every_invocations = inventory.series(endpoint, MetricLabel.INVOCATIONS)
    if any(not s.readable for s in every_invocations):
        return None
    if any(sum(v for _, v in in_window(s, start, end)) > 0 for s in every_invocations):
        return None
    current = {v.name for v in endpoint.variants}
    old = sorted({s.dimensions.get("VariantName", "") for s in every_invocations} - current)
    endpoint_evidence: dict[str, Any] = {"old_variant_invocations": {n: 0 for n in old}}

    label = MetricLabel.INVOCATIONS_PROCESSED if endpoint.is_async else MetricLabel.INVOCATIONS
    key = "invocations_processed_sum" if endpoint.is_async else "invocations_sum"
    sums: dict[str, Any] = {}
    for variant in billed_variants(endpoint):
        got = zero_sum(variant_series(inventory, endpoint, label, variant.name), start, end)
        if got is None:
            return None
        sums[variant.name] = {key: got["sum"], "datapoints": got["datapoints"]}
    if not sums:
        return None
    if endpoint.is_async:
        backlog = inventory.series(endpoint, MetricLabel.APPROXIMATE_BACKLOG_SIZE)
        if not backlog or not all(s.readable for s in backlog):
            return None
        points = [v for s in backlog for _, v in in_window(s, start, end)]
        if any(v > 0 for v in points):
            return None
        endpoint_evidence["approximate_backlog_size_max"] = max(points, default=0)
        endpoint_evidence["approximate_backlog_datapoints"] = len(points)
    return sums, endpoint_evidence
