"""The fix journal: every AWS call of a fix, its snapshot and its state, in SQLAlchemy Core
tables migrated with Alembic. SQLite by default, PostgreSQL by URL (``--db`` or
``MLCOST_DATABASE_URL``)."""

from mlcost.journal.store import (
    DATABASE_URL_ENV,
    Journal,
    LeaseHeld,
    holder_id,
    journal,
    new_id,
    open_journal,
    resolve_url,
)

__all__ = [
    "DATABASE_URL_ENV",
    "Journal",
    "LeaseHeld",
    "holder_id",
    "journal",
    "new_id",
    "open_journal",
    "resolve_url",
]
