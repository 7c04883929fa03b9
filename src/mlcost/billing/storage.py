"""How line items are stored in the billing database, and how older databases are upgraded.

``line_items`` is a view with one row per bill line. Behind it:

* ``line_item_facts`` — what differs on every line: times, resource id, amounts, commitment
  id and money, plus ``file_id`` and ``class_key``;
* ``line_item_files`` — ``file_id`` -> path and format;
* ``line_item_classes`` — ``class_key`` -> the file and the attributes whose combinations
  repeat from line to line (account, service, line-item type, usage type, region, commitment
  status, the tag map) and the ML classification ``sql/classify.sql`` derives from them.
  Classes belong to one file and go with it when it is loaded again.

WHY: DuckDB spends about 0.7 s per 10M rows writing a string column, even a nearly constant
one, and 1.8 s writing a tag map, while a bill repeats far fewer combinations: 273 classes in
the 10M-line benchmark bill. Where every resource carries its own tags (a Name tag, a stack id)
there are about as many classes as resources times their usage types, still a small table
beside the lines. ``class_key`` is ``hash()`` of the file and the export's own columns the
combination is computed from (:mod:`mlcost.billing.lineage`), computed on each line while it is
read, so loading needs no join; a collision is checked on the small tables
(:mod:`mlcost.billing.ingest` refuses the file), never assumed away. The key is opaque: nothing
but loading and migrating computes one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb

from mlcost.billing import guard

#: per-line attributes stored once per combination in line_item_classes (migrations key an
#: old database's classes by hash() of them, in this order; ingest by the columns they come from)
CLASS_KEY = (
    "provider",
    "account_id",
    "service_code",
    "service_name",
    "line_item_type",
    "usage_type",
    "region",
    "commitment_status",
    "tags",
)


def class_key_sql(file_id: str, prefix: str = "") -> str:
    """SQL of a migrated line's class_key: hash() of its file and CLASS_KEY columns
    (``prefix``: a table alias with its dot). WHY the file: a class keeps one product name from CUR 2.0's
    product map, and another file may name the same class differently."""
    return f"hash({file_id}, {', '.join(prefix + c for c in CLASS_KEY)})"


#: a line without tags carries this empty map, never NULL: DuckDB's hash() of a NULL map
#: equals that of an empty one, while DISTINCT tells them apart (two classes, one key)
NO_TAGS = "MAP {}::MAP(VARCHAR, VARCHAR)"
#: columns sql/classify.sql derives from the key, stored alongside it
CLASS_DERIVED = (
    "instance_type",
    "instance_family",
    "ml_service",
    "sagemaker_stage",
    "unused_reservation",
)
#: per-line columns stored in line_item_facts
FACT_COLUMNS = (
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
)

#: the columns of the ``line_items`` view (docs/billing.md, "Normalised table")
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
    "class_key",
)

# resource_id is zstd: ARNs repeat every hour but a row group holds thousands of distinct
# ones, so DuckDB's dictionary+FSST analysis spent 3.4 s of CPU per 10M rows on it and made
# 148 MB; zstd takes 1.6 s and 61 MB (bench/billing_scale.py, docs/billing.md).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS line_item_files (file_id INTEGER, path VARCHAR, format VARCHAR);
CREATE TABLE IF NOT EXISTS line_item_classes (
    class_key UBIGINT, file_id INTEGER, provider VARCHAR, account_id VARCHAR,
    service_code VARCHAR, service_name VARCHAR, line_item_type VARCHAR, usage_type VARCHAR,
    region VARCHAR, commitment_status VARCHAR, tags MAP(VARCHAR, VARCHAR),
    instance_type VARCHAR, instance_family VARCHAR,
    ml_service VARCHAR, sagemaker_stage VARCHAR, unused_reservation BOOLEAN
);
CREATE TABLE IF NOT EXISTS line_item_facts (
    file_id INTEGER, class_key UBIGINT,
    usage_start TIMESTAMP, usage_end TIMESTAMP,
    resource_id VARCHAR USING COMPRESSION zstd, usage_amount DOUBLE,
    billed_cost DECIMAL(38,10), effective_cost DECIMAL(38,10), list_cost DECIMAL(38,10),
    commitment_id VARCHAR, commitment_used DECIMAL(38,10), commitment_total DECIMAL(38,10)
);
CREATE OR REPLACE VIEW line_items AS {view};
CREATE TABLE IF NOT EXISTS ingested_files (
    path VARCHAR PRIMARY KEY, format VARCHAR, rows BIGINT, ingested_at TIMESTAMP
);
-- added later: databases made before it gain the column (NULL: no sample for old files)
ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS key_sketch UBIGINT[];
"""


def line_items_select(
    facts: str = "line_item_facts", columns: Sequence[str] = LINE_ITEM_COLUMNS
) -> str:
    """SELECT of the ``line_items`` ``columns`` over a table of facts keyed by class_key:
    ``line_item_facts``, or a sum of it (:mod:`mlcost.billing.rollup`), which reads alike."""

    def source(col: str) -> str:
        if col in ("source_format", "source_file"):
            return f"f.{'format' if col == 'source_format' else 'path'} AS {col}"
        return f"{'d' if col in FACT_COLUMNS or col == 'class_key' else 'c'}.{col}"

    return (
        f"SELECT {', '.join(source(c) for c in columns)} FROM {facts} AS d "
        "JOIN line_item_classes AS c ON c.class_key = d.class_key "
        "JOIN line_item_files AS f ON f.file_id = c.file_id"
    )


_SCHEMA = _SCHEMA.replace("{view}", line_items_select())

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


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def open_for_loading(db: str, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A connection to ``db`` set up for bulk loads, with the current layout in place."""
    try:
        con = duckdb.connect(db)
    except duckdb.Error as err:
        raise guard.open_error(db, err) from None
    try:
        con.execute(f"SET memory_limit = {_lit(memory_limit)}")
        con.execute(f"SET temp_directory = {_lit(f'{db}.tmp')}")
        con.execute(f"SET threads = {_cores()}")
        # row order carries no meaning in a bill; letting DuckDB drop it lets large loads
        # stream instead of buffering whole row groups in order
        con.execute("SET preserve_insertion_order = false")
        # text timestamps without an offset are UTC (AWS and FOCUS write UTC)
        con.execute("SET TimeZone = 'UTC'")
        migrate(con)
        create_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def open_for_reading(db: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to ``db``, after bringing an older layout up to date.

    WHY: reports, plans and budgets read ``line_items`` and ``line_item_classes`` as this
    version lays them out; a database made by an earlier mlcost is migrated (once, with a
    writable connection) instead of failing until the next ingest. A missing file is a
    UserError, not DuckDB's "cannot open" error.
    """
    guard.check_database_file(db)  # missing, a folder, empty, not DuckDB: one line
    db = str(db)
    try:
        con = duckdb.connect(db, read_only=True)
    except duckdb.Error as err:
        raise guard.open_error(db, err) from None
    try:
        current = _layout(con) == "current"
    except BaseException:
        con.close()
        raise
    if current:
        return con
    con.close()
    upgrade = duckdb.connect(db)
    try:
        upgrade.execute("SET TimeZone = 'UTC'")
        migrate(upgrade)
        create_schema(upgrade)
    finally:
        upgrade.close()
    return duckdb.connect(db, read_only=True)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing of the current layout (and the ``line_items`` view)."""
    try:
        con.execute(_SCHEMA)
    except duckdb.Error:  # a database file (or DuckDB) older than zstd for strings (v1.2)
        con.execute(_SCHEMA.replace(" USING COMPRESSION zstd", ""))


def _layout(con: duckdb.DuckDBPyConnection) -> str:
    """``v1`` (line_items a table), ``v2`` (integer class_id, tags on every line) or ``current``."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'line_items'"
    ).fetchone()
    if kind and kind[0] == "BASE TABLE":
        return "v1"
    if not kind:  # nothing loaded yet
        return "current"
    old = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'line_item_facts' AND column_name = 'tags'"
    ).fetchone()
    return "v2" if old and old[0] else "current"


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a database made by an earlier mlcost to the current layout, every row kept.

    WHY: databases made by earlier versions stay usable. It runs in its own transaction,
    before the ingest's, and keys each class as a new ingest would: hash(file_id, class).
    """
    layout = _layout(con)
    if layout == "current":
        return
    key = ", ".join(CLASS_KEY)
    facts = ", ".join("n." + c for c in FACT_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        if layout == "v1":
            con.execute("ALTER TABLE line_items RENAME TO line_items_v1")
            create_schema(con)
            con.execute(f"UPDATE line_items_v1 SET tags = {NO_TAGS} WHERE tags IS NULL")
            con.execute(
                "INSERT INTO line_item_files SELECT row_number() OVER (ORDER BY source_file), "
                "source_file, source_format FROM (SELECT DISTINCT source_file, "
                "any_value(source_format) AS source_format FROM line_items_v1 GROUP BY ALL)"
            )
            lines = (
                "line_items_v1 AS n JOIN line_item_files AS f "
                "ON f.path IS NOT DISTINCT FROM n.source_file"
            )
            classes = f"(SELECT f.file_id, n.* FROM {lines})"
            file_id = "f.file_id"
        else:
            con.execute("DROP VIEW IF EXISTS line_items")
            con.execute("ALTER TABLE line_item_classes RENAME TO line_item_classes_v2")
            con.execute("ALTER TABLE line_item_facts RENAME TO line_item_facts_v2")
            create_schema(con)
            classes = (
                "(SELECT t.file_id, c.*, t.tags FROM (SELECT DISTINCT file_id, class_id, tags "
                "FROM line_item_facts_v2) AS t JOIN line_item_classes_v2 AS c USING (class_id))"
            )
            con.execute(f"UPDATE line_item_facts_v2 SET tags = {NO_TAGS} WHERE tags IS NULL")
            lines = "line_item_facts_v2 AS n JOIN line_item_classes_v2 AS c USING (class_id)"
            file_id = "n.file_id"
        con.execute(
            f"INSERT INTO line_item_classes SELECT {class_key_sql('file_id')}, file_id, {key}, "
            f"{', '.join(CLASS_DERIVED)} FROM (SELECT DISTINCT ON (file_id, {key}) * "
            f"FROM {classes})"
        )
        qualified = ", ".join(
            ("n." if c == "tags" or layout == "v1" else "c.") + c for c in CLASS_KEY
        )
        con.execute(
            f"INSERT INTO line_item_facts SELECT {file_id}, hash({file_id}, {qualified}), "
            f"{facts} FROM {lines}"
        )
        clash = con.execute(
            "SELECT count(*) - count(DISTINCT class_key) FROM line_item_classes"
        ).fetchone()
        if clash and clash[0]:
            raise RuntimeError(
                "two different line-item classes have the same 64-bit hash; the database "
                "was left as it was (please report this as an mlcost bug)"
            )
        if layout == "v1":
            con.execute("DROP TABLE line_items_v1")
        else:
            con.execute("DROP TABLE line_item_facts_v2")
            con.execute("DROP TABLE line_item_classes_v2")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
