"""A line's class is keyed by the export columns its class attributes are computed from
(billing/lineage.py reads them from the normalise SQL).

WHY: a column left out of that list would put lines with different accounts, usage types or
tags under one key, and every one of them would be reported with the first's attributes.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from billing_fixtures import cur2_rows, query, write_cur2_csv

from mlcost.billing import lineage
from mlcost.billing.formats import Format
from mlcost.billing.ingest import class_sources, ingest


def test_columns_are_followed_through_ctes() -> None:
    sql = (
        "WITH d AS (SELECT *, lower(b) || c AS derived FROM typed) "
        "SELECT a AS x, coalesce(derived, e) AS y, f AS z FROM d"
    )
    assert lineage.columns_read(sql, ("x", "y")) == {"a", "b", "c", "e"}


def test_an_output_the_query_lacks_is_an_error_not_an_empty_key() -> None:
    with pytest.raises(ValueError, match="no output column"):
        lineage.columns_read("SELECT a AS x FROM typed", ("x", "tags"))


# what each format's class attributes are computed from, read off sql/normalise_*.sql by hand
CUR2_CLASS_COLUMNS = {
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_line_item_type",
    "line_item_usage_type",
    "product_region_code",
    "product_region",
    "resource_tags",
}
FOCUS_CLASS_COLUMNS = {
    "ProviderName",
    "BillingAccountId",
    "SubAccountId",
    "ServiceName",
    "x_ServiceCode",
    "ChargeCategory",
    "x_UsageType",
    # FOCUS 1.2 (AWS): the usage type, and unused capacity reservations
    "SkuMeter",
    "CapacityReservationStatus",
    "ServiceProviderName",  # FOCUS 1.3
    "ChargeDescription",
    "SkuPriceDetails",
    "RegionId",
    "CommitmentDiscountId",
    "CommitmentDiscountStatus",
    "Tags",
}


@pytest.mark.parametrize(
    ("fmt", "expected"), [(Format.CUR2, CUR2_CLASS_COLUMNS), (Format.FOCUS, FOCUS_CLASS_COLUMNS)]
)
def test_each_formats_class_columns(fmt: Format, expected: set[str]) -> None:
    # a column list in file order, with columns that must not be part of the key around them
    columns = [
        "line_item_resource_id",
        "ResourceId",
        "CapacityReservationId",  # only the resource id reads it
        "BilledCost",
        *sorted(expected),
        "product",
    ]
    assert set(class_sources(fmt, columns)) == expected


def test_legacy_cur_tag_columns_are_part_of_the_key() -> None:
    got = class_sources(
        Format.CUR_LEGACY,
        ["lineItem/UsageAccountId", "lineItem/UnblendedCost", "lineItem/ResourceId"],
        ["resourceTags/user:team"],
    )
    assert got == ["lineItem/UsageAccountId", "resourceTags/user:team"]


def test_lines_differing_only_per_line_share_a_class_and_others_do_not(tmp_path: Path) -> None:
    base = {"start": "2026-09-01T00:00:00", "usage_type": "USE1-Host:ml.g5.xlarge", "cost": 1.0}
    rows = [
        {**base, "resource": "endpoint/a"},
        {**base, "resource": "endpoint/b", "cost": 2.0},  # same class: only per-line facts differ
        {**base, "tags": {"user_team": "nlp"}},
        {**base, "region": "eu-west-1", "usage_type": "EUW1-Host:ml.g5.xlarge"},
        {**base, "type": "SavingsPlanCoveredUsage"},
    ]
    path = tmp_path / "bill.parquet"
    pq.write_table(cur2_rows(rows), path)
    db = tmp_path / "bill.duckdb"
    ingest([path], db)
    got = query(
        db,
        "SELECT count(DISTINCT class_key), "
        "list(DISTINCT region ORDER BY region), "
        "list(DISTINCT commitment_status ORDER BY commitment_status) "
        "FILTER (WHERE commitment_status IS NOT NULL), "
        "count(*) FILTER (WHERE tags['user_team'] = 'nlp') FROM line_items",
    )
    per_resource = query(
        db, "SELECT count(DISTINCT class_key) FROM line_items WHERE resource_id LIKE 'endpoint/%'"
    )
    assert got == [(4, ["eu-west-1", "us-east-1"], ["covered"], 1)]
    assert per_resource == [(1,)]


def test_csv_and_parquet_copies_report_the_same_classes(tmp_path: Path) -> None:
    """The CSV path keys classes over the parsed temp table, parquet over the raw file."""
    rows = [
        {"start": "2026-09-01T00:00:00", "usage_type": "USE1-Train:ml.p4d.24xlarge", "cost": 3.5},
        {"start": "2026-09-01T01:00:00", "usage_type": "USE1-Host:ml.g5.xlarge", "cost": 1.25},
    ]
    table = cur2_rows(rows)
    pq_path = tmp_path / "bill.parquet"
    pq.write_table(table, pq_path)
    csv_path = write_cur2_csv(table, tmp_path / "bill.csv")
    results = []
    for path in (pq_path, csv_path):
        db = tmp_path / f"{path.suffix[1:]}.duckdb"
        ingest([path], db)
        results.append(
            query(
                db,
                "SELECT usage_type, region, sagemaker_stage, instance_family, billed_cost "
                "FROM line_items ORDER BY usage_start",
            )
        )
    assert results[0] == results[1]
    assert [r[2:4] for r in results[0]] == [("training", "p4d"), ("hosting", "g5")]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT x AS region FROM (SELECT lower(a) AS x FROM typed)",
        "WITH d AS (SELECT * REPLACE (coalesce(a, b) AS a) FROM typed) SELECT a AS region FROM d",
    ],
)
def test_sql_it_cannot_follow_is_refused_not_shortened(sql: str) -> None:
    with pytest.raises(ValueError, match="lineage cannot follow"):
        lineage.columns_read(sql, ("region",))


def test_every_class_input_is_a_column_the_format_declares() -> None:
    """An alias reused in its own SELECT list would come back as a name no file has; ingest
    refuses it (class_sources raises) rather than key classes without it."""
    for fmt in Format:
        class_sources(fmt, [])  # raises RuntimeError on an unknown input


def test_lines_whose_tags_are_null_or_empty_load_as_one_class(tmp_path: Path) -> None:
    """hash() gives a NULL map and an empty one the same value: two groups, one key, one
    class; not a refused 'collision'."""
    import pyarrow as pa

    base = {"usage_type": "USE1-Train:ml.p4d.24xlarge", "cost": 1.0}
    table = cur2_rows(
        [{**base, "start": "2026-09-01T00:00:00"}, {**base, "start": "2026-09-01T01:00:00"}]
    )
    i = table.schema.get_field_index("resource_tags")
    table = table.set_column(
        i, "resource_tags", pa.array([None, []], pa.map_(pa.string(), pa.string()))
    )
    path = tmp_path / "bill.parquet"
    pq.write_table(table, path)
    db = tmp_path / "bill.duckdb"
    ingest([path], db)
    assert query(db, "SELECT count(*), sum(billed_cost) FROM line_items") == [(2, 2)]
    assert query(db, "SELECT count(*) FROM line_item_classes") == [(1,)]


def test_zip_members_with_a_renamed_tag_column_keep_their_own_tag_keys(tmp_path: Path) -> None:
    """Members of one archive share a file id; the tag column's name is part of the key."""
    import zipfile

    header = "lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,{tag}"
    line = "111122223333,Usage,2026-0{m}-01T00:00:00Z,2026-0{m}-01T01:00:00Z,AmazonSageMaker,USE1-Train:ml.g5.xlarge,1,2.5,nlp"
    archive = tmp_path / "bill.csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(
            "jan.csv", header.format(tag="resourceTags/user:Team") + "\n" + line.format(m=1) + "\n"
        )
        z.writestr(
            "feb.csv", header.format(tag="resourceTags/user:team") + "\n" + line.format(m=2) + "\n"
        )
    db = tmp_path / "zip.duckdb"
    ingest([archive], db)
    got = query(db, "SELECT tags FROM line_items ORDER BY usage_start")
    assert got == [({"Team": "nlp"},), ({"team": "nlp"},)]


def test_a_parquet_file_with_its_own_file_row_number_column_loads(tmp_path: Path) -> None:
    import pyarrow as pa

    rows = [{"start": "2026-09-01T00:00:00", "usage_type": "USE1-Host:ml.g5.xlarge", "cost": 4.0}]
    table = cur2_rows(rows).append_column("file_row_number", pa.array([99]))
    path = tmp_path / "bill.parquet"
    pq.write_table(table, path)
    db = tmp_path / "bill.duckdb"
    ingest([path], db)
    assert query(db, "SELECT sagemaker_stage, billed_cost FROM line_items") == [("hosting", 4)]
