"""Load CUR 2.0, legacy CUR and FOCUS exports into one DuckDB table, all or nothing.

Each file is read, its format detected from its columns, required columns and value types
checked (naming file, column, bad value and expected type), then normalised by the SQL in
``sql/normalise_*.sql`` + ``sql/classify.sql`` into ``line_items``. Everything happens inside
one transaction: a bad file anywhere in the batch leaves the database exactly as it was.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from mlcost.billing import DEFAULT_DB  # re-exported for callers of ingest()
from mlcost.billing.formats import COLUMNS, Format, Kind, detect, missing_required
from mlcost.errors import UserError


@dataclass(frozen=True, slots=True)
class IngestedFile:
    path: Path
    format: Format
    rows: int


def sql_text(name: str) -> str:
    """A packaged SQL file's text (``src/mlcost/billing/sql/<name>.sql``)."""
    return resources.files("mlcost.billing").joinpath("sql", f"{name}.sql").read_text()


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _csv_header(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        return fh.readline().strip()


def _describe(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, dict[str, str]]:
    """(relation SQL, column -> DuckDB type) for a file, or a UserError saying why not."""
    if not path.exists():
        raise UserError(f"{path}: no such file", "check the path")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty (0 bytes)", "re-download the export")
    is_csv = path.name.lower().endswith((".csv", ".csv.gz"))
    if is_csv:
        header = _csv_header(path)
        names = header.split(",")
        if len(names) == 1:
            for delim in (";", "\t", "|"):
                if delim in header:
                    raise UserError(
                        f"{path}: the header is delimited by {delim!r}, not by commas",
                        "AWS and FOCUS CSV exports are comma-separated; export again or convert the file",
                    )
        rel = (
            f"read_csv({_lit(str(path))}, all_varchar=true, delim=',', quote='\"', escape='\"', "
            "header=true, nullstr=['NULL', ''], strict_mode=true)"
        )
    elif path.name.lower().endswith(".parquet"):
        rel = f"read_parquet({_lit(str(path))})"
    else:
        raise UserError(
            f"{path}: unsupported file type", "billing exports must be .parquet, .csv or .csv.gz"
        )
    try:
        cols = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
    except duckdb.Error as err:
        kind = "CSV" if is_csv else "parquet"
        raise UserError(
            f"{path}: not a readable {kind} file (truncated or corrupt?): {str(err).splitlines()[0]}",
            "re-download the export; nothing was loaded",
        ) from err
    return rel, {c[0]: c[1] for c in cols}


def _text_to(kind: Kind, expr: str) -> str:
    """SQL that converts a text value to ``kind`` (TRY_ variant is used only for checking)."""
    if kind is Kind.TIME:
        # FOCUS samples use 'YYYY-MM-DD HH:MM:SS', CUR 'YYYY-MM-DDTHH:MM:SS.mmmZ'
        return f"CAST(replace(replace({expr}, 'T', ' '), 'Z', '') AS TIMESTAMP)"
    if kind is Kind.MAP:
        return f"CAST(CAST({expr} AS JSON) AS MAP(VARCHAR, VARCHAR))"
    return f"CAST(trim({expr}) AS {kind.value})"


def _is_text(dtype: str) -> bool:
    return dtype.upper() == "VARCHAR"


def _typed_select(fmt: Format, types: dict[str, str]) -> tuple[str, list[tuple[str, str, str]]]:
    """SELECT list casting each known column to its kind, plus checks (column, check SQL, expected)."""
    items: list[str] = []
    checks: list[tuple[str, str, str]] = []
    for col, kind in COLUMNS[fmt].items():
        q = _ident(col)
        if col not in types:
            items.append(f"CAST(NULL AS {kind.value}) AS {q}")
            continue
        dtype = types[col]
        if kind is Kind.TEXT:
            expr = f"CAST({q} AS VARCHAR)"
        elif _is_text(dtype):
            expr = _text_to(kind, q)
            try_expr = expr.replace("CAST(", "TRY_CAST(", 1)
            if kind is Kind.MAP:
                try_expr = f"TRY_CAST(TRY_CAST({q} AS JSON) AS MAP(VARCHAR, VARCHAR))"
            checks.append((col, f"{q} IS NOT NULL AND {try_expr} IS NULL", kind.name.lower()))
        elif kind is Kind.TIME and dtype.upper().startswith("TIMESTAMP WITH"):
            expr = f"CAST(timezone('UTC', {q}) AS TIMESTAMP)"
        elif kind is Kind.MAP and not dtype.upper().startswith("MAP"):
            raise UserError(
                f"column {col!r} has type {dtype}, expected a map of strings (or JSON text)",
            )
        else:
            expr = f"CAST({q} AS {kind.value})"
        items.append(f"{expr} AS {q}")
    return ", ".join(items), checks


def _legacy_tags(types: dict[str, str]) -> tuple[str, str]:
    """(extra SELECT items, tag-map expression) for legacy CUR ``resourceTags/user:*`` columns."""
    tag_cols = [c for c in types if c.startswith("resourceTags/")]
    if not tag_cols:
        return "", "MAP {}"
    extra = "".join(f", CAST(raw.{_ident(c)} AS VARCHAR) AS {_ident(c)}" for c in tag_cols)
    entries = ", ".join(
        f"{{'key': {_lit(c.split('/', 1)[1].removeprefix('user:'))}, 'value': {_ident(c)}}}"
        for c in tag_cols
    )
    # drop empty tags so a key is present only where the resource carried it
    return extra, f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL))"


def _stage_file(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> tuple[Format, int]:
    rel, types = _describe(con, path)
    fmt = detect(list(types))
    if fmt is None:
        raise UserError(
            f"{path}: not a CUR 2.0, legacy CUR or FOCUS export (columns start {list(types)[:5]})",
            "expected e.g. line_item_unblended_cost (CUR 2.0), lineItem/UnblendedCost (legacy CUR) "
            "or BilledCost (FOCUS)",
        )
    missing = missing_required(fmt, list(types))
    if missing:
        raise UserError(
            f"{path}: {fmt.value} export is missing required column(s): {', '.join(missing)}",
            "export the report with all required columns; nothing was loaded",
        )
    select, checks = _typed_select(fmt, types)
    if checks:
        agg = ", ".join(
            f"count(*) FILTER (WHERE {cond}), any_value({_ident(col)}) FILTER (WHERE {cond})"
            for col, cond, _ in checks
        )
        try:
            res = con.execute(f"SELECT {agg} FROM {rel}").fetchone()
        except duckdb.Error as err:
            raise UserError(
                f"{path}: could not read the rows: {str(err).splitlines()[0]}",
                "check the file is a complete, comma-separated export; nothing was loaded",
            ) from err
        assert res is not None
        for i, (col, _, expected) in enumerate(checks):
            bad, sample = res[2 * i], res[2 * i + 1]
            if bad:
                raise UserError(
                    f"{path}: column {col!r} has {bad} value(s) that are not {expected} "
                    f"(e.g. {sample!r})",
                    "fix or re-export the file; nothing was loaded",
                )
    extra, tags_expr = _legacy_tags(types) if fmt is Format.CUR_LEGACY else ("", "")
    norm = sql_text(f"normalise_{fmt.value.replace('-', '_')}").replace("{tags_expr}", tags_expr)
    typed = f"SELECT {select}{extra} FROM {rel} AS raw"
    head = f"INSERT INTO {table} WITH typed AS ({typed}), normalised AS ({norm})"
    consts = f"{_lit(fmt.value)} AS source_format, {_lit(str(path))} AS source_file"
    # one pass over the source, one write: the checks above were a cheap aggregate, so each
    # row is cast exactly once, straight into line_items (no staging copy)
    steps: list[str] = []
    if rel.startswith("read_parquet"):
        # Classification (a regex and eight LIKEs) depends only on (service_code, usage_type),
        # of which a bill has a few hundred pairs: classify those once (reading two parquet
        # columns is cheap) and join, instead of running the regex on every line. CSV keeps
        # the per-row form, because a second pass would parse the whole text again.
        steps.append(
            f"CREATE OR REPLACE TEMP TABLE {_CLASSES} AS WITH typed AS ({typed}), "
            f"normalised AS (SELECT DISTINCT service_code, usage_type FROM ({norm})), "
            f"classified AS ({sql_text('classify')}) SELECT * FROM classified"
        )
        cols = ", ".join(
            f"{'c' if col in _CLASS_COLUMNS else 'n'}.{col}" for col in LINE_ITEM_COLUMNS[2:]
        )
        steps.append(
            f"{head} SELECT {consts}, {cols} FROM normalised AS n JOIN {_CLASSES} AS c "
            "ON n.service_code IS NOT DISTINCT FROM c.service_code "
            "AND n.usage_type IS NOT DISTINCT FROM c.usage_type"
        )
    else:
        steps.append(
            f"{head}, classified AS ({sql_text('classify')}) "
            f"SELECT {consts}, {', '.join(LINE_ITEM_COLUMNS[2:])} FROM classified"
        )
    n = None
    try:
        for step in steps:
            n = con.execute(step).fetchone()
        con.execute(f"DROP TABLE IF EXISTS {_CLASSES}")
    except duckdb.Error as err:
        raise UserError(
            f"{path}: could not load the rows: {str(err).splitlines()[0]}",
            "nothing was loaded",
        ) from err
    rows = int(n[0]) if n else 0
    if rows == 0:
        raise UserError(f"{path}: the export has a header but no line items", "nothing was loaded")
    return fmt, rows


_CLASSES = "mlcost_usage_classes"
#: columns classify.sql adds; they come from the per-(service_code, usage_type) lookup
_CLASS_COLUMNS = frozenset(
    ("instance_type", "instance_family", "ml_service", "sagemaker_stage", "unused_reservation")
)

LINE_ITEM_COLUMNS = (
    "source_format",
    "source_file",
    "usage_start",
    "usage_end",
    "provider",
    "account_id",
    "service_code",
    "service_name",
    "line_item_type",
    "usage_type",
    "region",
    "resource_id",
    "usage_amount",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "commitment_status",
    "commitment_id",
    "commitment_used",
    "commitment_total",
    "tags",
    "instance_type",
    "instance_family",
    "ml_service",
    "sagemaker_stage",
    "unused_reservation",
)

# resource_id is zstd: ARNs repeat every hour but a row group holds thousands of distinct
# ones, so DuckDB's dictionary+FSST analysis spent 3.4 s of CPU per 10M rows on it and made
# 148 MB; zstd takes 1.6 s and 61 MB (bench/billing_scale.py, docs/billing.md).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS line_items (
    source_format VARCHAR, source_file VARCHAR,
    usage_start TIMESTAMP, usage_end TIMESTAMP, provider VARCHAR, account_id VARCHAR,
    service_code VARCHAR, service_name VARCHAR, line_item_type VARCHAR, usage_type VARCHAR,
    region VARCHAR, resource_id VARCHAR USING COMPRESSION zstd, usage_amount DOUBLE,
    billed_cost DECIMAL(38,10), effective_cost DECIMAL(38,10), list_cost DECIMAL(38,10),
    commitment_status VARCHAR, commitment_id VARCHAR,
    commitment_used DECIMAL(38,10), commitment_total DECIMAL(38,10),
    tags MAP(VARCHAR, VARCHAR), instance_type VARCHAR, instance_family VARCHAR,
    ml_service VARCHAR, sagemaker_stage VARCHAR, unused_reservation BOOLEAN
);
CREATE TABLE IF NOT EXISTS ingested_files (
    path VARCHAR PRIMARY KEY, format VARCHAR, rows BIGINT, ingested_at TIMESTAMP
);
"""


#: DuckDB's own default is 80% of RAM; a 100M-row ingest then peaked at 3.6 GB RSS (5.7 GB
#: with insertion order kept), and at 2.4 GB with 2 GB
MEMORY_CAP_MB = 2048


def default_memory_limit() -> str:
    """A quarter of physical RAM, at most 2 GB (at least 256 MB).

    WHY: with DuckDB's default (80% of RAM) a 100M-row ingest reached 3.6-5.7 GB RSS; a 2 GB
    limit kept it at 2.4 GB at no loss of speed: a plain insert gains nothing from bigger
    buffers (beyond the limit they spill to the temp directory). A quarter of RAM keeps small
    machines from swapping.
    """
    try:
        ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (AttributeError, ValueError, OSError):  # not POSIX: just use the cap
        return f"{MEMORY_CAP_MB}MB"
    return f"{max(256, min(MEMORY_CAP_MB, ram_mb // 4))}MB"


def _cores() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def ingest(
    paths: list[Path], db: Path = DEFAULT_DB, memory_limit: str | None = None
) -> list[IngestedFile]:
    """Load ``paths`` into ``db``; all files or none. Re-ingesting a file replaces its rows.

    One database holds one format, because a CUR and a FOCUS export of the same bill would
    otherwise be counted twice. ``memory_limit`` (e.g. ``"3GB"``; default
    :func:`default_memory_limit`) caps DuckDB's memory; it spills to ``<db>.tmp`` beyond it,
    which is how 100M-row exports fit a laptop.
    """
    if not paths:
        raise UserError("no files given", "pass one or more CUR 2.0 / FOCUS export files")
    for p in paths:
        if not Path(p).is_file():
            raise UserError(f"{p}: no such file", "check the path; nothing was loaded")
    created = not Path(db).exists()
    try:
        return _ingest(paths, db, memory_limit or default_memory_limit())
    except BaseException:
        if created:  # a failed first ingest leaves no database behind
            for leftover in (Path(db), Path(f"{db}.wal")):
                leftover.unlink(missing_ok=True)
        raise


def _ingest(paths: list[Path], db: Path, memory_limit: str) -> list[IngestedFile]:
    con = duckdb.connect(str(db))
    try:
        con.execute(f"SET memory_limit = {_lit(memory_limit)}")
        con.execute(f"SET temp_directory = {_lit(f'{db}.tmp')}")
        con.execute(f"SET threads = {_cores()}")
        # row order carries no meaning in a bill; letting DuckDB drop it lets large loads
        # stream instead of buffering whole row groups in order
        con.execute("SET preserve_insertion_order = false")
        try:
            con.execute(_SCHEMA)
        except duckdb.Error:  # a database file (or DuckDB) older than zstd for strings (v1.2)
            con.execute(_SCHEMA.replace(" USING COMPRESSION zstd", ""))
        con.execute("BEGIN TRANSACTION")
        try:
            done: list[IngestedFile] = []
            for p in paths:
                path = Path(p).resolve()
                con.execute("DELETE FROM line_items WHERE source_file = ?", [str(path)])
                con.execute("DELETE FROM ingested_files WHERE path = ?", [str(path)])
                fmt, rows = _stage_file(con, path, "line_items")
                con.execute(
                    "INSERT INTO ingested_files VALUES (?, ?, ?, now()::TIMESTAMP)",
                    [str(path), fmt.value, rows],
                )
                done.append(IngestedFile(path, fmt, rows))
            formats = [
                r[0] for r in con.execute("SELECT DISTINCT format FROM ingested_files").fetchall()
            ]
            if len(formats) > 1:
                raise UserError(
                    f"mixed export formats in one database: {', '.join(sorted(formats))}",
                    "a CUR and a FOCUS export of the same bill would be counted twice; "
                    "use a separate --db per format",
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return done
