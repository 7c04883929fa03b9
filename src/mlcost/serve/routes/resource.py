"""Resource: one resource's findings over the recorded scans, and its fixes, undos and
schedule actions over time (with the AWS calls each made)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlcost.journal import findings as store
from mlcost.serve.app import PageError, sources
from mlcost.serve.render import render

router = APIRouter()


@router.get("/resources/{resource_id:path}", response_class=HTMLResponse)
def resource(request: Request, resource_id: str) -> HTMLResponse:
    journal = sources(request).journal()
    found = store.for_resource(journal, resource_id)
    fixes = [f for f in journal.fixes() if f["resource_id"] == resource_id]
    if not found and not fixes:
        raise PageError(
            404,
            f"no finding or fix on a resource {resource_id!r} in the journal",
            "resources are linked from the findings page",
        )
    undone = {f["undoes"] for f in fixes if f["kind"] == "undo" and f["state"] == "done"}
    calls = {f["fix_id"]: journal.calls(f["fix_id"]) for f in fixes}
    return render(
        request,
        "resource.html",
        {
            "resource_id": resource_id,
            "found": found,
            "fixes": fixes,
            "undone": undone,
            "calls": calls,
        },
    )
