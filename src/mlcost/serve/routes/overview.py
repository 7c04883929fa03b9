"""Overview: the monthly ML spend trend by stage (from the bill), savings found by the recorded
scans against savings applied (done fixes not undone) and undone, and the top findings."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlcost import charts
from mlcost.journal import findings as store
from mlcost.serve import billing_data
from mlcost.serve.app import sources
from mlcost.serve.render import render

router = APIRouter()


def fix_savings(fixes: list[dict[str, Any]]) -> dict[str, Any]:
    """Monthly savings of done fixes still in effect and of those undone, per the journal
    (each resource once, at its largest saving, as the scan's totals); `mlcost verify`
    re-reads AWS to tell whether a fixed resource came back."""
    undone = {f["undoes"] for f in fixes if f["kind"] == "undo" and f["state"] == "done"}
    held: dict[tuple[str, str], Decimal] = {}
    reverted: dict[tuple[str, str], Decimal] = {}
    for f in fixes:
        if f["kind"] != "fix" or f["state"] != "done" or f["monthly_savings_usd"] is None:
            continue
        key = (f["region"], f["resource_id"])
        into = reverted if f["fix_id"] in undone else held
        into[key] = max(into.get(key, Decimal(0)), Decimal(f["monthly_savings_usd"]))
    return {
        "applied": sum(held.values(), Decimal(0)),
        "applied_count": len(held),
        "undone": sum(reverted.values(), Decimal(0)),
        "undone_count": len(reverted),
    }


def trend(rows: list[dict[str, Any]]) -> tuple[str, list[str], dict[str, dict[str, Any]]]:
    """(an SVG line per stage over the months, the months, stage -> month -> dollars)."""
    months = sorted({r["month"] for r in rows})
    by_stage: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in rows:
        by_stage[r["stage"]][r["month"]] = r["effective_cost"]
    if len(months) == 1:  # one month is no trend: its stages as bars
        per = {stage: v[months[0]] for stage, v in by_stage.items()}
        svg = charts.bars(
            sorted(per), [Decimal(per[s]) for s in sorted(per)], title=f"ML spend in {months[0]}"
        )
        return svg, months, dict(by_stage)
    index = {m: i for i, m in enumerate(months)}
    svg = charts.lines(
        [
            charts.Line(stage, [(index[m], float(v)) for m, v in sorted(per.items())])
            for stage, per in sorted(by_stage.items())
        ],
        title="ML spend per month by stage",
        x_label="month",
        y_label="USD",
        x_fmt=lambda v: months[int(round(v))] if months else "",
        y_fmt=lambda v: f"${v:,.0f}",
        y_min=0.0,
    )
    return svg, months, dict(by_stage)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    src = sources(request)
    journal = src.journal()
    scan = store.latest_scan_with_findings(journal)
    top: list[dict[str, Any]] = []
    if scan is not None:
        top = store.page(journal, scan["scan_id"], store.FindingQuery(per_page=10))[1]
    history = store.scans_with_findings(journal)
    found_svg = charts.bars(
        [f"{s['generated_at']:%Y-%m-%d %H:%M}" for s in history],
        [Decimal(s["monthly_savings_usd"] or 0) for s in history],
        title="monthly savings found per recorded scan (USD)",
    )
    spend: dict[str, Any] = {}
    if src.config.billing_db is not None:
        svg, months, by_stage = trend(billing_data.monthly_by_stage(src.config.billing_db))
        spend = {"svg": svg, "months": months, "by_stage": by_stage}
    return render(
        request,
        "overview.html",
        {
            "scan": scan,
            "top": top,
            "history": history,
            "found_svg": found_svg if history else "",
            "fixed": fix_savings(journal.fixes()),
            "spend": spend,
        },
    )
