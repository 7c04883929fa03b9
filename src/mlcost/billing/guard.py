"""Input checks at the edges of billing: the database file and the amounts a bill may carry.

Why: DuckDB answers a truncated, empty, random or locked file with an IOException deep in a
command, and an ingest opened for writing on a file that is not a DuckDB database would try
to rewrite it. And an export with a mis-scaled amount (9e27, a -$5M hourly line) loads
cleanly, then overflows DuckDB's sums or silently dominates every report. Both are refused
here, before any work, with the file (and the line and column) named.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from mlcost.errors import UserError

#: DuckDB writes its magic bytes after an 8-byte checksum at the start of the file.
_MAGIC = b"DUCK"
_MAGIC_OFFSET = 8

#: The largest absolute amount one bill line may carry (``billing ingest --max-line-usd``).
#: Why $1M: a team spending $10M a month bills hourly lines far below it, and a corrupt or
#: mis-scaled amount is far above; a real larger line (a big upfront fee) passes with the
#: option raised.
DEFAULT_MAX_LINE_USD = 1_000_000.0
_max_line_usd: ContextVar[float] = ContextVar("max_line_usd", default=DEFAULT_MAX_LINE_USD)

_NOT_OURS = (
    "pass --db with a database written by `mlcost billing ingest` (or a new file name); "
    "the file was left as it is"
)


def check_database_file(db: Path | str, *, writing: bool = False) -> None:
    """Refuse a ``--db`` that is not a DuckDB database, before DuckDB opens it.

    A missing file is fine for ``writing`` (ingest creates it) and a UserError otherwise.
    A directory, an empty or truncated file, or one without DuckDB's magic bytes is refused:
    it is never opened for writing, so a corrupt file is never rewritten.
    """
    path = Path(db)
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a billing database", _NOT_OURS)
    if not path.exists():
        if writing:
            if not path.parent.is_dir():
                raise UserError(
                    f"cannot create {path}: the folder {path.parent} does not exist",
                    "create the folder first or pass another --db",
                )
            return
        raise UserError(
            f"{path}: no billing database", "run `mlcost billing ingest FILE... --db PATH` first"
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(_MAGIC_OFFSET + len(_MAGIC))
    except OSError as err:
        raise UserError(f"cannot read {path}: {err.strerror or err}", _NOT_OURS) from None
    if not head:
        raise UserError(f"{path} is empty (0 bytes), not a billing database", _NOT_OURS)
    if head[_MAGIC_OFFSET:] != _MAGIC:
        raise UserError(f"{path} is not a DuckDB database (or is truncated)", _NOT_OURS)


def open_error(db: Path | str, err: Exception) -> UserError:
    """What a user is told when DuckDB cannot open a database that looked like one."""
    first = (str(err).strip().splitlines() or [type(err).__name__])[0]
    if "lock" in first.lower():
        return UserError(
            f"{db} is in use by another process ({first})",
            "wait for the other mlcost command to finish, or pass another --db",
        )
    return UserError(f"{db}: cannot open the billing database ({first})", _NOT_OURS)


@contextmanager
def max_line_amount(usd: float) -> Iterator[None]:
    """Ingest under a different per-line ceiling (``--max-line-usd``)."""
    token = _max_line_usd.set(float(usd))
    try:
        yield
    finally:
        _max_line_usd.reset(token)


def max_line_usd() -> float:
    """The per-line ceiling in effect."""
    return _max_line_usd.get()


def amount_too_large(column_sql: str) -> str:
    """SQL true for a value of an amount column that is not a finite amount within the
    ceiling (NaN and infinities included: DuckDB orders NaN above every number)."""
    value = f"TRY_CAST({column_sql} AS DOUBLE)"
    return f"({value} IS NOT NULL AND (isinf({value}) OR abs({value}) > {max_line_usd()!r}))"


def amount_expected() -> str:
    """How an out-of-range amount is described in the refusal."""
    return f"amounts within ±${max_line_usd():,.0f} (raise it with --max-line-usd)"


def first_bad_line(con, rel: str, condition: str) -> str:
    """Where the first line matching ``condition`` is: "line N" of a CSV (the header is
    line 1) or "row N" of a parquet file; "" if it cannot be told."""
    parquet = rel.startswith("read_parquet")
    try:
        con.execute("SET preserve_insertion_order = true")
        row = con.execute(
            f"SELECT n FROM (SELECT row_number() OVER () AS n, * FROM {rel} AS raw) AS raw "
            f"WHERE {condition} LIMIT 1"
        ).fetchone()
    except Exception:  # the message is still right without the line
        return ""
    finally:
        con.execute("SET preserve_insertion_order = false")
    if not row:
        return ""
    n = int(row[0])
    return f"row {n}" if parquet else f"line {n + 1}"
