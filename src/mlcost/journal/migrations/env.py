"""Alembic environment for the journal: runs on the connection mlcost hands it.

mlcost never reads an alembic.ini: :mod:`mlcost.journal.store` builds the Config in code
and passes its open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from mlcost.journal.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
