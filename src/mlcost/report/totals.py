"""Totals over a scan's findings, shared by every report format.

Several checks can flag the same resource (an idle notebook also lacks auto-stop); their
savings overlap, so the overall saving counts each resource once, at its largest saving, and
the overall cost counts each resource's cost once. ``by_check`` sums within one check.

Unpriced figures (None) cannot be summed; the totals then understate the truth, so they carry
``unpriced_findings`` (how many findings lack a cost or a saving) and ``partial`` for every
report to say so rather than present a lower bound as the whole.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mlcost.model import Finding, usd


def _resource(f: Finding) -> str:
    return f.resource_arn or f"{f.region}/{f.resource_kind}/{f.resource_id}"


def totals(findings: list[Finding]) -> dict[str, Any]:
    """``{monthly_cost_usd, monthly_savings_usd, by_check: {check: {count, monthly_savings_usd}},
    unpriced_findings, partial}`` with Decimal money rounded to the cent (unpriced figures are
    left out of the sums, and counted in ``unpriced_findings``)."""
    cost: dict[str, Decimal] = {}
    saving: dict[str, Decimal] = {}
    by_check: dict[str, dict[str, Any]] = {}
    unpriced = 0
    for f in findings:
        if f.monthly_cost_usd is None or f.monthly_savings_usd is None:
            unpriced += 1
        key = _resource(f)
        if f.monthly_cost_usd is not None:
            cost[key] = max(cost.get(key, f.monthly_cost_usd), f.monthly_cost_usd)
        if f.monthly_savings_usd is not None:
            saving[key] = max(saving.get(key, f.monthly_savings_usd), f.monthly_savings_usd)
        entry = by_check.setdefault(f.check, {"count": 0, "monthly_savings_usd": Decimal(0)})
        entry["count"] += 1
        if f.monthly_savings_usd is not None:
            entry["monthly_savings_usd"] += f.monthly_savings_usd
    return {
        "monthly_cost_usd": usd(sum(cost.values(), Decimal(0))),
        "monthly_savings_usd": usd(sum(saving.values(), Decimal(0))),
        "by_check": {
            k: {"count": v["count"], "monthly_savings_usd": usd(v["monthly_savings_usd"])}
            for k, v in sorted(by_check.items())
        },
        "unpriced_findings": unpriced,
        "partial": unpriced > 0,
    }
