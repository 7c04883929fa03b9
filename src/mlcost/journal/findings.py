"""A scan's findings in the journal (table ``findings``), and the queries `mlcost serve` pages.

Why in SQL: the dashboard shows one page of a scan that may hold 10,000 findings; filtering,
sorting and paging in the database keeps a page's cost to the rows it shows. Why the metric
series are stored with each finding: the finding page charts what the verdict rests on, and
the scan's inventory is gone once the command ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from mlcost.journal.store import Journal, _aware_row, plain
from mlcost.journal.tables import findings, scans
from mlcost.model import Finding, Inventory, MetricSeries, ScanResult, usd

#: Sort keys a findings query accepts (the page's ``sort`` parameter) -> column.
SORTS: dict[str, sa.ColumnElement[Any]] = {
    "savings": findings.c.monthly_savings_usd,
    "cost": findings.c.monthly_cost_usd,
    "confidence": findings.c.confidence,
    "check": findings.c.check_id,
    "region": findings.c.region,
    "account": findings.c.account_id,
    "resource": findings.c.resource_id,
}


def _cents(value: Decimal | None) -> Decimal | None:
    """Half up, as :func:`mlcost.model.usd` and the findings JSON (not quantize's half even)."""
    return None if value is None else usd(value)


def series_dict(series: MetricSeries) -> dict[str, Any]:
    """One series as stored: its CloudWatch identity and its points as [ISO time, value]."""
    return {
        "name": series.name,
        "namespace": series.namespace,
        "metric": series.metric,
        "dimensions": dict(series.dimensions),
        "stat": series.stat,
        "period_s": series.period_s,
        "status": str(series.status),
        "error": series.error,
        "points": [
            [t.isoformat(), v] for t, v in zip(series.timestamps, series.values, strict=False)
        ],
    }


def _resource_series(inventory: Inventory | None) -> dict[tuple[str, str, str], list[dict]]:
    """(kind, region, id) -> the stored form of that resource's series."""
    if inventory is None:
        return {}
    out: dict[tuple[str, str, str], list[dict]] = {}
    for resource in inventory.resources:
        series = inventory.metrics.get(resource.key, [])
        out[(str(resource.kind), resource.region, resource.id)] = [series_dict(s) for s in series]
    return out


def finding_row(
    scan_id: str, finding: Finding, account: str | None, series: list[dict[str, Any]]
) -> dict[str, Any]:
    """The row of one finding (the dollars rounded to the cent, as the findings JSON)."""
    from mlcost.report.json_report import finding_dict

    return {
        "scan_id": scan_id,
        "finding_id": finding.id,
        "check_id": finding.check,
        "resource_kind": str(finding.resource_kind),
        "resource_id": finding.resource_id,
        "region": finding.region,
        "account_id": account,
        "title": finding.title,
        "confidence": float(finding.confidence),
        "risk": str(finding.risk),
        "monthly_cost_usd": _cents(finding.monthly_cost_usd),
        "monthly_savings_usd": _cents(finding.monthly_savings_usd),
        "finding": plain(finding_dict(finding)),
        "series": plain(series),
    }


def record_scan_result(
    journal: Journal,
    result: ScanResult,
    inventory: Inventory | None = None,
    *,
    origin: str = "scan",
) -> str:
    """Record a scan and every finding of it (with its resource's series when the inventory
    is given); the new scan id. One transaction for the findings: a page never shows half."""
    from mlcost.report.json_report import totals

    scan_id = journal.record_scan(
        generated_at=result.generated_at,
        source=result.source,
        origin=origin,
        regions=list(result.regions),
        lookback_days=result.lookback_days,
        findings=len(result.findings),
        monthly_savings_usd=totals(result.findings)["monthly_savings_usd"],
    )
    by_resource = _resource_series(inventory)
    rows = [
        finding_row(
            scan_id,
            f,
            result.account,
            by_resource.get((str(f.resource_kind), f.region, f.resource_id), []),
        )
        for f in result.findings
    ]
    insert_rows(journal, rows)
    return scan_id


def insert_rows(journal: Journal, rows: Iterable[dict[str, Any]]) -> None:
    """Insert finding rows in one transaction (also used by the serve benchmark)."""
    rows = list(rows)
    if rows:
        with journal.engine.begin() as conn:
            conn.execute(findings.insert(), rows)


@dataclass(frozen=True, slots=True)
class FindingQuery:
    """What a findings page asks for: filters (exact values; empty = any), a minimum saving
    and confidence, a sort key and direction, and a page (1-based) of ``per_page`` rows."""

    check: str = ""
    region: str = ""
    account: str = ""
    resource_kind: str = ""
    min_confidence: float | None = None
    min_savings: Decimal | None = None
    sort: str = "savings"
    descending: bool = True
    page: int = 1
    per_page: int = 50


def latest_scan_with_findings(journal: Journal) -> dict[str, Any] | None:
    """The newest recorded scan that has finding rows (a fix run records scans without)."""
    latest = scans_with_findings(journal, limit=1)
    return latest[0] if latest else None


def scan(journal: Journal, scan_id: str) -> dict[str, Any] | None:
    with journal.engine.connect() as conn:
        row = conn.execute(scans.select().where(scans.c.scan_id == scan_id)).mappings().first()
    return _aware_row(row) if row else None


def _where(scan_id: str, q: FindingQuery) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = [findings.c.scan_id == scan_id]
    for column, value in (
        (findings.c.check_id, q.check),
        (findings.c.region, q.region),
        (findings.c.account_id, q.account),
        (findings.c.resource_kind, q.resource_kind),
    ):
        if value:
            conds.append(column == value)
    if q.min_confidence is not None:
        conds.append(findings.c.confidence >= q.min_confidence)
    if q.min_savings is not None:
        conds.append(findings.c.monthly_savings_usd >= q.min_savings)
    return conds


#: The list columns: a page never reads the stored finding JSON or series of its rows.
_LIST_COLUMNS = (
    findings.c.finding_id,
    findings.c.check_id,
    findings.c.resource_kind,
    findings.c.resource_id,
    findings.c.region,
    findings.c.account_id,
    findings.c.title,
    findings.c.confidence,
    findings.c.risk,
    findings.c.monthly_cost_usd,
    findings.c.monthly_savings_usd,
)


def page(journal: Journal, scan_id: str, q: FindingQuery) -> tuple[int, list[dict[str, Any]]]:
    """(how many findings match, the requested page of them) — counted, sorted and cut in
    SQL; unpriced findings (NULL dollars) sort last whichever the direction."""
    column = SORTS.get(q.sort, SORTS["savings"])
    order = (column.desc() if q.descending else column.asc()).nulls_last()
    conds = _where(scan_id, q)
    offset = (max(q.page, 1) - 1) * q.per_page
    with journal.engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.count()).select_from(findings).where(*conds)
        ).scalar_one()
        rows = (
            conn.execute(
                sa.select(*_LIST_COLUMNS)
                .where(*conds)
                .order_by(order, findings.c.finding_id)
                .limit(q.per_page)
                .offset(offset)
            )
            .mappings()
            .all()
        )
    return int(total), [dict(r) for r in rows]


def facets(journal: Journal, scan_id: str) -> dict[str, list[str]]:
    """The values each filter can take in this scan (the filter form's choices)."""
    out: dict[str, list[str]] = {}
    with journal.engine.connect() as conn:
        for name, column in (
            ("check", findings.c.check_id),
            ("region", findings.c.region),
            ("account", findings.c.account_id),
            ("resource_kind", findings.c.resource_kind),
        ):
            values = conn.execute(
                sa.select(column).where(findings.c.scan_id == scan_id).distinct().order_by(column)
            ).scalars()
            out[name] = [v for v in values if v is not None]
    return out


def one(journal: Journal, finding_id: str, scan_id: str | None = None) -> dict[str, Any] | None:
    """A finding row (the newest scan's, unless ``scan_id`` names one); ``None`` if unknown."""
    query = (
        sa.select(findings)
        .select_from(findings.join(scans))
        .where(findings.c.finding_id == finding_id)
        .order_by(scans.c.recorded_at.desc())
        .limit(1)
    )
    if scan_id:
        query = query.where(findings.c.scan_id == scan_id)
    with journal.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def for_resource(journal: Journal, resource_id: str) -> list[dict[str, Any]]:
    """Every recorded finding on a resource, newest scan first, with its scan's time."""
    with journal.engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(*_LIST_COLUMNS, findings.c.scan_id, scans.c.generated_at)
                .select_from(findings.join(scans))
                .where(findings.c.resource_id == resource_id)
                .order_by(scans.c.recorded_at.desc())
            )
            .mappings()
            .all()
        )
    return [_aware_row(r) for r in rows]


def scans_with_findings(journal: Journal, limit: int = 12) -> list[dict[str, Any]]:
    """The latest recorded scans that have findings, oldest first (their saving counts each
    resource once, at its largest saving, as the scan's totals do)."""
    with journal.engine.connect() as conn:
        rows = (
            conn.execute(
                scans.select()
                .where(sa.exists().where(findings.c.scan_id == scans.c.scan_id))
                .order_by(scans.c.recorded_at.desc())
                .limit(limit)
            )
            .mappings()
            .all()
        )
    return [_aware_row(r) for r in reversed(rows)]
