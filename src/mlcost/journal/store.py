"""Open the journal (SQLite by default, PostgreSQL by URL) and read and write its rows.

Why each write is its own transaction: the journal is what a resumed run trusts after a
SIGKILL, so a row must be on disk before the AWS call it announces is made. Nothing is
batched; a fix makes tens of calls, not thousands.

Opening checks, before anything is written: that the URL parses and the server answers
(else one clear :class:`~mlcost.errors.UserError`), and that the schema is not from a newer
mlcost (its Alembic revision unknown here). Only then are migrations applied.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from mlcost.errors import UserError
from mlcost.journal.tables import calls, fixes, leases, scans, snapshots

#: Environment variable naming the journal database (``--db`` wins over it).
DATABASE_URL_ENV = "MLCOST_DATABASE_URL"

#: How long a lease holds without being renewed (a run renews it at every call and wait).
LEASE_TTL = timedelta(minutes=15)

MIGRATIONS = "mlcost.journal:migrations"


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; the journal writes UTC, so say so."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def new_id(prefix: str) -> str:
    """A short random id, e.g. ``fx-3f9a1c0b2d`` (fix), ``ud-…`` (undo), ``run-…``."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "read"):  # a streaming body: never needed for undo
        return None
    raise TypeError(f"cannot journal a {type(value).__name__}")


def plain(value: Any) -> Any:
    """A value as JSON would give it back: what is stored is exactly what is read later."""
    return json.loads(json.dumps(value, default=_json_default))


def default_url() -> str:
    """SQLite under the user's data directory (XDG_DATA_HOME, else ~/.local/share)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'mlcost' / 'journal.db'}"


def resolve_url(db: str | None) -> str:
    """``--db``, else ``MLCOST_DATABASE_URL``, else the default SQLite file.

    A plain ``postgresql://`` URL means psycopg 3 (the driver mlcost ships with)."""
    url = db or os.environ.get(DATABASE_URL_ENV) or default_url()
    for plain_scheme in ("postgresql://", "postgres://"):
        if url.startswith(plain_scheme):
            url = "postgresql+psycopg://" + url[len(plain_scheme) :]
    return url


def _safe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise UserError(
            f"cannot parse the journal database URL {url!r}: {exc}",
            "use e.g. sqlite:////path/journal.db or postgresql://user@host/db",
        ) from None
    kwargs: dict[str, Any] = {"json_serializer": lambda o: json.dumps(o, default=_json_default)}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if url == default_url() and database:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        return sa.create_engine(url, **kwargs)
    except Exception as exc:  # unknown dialect or driver
        raise UserError(
            f"cannot use the journal database {_safe(url)}: {exc}",
            "mlcost supports sqlite:/// and postgresql:// URLs",
        ) from None


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["connection"] = connection
    return cfg


def _revisions(engine: Engine, url: str) -> tuple[set[str], set[str]]:
    """(the database's revisions, this mlcost's heads); UserError when the database cannot be
    reached or was written by a newer mlcost. Reads only."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise UserError(
            f"cannot open the journal database {_safe(url)}: {reason}",
            f"check --db / {DATABASE_URL_ENV} (host, port, credentials, file path)",
        ) from None
    with engine.connect() as conn:
        script = ScriptDirectory.from_config(_alembic_config(conn))
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        raise UserError(
            f"the journal {_safe(url)} was written by a newer mlcost "
            f"(schema revision {', '.join(unknown)})",
            "upgrade mlcost, or point --db at another journal",
        )
    return current, set(script.get_heads())


def _migrate(engine: Engine, url: str) -> None:
    """Refuse a schema from a newer mlcost; otherwise upgrade to this version's head."""
    from alembic import command

    current, heads = _revisions(engine, url)
    if current != heads:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")


def check_journal(db: str | None = None) -> None:
    """Fail now, writing nothing, if the journal could not be opened later: unreachable, not
    creatable, or from a newer mlcost. Lets a command refuse before a long scan."""
    url = resolve_url(db)
    parsed = make_url(url) if "://" in url else None
    if parsed is not None and parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database)
        if not path.exists():  # connecting would create it: look at its folder instead
            if url != default_url() and not path.parent.is_dir():
                raise UserError(
                    f"cannot open the journal database {_safe(url)}: "
                    f"folder {path.parent} does not exist",
                    f"check --db / {DATABASE_URL_ENV} (host, port, credentials, file path)",
                )
            return
    engine = _engine(url)
    try:
        _revisions(engine, url)
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class LeaseHeld:
    """Another run holds the resource."""

    fix_id: str
    holder: str


def holder_id(run_id: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{run_id}"


def _holder_gone(holder: str) -> bool:
    """True when the holder ran on this host and its process no longer exists."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Journal:
    """The journal of one database. Every write commits before it returns."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    # ------------------------------------------------------------------ scans

    def record_scan(
        self,
        *,
        generated_at: datetime,
        source: str,
        origin: str,
        regions: list[str],
        lookback_days: int,
        findings: int,
        monthly_savings_usd: Decimal | None,
    ) -> str:
        scan_id = new_id("scan")
        with self.engine.begin() as conn:
            conn.execute(
                scans.insert().values(
                    scan_id=scan_id,
                    recorded_at=now(),
                    generated_at=generated_at,
                    source=source,
                    origin=origin,
                    regions=regions,
                    lookback_days=lookback_days,
                    findings=findings,
                    monthly_savings_usd=None
                    if monthly_savings_usd is None
                    else str(monthly_savings_usd),
                )
            )
        return scan_id

    def scans(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(scans.select().order_by(scans.c.recorded_at)).mappings().all()
        return [_aware_row(r) for r in rows]

    # ------------------------------------------------------------------ fixes

    def create_fix(self, **values: Any) -> str:
        """Insert a fix or undo row; ``fix_id`` may be given (else a new one)."""
        values = dict(values)
        values.setdefault("fix_id", new_id("fx" if values.get("kind", "fix") == "fix" else "ud"))
        values.setdefault("kind", "fix")
        values.setdefault("state", "planned")
        for key in ("params", "finding", "before", "after"):
            if values.get(key) is not None:
                values[key] = plain(values[key])
        stamp = now()
        with self.engine.begin() as conn:
            conn.execute(fixes.insert().values(created_at=stamp, updated_at=stamp, **values))
        return values["fix_id"]

    def update_fix(self, fix_id: str, **values: Any) -> None:
        for key in ("before", "after"):
            if values.get(key) is not None:
                values[key] = plain(values[key])
        with self.engine.begin() as conn:
            conn.execute(
                fixes.update().where(fixes.c.fix_id == fix_id).values(updated_at=now(), **values)
            )

    def fix(self, fix_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(fixes.select().where(fixes.c.fix_id == fix_id)).mappings().first()
        return _aware_row(row) if row else None

    def fixes(
        self, *, states: list[str] | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        query = fixes.select().order_by(fixes.c.created_at, fixes.c.fix_id)
        if states:
            query = query.where(fixes.c.state.in_(states))
        if kind:
            query = query.where(fixes.c.kind == kind)
        with self.engine.connect() as conn:
            return [_aware_row(r) for r in conn.execute(query).mappings().all()]

    # ------------------------------------------------------------------ snapshots

    def save_snapshot(self, fix_id: str, name: str, data: Any) -> None:
        """Store a snapshot once; a second save of the same name keeps the first (the state
        before the fix began is the one undo needs)."""
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(snapshots.c.name).where(
                    snapshots.c.fix_id == fix_id, snapshots.c.name == name
                )
            ).first()
            if exists is None:
                conn.execute(
                    snapshots.insert().values(
                        fix_id=fix_id, name=name, data=plain(data), taken_at=now()
                    )
                )

    def snapshot(self, fix_id: str, name: str) -> Any | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(snapshots.c.data).where(
                    snapshots.c.fix_id == fix_id, snapshots.c.name == name
                )
            ).first()
        return None if row is None else row[0]

    def snapshots(self, fix_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(snapshots.c.name, snapshots.c.data).where(snapshots.c.fix_id == fix_id)
            ).all()
        return {name: data for name, data in rows}

    # ------------------------------------------------------------------ calls

    def call_started(
        self,
        fix_id: str,
        step: str,
        service: str,
        operation: str,
        params: dict[str, Any],
        *,
        mutating: bool,
    ) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                calls.insert().values(
                    fix_id=fix_id,
                    step=step,
                    service=service,
                    operation=operation,
                    params=plain(params),
                    mutating=mutating,
                    state="started",
                    started_at=now(),
                )
            )
            return int(result.inserted_primary_key[0])

    def call_finished(
        self,
        call_id: int,
        state: str,
        *,
        response: Any | None = None,
        error: str | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                calls.update()
                .where(calls.c.call_id == call_id)
                .values(
                    state=state,
                    response=None if response is None else plain(response),
                    error=error,
                    ended_at=now(),
                )
            )

    def last_call(self, fix_id: str, step: str) -> dict[str, Any] | None:
        """The newest journaled call of a step (resume decides from it)."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    calls.select()
                    .where(calls.c.fix_id == fix_id, calls.c.step == step)
                    .order_by(calls.c.call_id.desc())
                )
                .mappings()
                .first()
            )
        return _aware_row(row) if row else None

    def calls(self, fix_id: str | None = None) -> list[dict[str, Any]]:
        query = calls.select().order_by(calls.c.call_id)
        if fix_id:
            query = query.where(calls.c.fix_id == fix_id)
        with self.engine.connect() as conn:
            return [_aware_row(r) for r in conn.execute(query).mappings().all()]

    # ------------------------------------------------------------------ leases

    def acquire_lease(self, resource_key: str, fix_id: str, holder: str) -> LeaseHeld | None:
        """Take the resource for ``fix_id``; ``None`` on success, else who holds it.

        A lease whose holder process is gone (same host) or that expired is taken over with a
        compare-and-set on the old holder, so of two runs racing for it only one wins."""
        stamp = now()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    leases.insert().values(
                        resource_key=resource_key,
                        fix_id=fix_id,
                        holder=holder,
                        acquired_at=stamp,
                        expires_at=stamp + LEASE_TTL,
                    )
                )
            return None
        except sa.exc.IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = (
                conn.execute(leases.select().where(leases.c.resource_key == resource_key))
                .mappings()
                .first()
            )
        if row is None:  # released in between: try once more
            return self.acquire_lease(resource_key, fix_id, holder)
        if row["holder"] != holder and not (
            aware(row["expires_at"]) < stamp or _holder_gone(row["holder"])
        ):
            return LeaseHeld(fix_id=row["fix_id"], holder=row["holder"])
        with self.engine.begin() as conn:
            taken = conn.execute(
                leases.update()
                .where(
                    leases.c.resource_key == resource_key,
                    leases.c.holder == row["holder"],
                    leases.c.fix_id == row["fix_id"],
                )
                .values(
                    fix_id=fix_id, holder=holder, acquired_at=stamp, expires_at=stamp + LEASE_TTL
                )
            ).rowcount
        if taken == 1:
            return None
        return self.acquire_lease(resource_key, fix_id, holder)

    def renew_lease(self, resource_key: str, holder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                leases.update()
                .where(leases.c.resource_key == resource_key, leases.c.holder == holder)
                .values(expires_at=now() + LEASE_TTL)
            )

    def release_lease(self, resource_key: str, holder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                leases.delete().where(
                    leases.c.resource_key == resource_key, leases.c.holder == holder
                )
            )

    def dispose(self) -> None:
        self.engine.dispose()


def _aware_row(row: Any) -> dict[str, Any]:
    return {k: aware(v) if isinstance(v, datetime) else v for k, v in dict(row).items()}


def open_journal(db: str | None = None) -> Journal:
    """Open (creating or upgrading) the journal named by ``db`` / the environment / default.

    Raises UserError when the database cannot be reached or was written by a newer mlcost;
    nothing is written in either case."""
    url = resolve_url(db)
    engine = _engine(url)
    try:
        _migrate(engine, url)
    except BaseException:
        engine.dispose()
        raise
    return Journal(engine, url)


@contextmanager
def journal(db: str | None = None) -> Iterator[Journal]:
    j = open_journal(db)
    try:
        yield j
    finally:
        j.dispose()
