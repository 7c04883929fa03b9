"""Bench: the stored `mlcost bench` runs — latency against load and dollars per 1,000
inferences against throughput, per instance type, with their tables."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mlcost.bench.charts import bench_charts
from mlcost.bench.store import runs
from mlcost.serve.app import sources
from mlcost.serve.render import render

router = APIRouter()


@router.get("/bench", response_class=HTMLResponse)
def bench(request: Request) -> HTMLResponse:
    stored = runs(sources(request).journal())
    return render(
        request,
        "bench.html",
        {"runs": stored, "charts": bench_charts(stored) if stored else {}},
    )
