"""``line_items`` is a view over facts + per-file + per-class tables; it must read like a table.

WHY these tests: the view joins three tables by integer ids, so a wrong id (a class or file
number reused across ingests, or a re-ingest deleting by the wrong key) would silently drop,
duplicate or mislabel lines. Older databases, where ``line_items`` was a table, must migrate
without losing a row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from billing_fixtures import SMALL_BILL, cur2_rows

from mlcost.billing.ingest import ingest

_OLD_SCHEMA = """
CREATE TABLE line_items (
    source_format VARCHAR, source_file VARCHAR,
    usage_start TIMESTAMP, usage_end TIMESTAMP, provider VARCHAR, account_id VARCHAR,
    service_code VARCHAR, service_name VARCHAR, line_item_type VARCHAR, usage_type VARCHAR,
    region VARCHAR, resource_id VARCHAR, usage_amount DOUBLE,
    billed_cost DECIMAL(38,10), effective_cost DECIMAL(38,10), list_cost DECIMAL(38,10),
    commitment_status VARCHAR, commitment_id VARCHAR,
    commitment_used DECIMAL(38,10), commitment_total DECIMAL(38,10),
    tags MAP(VARCHAR, VARCHAR), instance_type VARCHAR, instance_family VARCHAR,
    ml_service VARCHAR, sagemaker_stage VARCHAR, unused_reservation BOOLEAN
);
CREATE TABLE ingested_files (
    path VARCHAR PRIMARY KEY, format VARCHAR, rows BIGINT, ingested_at TIMESTAMP
);
INSERT INTO line_items VALUES
 ('cur2', '/old/a.parquet', '2026-09-01 00:00:00', '2026-09-01 01:00:00', 'AWS',
  '111122223333', 'AmazonSageMaker', 'Amazon SageMaker', 'Usage', 'USE1-Train:ml.p4d.24xlarge',
  'us-east-1', 'arn:job/a', 1.0, 37.688, 37.688, 37.688, NULL, NULL, 0, 0,
  MAP {'user_team': 'nlp'}, 'ml.p4d.24xlarge', 'p4d', 'SageMaker', 'training', false),
 ('cur2', '/old/a.parquet', '2026-09-01 01:00:00', '2026-09-01 02:00:00', 'AWS',
  '111122223333', 'AmazonEC2', 'Amazon Elastic Compute Cloud', 'Usage',
  'USE1-UnusedBox:p5.48xlarge', 'us-east-1', NULL, 2.0, 10.5, 10.5, 10.5, NULL, NULL, 0, 0,
  MAP {}, 'p5.48xlarge', 'p5', 'EC2 GPU', NULL, true);
INSERT INTO ingested_files VALUES ('/old/a.parquet', 'cur2', 2, '2026-10-01 00:00:00');
"""


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_database_with_line_items_table_migrates_without_losing_rows(
    tmp_path: Path, small_bill_parquet: Path
) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(_OLD_SCHEMA)
    before = con.execute("SELECT * FROM line_items ORDER BY usage_start").fetchall()
    con.close()

    ingest([small_bill_parquet], db)

    assert _rows(
        db, "SELECT table_type FROM information_schema.tables WHERE table_name = 'line_items'"
    ) == [("VIEW",)]
    old = _rows(
        db, "SELECT * FROM line_items WHERE source_file = '/old/a.parquet' ORDER BY usage_start"
    )
    assert old == before
    assert old[0][13] == D("37.688")  # billed_cost column, as inserted
    assert _rows(
        db, f"SELECT count(*) FROM line_items WHERE source_file = '{small_bill_parquet}'"
    ) == [(len(SMALL_BILL),)]


def _with_ids(rows: list[dict], prefix: str, path: Path) -> Path:
    table = cur2_rows(rows)
    ids = pa.array([f"{prefix}-{i}" for i in range(table.num_rows)])
    pq.write_table(table.set_column(0, "identity_line_item_id", ids), path)
    return path


def test_reingest_replaces_only_that_files_lines_and_keeps_shared_classes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "b.duckdb"
    rows = [
        {"start": "2026-09-01T00:00:00", "usage_type": "USE1-Train:ml.g5.xlarge", "cost": 1.5},
        {"start": "2026-09-01T01:00:00", "usage_type": "USE1-Host:ml.g5.xlarge", "cost": 2.25},
    ]
    a = _with_ids(rows, "a", tmp_path / "a.parquet")
    # b shares a's first usage type (so its class) and adds a notebook line
    b = _with_ids(
        [
            rows[0],
            {
                "start": "2026-09-02T00:00:00",
                "usage_type": "USE1-Notebk:ml.t3.medium",
                "cost": 0.05,
            },
        ],
        "b",
        tmp_path / "b.parquet",
    )
    ingest([a, b], db)
    ingest([a], db)  # again: replaces a's lines, leaves b's

    got = _rows(
        db,
        "SELECT source_file, usage_start, sagemaker_stage, instance_type, billed_cost "
        "FROM line_items ORDER BY source_file, usage_start",
    )
    t = datetime.fromisoformat
    assert got == [
        (str(a), t("2026-09-01T00:00:00"), "training", "ml.g5.xlarge", D("1.5")),
        (str(a), t("2026-09-01T01:00:00"), "hosting", "ml.g5.xlarge", D("2.25")),
        (str(b), t("2026-09-01T00:00:00"), "training", "ml.g5.xlarge", D("1.5")),
        (str(b), t("2026-09-02T00:00:00"), "notebook", "ml.t3.medium", D("0.05")),
    ]
    # each distinct (account, service, usage type, ...) is stored once
    assert _rows(db, "SELECT count(*) FROM line_item_classes") == [(3,)]
