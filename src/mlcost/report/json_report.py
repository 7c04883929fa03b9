"""The findings JSON: the stable contract of DESIGN.md ("Findings JSON"), plus the
documented top-level ``errors`` and ``warnings`` keys."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from mlcost.model import Finding, ScanResult, usd
from mlcost.report.totals import totals


def _money(value: Decimal | None) -> float | None:
    """Money as a JSON number rounded to the cent, or null when unpriced."""
    return None if value is None else float(usd(value))


def _plain(value: Any) -> Any:
    """Evidence and fix params as JSON values: Decimal as a string (exact), time as ISO-8601."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding with exactly the contract's keys."""
    return {
        "id": f.id,
        "check": f.check,
        "resource_kind": str(f.resource_kind),
        "resource_id": f.resource_id,
        "resource_arn": f.resource_arn,
        "region": f.region,
        "title": f.title,
        "evidence": _plain(f.evidence),
        "monthly_cost_usd": _money(f.monthly_cost_usd),
        "monthly_savings_usd": _money(f.monthly_savings_usd),
        "fix": {"action": f.fix.action, "params": _plain(f.fix.params)},
        "risk": str(f.risk),
        "confidence": f.confidence,
    }


def to_dict(result: ScanResult) -> dict[str, Any]:
    """The report as plain JSON-ready values."""
    t = totals(result.findings)
    return {
        "generated_at": result.generated_at.isoformat(),
        "source": result.source,
        "account_id": result.account,
        "regions": list(result.regions),
        "lookback_days": result.lookback_days,
        "findings": [finding_dict(f) for f in result.findings],
        "totals": {
            "monthly_cost_usd": _money(t["monthly_cost_usd"]),
            "monthly_savings_usd": _money(t["monthly_savings_usd"]),
            "by_check": {
                k: {"count": v["count"], "monthly_savings_usd": _money(v["monthly_savings_usd"])}
                for k, v in t["by_check"].items()
            },
            # findings whose cost or saving is unpriced (null): the sums above leave them out
            "unpriced_findings": t["unpriced_findings"],
            # also partial when a region or service could not be read: $0 is then unknown
            "partial": t["partial"] or bool(result.errors),
        },
        "scanned": {"regions": list(result.regions), "resources": dict(result.scanned)},
        "errors": [_plain(e) for e in result.errors],
        "warnings": list(result.warnings),
    }


def to_json(result: ScanResult, *, indent: int | None = 2) -> str:
    """``mlcost scan --format json``."""
    return json.dumps(to_dict(result), indent=indent, ensure_ascii=False)
