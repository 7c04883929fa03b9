"""Apply and undo from the browser: POST forms with the CSRF value, a confirmation page, then
the same :class:`~mlcost.fix.run.FixRunner` calls `mlcost fix ID --apply` and `mlcost undo`
make (lease, re-check against live AWS, snapshot, journal, act).

Why the confirmation page: the CLI asks "Apply N fix(es) to AWS?" before acting; the first
POST shows the plan and changes nothing, only a second POST with ``confirm=yes`` acts. The
same rules as `mlcost fix --from FILE` hold: findings of a scan older than 72 h, or not from a
live AWS scan (the demo's), are refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from mlcost.journal import findings as store
from mlcost.serve import security
from mlcost.serve.app import PageError, ServeConfig, sources
from mlcost.serve.render import render

router = APIRouter()


async def form(request: Request) -> dict[str, str]:
    """The posted form, once its CSRF value and (when the browser sends one) its Origin are
    ours; a 403 page otherwise, before anything is read or changed."""
    body = (await request.body()).decode("utf-8", errors="replace")
    fields = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    if not security.same(fields.get(security.CSRF_FIELD), request.app.state.csrf):
        raise PageError(403, "the form's CSRF token is missing or wrong", "reload the page")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise PageError(403, f"a form posted from another site ({origin})", "use the dashboard")
    return fields


def _runner(request: Request) -> Any:
    from mlcost.config import load_config
    from mlcost.fix.context import Clients
    from mlcost.fix.run import FixRunner
    from mlcost.fix.waiters import Waiter

    config: ServeConfig = request.app.state.config
    return FixRunner(
        sources(request).journal(),
        Clients(),
        Waiter(timeout_s=config.wait_timeout),
        settings=load_config(config.config).checks,
    )


def _applicable(request: Request, finding_id: str, scan_id: str | None) -> tuple[Any, Any]:
    """(the stored finding row, its FindingSet of one) — or the page that says why not."""
    from mlcost.fix.actions import action_for
    from mlcost.fix.findings import MAX_FINDINGS_AGE, FindingSet, finding_from_dict

    journal = sources(request).journal()
    row = store.one(journal, finding_id, scan_id or None)
    if row is None:
        raise PageError(404, f"no finding {finding_id!r} in the journal", "see the findings page")
    finding = finding_from_dict(row["finding"])
    action_for(finding.fix.action)  # a fix mlcost cannot apply: a 400 page naming it
    scan = store.scan(journal, row["scan_id"])
    assert scan is not None  # a finding row references its scan
    if scan["source"] != "aws":
        raise PageError(
            409,
            f"finding {finding_id} comes from a {scan['source']!r} scan, not a live AWS scan",
            "fixes act on AWS accounts: record a scan with `mlcost scan --db URL`",
        )
    age = datetime.now(UTC) - scan["generated_at"]
    if age > MAX_FINDINGS_AGE:
        raise PageError(
            409,
            f"scan {scan['scan_id']} is stale: {age.total_seconds() / 3600:.0f} h old "
            f"(limit {MAX_FINDINGS_AGE.total_seconds() / 3600:.0f} h)",
            "scan again with `mlcost scan --db URL`",
        )
    found = FindingSet(
        generated_at=scan["generated_at"],
        source=scan["source"],
        regions=list(scan["regions"]),
        lookback_days=scan["lookback_days"],
        findings=[finding],
        origin=f"serve {scan['scan_id']}",
    )
    return row, found


@router.post("/findings/{finding_id}/apply", response_class=HTMLResponse)
async def apply(request: Request, finding_id: str) -> HTMLResponse:
    from mlcost.fix.actions import action_for

    fields = await form(request)
    row, found = _applicable(request, finding_id, fields.get("scan"))
    finding = found.findings[0]
    action = action_for(finding.fix.action)
    if fields.get("confirm") != "yes":
        return render(
            request,
            "confirm.html",
            {
                "what": "apply",
                "post": f"/findings/{finding_id}/apply",
                "scan": row["scan_id"],
                "f": row["finding"],
                "plan": action.plan(finding),
                "undoable": action.on_all,
            },
        )
    outcomes = await run_in_threadpool(lambda: _runner(request).apply(found, [finding]))
    return render(request, "outcome.html", {"outcomes": outcomes, "f": row["finding"]})


@router.post("/fixes/{fix_id}/undo", response_class=HTMLResponse)
async def undo(request: Request, fix_id: str) -> HTMLResponse:
    fields = await form(request)
    journal = sources(request).journal()
    fix = journal.fix(fix_id)
    if fix is None or fix["kind"] != "fix":
        raise PageError(404, f"no fix {fix_id!r} in the journal", "see the resource's history")
    if fields.get("confirm") != "yes":
        return render(
            request,
            "confirm.html",
            {
                "what": "undo",
                "post": f"/fixes/{fix_id}/undo",
                "fix": fix,
                "snapshots": sorted(journal.snapshots(fix_id)),
            },
        )
    from mlcost.errors import UserError

    try:
        outcome = await run_in_threadpool(lambda: _runner(request).undo(fix_id))
    except UserError as exc:  # not undoable (not done, already undone): a conflict
        raise PageError(409, exc.problem, exc.hint) from None
    return render(request, "outcome.html", {"outcomes": [outcome], "f": fix.get("finding")})
