"""Bench runs kept in the journal database (table ``bench_runs``, migration 0002), so runs
on several instance types can be compared later and a report rebuilt without re-running."""

from __future__ import annotations

from typing import Any

from mlcost.journal.store import Journal, _aware_row, new_id, now, plain
from mlcost.journal.tables import bench_runs


def record_run(journal: Journal, result: dict[str, Any]) -> str:
    """Store one run (the dict :func:`mlcost.bench.report.result` builds); its new id."""
    run_id = new_id("bench")
    with journal.engine.begin() as conn:
        conn.execute(
            bench_runs.insert().values(
                run_id=run_id,
                recorded_at=now(),
                target=result["target"],
                backend=result["backend"],
                mode=result["mode"],
                settings=plain(result["settings"]),
                levels=plain(result["levels"]),
                costs=plain(result["costs"]),
                warnings=plain(result["warnings"]),
            )
        )
    return run_id


def runs(journal: Journal) -> list[dict[str, Any]]:
    """Every stored run, oldest first."""
    with journal.engine.connect() as conn:
        rows = conn.execute(bench_runs.select().order_by(bench_runs.c.recorded_at)).mappings()
        return [_aware_row(r) for r in rows.all()]
