"""Billing: ML spend by stage, tag and family from the billing database, and the savings-plan
commitment curve (net savings and utilisation against the commitment, the optimum marked)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlcost.serve import billing_data
from mlcost.serve.app import PageError, sources
from mlcost.serve.charts import money_bars, plan_charts
from mlcost.serve.render import render

router = APIRouter()

#: section -> (what its bars show, the label of a row)
BARS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "by_stage": ("SageMaker stage", lambda r: str(r["stage"])),
    "by_tag": ("tag value", lambda r: str(r["tag_value"])),
    "by_family": ("instance family", lambda r: f"{r['service']} {r['instance_family']}"),
}


@router.get("/billing", response_class=HTMLResponse)
def billing(request: Request, tag: str = "team") -> HTMLResponse:
    config = sources(request).config
    db = config.billing_db
    if db is None:
        return render(request, "billing.html", {"db": None})
    if not tag.strip() or len(tag) > 128:
        raise PageError(400, f"tag={tag!r} is not a tag key", "e.g. tag=team")
    rep = billing_data.report(db, tag)
    charts = {
        section: money_bars(
            [label(r) for r in rows],
            [Decimal(r["effective_cost"] or 0) for r in rows],
            f"ML spend by {what} (USD)",
        )
        for section, (what, label) in BARS.items()
        if (rows := rep.sections.get(section))
    }
    plan, plan_note = billing_data.commitment_curve(db, config.sp_rates)
    return render(
        request,
        "billing.html",
        {
            "db": db,
            "tag": tag,
            "rep": rep,
            "charts": charts,
            "plan": plan,
            "plan_note": plan_note,
            "plan_svgs": plan_charts(plan["curve"], plan["optimal"]) if plan else (),
        },
    )
