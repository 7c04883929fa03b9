"""Run the report SQL on Apache Spark, and compile it for Athena (Trino), with SQLGlot.

The queries are written once, in DuckDB's dialect, as files in ``sql/``. For an export too
large for one machine the same text, transpiled by SQLGlot, runs on Spark over the
``line_items`` and ``line_item_classes`` tables; here (``--engine spark``) we run Spark in local mode over the DuckDB
table exported to parquet, which is what a cluster job would read from S3.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from mlcost.billing import storage
from mlcost.billing.report import Rows, Runner
from mlcost.errors import UserError


def _element_at(node: exp.Expression) -> exp.Expression:
    # Trino's map subscript fails on a missing key; ELEMENT_AT returns NULL like DuckDB's
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        return exp.func("ELEMENT_AT", node.this, node.expressions[0])
    return node


def transpile(sql: str, dialect: str) -> str:
    """DuckDB SQL in another dialect: ``spark`` or ``trino`` (Athena engine v3)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if dialect in ("trino", "athena", "presto"):
        tree = tree.transform(_element_at)
    return tree.sql(dialect=dialect, pretty=True)


#: what the report SQL reads: the line items and their classes (by_tag reads the tag map
#: once per class there)
EXPORTED_TABLES = ("line_items", "line_item_classes")


def export_parquet(db: Path, out: Path) -> dict[str, Path]:
    """Write ``line_items`` and ``line_item_classes`` to parquet files in the folder ``out``
    (what Spark or Athena would read); returns table name -> file."""
    con = storage.open_for_reading(db)
    files = {t: Path(out) / f"{t}.parquet" for t in EXPORTED_TABLES}
    try:
        for table, path in files.items():
            quoted = str(path).replace(chr(39), chr(39) * 2)
            con.execute(f"COPY {table} TO '{quoted}' (FORMAT parquet)")
    finally:
        con.close()
    return files


def spark_session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise UserError(
            "--engine spark needs pyspark (and Java 17+)",
            "pip install 'mlcost[spark]', or use --engine duckdb",
        ) from err
    return (
        SparkSession.builder.master("local[2]")
        .appName("mlcost-billing")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


def spark_runner(db: Path, spark: Any | None = None) -> Runner:
    """A runner that executes each (transpiled) query on Spark local mode."""
    # export first: a missing database fails before a Spark session starts
    tables = export_parquet(db, Path(tempfile.mkdtemp(prefix="mlcost-spark-")))
    spark = spark or spark_session()
    for table, path in tables.items():
        spark.read.parquet(str(path)).createOrReplaceTempView(table)

    def run(sql: str) -> Rows:
        return [r.asDict() for r in spark.sql(transpile(sql, "spark")).collect()]

    return run
