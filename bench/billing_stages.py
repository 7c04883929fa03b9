"""Where one ingest + report spends its time: wall and CPU seconds per SQL statement.

    python bench/billing_stages.py FILE.parquet [--db /tmp/stages.duckdb] [--explain]

Runs ``mlcost.billing.ingest`` on one export in this process, with the loading connection
wrapped so that every statement it executes is timed (wall, and this process's CPU seconds:
DuckDB's threads included), then the full report. ``--explain`` also prints DuckDB's
``EXPLAIN ANALYZE`` of the per-line facts write (operator times summed over threads), in a
transaction that is rolled back. WHY: the benchmark's one figure per run does not say which
statement to work on, and on a machine shared with other work CPU seconds move far less than
wall seconds (docs/billing.md, "Benchmarks").
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from mlcost.billing import report, storage
from mlcost.billing.ingest import ingest


class _TimedConnection:
    """A DuckDB connection whose ``execute`` records (wall s, CPU s, SQL) per statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.statements: list[tuple[float, float, str]] = []

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        c0, t0 = time.process_time(), time.perf_counter()
        out = self._con.execute(sql, *args)
        self.statements.append((time.perf_counter() - t0, time.process_time() - c0, sql))
        return out

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--db", type=Path, default=Path("/tmp/mlcost-stages.duckdb"))
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--min-s", type=float, default=0.02, help="statements shorter are left out")
    a = ap.parse_args()
    opened: list[_TimedConnection] = []
    real_open = storage.open_for_loading

    def timed_open(db: str, memory_limit: str) -> _TimedConnection:
        con = _TimedConnection(real_open(db, memory_limit))
        opened.append(con)
        return con

    storage.open_for_loading = timed_open  # type: ignore[assignment]
    a.db.unlink(missing_ok=True)
    c0, t0 = time.process_time(), time.perf_counter()
    ingest([a.file], a.db)
    ingest_wall, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
    storage.open_for_loading = real_open  # type: ignore[assignment]
    print("| wall s | CPU s | statement |\n|---:|---:|---|")
    for wall, cpu, sql in opened[0].statements:
        if wall >= a.min_s:
            print(f"| {wall:.2f} | {cpu:.2f} | `{' '.join(sql.split())[:90]}` |")
    print(f"| **{ingest_wall:.2f}** | **{ingest_cpu:.2f}** | ingest, in all |")
    c0, t0 = time.process_time(), time.perf_counter()
    report.build(report.duckdb_runner(a.db), tag="team")
    print(f"| {time.perf_counter() - t0:.2f} | {time.process_time() - c0:.2f} | report |")
    if a.explain:
        facts = next(
            s for _, _, s in opened[0].statements if s.startswith("INSERT INTO line_item_facts")
        )
        con = real_open(str(a.db), storage.default_memory_limit())
        try:
            # the same statement again, on the same file id: it reads the export as before
            con.execute("BEGIN TRANSACTION")
            plan = con.execute("EXPLAIN ANALYZE " + facts).fetchall()
            con.execute("ROLLBACK")
        finally:
            con.close()
        print(plan[0][1])


if __name__ == "__main__":
    main()
