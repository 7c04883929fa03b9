"""Load CUR 2.0, legacy CUR and FOCUS exports into the billing database, all or nothing.

Each file is read, its format detected from its columns, required columns and value types
checked (naming file, column, bad value and expected type), then normalised by the SQL in
``sql/normalise_*.sql`` + ``sql/classify.sql`` into the tables behind the ``line_items``
view (:mod:`mlcost.billing.storage`). Everything happens inside one transaction: a bad file
anywhere in the batch leaves the database exactly as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mlcost.billing import (
    DEFAULT_DB,  # re-exported for callers of ingest()
    archive,
    convert,
    duplicates,
    guard,
    lineage,
    reading,
    storage,
)
from mlcost.billing.convert import ident, lit
from mlcost.billing.formats import COLUMNS, Format, Kind, detect, missing_required
from mlcost.billing.queries import sql_text  # re-exported: callers read the SQL from here
from mlcost.billing.storage import (  # re-exported: callers read the layout from here
    LINE_ITEM_COLUMNS,
    MEMORY_CAP_MB,
    default_memory_limit,
)
from mlcost.errors import UserError

__all__ = [
    "DEFAULT_DB",
    "LINE_ITEM_COLUMNS",
    "MEMORY_CAP_MB",
    "IngestedFile",
    "default_memory_limit",
    "ingest",
    "sql_text",
]

log = logging.getLogger("mlcost.billing")

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


@dataclass(frozen=True, slots=True)
class Staged:
    """What loading one file (or a zip archive's members) found."""

    format: Format
    rows: int
    #: currencies other than USD in the file
    currencies: tuple[str, ...]
    #: its sample of line identities (:mod:`mlcost.billing.duplicates`)
    sketch: tuple[int, ...]


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_id: int,
    label: str | None = None,
) -> Staged:
    """Check one file and insert its normalised rows, recorded as coming from ``file_id``.

    ``label`` is how errors name the file; it differs from ``path`` for a member of a zip
    archive (extracted to a temp file), whose rows are recorded under the archive's id.
    """
    label = label or str(path)
    rel, types, raw_names = reading.describe(con, path, label)
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
    select, checks = convert.typed_select(fmt, types, label)
    # amounts beyond a sane ceiling (or NaN, inf) are refused, not summed into every report
    checks += [
        (col, guard.amount_too_large(ident(col)), guard.amount_expected())
        for col, kind in COLUMNS[fmt].items()
        if kind is Kind.MONEY and col in types
    ]
    currency = _CURRENCY[fmt] if _CURRENCY[fmt] in types else None
    currencies: tuple[str, ...] = ()
    agg = ", ".join(
        [
            f"count(*) FILTER (WHERE {cond}), any_value({ident(col)}) FILTER (WHERE {cond})"
            for col, cond, _ in checks
        ]
        # in the same scan: the currencies the amounts are in (reports assume USD). Lowest
        # and highest spelling only: list(DISTINCT) beside the sample below made DuckDB hold
        # 700 MB per 10M lines; the full list is read only when they differ (rare)
        + (
            [f"min(CAST({ident(currency)} AS VARCHAR)), max(CAST({ident(currency)} AS VARCHAR))"]
            if currency
            else []
        )
    )
    # and a sample of line identities, to spot a bill loaded twice
    fields = duplicates.sketch_fields(fmt, list(types))
    sketch_sql = (
        duplicates.sketch_sql(
            [convert.canonical(fmt, types, c) for c in fields],
            required=duplicates.required_fields(fmt, fields),
        )
        if fields
        else None
    )
    if sketch_sql:
        agg = f"{agg}, {sketch_sql}" if agg else sketch_sql
    try:
        res = con.execute(f"SELECT {agg or 'NULL'} FROM {rel} AS raw").fetchone()
    except duckdb.Error as err:
        raise UserError(
            f"{label}: could not read the rows: {str(err).splitlines()[0]}",
            "check the file is a complete, comma-separated export; nothing was loaded",
        ) from err
    assert res is not None
    for i, (col, cond, expected) in enumerate(checks):
        bad, sample = res[2 * i], res[2 * i + 1]
        if bad:
            at = guard.first_bad_line(con, rel, cond)
            raise UserError(
                f"{label}: column {col!r} has {bad} value(s) that are not {expected} "
                f"(e.g. {sample!r}{', first at ' + at if at else ''})",
                "fix or re-export the file; nothing was loaded",
            )
    tail = list(res[2 * len(checks) :])
    if currency:
        spellings = {tail.pop(0), tail.pop(0)}
        if len(spellings) > 1:
            spellings = set(
                con.execute(
                    f"SELECT list(DISTINCT CAST({ident(currency)} AS VARCHAR)) FROM {rel}"
                ).fetchone()[0]  # type: ignore[index]
            )
        codes = {str(c).strip().upper() for c in spellings if c is not None}
        currencies = tuple(sorted(codes - {"", "NULL", "USD"}))
    sketch = tuple(sorted(tail.pop(0) or [])) if sketch_sql else ()
    extra, tags_expr = "", "MAP {}"
    tag_cols: list[str] = []
    if fmt is Format.CUR_LEGACY or (fmt is Format.CUR2 and "resource_tags" not in types):
        extra, tags_expr, tag_cols = convert.column_tags(types, raw_names)
    norm = (
        "SELECT * REPLACE (coalesce(tags, "
        + storage.NO_TAGS
        + ") AS tags) FROM ("
        + _normalise_sql(fmt).replace("{tags_expr}", tags_expr)
        + "\n)"
    )
    sources = class_sources(fmt, list(types), tag_cols)
    class_key = class_key_of(file_id, sources)
    line_key = class_key_of(file_id, sources, "raw.")
    start_col = next(iter(lineage.columns_read(_lineage_sql(fmt), ("usage_start",))), None)
    if rel.startswith("read_parquet") and "file_row_number" not in types:
        # numbered rows: a class's earliest and latest line are read again by number
        numbered, row = f"{rel[:-1]}, file_row_number=true)", "file_row_number"
        typed = f"SELECT {select}{extra}, {line_key} AS class_key"
        start = (
            convert.as_kind(Kind.TIME, ident(start_col), types[start_col], check=True)
            if start_col in types
            else None
        )
    else:
        # CSV: parse the text once into a temp table, read three times below (and a parquet
        # file with its own file_row_number column, which DuckDB cannot number). In file
        # order, so that rowid numbers the lines as the file does
        con.execute("SET preserve_insertion_order = true")
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_TYPED} AS SELECT {select}{extra} FROM {rel} AS raw"
            )
        except duckdb.Error as err:
            raise _could_not_load(label, err) from err
        finally:
            con.execute("SET preserve_insertion_order = false")
        rel = numbered = _TYPED
        row = "rowid"
        typed = f"SELECT *, {line_key} AS class_key"
        start = ident(start_col) if start_col in types else None
    group = f" GROUP BY {', '.join(ident(c) for c in sources)}" if sources else ""
    # a class's earliest and latest line by usage start, the later row on a tie (row order
    # is file order, see above); by row number alone where no line has a start
    first, last = f"min({row})", f"max({row})"
    if start:
        # one sortable number: (start in µs, shifted to be >= 0) then the row number, counted
        # from the file's first (rowids of rows added in an open transaction start at 2^62)
        base = 0
        if row == "rowid":
            base = int(con.execute(f"SELECT coalesce(min(rowid), 0) FROM {_TYPED}").fetchone()[0])  # type: ignore[index]
        k = f"((epoch_us({start})::HUGEINT + {2**63}) * {_ROWS} + ({row} - {base}))"
        first = f"coalesce(CAST(min({k}) % {_ROWS} AS BIGINT) + {base}, min({row}))"
        last = f"coalesce(CAST(max({k}) % {_ROWS} AS BIGINT) + {base}, max({row}))"

    def lines(where: str = "") -> str:
        src = f"{numbered} AS raw WHERE {row} IN ({where})" if where else f"{rel} AS raw"
        return f"WITH typed AS ({typed} FROM {src}), normalised AS ({norm})"

    key = ", ".join(storage.CLASS_KEY)
    steps = [
        # one scan groups the lines by the columns their class is computed from (far fewer
        # groups than lines) without normalising anything per line; each group's class
        # attributes are then computed from its latest line, read again by number
        f"CREATE OR REPLACE TEMP TABLE {_DIMS} AS SELECT {class_key} AS class_key, "
        f"{first} AS first_row, {last} AS last_row FROM {numbered}{group}",
        f"CREATE OR REPLACE TEMP TABLE {_CLASSES} AS {lines(f'SELECT last_row FROM {_DIMS}')} "
        f"SELECT class_key, {key}, class_service_name, class_region FROM normalised",
        # the product map of its first line, to warn where a class's lines name two products
        f"CREATE OR REPLACE TEMP TABLE {_FIRSTS} AS {lines(f'SELECT first_row FROM {_DIMS}')} "
        "SELECT class_key, class_service_name, class_region FROM normalised",
        None,  # the checks on the small tables (_check_classes)
        "INSERT INTO line_item_classes WITH normalised AS (SELECT * REPLACE ("
        "coalesce(service_name, class_service_name) AS service_name, "
        "coalesce(region, class_region) AS region) FROM "
        # groups under one key have equal attributes (checked): one row each
        f"(SELECT DISTINCT ON (class_key) * FROM {_CLASSES} ORDER BY class_key, "
        "class_service_name DESC NULLS LAST, class_region DESC NULLS LAST)), "
        f"classified AS ({sql_text('classify')}) "
        f"SELECT class_key, {file_id}, {key}, {', '.join(storage.CLASS_DERIVED)} FROM classified "
        "WHERE class_key NOT IN (SELECT class_key FROM line_item_classes)",
        # and a second scan writes each line's facts under its class_key: no join
        f"INSERT INTO line_item_facts {lines()} "
        f"SELECT {file_id}, class_key, {', '.join(storage.FACT_COLUMNS)} FROM normalised",
    ]
    n = None
    try:
        for step in steps:
            if step is None:
                _check_classes(con, label)
                continue
            n = con.execute(step).fetchone()
        for table in (_TYPED, _DIMS, _CLASSES, _FIRSTS):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    except duckdb.Error as err:
        raise _could_not_load(label, err) from err
    rows = int(n[0]) if n else 0
    if rows == 0:
        raise UserError(f"{label}: the export has a header but no line items", "nothing was loaded")
    return Staged(fmt, rows, currencies, sketch)


def _could_not_load(label: str, err: duckdb.Error) -> UserError:
    """What a user is told when DuckDB fails while loading the checked rows."""
    return UserError(
        f"{label}: could not load the rows: {str(err).splitlines()[0]}", "nothing was loaded"
    )


def _normalise_sql(fmt: Format) -> str:
    return sql_text(f"normalise_{fmt.value.replace('-', '_')}")


def _lineage_sql(fmt: Format) -> str:
    """The normalise SQL as lineage reads it: the tag-map placeholder as a plain empty map
    (the tag columns it stands for are added to the key by the caller)."""
    return _normalise_sql(fmt).replace("{tags_expr}", "MAP {}")


def class_sources(fmt: Format, columns: list[str], tag_columns: Sequence[str] = ()) -> list[str]:
    """The columns of a ``fmt`` file (with ``columns``) that its lines' class attributes are
    computed from, in the file's order; ``tag_columns``: tags stored one column per key."""
    inputs = lineage.columns_read(_lineage_sql(fmt), storage.CLASS_KEY)
    unknown = inputs - set(COLUMNS[fmt])
    if unknown:
        # a name lineage could not trace to the export (see lineage.columns_read): keying
        # without it could put different classes under one key
        raise RuntimeError(
            f"normalise_{fmt.value} computes class attributes from {sorted(unknown)}, "
            "which are not columns of the format (formats.COLUMNS)"
        )
    return [c for c in columns if c in inputs] + list(tag_columns)


def class_key_of(file_id: int, sources: list[str], prefix: str = "") -> str:
    """SQL of a line's class_key: hash() of its file, the names of the input columns its class
    is computed from and their values (``prefix``: the input relation's alias with its dot,
    so that a converted column of the same name in the SELECT around it is not read instead).

    WHY the names: members of one zip archive share a file id, and a tag column renamed
    between them (``user:Team`` -> ``user:team``) must not give equal values equal keys.
    """
    # hash(file, names) is a constant DuckDB folds once, not a string hashed on every line
    seed = f"hash({file_id}, {lit(chr(31).join(sources))})"
    return f"hash({', '.join([seed, *(prefix + ident(c) for c in sources)])})"


def _merge_zip_members(path: Path, parts: list[Staged]) -> Staged:
    """One archive's members taken as one file; they must share one format."""
    formats = {p.format for p in parts}
    if len(formats) > 1:
        raise UserError(
            f"{path}: the zip archive mixes export formats "
            f"({', '.join(sorted(f.value for f in formats))})",
            "ingest the files separately, one format per database; nothing was loaded",
        )
    return Staged(
        formats.pop(),
        sum(p.rows for p in parts),
        tuple(sorted({c for p in parts for c in p.currencies})),
        duplicates.merge([p.sketch for p in parts]),
    )


def _check_classes(con: duckdb.DuckDBPyConnection, label: str) -> None:
    """Refuse a hash collision, and warn where a class's lines name two products."""
    _refuse_class_key_collision(con, label)
    _warn_mixed_product_attributes(con, label)


def _warn_mixed_product_attributes(con: duckdb.DuckDBPyConnection, label: str) -> None:
    """Log a warning when the earliest and latest line of a class (by usage start) name
    different products or regions in CUR 2.0's product map.

    WHY: the product map (dozens of keys) is read for those two lines of each class only, and
    the class keeps the latest line's name. A bill spanning a rename (AWS renamed "Amazon
    SageMaker" to "Amazon SageMaker AI") has both names in one class; that is worth loading,
    with the choice said, not refusing.
    """
    row = con.execute(
        "SELECT count(*), any_value(f.class_service_name || ' / ' || c.class_service_name) "
        f"FROM {_CLASSES} AS c JOIN {_FIRSTS} AS f USING (class_key) "
        "WHERE f.class_service_name IS DISTINCT FROM c.class_service_name "
        "OR (c.region IS NULL AND f.class_region IS DISTINCT FROM c.class_region)"
    ).fetchone()
    if row and row[0]:
        log.warning(
            "%s: lines of %d class(es) carry more than one product name or region in the "
            "product map (e.g. %s); mlcost keeps the one on each class's latest line (by usage "
            "start; on a tie, the later in the file)",
            label,
            row[0],
            row[1],
        )


def _refuse_class_key_collision(con: duckdb.DuckDBPyConnection, label: str) -> None:
    """A UserError if two different classes got the same 64-bit ``class_key``.

    WHY: lines keep only hash(file, class inputs); a collision would give one class's lines
    the other's account, usage type or tags. Compared are the attributes computed from each
    group's latest line, so raw values that hash alike but mean the same pass. With a million
    classes the odds are about 1e-8, but it is checked (on the small tables only), never
    assumed.
    """
    # an earlier member of the same zip archive (same file_id) may have stored the same class,
    # with service name and region filled from its own product map (ours are not filled yet)
    same = " AND ".join(
        f"(n.{k} IS NULL OR n.{k} = c.{k})"
        if k in _FILLED_PER_CLASS
        else f"n.{k} IS NOT DISTINCT FROM c.{k}"
        for k in storage.CLASS_KEY
    )
    key = ", ".join(storage.CLASS_KEY)
    # two groups of this file may share a key where their raw values differ only in what
    # hash() does not tell apart (a NULL tag map and an empty one): harmless where they
    # normalise to the same class, a collision where they do not
    clash = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT class_key FROM (SELECT DISTINCT class_key, {key} "
        f"FROM {_CLASSES}) GROUP BY class_key HAVING count(*) > 1)) "
        f"+ (SELECT count(*) FROM {_CLASSES} AS n JOIN line_item_classes AS c "
        f"ON c.class_key = n.class_key WHERE NOT ({same}))"
    ).fetchone()
    if clash and clash[0]:
        raise UserError(
            f"{label}: two different line-item classes have the same 64-bit hash in this database",
            "ingest the file into a new --db and report this as an mlcost bug; nothing was loaded",
        )


_TYPED = "mlcost_typed_csv"
#: more lines than any file has (2^40): row numbers packed under a usage start
_ROWS = 2**40
#: class columns a CUR 2.0 product map fills once per class (after the key is computed)
_FILLED_PER_CLASS = ("service_name", "region")
#: temp tables of one file: its classes' keys with their earliest and latest line's number;
#: the class attributes from the latest line; the product map's attributes from the earliest
_DIMS = "mlcost_file_dims"
_CLASSES = "mlcost_file_classes"
_FIRSTS = "mlcost_file_first_lines"


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
    guard.check_database_file(db, writing=True)  # a file that is not ours is never rewritten
    created = not Path(db).exists()
    try:
        return _ingest(paths, db, memory_limit or default_memory_limit())
    except BaseException:
        if created:  # a failed first ingest leaves no database behind
            for leftover in (Path(db), Path(f"{db}.wal")):
                leftover.unlink(missing_ok=True)
        raise


def _ingest(paths: list[Path], db: Path, memory_limit: str) -> list[IngestedFile]:
    con = storage.open_for_loading(str(db), memory_limit)
    try:
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
                con.execute(
                    "DELETE FROM line_item_classes WHERE file_id IN "
                    "(SELECT file_id FROM line_item_files WHERE path = ?)",
                    [str(path)],
                )
                con.execute("DELETE FROM line_item_files WHERE path = ?", [str(path)])
                con.execute("DELETE FROM ingested_files WHERE path = ?", [str(path)])
                row = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM line_item_files")
                file_id = int(row.fetchone()[0])  # type: ignore[index]
                if path.name.lower().endswith(".zip"):
                    staged = _merge_zip_members(
                        path, archive.stage_zip(con, path, file_id, _stage_file)
                    )
                else:
                    staged = _stage_file(con, path, file_id)
                fmt, rows, foreign = staged.format, staged.rows, staged.currencies
                duplicates.refuse_duplicate(con, path, staged.sketch)
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
