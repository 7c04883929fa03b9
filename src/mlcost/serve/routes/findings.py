"""Findings: the list (filtered, sorted and paged in SQL by GET parameters) and one finding
with its evidence, its metric series charted, its prices, its fix and the exact commands."""

from __future__ import annotations

import math
import shlex
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlcost.journal import findings as store
from mlcost.serve.app import PageError, sources
from mlcost.serve.charts import series_chart
from mlcost.serve.render import render

router = APIRouter()

PER_PAGE = 50
#: No scan has a million pages; a larger number would overflow the SQL offset.
MAX_PAGE = 1_000_000
#: The filters the list takes: GET parameter -> FindingQuery field.
FILTERS = {"check": "check", "region": "region", "account": "account", "kind": "resource_kind"}


def _number(raw: str, name: str, kind: type, low: float, high: float | None = None) -> Any:
    try:
        value = kind(raw)
        if not (math.isfinite(float(value)) and low <= float(value)):
            raise ValueError
        if high is not None and float(value) > high:
            raise ValueError
    except (ValueError, InvalidOperation):
        bound = f"between {low:g} and {high:,}" if high is not None else f"at least {low:g}"
        raise PageError(
            400, f"{name}={raw!r} is not a number {bound}", f"e.g. {name}={low:g}"
        ) from None
    return value


def parse_query(params: dict[str, str]) -> store.FindingQuery:
    """The page's GET parameters as a query; a bad value is a 400 page naming it."""
    sort = params.get("sort") or "savings"
    if sort not in store.SORTS:
        raise PageError(
            400, f"cannot sort findings by {sort!r}", "sort by " + ", ".join(store.SORTS)
        )
    direction = params.get("dir") or ("asc" if sort in ("check", "region", "resource") else "desc")
    if direction not in ("asc", "desc"):
        raise PageError(400, f"dir={direction!r}", "dir is asc or desc")
    min_conf = params.get("min_confidence") or ""
    min_savings = params.get("min_savings") or ""
    return store.FindingQuery(
        **{field: params.get(name, "") for name, field in FILTERS.items()},
        min_confidence=_number(min_conf, "min_confidence", float, 0, 1) if min_conf else None,
        min_savings=_number(min_savings, "min_savings", Decimal, 0) if min_savings else None,
        sort=sort,
        descending=direction == "desc",
        page=_number(params.get("page") or "1", "page", int, 1, MAX_PAGE),
        per_page=PER_PAGE,
    )


def _scan(journal: Any, scan_id: str | None) -> dict[str, Any] | None:
    if scan_id:
        scan = store.scan(journal, scan_id)
        if scan is None:
            raise PageError(404, f"no scan {scan_id!r} in the journal", "see the overview")
        return scan
    return store.latest_scan_with_findings(journal)


@router.get("/findings", response_class=HTMLResponse)
def findings_list(request: Request) -> HTMLResponse:
    params = dict(request.query_params)
    query = parse_query(params)
    journal = sources(request).journal()
    scan = _scan(journal, params.get("scan"))
    if scan is None:
        return render(request, "findings.html", {"scan": None})
    total, rows = store.page(journal, scan["scan_id"], query)
    pages = max(1, -(-total // query.per_page))
    if query.page > pages and total:
        raise PageError(404, f"page {query.page} of {pages}", "go back to page 1")
    kept = {k: v for k, v in params.items() if v and k != "page"}

    def link(**change: Any) -> str:
        merged = {**kept, **{k: str(v) for k, v in change.items()}}
        return "/findings?" + urlencode(merged)

    return render(
        request,
        "findings.html",
        {
            "scan": scan,
            "rows": rows,
            "total": total,
            "query": query,
            "params": params,
            "facets": store.facets(journal, scan["scan_id"]),
            "sorts": list(store.SORTS),
            "page": query.page,
            "pages": pages,
            "link": link,
        },
    )


def prices_in(evidence: Any) -> list[dict[str, Any]]:
    """Every price quote in the evidence (a dict with a source and a date), where it sits,
    with the instance type of the item it prices (a quote itself does not repeat it)."""
    found: list[dict[str, Any]] = []

    def walk(value: Any, where: str, itype: str) -> None:
        if isinstance(value, dict):
            itype = str(value.get("instance_type") or itype)
            if "source" in value and "date" in value:
                found.append({"where": where, "instance_type": itype, **value})
            for k, v in value.items():
                walk(v, f"{where}.{k}" if where else str(k), itype)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{where}[{i}]", itype)

    walk(evidence, "", "")
    return found


def cli_command(finding: dict[str, Any], lookback_days: int | None, db: str | None) -> str:
    """The `mlcost fix` command that applies this finding's fix from the shell: it scans the
    finding's region over the same window again (ids are stable across scans), then acts."""
    parts = ["mlcost", "fix", finding["id"], "--region", finding["region"]]
    if lookback_days:
        parts += ["--lookback-days", str(lookback_days)]
    parts.append("--apply")
    if db:
        parts += ["--db", db]
    return " ".join(shlex.quote(p) for p in parts)


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
def finding_page(request: Request, finding_id: str, scan: str | None = None) -> HTMLResponse:
    from mlcost.fix.actions import ACTIONS
    from mlcost.fix.findings import finding_from_dict
    from mlcost.report.aws_cli import aws_command

    journal = sources(request).journal()
    row = store.one(journal, finding_id, scan)
    if row is None:
        raise PageError(
            404,
            f"no finding {finding_id!r} in the journal",
            "finding ids are listed on the findings page",
        )
    finding = row["finding"]
    action = ACTIONS.get(finding["fix"]["action"])
    fixes = [f for f in journal.fixes() if f["finding_id"] == finding_id]
    undone = {f["undoes"] for f in fixes if f["kind"] == "undo" and f["state"] == "done"}
    charts = [series_chart(s) for s in row["series"]]
    scan = store.scan(journal, row["scan_id"])
    return render(
        request,
        "finding.html",
        {
            "row": row,
            "f": finding,
            "scan": scan,
            "prices": prices_in(finding["evidence"]),
            "charts": charts,
            "action": action,
            "plan": action.plan(finding_from_dict(finding)) if action else None,
            "cli": cli_command(
                finding, scan["lookback_days"] if scan else None, sources(request).config.db
            ),
            "aws": aws_command(finding_from_dict(finding)),
            "fixes": fixes,
            "undone": undone,
        },
    )
