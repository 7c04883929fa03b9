"""Rebuild the price catalogue from the AWS Price List API (``mlcost prices refresh``).

Why: the shipped snapshot has exact list prices only for Studio-Notebook (all regions), real-time
hosting (us-east-1) and EC2; every other SageMaker component is a labelled substitution. The
Price List API publishes a separate SKU per SageMaker component and region, so a refresh turns
those substitutions into list prices.

How: the ``pricing`` client (its endpoint lives in us-east-1) pages through ``GetProducts`` for
``AmazonSageMaker`` and ``AmazonEC2`` with ``TERM_MATCH`` filters per region. Each ``PriceList``
item is a JSON *string*; we read ``product.attributes`` and the hourly USD price at
``terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD``, and keep the item's
``publicationDate`` as the price's date.

The result is written as ``catalogue.json`` in the refreshed-catalogue directory
(:func:`mlcost.pricing.catalogue.prices_dir`); its entries take precedence over the snapshot's.
A refresh of some regions merges into an existing refreshed file rather than replacing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from mlcost.model import Usage

#: The Price List API is served from us-east-1 (also ap-south-1, eu-central-1).
PRICING_ENDPOINT_REGION = "us-east-1"

#: SageMaker's ``component`` product attribute -> our usage.
SAGEMAKER_COMPONENTS: dict[str, Usage] = {
    "Hosting": Usage.HOSTING,
    "Training": Usage.TRAINING,
    "Notebook": Usage.NOTEBOOK,
    "Processing": Usage.PROCESSING,
    "Batch Transform": Usage.BATCH_TRANSFORM,
    "Studio-Notebook": Usage.STUDIO_NOTEBOOK,
}
#: The part of SageMaker ``usagetype`` after the region prefix and before ":ml.*"
#: (``USE1-Host:ml.m5.xlarge``); used to cross-check ``component``.
SAGEMAKER_USAGETYPE_PREFIXES: dict[str, Usage] = {
    "Host": Usage.HOSTING,
    "Train": Usage.TRAINING,
    "Notebk": Usage.NOTEBOOK,
    "Processing": Usage.PROCESSING,
    "Tsform": Usage.BATCH_TRANSFORM,
}
#: Usage types that are not on-demand instance-hours of our usages (managed spot, async and
#: serverless inference): never recorded as such.
_EXCLUDED_USAGETYPE = re.compile(r"spot|asyncinf|serverless", re.IGNORECASE)
_HOURLY_UNITS = {"hrs", "hr", "hours", "hour"}

EC2_FILTERS = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
}
SAGEMAKER_FILTERS = {"productFamily": "ML Instance"}

PageCallback = Callable[[str, str, int], None]


def _filters(region: str, extra: dict[str, str]) -> list[dict[str, str]]:
    pairs = {"regionCode": region, **extra}
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in pairs.items()]


def get_products_params(service_code: str, region: str) -> dict[str, Any]:
    """The ``GetProducts`` request for one service and region (what the tests stub)."""
    extra = EC2_FILTERS if service_code == "AmazonEC2" else SAGEMAKER_FILTERS
    return {
        "ServiceCode": service_code,
        "Filters": _filters(region, extra),
        "FormatVersion": "aws_v1",
    }


def hourly_usd(item: dict[str, Any]) -> Decimal | None:
    """The single on-demand USD-per-hour price of a price-list item, or None.

    None when there is no OnDemand term, no hourly dimension, a zero price (free tier or a
    placeholder: a silent $0 is worse than unpriced) or several different hourly prices.
    """
    found: set[Decimal] = set()
    for term in item.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            if str(dim.get("unit", "")).lower() not in _HOURLY_UNITS:
                continue
            try:
                value = Decimal(dim["pricePerUnit"]["USD"])
            except (KeyError, InvalidOperation):
                continue
            if value > 0:
                found.add(value)
    return found.pop() if len(found) == 1 else None


def sagemaker_usage(attributes: dict[str, str]) -> Usage | None:
    """Our usage for a SageMaker product, from ``component`` cross-checked with ``usagetype``."""
    usagetype = attributes.get("usagetype", "")
    if _EXCLUDED_USAGETYPE.search(usagetype):
        return None
    usage = SAGEMAKER_COMPONENTS.get(attributes.get("component", ""))
    m = re.match(r"^(?:[A-Z]{2,4}\d?-)?([A-Za-z-]+):ml\.", usagetype)
    by_usagetype = SAGEMAKER_USAGETYPE_PREFIXES.get(m.group(1)) if m else None
    if usage is None:
        return by_usagetype
    if by_usagetype is not None and by_usagetype is not usage:
        return None  # component and usage type disagree: do not guess
    return usage


_ML_TYPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+")


def _sagemaker_type(attributes: dict[str, str]) -> str | None:
    """``ml.g5.xlarge`` from ``instanceName``, ``instanceType`` (which may carry a component
    suffix, "ml.g5.xlarge-Notebook") or the usage type's tail; ``ml.p6-b200.48xlarge`` keeps
    its dash."""
    candidates = (
        attributes.get("instanceName"),
        attributes.get("instanceType"),
        attributes.get("usagetype", "").rpartition(":")[2],
    )
    for candidate in candidates:
        m = _ML_TYPE.match(candidate or "")
        if m:
            return m.group(0)
    return None


def parse_item(service_code: str, raw: str) -> tuple[Usage, str, str, Decimal, str] | None:
    """One PriceList JSON string -> (usage, region, instance type, USD/h, publicationDate)."""
    item = json.loads(raw)
    attrs: dict[str, str] = item.get("product", {}).get("attributes", {})
    region = attrs.get("regionCode")
    usd = hourly_usd(item)
    if not region or usd is None:
        return None
    if service_code == "AmazonEC2":
        itype = attrs.get("instanceType")
        if not itype or attrs.get("marketoption", "OnDemand") != "OnDemand":
            return None
        usage: Usage | None = Usage.EC2
    else:
        usage = sagemaker_usage(attrs)
        itype = _sagemaker_type(attrs)
        if usage is None or itype is None:
            return None
    return usage, region, itype, usd, str(item.get("publicationDate", ""))


def fetch(
    client: Any,
    regions: Sequence[str],
    services: Iterable[str] = ("AmazonSageMaker", "AmazonEC2"),
    on_page: PageCallback | None = None,
) -> dict[str, Any]:
    """Page through GetProducts for each service and region; return a refreshed catalogue dict.

    ``on_page(service_code, region, items_in_page)`` is called after each page (progress bars).
    """
    prices: dict[str, dict[str, dict[str, list[str]]]] = {}
    sources: dict[str, dict[str, str]] = {}
    paginator = client.get_paginator("get_products")
    for service_code in services:
        for region in regions:
            pages = paginator.paginate(
                **get_products_params(service_code, region),
                PaginationConfig={"PageSize": 100},
            )
            for page in pages:
                if "PriceList" not in page:  # botocore's reading of a body that is not JSON
                    raise ValueError(
                        f"a GetProducts answer without PriceList (keys: {sorted(page)[:5]})"
                    )
                items = page["PriceList"]
                for raw in items:
                    parsed = parse_item(service_code, raw)
                    if parsed is None:
                        continue
                    usage, item_region, itype, usd, published = parsed
                    source_id = f"aws-price-list:{service_code}:{published}"
                    sources.setdefault(
                        source_id,
                        {
                            "label": f"AWS Price List API {service_code}",
                            "origin": "pricing:GetProducts (api.pricing.us-east-1.amazonaws.com)",
                            "date": published[:10],
                            "published": published,
                        },
                    )
                    slot = prices.setdefault(str(usage), {}).setdefault(item_region, {})
                    slot[itype] = [str(usd), source_id]
                if on_page is not None:
                    on_page(service_code, region, len(items))
    return {"schema": 1, "kind": "refreshed", "sources": sources, "prices": prices}


def merge(existing: dict[str, Any] | None, fresh: dict[str, Any]) -> dict[str, Any]:
    """Fresh entries replace existing ones for the same (usage, region, type); others stay."""
    if not existing:
        return fresh
    out = {
        "schema": 1,
        "kind": "refreshed",
        "sources": {**existing.get("sources", {}), **fresh["sources"]},
        "prices": json.loads(json.dumps(existing.get("prices", {}))),
    }
    for usage, by_region in fresh["prices"].items():
        for region, by_type in by_region.items():
            out["prices"].setdefault(usage, {}).setdefault(region, {}).update(by_type)
    used = {sid for r in out["prices"].values() for t in r.values() for _, sid in t.values()}
    out["sources"] = {k: v for k, v in out["sources"].items() if k in used}
    return out


def write(data: dict[str, Any], out_dir: Path, file_name: str = "catalogue.json") -> Path:
    """Merge ``data`` into ``out_dir/file_name`` (atomic replace) and return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / file_name
    existing = None
    if path.is_file():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            existing = None  # a broken file is replaced, not merged
    merged = merge(existing, data)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(merged, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def count(data: dict[str, Any]) -> dict[str, int]:
    """Entries per usage, for the command's summary line."""
    return {u: sum(len(t) for t in r.values()) for u, r in sorted(data["prices"].items())}
