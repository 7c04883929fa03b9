"""Billing analytics: CUR 2.0 / FOCUS / legacy CUR exports in DuckDB, reports, commitments."""

from pathlib import Path

#: Where `mlcost billing ingest` keeps the normalised line items unless --db says otherwise.
DEFAULT_DB = Path("mlcost-billing.duckdb")
