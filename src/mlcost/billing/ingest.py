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
    file_id: int,
    label: str | None = None,
) -> _Staged:
    """Check one file and insert its normalised rows, recorded as coming from ``file_id``.

    ``label`` is how errors name the file; it differs from ``path`` for a member of a zip
    archive (extracted to a temp file), whose rows are recorded under the archive's id.
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
    steps: list[str] = []
    if not rel.startswith("read_parquet"):
        # CSV: parse the text once into a temp table; the class lookup below reads it twice
        steps.append(f"CREATE OR REPLACE TEMP TABLE {_TYPED} AS {typed}")
        typed = f"SELECT * FROM {_TYPED}"
    key_eq = " AND ".join(f"n.{k} IS NOT DISTINCT FROM c.{k}" for k in _CLASS_KEY)
    # Per-line attributes of which a bill has only a few thousand combinations (account,
    # service, usage type, region, ...) and the classification derived from them (a regex
    # and eight LIKEs) are stored once per combination in line_item_classes; each line keeps
    # an integer class_id. WHY: DuckDB spends ~0.7 s per string column per 10M rows writing
    # them; the line_items view joins them back (docs/billing.md "Benchmarks").
    steps.append(
        f"INSERT INTO line_item_classes WITH typed AS ({typed}), "
        f"normalised AS (SELECT DISTINCT {', '.join(_CLASS_KEY)} FROM ({norm})), "
        f"classified AS ({sql_text('classify')}), "
        "new AS (SELECT n.* FROM classified AS n WHERE NOT EXISTS (SELECT 1 FROM "
        f"line_item_classes AS c WHERE {key_eq})) "
        "SELECT (SELECT coalesce(max(class_id), 0) FROM line_item_classes) "
        f"+ row_number() OVER (), {', '.join(_CLASS_KEY + _CLASS_COLUMNS_ORDERED)} FROM new"
    )
    steps.append(
        f"INSERT INTO line_item_facts WITH typed AS ({typed}), normalised AS ({norm}) "
        f"SELECT {file_id}, c.class_id, {', '.join('n.' + f for f in _FACT_COLUMNS)} "
        f"FROM normalised AS n JOIN line_item_classes AS c ON {key_eq}"
    )
    n = None
    try:
        for step in steps:
            n = con.execute(step).fetchone()
        con.execute(f"DROP TABLE IF EXISTS {_TYPED}")
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


def _stage_zip(con: duckdb.DuckDBPyConnection, path: Path, file_id: int) -> _Staged:
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
            parts.append(_stage_file(con, part, file_id, label=f"{path}!{m.filename}"))
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


_TYPED = "mlcost_typed_csv"
#: per-line columns stored once per distinct combination in line_item_classes
_CLASS_KEY = (
    "provider",
    "account_id",
    "service_code",
    "service_name",
    "line_item_type",
    "usage_type",
    "region",
    "commitment_status",
)
#: columns classify.sql derives from the key, stored alongside it
_CLASS_COLUMNS_ORDERED = (
    "instance_type",
    "instance_family",
    "ml_service",
    "sagemaker_stage",
    "unused_reservation",
)
#: per-line columns stored in line_item_facts
_FACT_COLUMNS = (
    "usage_start",
    "usage_end",
    "resource_id",
    "usage_amount",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "commitment_id",
    "commitment_used",
    "commitment_total",
    "tags",
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

# ``line_items`` is a view: per-line facts (line_item_facts) joined to the file they came from
# (line_item_files) and to their class (line_item_classes: account, service, usage type,
# region, ... and the ML classification). WHY: writing a string column costs DuckDB ~0.7 s per
# 10M rows even when nearly constant; storing the dozen low-cardinality ones once per
# combination made ingest much faster at unchanged report speed (docs/billing.md).
# resource_id is zstd: ARNs repeat every hour but a row group holds thousands of distinct
# ones, so DuckDB's dictionary+FSST analysis spent 3.4 s of CPU per 10M rows on it and made
# 148 MB; zstd takes 1.6 s and 61 MB (bench/billing_scale.py, docs/billing.md).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS line_item_files (file_id INTEGER, path VARCHAR, format VARCHAR);
CREATE TABLE IF NOT EXISTS line_item_classes (
    class_id INTEGER, provider VARCHAR, account_id VARCHAR,
    service_code VARCHAR, service_name VARCHAR, line_item_type VARCHAR, usage_type VARCHAR,
    region VARCHAR, commitment_status VARCHAR, instance_type VARCHAR, instance_family VARCHAR,
    ml_service VARCHAR, sagemaker_stage VARCHAR, unused_reservation BOOLEAN
);
CREATE TABLE IF NOT EXISTS line_item_facts (
    file_id INTEGER, class_id INTEGER,
    usage_start TIMESTAMP, usage_end TIMESTAMP,
    resource_id VARCHAR USING COMPRESSION zstd, usage_amount DOUBLE,
    billed_cost DECIMAL(38,10), effective_cost DECIMAL(38,10), list_cost DECIMAL(38,10),
    commitment_id VARCHAR, commitment_used DECIMAL(38,10), commitment_total DECIMAL(38,10),
    tags MAP(VARCHAR, VARCHAR)
);
CREATE OR REPLACE VIEW line_items AS
SELECT f.format AS source_format, f.path AS source_file,
    d.usage_start, d.usage_end, c.provider, c.account_id, c.service_code, c.service_name,
    c.line_item_type, c.usage_type, c.region, d.resource_id, d.usage_amount,
    d.billed_cost, d.effective_cost, d.list_cost, c.commitment_status, d.commitment_id,
    d.commitment_used, d.commitment_total, d.tags, c.instance_type, c.instance_family,
    c.ml_service, c.sagemaker_stage, c.unused_reservation
FROM line_item_facts AS d
JOIN line_item_files AS f ON f.file_id = d.file_id
JOIN line_item_classes AS c ON c.class_id = d.class_id;
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


def _migrate_v1(con: duckdb.DuckDBPyConnection) -> None:
    """Turn a database whose ``line_items`` is a table (before the view) into the new layout.

    WHY: databases made by earlier versions stay usable; every row and column is kept.
    """
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'line_items'"
    ).fetchone()
    if not kind or kind[0] != "BASE TABLE":
        return
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("ALTER TABLE line_items RENAME TO line_items_v1")
        con.execute(_SCHEMA)
        con.execute(
            "INSERT INTO line_item_files SELECT row_number() OVER (ORDER BY source_file), "
            "source_file, source_format FROM (SELECT DISTINCT source_file, "
            "any_value(source_format) AS source_format FROM line_items_v1 GROUP BY ALL)"
        )
        key = ", ".join(_CLASS_KEY)
        con.execute(
            f"INSERT INTO line_item_classes SELECT row_number() OVER (), * FROM (SELECT DISTINCT "
            f"ON ({key}) {key}, {', '.join(_CLASS_COLUMNS_ORDERED)} FROM line_items_v1)"
        )
        eq = " AND ".join(f"n.{k} IS NOT DISTINCT FROM c.{k}" for k in _CLASS_KEY)
        con.execute(
            f"INSERT INTO line_item_facts SELECT f.file_id, c.class_id, "
            f"{', '.join('n.' + x for x in _FACT_COLUMNS)} FROM line_items_v1 AS n "
            "JOIN line_item_files AS f ON f.path IS NOT DISTINCT FROM n.source_file "
            f"JOIN line_item_classes AS c ON {eq}"
        )
        con.execute("DROP TABLE line_items_v1")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
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
        # text timestamps without an offset are UTC (AWS and FOCUS write UTC)
        con.execute("SET TimeZone = 'UTC'")
        _migrate_v1(con)
        try:
            con.execute(_SCHEMA)
        except duckdb.Error:  # a database file (or DuckDB) older than zstd for strings (v1.2)
            con.execute(_SCHEMA.replace(" USING COMPRESSION zstd", ""))
        con.execute("BEGIN TRANSACTION")
        try:
            done: list[IngestedFile] = []
            for p in paths:
                path = Path(p).resolve()
                con.execute(
                    "DELETE FROM line_item_facts WHERE file_id IN "
                    "(SELECT file_id FROM line_item_files WHERE path = ?)",
                    [str(path)],
                )
                con.execute("DELETE FROM line_item_files WHERE path = ?", [str(path)])
                con.execute("DELETE FROM ingested_files WHERE path = ?", [str(path)])
                row = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM line_item_files")
                file_id = int(row.fetchone()[0])  # type: ignore[index]
                if path.name.lower().endswith(".zip"):
                    staged = _stage_zip(con, path, file_id)
                else:
                    staged = _stage_file(con, path, file_id)
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
                    "INSERT INTO line_item_files VALUES (?, ?, ?)", [file_id, str(path), fmt.value]
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
