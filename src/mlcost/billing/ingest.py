"""Load CUR 2.0, legacy CUR and FOCUS exports into one DuckDB table, all or nothing.

Each file is read, its format detected from its columns, required columns and value types
checked (naming file, column, bad value and expected type), then normalised by the SQL in
``sql/normalise_*.sql`` + ``sql/classify.sql`` into ``line_items``. Everything happens inside
one transaction: a bad file anywhere in the batch leaves the database exactly as it was.
"""

from __future__ import annotations

import csv
import gzip
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from mlcost.billing import DEFAULT_DB  # re-exported for callers of ingest()
from mlcost.billing.formats import COLUMNS, Format, Kind, detect, missing_required
from mlcost.errors import UserError

log = logging.getLogger("mlcost.billing")

#: the columns that identify a line item (CUR only; FOCUS 1.x has no line-item id)
_IDENTITY = {
    Format.CUR2: ("identity_line_item_id", "identity_time_interval"),
    Format.CUR_LEGACY: ("identity/LineItemId", "identity/TimeInterval"),
}
#: how many line-item ids (the smallest hashes: a bottom-k sample) each file remembers
SKETCH_SIZE = 64

#: the column each format states its currency in (CUR: per line; FOCUS: BillingCurrency)
_CURRENCY = {
    Format.CUR2: "line_item_currency_code",
    Format.CUR_LEGACY: "lineItem/CurrencyCode",
    Format.FOCUS: "BillingCurrency",
}


@dataclass(frozen=True, slots=True)
class IngestedFile:
    path: Path
    format: Format
    rows: int
    #: currencies other than USD found in the file (amounts are summed unconverted)
    foreign_currencies: tuple[str, ...] = ()


def sql_text(name: str) -> str:
    """A packaged SQL file's text (``src/mlcost/billing/sql/<name>.sql``)."""
    return resources.files("mlcost.billing").joinpath("sql", f"{name}.sql").read_text()


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _csv_header(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
        return fh.readline().strip()


def _header_names(header: str) -> list[str]:
    """Column names exactly as the file writes them (quotes removed, no renaming).

    WHY: DuckDB renames a column whose name repeats another's case-insensitively
    (``resourceTags/user:Team`` and ``resourceTags/user:team`` become ``...team_1``); legacy CUR
    tag keys must come from the raw names, which line up with DuckDB's columns by position.
    """
    return next(csv.reader([header]), [])


def _describe(
    con: duckdb.DuckDBPyConnection, path: Path, label: str
) -> tuple[str, dict[str, str], dict[str, str]]:
    """(relation SQL, column -> DuckDB type, DuckDB column -> raw header name) for a file.

    The raw names are known only for CSV (for parquet they equal DuckDB's); raises a
    UserError, naming the file as ``label``, saying why a file cannot be read.
    """
    if not path.exists():
        raise UserError(f"{label}: no such file", "check the path")
    if path.stat().st_size == 0:
        raise UserError(f"{label}: the file is empty (0 bytes)", "re-download the export")
    is_csv = path.name.lower().endswith((".csv", ".csv.gz"))
    raw_names: list[str] = []
    if is_csv:
        header = _csv_header(path)
        raw_names = _header_names(header)
        if len(raw_names) == 1:
            for delim in (";", "\t", "|"):
                if delim in header:
                    raise UserError(
                        f"{label}: the header is delimited by {delim!r}, not by commas",
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
            f"{label}: unsupported file type",
            "billing exports must be .parquet, .csv, .csv.gz or .csv.zip",
        )
    try:
        cols = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
    except duckdb.Error as err:
        kind = "CSV" if is_csv else "parquet"
        raise UserError(
            f"{label}: not a readable {kind} file (truncated or corrupt?): {str(err).splitlines()[0]}",
            "re-download the export; nothing was loaded",
        ) from err
    raw = (
        {c[0]: n for c, n in zip(cols, raw_names, strict=True)}
        if len(raw_names) == len(cols)
        else {c[0]: c[0] for c in cols}
    )
    return rel, {c[0]: c[1] for c in cols}, raw


def _missing_as_null(expr: str) -> str:
    """Text with the spellings exports use for "no value" ('', blanks, 'NULL') as SQL NULL.

    WHY: CSV reading already maps '' and NULL to NULL, but string-typed parquet (and a CSV
    field holding only blanks) arrives as text, and casting '' to a number fails.
    """
    return f"NULLIF(NULLIF(trim({expr}), ''), 'NULL')"


def _text_to(kind: Kind, expr: str, check: bool = False) -> str:
    """SQL that converts a text value to ``kind``; ``check`` gives the TRY_ form (NULL if bad)."""
    cast = "TRY_CAST" if check else "CAST"
    v = _missing_as_null(expr)
    if kind is Kind.TIME:
        # CUR writes 'YYYY-MM-DDTHH:MM:SS.mmmZ', FOCUS samples 'YYYY-MM-DD HH:MM:SS' and other
        # tools '...+02:00': read as TIMESTAMPTZ (a value without offset is UTC, the
        # connection's TimeZone) and store the UTC wall time, so offsets are not dropped
        return f"CAST({cast}({v} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)"
    if kind is Kind.MAP:
        return f"{cast}({cast}({v} AS JSON) AS MAP(VARCHAR, VARCHAR))"
    return f"{cast}({v} AS {kind.value})"


def _is_text(dtype: str) -> bool:
    return dtype.upper() == "VARCHAR"


def _is_tag_list(dtype: str) -> bool:
    """A list of key/value structs: how some FOCUS writers store the Tags map in parquet."""
    t = dtype.upper().replace(" ", "").replace('"', "")
    return t.startswith("STRUCT(KEY") and ",VALUE" in t and t.endswith(")[]")


def _typed_select(
    fmt: Format, types: dict[str, str], label: str
) -> tuple[str, list[tuple[str, str, str]]]:
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
            expr = (
                f"CASE WHEN trim({q}) IN ('', 'NULL') THEN NULL ELSE {q} END"
                if _is_text(dtype)
                else f"CAST({q} AS VARCHAR)"
            )
        elif _is_text(dtype):
            expr = _text_to(kind, q)
            present = f"{_missing_as_null(q)} IS NOT NULL"
            checks.append(
                (col, f"{present} AND {_text_to(kind, q, check=True)} IS NULL", kind.name.lower())
            )
        elif kind is Kind.TIME and dtype.upper().startswith("TIMESTAMP WITH"):
            expr = f"CAST(timezone('UTC', {q}) AS TIMESTAMP)"
        elif kind is Kind.MAP and _is_tag_list(dtype):
            expr = f"CAST(map_from_entries({q}) AS MAP(VARCHAR, VARCHAR))"
        elif kind is Kind.MAP and not dtype.upper().startswith("MAP"):
            raise UserError(
                f"{label}: column {col!r} has type {dtype}, expected a map of strings, "
                "a list of {key, value} structs, or JSON text",
                "re-export the file with tags as a map or JSON; nothing was loaded",
            )
        else:
            expr = f"CAST({q} AS {kind.value})"
        items.append(f"{expr} AS {q}")
    return ", ".join(items), checks


def _tag_key(raw: str) -> str | None:
    """The tag key a one-tag-per-column name stands for; ``None`` for other columns.

    Legacy CUR CSV: ``resourceTags/user:team`` -> ``team``. Legacy CUR in Athena's parquet
    layout (snake_case, so detected as CUR 2.0): ``resource_tags_user_team`` -> ``user_team``,
    the spelling CUR 2.0's ``resource_tags`` map uses.
    """
    if raw.startswith("resourceTags/"):
        return raw.split("/", 1)[1].removeprefix("user:")
    if raw.startswith("resource_tags_"):
        return raw.removeprefix("resource_tags_")
    return None


def _column_tags(types: dict[str, str], raw_names: dict[str, str]) -> tuple[str, str]:
    """(extra SELECT items, tag-map expression) for tags stored one column per key.

    Keys come from the raw header names (``raw_names``), not DuckDB's, which renames a column
    that differs from another only in case (tag keys are case-sensitive in AWS).
    """
    tag_cols = [c for c in types if _tag_key(raw_names.get(c, c)) is not None]
    if not tag_cols:
        return "", "MAP {}"
    extra = "".join(
        f", CASE WHEN trim(CAST(raw.{_ident(c)} AS VARCHAR)) IN ('', 'NULL') THEN NULL "
        f"ELSE CAST(raw.{_ident(c)} AS VARCHAR) END AS {_ident(c)}"
        for c in tag_cols
    )
    entries = ", ".join(
        f"{{'key': {_lit(_tag_key(raw_names.get(c, c)) or c)}, 'value': {_ident(c)}}}"
        for c in tag_cols
    )
    # drop empty tags so a key is present only where the resource carried it
    return extra, f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL))"


@dataclass(frozen=True, slots=True)
class _Staged:
    format: Format
    rows: int
    #: currencies other than USD in the file
    currencies: tuple[str, ...]
    #: the SKETCH_SIZE smallest hashes of (line-item id, time interval); empty without ids
    sketch: tuple[int, ...]


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    source: Path | None = None,
    label: str | None = None,
) -> _Staged:
    """Check one file and insert its normalised rows.

    ``source`` is the file the rows are recorded as coming from and ``label`` how errors name
    it; both differ from ``path`` for a member of a zip archive (extracted to a temp file).
    """
    label = label or str(path)
    rel, types, raw_names = _describe(con, path, label)
    fmt = detect(list(types))
    if fmt is None:
        raise UserError(
            f"{label}: not a CUR 2.0, legacy CUR or FOCUS export (columns start {list(types)[:5]})",
            "expected e.g. line_item_unblended_cost (CUR 2.0), lineItem/UnblendedCost (legacy CUR) "
            "or BilledCost (FOCUS)",
        )
    missing = missing_required(fmt, list(types))
    if missing:
        raise UserError(
            f"{label}: {fmt.value} export is missing required column(s): {', '.join(missing)}",
            "export the report with all required columns; nothing was loaded",
        )
    select, checks = _typed_select(fmt, types, label)
    currency = _CURRENCY[fmt] if _CURRENCY[fmt] in types else None
    currencies: tuple[str, ...] = ()
    ident = _IDENTITY.get(fmt, ())
    ident = ident if all(c in types for c in ident) else ()
    sketch: tuple[int, ...] = ()
    if checks or currency or ident:
        agg = ", ".join(
            [
                f"count(*) FILTER (WHERE {cond}), any_value({_ident(col)}) FILTER (WHERE {cond})"
                for col, cond, _ in checks
            ]
            # in the same scan: the currencies the amounts are in (reports assume USD)
            + (
                [
                    "list(DISTINCT upper(trim(CAST("
                    f"{_ident(currency)} AS VARCHAR)))) FILTER (WHERE "
                    f"{_missing_as_null(f'CAST({_ident(currency)} AS VARCHAR)')} IS NOT NULL)"
                ]
                if currency
                else []
            )
            # and a bottom-k sample of line-item identities, to spot a bill loaded twice
            + (
                [
                    f"min(hash({', '.join(f'CAST({_ident(c)} AS VARCHAR)' for c in ident)}), "
                    f"{SKETCH_SIZE}) FILTER (WHERE "
                    + " AND ".join(f"{_ident(c)} IS NOT NULL" for c in ident)
                    + ")"
                ]
                if ident
                else []
            )
        )
        try:
            res = con.execute(f"SELECT {agg} FROM {rel}").fetchone()
        except duckdb.Error as err:
            raise UserError(
                f"{label}: could not read the rows: {str(err).splitlines()[0]}",
                "check the file is a complete, comma-separated export; nothing was loaded",
            ) from err
        assert res is not None
        for i, (col, _, expected) in enumerate(checks):
            bad, sample = res[2 * i], res[2 * i + 1]
            if bad:
                raise UserError(
                    f"{label}: column {col!r} has {bad} value(s) that are not {expected} "
                    f"(e.g. {sample!r})",
                    "fix or re-export the file; nothing was loaded",
                )
        tail = list(res[2 * len(checks) :])
        if currency:
            currencies = tuple(sorted(c for c in (tail.pop(0) or []) if c != "USD"))
        if ident:
            sketch = tuple(sorted(tail.pop(0) or []))
    extra, tags_expr = "", "MAP {}"
    if fmt is Format.CUR_LEGACY or (fmt is Format.CUR2 and "resource_tags" not in types):
        extra, tags_expr = _column_tags(types, raw_names)
    norm = sql_text(f"normalise_{fmt.value.replace('-', '_')}").replace("{tags_expr}", tags_expr)
    typed = f"SELECT {select}{extra} FROM {rel} AS raw"
    head = f"INSERT INTO {table} WITH typed AS ({typed}), normalised AS ({norm})"
    consts = f"{_lit(fmt.value)} AS source_format, {_lit(str(source or path))} AS source_file"
    # one pass over the source, one write: the checks above were a cheap aggregate, so each
    # row is cast exactly once, straight into line_items (no staging copy)
    steps: list[str] = []
    if rel.startswith("read_parquet"):
        # Classification (a regex and eight LIKEs) depends only on (service_code, service_name,
        # usage_type), of which a bill has a few hundred: classify those once (reading three parquet
        # columns is cheap) and join, instead of running the regex on every line. CSV keeps
        # the per-row form, because a second pass would parse the whole text again.
        steps.append(
            f"CREATE OR REPLACE TEMP TABLE {_CLASSES} AS WITH typed AS ({typed}), "
            f"normalised AS (SELECT DISTINCT service_code, service_name, usage_type FROM ({norm})), "
            f"classified AS ({sql_text('classify')}) SELECT * FROM classified"
        )
        cols = ", ".join(
            f"{'c' if col in _CLASS_COLUMNS else 'n'}.{col}" for col in LINE_ITEM_COLUMNS[2:]
        )
        steps.append(
            f"{head} SELECT {consts}, {cols} FROM normalised AS n JOIN {_CLASSES} AS c "
            "ON n.service_code IS NOT DISTINCT FROM c.service_code "
            "AND n.service_name IS NOT DISTINCT FROM c.service_name "
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
            f"{label}: could not load the rows: {str(err).splitlines()[0]}",
            "nothing was loaded",
        ) from err
    rows = int(n[0]) if n else 0
    if rows == 0:
        raise UserError(f"{label}: the export has a header but no line items", "nothing was loaded")
    return _Staged(fmt, rows, currencies, sketch)


#: what a zip archive's members may be (legacy CUR is delivered as .csv.zip)
_ZIP_MEMBERS = (".csv", ".csv.gz", ".parquet")


def _stage_zip(con: duckdb.DuckDBPyConnection, path: Path) -> _Staged:
    """Ingest every export file inside a zip archive, as rows of the archive itself.

    WHY extract: DuckDB reads no zip members without an extension that may not be installed.
    Members are written under generated names in a private temp dir (a member called
    ``../x`` cannot escape it) and removed afterwards; errors name ``archive!member``.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise UserError(
            f"{path}: not a readable zip archive ({err})", "re-download the export"
        ) from err
    with archive, tempfile.TemporaryDirectory(prefix="mlcost-zip-") as tmp:
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir() and m.filename.lower().endswith(_ZIP_MEMBERS)
        ]
        if not members:
            raise UserError(
                f"{path}: the zip archive holds no .csv, .csv.gz or .parquet file",
                "unzip it and check what it contains; nothing was loaded",
            )
        parts: list[_Staged] = []
        for i, m in enumerate(members):
            suffix = next(s for s in _ZIP_MEMBERS if m.filename.lower().endswith(s))
            part = Path(tmp) / f"member-{i}{suffix}"
            with archive.open(m) as src, part.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            parts.append(
                _stage_file(con, part, "line_items", source=path, label=f"{path}!{m.filename}")
            )
            part.unlink()
        formats = {p.format for p in parts}
        if len(formats) > 1:
            raise UserError(
                f"{path}: the zip archive mixes export formats "
                f"({', '.join(sorted(f.value for f in formats))})",
                "ingest the files separately, one format per database; nothing was loaded",
            )
        return _Staged(
            formats.pop(),
            sum(p.rows for p in parts),
            tuple(sorted({c for p in parts for c in p.currencies})),
            tuple(sorted({h for p in parts for h in p.sketch})[:SKETCH_SIZE]),
        )


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
-- added later: databases made before it gain the column (NULL: no sample for old files)
ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS key_sketch UBIGINT[];
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


def _refuse_duplicate(con: duckdb.DuckDBPyConnection, path: Path, sketch: tuple[int, ...]) -> None:
    """A UserError when ``path`` repeats the line items of a file already in the database.

    WHY a sample: the same bill saved under two names would be counted twice, but keeping
    every line-item id would double the database. Each file keeps the SKETCH_SIZE smallest
    hashes of (line-item id, time interval); the same bill gives the same sample, and parts
    of one export share (almost) none. AWS guarantees the id unique only within one part, so
    a stray shared id is tolerated: at least half of the smaller sample must match.
    """
    if not sketch:
        return
    mine = set(sketch)
    for other, theirs in con.execute(
        "SELECT path, key_sketch FROM ingested_files WHERE key_sketch IS NOT NULL AND path <> ?",
        [str(path)],
    ).fetchall():
        shared = len(mine & set(theirs))
        if shared and 2 * shared >= min(len(mine), len(theirs)):
            raise UserError(
                f"{path}: holds the same line items as {other} ({shared} of "
                f"{min(len(mine), len(theirs))} sampled line-item ids match); "
                "loading both would count that bill twice",
                "ingest only one of them (ingesting the same path again replaces it); "
                "nothing was loaded",
            )


def _ingest(paths: list[Path], db: Path, memory_limit: str) -> list[IngestedFile]:
    con = duckdb.connect(str(db))
    try:
        con.execute(f"SET memory_limit = {_lit(memory_limit)}")
        con.execute(f"SET temp_directory = {_lit(f'{db}.tmp')}")
        con.execute(f"SET threads = {_cores()}")
        # row order carries no meaning in a bill; letting DuckDB drop it lets large loads
        # stream instead of buffering whole row groups in order
        con.execute("SET preserve_insertion_order = false")
        # text timestamps without an offset are UTC (AWS and FOCUS write UTC)
        con.execute("SET TimeZone = 'UTC'")
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
                if path.name.lower().endswith(".zip"):
                    staged = _stage_zip(con, path)
                else:
                    staged = _stage_file(con, path, "line_items")
                fmt, rows, foreign = staged.format, staged.rows, staged.currencies
                _refuse_duplicate(con, path, staged.sketch)
                if foreign:
                    # WHY a warning, not an error: a EUR-billed account's bill is still worth
                    # reading, but every figure is in its own currency, summed unconverted
                    log.warning(
                        "%s: amounts are in %s, not USD; mlcost adds them up as they are "
                        "(no conversion), so read the report's figures in that currency",
                        path,
                        ", ".join(foreign),
                    )
                con.execute(
                    "INSERT INTO ingested_files (path, format, rows, ingested_at, key_sketch) "
                    "VALUES (?, ?, ?, now()::TIMESTAMP, ?)",
                    [str(path), fmt.value, rows, list(staged.sketch) or None],
                )
                done.append(IngestedFile(path, fmt, rows, foreign))
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
