"""The journal's tables (SQLAlchemy Core): what a fix did, call by call, and what undo needs.

Why these rows: a fix can be killed at any instant (SIGKILL, power loss). Every AWS call is
written as ``started`` before it is made and ``ok`` / ``error`` after it returns, each in its
own committed transaction, so a later ``mlcost fix --resume`` knows exactly which calls
completed, which one may or may not have reached AWS (``started`` with no end), and has the
snapshot that was taken before the first mutating call. ``leases`` holds one row per resource
being acted on: its primary key is what keeps two runs off the same resource, on SQLite and
PostgreSQL alike.

The schema is created and upgraded only through the Alembic migrations in
``journal/migrations``; keep them in step with this module.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: A scan whose findings a fix run used (ran in the same command or read with --from).
scans = sa.Table(
    "scans",
    metadata,
    sa.Column("scan_id", sa.String(40), primary_key=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("origin", sa.Text, nullable=False),  # "scan" or the findings file's path
    sa.Column("regions", sa.JSON, nullable=False),
    sa.Column("lookback_days", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("monthly_savings_usd", sa.String(32), nullable=True),  # Decimal as text
)

#: One fix or one undo. ``kind`` is "fix" or "undo"; an undo names the fix it reverses.
fixes = sa.Table(
    "fixes",
    metadata,
    sa.Column("fix_id", sa.String(40), primary_key=True),
    sa.Column("run_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("undoes", sa.String(40), nullable=True),
    sa.Column("scan_id", sa.String(40), nullable=True),
    sa.Column("finding_id", sa.String(40), nullable=True),
    sa.Column("check_id", sa.String(64), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("resource_kind", sa.String(40), nullable=False),
    sa.Column("resource_id", sa.String(256), nullable=False),
    sa.Column("resource_arn", sa.Text, nullable=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("finding", sa.JSON, nullable=True),  # the finding as the findings JSON has it
    # planned | running | done | failed | skipped | deferred | cancelled
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("monthly_savings_usd", sa.String(32), nullable=True),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: What undo needs, taken before the first mutating call; never overwritten.
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("fix_id", sa.String(40), sa.ForeignKey("fixes.fix_id"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
)

#: Every AWS call of a fix: written "started" before it is made, "ok"/"error" after.
calls = sa.Table(
    "calls",
    metadata,
    sa.Column("call_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fix_id", sa.String(40), sa.ForeignKey("fixes.fix_id"), nullable=False),
    sa.Column("step", sa.String(128), nullable=False),  # the step's stable key within its fix
    sa.Column("service", sa.String(40), nullable=False),
    sa.Column("operation", sa.String(64), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("mutating", sa.Boolean, nullable=False),
    # started | ok | error | reconciled (a "started" call found applied on resume)
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("response", sa.JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_calls_fix_step", "fix_id", "step"),
)

#: One row per resource being acted on; the primary key is the lock.
leases = sa.Table(
    "leases",
    metadata,
    sa.Column("resource_key", sa.String(400), primary_key=True),
    sa.Column("fix_id", sa.String(40), nullable=False),
    sa.Column("holder", sa.String(200), nullable=False),  # host:pid:run
    sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

#: One `mlcost bench` run: its settings, every load level's summary and the costs derived.
bench_runs = sa.Table(
    "bench_runs",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("target", sa.Text, nullable=False),  # the URL benchmarked
    sa.Column("backend", sa.String(16), nullable=False),
    sa.Column("mode", sa.String(8), nullable=False),  # "open" or "closed"
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("levels", sa.JSON, nullable=False),  # LevelSummary.as_dict() per level
    sa.Column("costs", sa.JSON, nullable=False),  # LevelCost.as_dict() per type and level
    sa.Column("warnings", sa.JSON, nullable=False),
)

#: The findings of a recorded scan (`mlcost scan --db`), one row each, for `mlcost serve`:
#: the columns its pages filter and sort on in SQL (10,000 findings page in milliseconds),
#: the finding as the findings JSON has it, and the metric series of its resource.
findings = sa.Table(
    "findings",
    metadata,
    sa.Column("scan_id", sa.String(40), sa.ForeignKey("scans.scan_id"), primary_key=True),
    sa.Column("finding_id", sa.String(40), primary_key=True),
    sa.Column("check_id", sa.String(64), nullable=False),
    sa.Column("resource_kind", sa.String(40), nullable=False),
    sa.Column("resource_id", sa.String(256), nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("account_id", sa.String(32), nullable=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("risk", sa.String(16), nullable=False),
    # dollars to the cent as the findings JSON has them; NULL when unpriced (never 0)
    sa.Column("monthly_cost_usd", sa.Numeric(14, 2), nullable=True),
    sa.Column("monthly_savings_usd", sa.Numeric(14, 2), nullable=True),
    sa.Column("finding", sa.JSON, nullable=False),
    sa.Column("series", sa.JSON, nullable=False),  # [{name, metric, dimensions, stat, points}]
    sa.Index("ix_findings_scan_savings", "scan_id", "monthly_savings_usd"),
    # covers the filter form's choices and the filtered counts without reading the rows
    sa.Index(
        "ix_findings_scan_filters",
        "scan_id",
        "check_id",
        "region",
        "account_id",
        "resource_kind",
        "confidence",
        "monthly_savings_usd",
    ),
    sa.Index("ix_findings_resource", "resource_id"),
)
