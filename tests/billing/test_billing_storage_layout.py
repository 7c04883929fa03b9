"""``line_items`` is a view over per-line facts, per-file and per-class tables; it must read
like a table.

WHY these tests: the view joins three tables by keys, so a wrong key (a file number reused
across ingests, a re-ingest deleting by the wrong key, two classes under one hash) would
silently drop, duplicate or mislabel lines. Older databases (``line_items`` a table; integer
class ids with the tag map on every line) must migrate without losing a row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from billing_fixtures import SMALL_BILL, cur2_rows, write_cur2_csv

from mlcost.billing.formats import Format
from mlcost.billing.ingest import LINE_ITEM_COLUMNS, class_key_of, class_sources, ingest
from mlcost.errors import UserError

#: the columns every layout had (class_key came with the hashed class layout)
_COLS = ", ".join(c for c in LINE_ITEM_COLUMNS if c != "class_key")

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


def _old_database(db: Path, schema: str) -> tuple[Path, list[tuple]]:
    """A database in an earlier layout, and its line items as that layout read them."""
    con = duckdb.connect(str(db))
    try:
        con.execute(schema)
        return db, con.execute(f"SELECT {_COLS} FROM line_items ORDER BY usage_start").fetchall()
    finally:
        con.close()


def test_database_with_line_items_table_migrates_without_losing_rows(
    tmp_path: Path, small_bill_parquet: Path
) -> None:
    db, before = _old_database(tmp_path / "old.duckdb", _OLD_SCHEMA)
    ingest([small_bill_parquet], db)

    assert _rows(
        db, "SELECT table_type FROM information_schema.tables WHERE table_name = 'line_items'"
    ) == [("VIEW",)]
    old = _rows(
        db,
        f"SELECT {_COLS} FROM line_items WHERE source_file = '/old/a.parquet' ORDER BY usage_start",
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


def test_reingest_replaces_only_that_files_lines_and_classes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "b.duckdb"
    rows = [
        {"start": "2026-09-01T00:00:00", "usage_type": "USE1-Train:ml.g5.xlarge", "cost": 1.5},
        {"start": "2026-09-01T01:00:00", "usage_type": "USE1-Host:ml.g5.xlarge", "cost": 2.25},
    ]
    a = _with_ids(rows, "a", tmp_path / "a.parquet")
    # b repeats a's first line (so its class; one shared line of two is not a copied bill)
    # and adds a notebook line
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
    # each file's distinct (account, service, usage type, ...) once: a's two (its old ones
    # gone with its old lines) and b's two
    assert _rows(
        db,
        "SELECT f.path, count(*) FROM line_item_classes AS c "
        "JOIN line_item_files AS f USING (file_id) GROUP BY ALL ORDER BY 1",
    ) == [(str(a), 2), (str(b), 2)]
    assert _rows(db, "SELECT count(*) FROM line_item_classes") == [(4,)]


# the layout before class_key: integer class ids, each line kept its tag map
_V2_SCHEMA = """
CREATE TABLE line_item_files (file_id INTEGER, path VARCHAR, format VARCHAR);
CREATE TABLE line_item_classes (
    class_id INTEGER, provider VARCHAR, account_id VARCHAR,
    service_code VARCHAR, service_name VARCHAR, line_item_type VARCHAR, usage_type VARCHAR,
    region VARCHAR, commitment_status VARCHAR, instance_type VARCHAR, instance_family VARCHAR,
    ml_service VARCHAR, sagemaker_stage VARCHAR, unused_reservation BOOLEAN
);
CREATE TABLE line_item_facts (
    file_id INTEGER, class_id INTEGER,
    usage_start TIMESTAMP, usage_end TIMESTAMP,
    resource_id VARCHAR, usage_amount DOUBLE,
    billed_cost DECIMAL(38,10), effective_cost DECIMAL(38,10), list_cost DECIMAL(38,10),
    commitment_id VARCHAR, commitment_used DECIMAL(38,10), commitment_total DECIMAL(38,10),
    tags MAP(VARCHAR, VARCHAR)
);
CREATE VIEW line_items AS
SELECT f.format AS source_format, f.path AS source_file,
    d.usage_start, d.usage_end, c.provider, c.account_id, c.service_code, c.service_name,
    c.line_item_type, c.usage_type, c.region, d.resource_id, d.usage_amount,
    d.billed_cost, d.effective_cost, d.list_cost, c.commitment_status, d.commitment_id,
    d.commitment_used, d.commitment_total, d.tags, c.instance_type, c.instance_family,
    c.ml_service, c.sagemaker_stage, c.unused_reservation
FROM line_item_facts AS d
JOIN line_item_files AS f ON f.file_id = d.file_id
JOIN line_item_classes AS c ON c.class_id = d.class_id;
CREATE TABLE ingested_files (
    path VARCHAR PRIMARY KEY, format VARCHAR, rows BIGINT, ingested_at TIMESTAMP,
    key_sketch UBIGINT[]
);
INSERT INTO line_item_files VALUES (1, '/old/a.parquet', 'cur2');
INSERT INTO line_item_classes VALUES
 (1, 'AWS', '111122223333', 'AmazonSageMaker', NULL, 'Usage',
  'USE1-Train:ml.p4d.24xlarge', 'us-east-1', NULL, 'ml.p4d.24xlarge', 'p4d', 'SageMaker',
  'training', false);
INSERT INTO line_item_facts VALUES
 (1, 1, '2026-09-01 00:00:00', '2026-09-01 01:00:00', 'arn:job/a', 1.0, 37.688, 37.688,
  37.688, NULL, 0, 0, MAP {'user_team': 'nlp'}),
 (1, 1, '2026-09-01 01:00:00', '2026-09-01 02:00:00', 'arn:job/b', 1.0, 37.688, 37.688,
  37.688, NULL, 0, 0, MAP {'user_team': 'cv', 'user_project': 'x'}),
 (1, 1, '2026-09-01 02:00:00', '2026-09-01 03:00:00', 'arn:job/a', 1.0, 37.688, 37.688,
  37.688, NULL, 0, 0, MAP {'user_team': 'nlp'});
INSERT INTO ingested_files VALUES ('/old/a.parquet', 'cur2', 3, '2026-10-01 00:00:00', NULL);
"""


def test_database_with_tags_on_every_line_migrates_without_losing_rows(
    tmp_path: Path, small_bill_parquet: Path
) -> None:
    db, before = _old_database(tmp_path / "v2.duckdb", _V2_SCHEMA)
    ingest([small_bill_parquet], db)

    after = _rows(
        db,
        f"SELECT {_COLS} FROM line_items WHERE source_file = '/old/a.parquet' ORDER BY usage_start",
    )
    assert after == before
    assert [r[20] for r in after] == [  # the tags column
        {"user_team": "nlp"},
        {"user_team": "cv", "user_project": "x"},
        {"user_team": "nlp"},
    ]
    # the migrated file's two nlp lines share one class, keyed as an ingest keys it
    assert _rows(
        db,
        "SELECT source_file, count(*), count(DISTINCT class_key) FROM line_items "
        "WHERE usage_type = 'USE1-Train:ml.p4d.24xlarge' AND tags['user_team'] = 'nlp' "
        "GROUP BY ALL ORDER BY 1",
    ) == [("/old/a.parquet", 2, 1), (str(small_bill_parquet), 1, 1)]
    assert _rows(
        db,
        "SELECT count(*) FROM line_items AS l JOIN line_item_classes AS c USING (class_key) "
        "JOIN line_item_files AS f ON f.file_id = c.file_id WHERE f.path <> l.source_file",
    ) == [(0,)]
    assert (
        _rows(
            db,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'line_item_facts' AND column_name = 'tags'",
        )
        == []
    )


def test_each_line_keeps_its_tags_and_classes_belong_to_their_file(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    nlp = {"user_team": "nlp"}
    rows = [
        {
            "start": "2026-09-01T00:00:00",
            "usage_type": "USE1-Train:ml.g5.xlarge",
            "cost": 1.5,
            "tags": nlp,
        },
        {
            "start": "2026-09-01T01:00:00",
            "usage_type": "USE1-Host:ml.g5.xlarge",
            "cost": 2.25,
            "tags": {"user_team": "cv"},
        },
        {"start": "2026-09-01T02:00:00", "usage_type": "USE1-Host:ml.g5.xlarge", "cost": 4.0},
    ]
    a = _with_ids(rows, "a", tmp_path / "a.parquet")
    b = _with_ids([{**rows[0], "start": "2026-09-02T00:00:00"}], "b", tmp_path / "b.parquet")
    ingest([a, b], db)

    got = _rows(db, "SELECT usage_start, tags FROM line_items ORDER BY usage_start")
    t = datetime.fromisoformat
    assert got == [
        (t("2026-09-01T00:00:00"), nlp),
        (t("2026-09-01T01:00:00"), {"user_team": "cv"}),
        (t("2026-09-01T02:00:00"), {}),
        (t("2026-09-02T00:00:00"), nlp),
    ]
    # a: (Train, nlp), (Host, cv), (Host, no tags); b: (Train, nlp)
    assert _rows(db, "SELECT count(*) FROM line_item_classes") == [(4,)]


def test_two_classes_under_one_key_are_refused_and_nothing_loads(tmp_path: Path) -> None:
    """A 64-bit hash collision cannot be produced on purpose; plant one: the key the file's
    class will get already stands for another class (other tags)."""
    db = tmp_path / "c.duckdb"
    first = _with_ids(
        [{"start": "2026-09-01T00:00:00", "usage_type": "USE1-Train:ml.g5.xlarge", "cost": 1.0}],
        "a",
        tmp_path / "a.parquet",
    )
    ingest([first], db)
    second = _with_ids(
        [
            {
                "start": "2026-09-02T00:00:00",
                "usage_type": "USE1-Train:ml.g5.xlarge",
                "cost": 2.0,
                "tags": {"user_team": "nlp"},
            }
        ],
        "b",
        tmp_path / "b.parquet",
    )
    con = duckdb.connect(str(db))
    # the key the second file's line will get (file 2, the columns its class is read from)
    sources = class_sources(Format.CUR2, pq.read_schema(second).names)
    [(key,)] = con.execute(
        f"SELECT DISTINCT {class_key_of(2, sources)} FROM read_parquet('{second}')"
    ).fetchall()
    # ... already standing for another class: the first file's, with other tags
    con.execute(
        f"INSERT INTO line_item_classes SELECT {key}, 1, provider, account_id, service_code, "
        "service_name, line_item_type, usage_type, region, commitment_status, "
        "MAP {'user_team': 'somebody else'}, instance_type, instance_family, ml_service, "
        "sagemaker_stage, unused_reservation FROM line_item_classes"
    )
    before = con.execute(f"SELECT {_COLS} FROM line_items").fetchall()
    con.close()
    with pytest.raises(UserError, match="same 64-bit hash"):
        ingest([second], db)
    assert _rows(db, f"SELECT {_COLS} FROM line_items") == before


def test_migration_keeps_lines_without_tags_and_with_empty_tags_apart_from_nothing(
    tmp_path: Path,
) -> None:
    """hash() of a NULL map equals that of an empty map; a v2 database holding both must
    migrate to one class for them, not two classes under one key (which doubled lines)."""
    db = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(db))
    con.execute(_V2_SCHEMA)
    con.execute("UPDATE line_item_facts SET tags = NULL WHERE resource_id = 'arn:job/b'")
    con.execute(
        "INSERT INTO line_item_facts SELECT * REPLACE (usage_start + INTERVAL 5 HOUR AS "
        "usage_start, MAP {} AS tags) FROM line_item_facts WHERE resource_id = 'arn:job/b'"
    )
    con.close()
    extra = _with_ids(
        [{"start": "2026-09-03T00:00:00", "usage_type": "USE1-Train:ml.g5.xlarge", "cost": 1.0}],
        "x",
        tmp_path / "x.parquet",
    )
    ingest([extra], db)
    assert _rows(db, "SELECT count(*) FROM line_items") == [(5,)]
    assert _rows(
        db, "SELECT count(*) FROM line_items WHERE resource_id = 'arn:job/b' AND tags = MAP {}"
    ) == [(2,)]


def test_reports_read_an_older_database_before_any_new_ingest(tmp_path: Path) -> None:
    from mlcost.billing import report

    db = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(db))
    con.execute(_V2_SCHEMA)
    con.close()
    rep = report.build(report.duckdb_runner(db), tag="team")
    by_tag = {r["tag_value"]: r["effective_cost"] for r in rep.sections["by_tag"]}
    # the three p4d lines of _V2_SCHEMA: two tagged nlp, one cv, 37.688 each
    assert by_tag == {"nlp": D("75.376"), "cv": D("37.688")}


def _with_product_names(rows: list[dict], names: list[str], prefix: str, path: Path) -> Path:
    table = cur2_rows(rows)
    product = pa.array(
        [[("region", "us-east-1"), ("vcpu", "8"), ("product_name", n)] for n in names],
        pa.map_(pa.string(), pa.string()),
    )
    table = table.set_column(table.schema.get_field_index("product"), "product", product)
    ids = pa.array([f"{prefix}-{i}" for i in range(table.num_rows)])
    pq.write_table(table.set_column(0, "identity_line_item_id", ids), path)
    return path


_TRAIN = {"usage_type": "USE1-Train:ml.g5.xlarge", "product": "AmazonSageMaker", "cost": 1.0}


def test_product_name_is_read_per_class_and_each_file_keeps_its_own(tmp_path: Path) -> None:
    """CUR 2.0's product map is read once per class, not on every line; two files that name
    the same service differently (AWS renamed SageMaker to SageMaker AI) keep their names."""
    a = _with_product_names(
        [{**_TRAIN, "start": "2026-09-01T00:00:00"}, {**_TRAIN, "start": "2026-09-01T01:00:00"}],
        ["Amazon SageMaker", "Amazon SageMaker"],
        "a",
        tmp_path / "a.parquet",
    )
    b = _with_product_names(
        [{**_TRAIN, "start": "2026-10-01T00:00:00"}],
        ["Amazon SageMaker AI"],
        "b",
        tmp_path / "b.parquet",
    )
    db = tmp_path / "p.duckdb"
    ingest([a, b], db)
    assert _rows(
        db, "SELECT source_file, service_name, count(*) FROM line_items GROUP BY ALL ORDER BY 1"
    ) == [(str(a), "Amazon SageMaker", 2), (str(b), "Amazon SageMaker AI", 1)]


def test_a_bill_spanning_a_product_rename_loads_with_one_name_per_class(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """AWS renamed "Amazon SageMaker" to "Amazon SageMaker AI": one month's file has both
    names for one class. It loads, every line once, under the last name in sort order, and
    the choice is logged."""
    mixed = _with_product_names(
        [{**_TRAIN, "start": "2026-09-01T00:00:00"}, {**_TRAIN, "start": "2026-09-01T01:00:00"}],
        ["Amazon SageMaker", "Amazon SageMaker AI"],
        "m",
        tmp_path / "mixed.parquet",
    )
    db = tmp_path / "m.duckdb"
    with caplog.at_level("WARNING", logger="mlcost.billing"):
        ingest([mixed], db)
    assert _rows(db, "SELECT service_name, count(*) FROM line_items GROUP BY ALL") == [
        ("Amazon SageMaker AI", 2)
    ]
    assert "Amazon SageMaker / Amazon SageMaker AI" in caplog.text


def test_zip_members_naming_one_class_differently_load_once_each(tmp_path: Path) -> None:
    """Members of one archive share a file id, so their classes share keys; the second
    member's class is the first's (not a hash collision), and no line is counted twice."""
    import zipfile

    one = _with_product_names(
        [{**_TRAIN, "start": "2026-09-01T00:00:00"}],
        ["Amazon SageMaker"],
        "z1",
        tmp_path / "1.parquet",
    )
    two = _with_product_names(
        [{**_TRAIN, "start": "2026-09-02T00:00:00", "cost": 2.0}],
        ["Amazon SageMaker AI"],
        "z2",
        tmp_path / "2.parquet",
    )
    archive = tmp_path / "bill.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(one, "part-1.parquet")
        z.write(two, "part-2.parquet")
    db = tmp_path / "z.duckdb"
    ingest([archive], db)
    assert _rows(db, "SELECT count(*), sum(billed_cost) FROM line_items") == [(2, D("3"))]
    assert _rows(db, "SELECT count(*) FROM line_item_classes") == [(1,)]


def test_a_class_keeps_the_product_name_of_its_latest_line_not_of_the_files_last(
    tmp_path: Path,
) -> None:
    """Exports are not in time order; after a rename the newest name is the one to keep."""
    newest_first = _with_product_names(
        [{**_TRAIN, "start": "2026-09-30T23:00:00"}, {**_TRAIN, "start": "2026-09-01T00:00:00"}],
        ["Amazon SageMaker AI", "Amazon SageMaker"],
        "r",
        tmp_path / "reversed.parquet",
    )
    db = tmp_path / "r.duckdb"
    ingest([newest_first], db)
    assert _rows(db, "SELECT service_name, count(*) FROM line_items GROUP BY ALL") == [
        ("Amazon SageMaker AI", 2)
    ]


def test_csv_lines_of_one_hour_keep_the_name_on_the_later_line_in_the_file(
    tmp_path: Path,
) -> None:
    """On a tie in usage start the later line in the file wins; the CSV is parsed in file
    order so that this holds for CSV as for parquet."""
    names = ["Amazon SageMaker"] * 5 + ["Amazon SageMaker AI"]
    table = pq.read_table(
        _with_product_names(
            [{**_TRAIN, "start": "2026-09-01T00:00:00"}] * len(names),
            names,
            "t",
            tmp_path / "tie.parquet",
        )
    )
    csv_path = write_cur2_csv(table, tmp_path / "tie.csv")
    db = tmp_path / "t.duckdb"
    ingest([csv_path], db)
    assert _rows(db, "SELECT DISTINCT service_name FROM line_items") == [("Amazon SageMaker AI",)]
