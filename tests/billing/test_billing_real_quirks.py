"""Quirks of real billing exports (review of 2026-11): reserved instances, time-zone offsets,
missing-value spellings, FOCUS from non-AWS tools, tag layouts, Marketplace Bedrock.

Every expected figure is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from billing_fixtures import (
    CUR2_HEADER,
    REVIEW_CUR2,
    RI,
    cur2_rows,
    focus_csv,
)
from billing_fixtures import (
    cur2_csv_row as _cur2,
)
from billing_fixtures import (
    focus_row as _focus,
)
from billing_fixtures import (
    write_csv as _write_csv,
)

from mlcost.billing import report
from mlcost.billing.ingest import ingest
from mlcost.billing.synth import FOCUS_REQUIRED
from mlcost.errors import UserError


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------ #1 reserved instances


def test_cur2_reserved_instances_are_amortised(tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    ingest([_write_csv(tmp_path / "cur2.csv", CUR2_HEADER, REVIEW_CUR2)], db)
    ri = dict(
        _rows(
            db,
            "SELECT line_item_type, effective_cost FROM line_items "
            "WHERE line_item_type IN ('DiscountedUsage', 'RIFee', 'Fee')",
        )
    )
    # DiscountedUsage at reservation_effective_cost; a fully used RI's monthly fee is 0
    # (0 unused upfront + 0 unused recurring); the 50,000 upfront payment is already spread
    # over the DiscountedUsage lines, so it counts 0
    assert ri == {"DiscountedUsage": D("20"), "RIFee": D("0"), "Fee": D("0")}
    [(status, commitment)] = _rows(
        db,
        "SELECT commitment_status, commitment_id FROM line_items "
        "WHERE line_item_type = 'DiscountedUsage'",
    )
    assert (status, commitment) == ("covered", RI)

    rep = report.build(report.duckdb_runner(db))
    by_service = {r["service"]: r["effective_cost"] for r in rep.sections["by_service"]}
    # EC2 GPU: 20 + 0 + 0. SageMaker: 10 + 3.2 + 0 + (4.0 - 3.2) + tax 1 - credit 2 - EDP 0.5
    assert by_service == {"EC2 GPU": D("20"), "SageMaker": D("12.5")}
    [fc] = rep.sections["forecast"]
    # 32.5 spent through 15 January: 32.5 * 31 / 15 = 67.1666..
    assert fc["month_to_date"] == D("32.5")
    assert fc["forecast"] == D("67.1667")
    by_type = {r["plan_type"]: r for r in rep.sections["savings_plans"]}
    # savings-plan coverage per plan type: the SageMaker plan's line (5.0); the RI-covered
    # p4d (32.77) is neither covered by a plan nor on-demand spend a plan could take
    assert by_type["sagemaker"]["covered_on_demand_cost"] == D("5.0")
    assert "compute" not in by_type


def test_cur2_partly_used_reservation_counts_its_unused_fees(tmp_path: Path) -> None:
    rows = [
        _cur2(
            line_item_line_item_type="RIFee",
            line_item_usage_type="HeavyUsage:g5.xlarge",
            line_item_unblended_cost="432.0",
            reservation_reservation_a_r_n=RI,
            reservation_unused_amortized_upfront_fee_for_billing_period="30.5",
            reservation_unused_recurring_fee="12.25",
        ),
        # a Fee without a reservation (e.g. a support or registration fee) keeps its cost
        _cur2(
            line_item_line_item_type="Fee",
            line_item_usage_type="HeavyUsage:g5.xlarge",
            line_item_unblended_cost="7.0",
        ),
        # DiscountedUsage with no reservation_effective_cost column value: unblended
        _cur2(
            line_item_line_item_type="DiscountedUsage",
            line_item_usage_type="BoxUsage:g5.xlarge",
            line_item_unblended_cost="0.5",
            reservation_reservation_a_r_n=RI,
        ),
    ]
    db = tmp_path / "b.duckdb"
    ingest([_write_csv(tmp_path / "cur2.csv", CUR2_HEADER, rows)], db)
    got = dict(_rows(db, "SELECT line_item_type, effective_cost FROM line_items"))
    # unused part only: 30.5 + 12.25 = 42.75
    assert got == {"RIFee": D("42.75"), "Fee": D("7"), "DiscountedUsage": D("0.5")}


LEGACY_HEADER = [
    "identity/LineItemId",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/UsageAmount",
    "lineItem/UnblendedCost",
    "pricing/publicOnDemandCost",
    "product/region",
    "reservation/EffectiveCost",
    "reservation/ReservationARN",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedRecurringFee",
    "resourceTags/user:Team",
    "resourceTags/user:team",
]


def _legacy(**kw: Any) -> dict[str, Any]:
    row = {
        "lineItem/UsageAccountId": "012345678901",
        "lineItem/LineItemType": "Usage",
        "lineItem/UsageStartDate": "2023-11-05T00:00:00Z",
        "lineItem/UsageEndDate": "2023-11-05T01:00:00Z",
        "lineItem/ProductCode": "AmazonEC2",
        "lineItem/UsageAmount": "1",
        "product/region": "us-east-1",
    }
    row.update({k.replace("__", "/"): v for k, v in kw.items()})
    return row


def test_legacy_cur_reserved_instances_are_amortised(tmp_path: Path) -> None:
    rows = [
        _legacy(
            **{
                "lineItem/LineItemType": "DiscountedUsage",
                "lineItem/UsageType": "BoxUsage:g5.xlarge",
                "lineItem/UnblendedCost": "0",
                "pricing/publicOnDemandCost": "1.006",
                "reservation/EffectiveCost": "0.6",
                "reservation/ReservationARN": RI,
            }
        ),
        _legacy(
            **{
                "lineItem/LineItemType": "RIFee",
                "lineItem/UsageStartDate": "2023-11-01T00:00:00Z",
                "lineItem/UsageType": "HeavyUsage:g5.xlarge",
                "lineItem/UsageAmount": "720",
                "lineItem/UnblendedCost": "432",
                "reservation/ReservationARN": RI,
                "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "1.5",
                "reservation/UnusedRecurringFee": "2.25",
            }
        ),
        _legacy(
            **{
                "lineItem/LineItemType": "Fee",
                "lineItem/UsageType": "HeavyUsage:g5.xlarge",
                "lineItem/UnblendedCost": "5000",
                "reservation/ReservationARN": RI,
            }
        ),
    ]
    db = tmp_path / "b.duckdb"
    ingest([_write_csv(tmp_path / "legacy.csv", LEGACY_HEADER, rows)], db)
    got = {
        t: (cost, status)
        for t, cost, status in _rows(
            db, "SELECT line_item_type, effective_cost, commitment_status FROM line_items"
        )
    }
    assert got == {
        "DiscountedUsage": (D("0.6"), "covered"),
        "RIFee": (D("3.75"), None),  # 1.5 unused upfront + 2.25 unused recurring
        "Fee": (D("0"), None),
    }


# ------------------------------------------------------------------ #7 legacy tag case


def test_legacy_tag_columns_differing_only_in_case_keep_their_keys(tmp_path: Path) -> None:
    rows = [
        _legacy(
            **{
                "lineItem/ProductCode": "AmazonSageMaker",
                "lineItem/UsageType": "USE1-Train:ml.g5.xlarge",
                "lineItem/UnblendedCost": "1.41",
                "resourceTags/user:Team": "vision",
            }
        ),
        _legacy(
            **{
                "lineItem/ProductCode": "AmazonSageMaker",
                "lineItem/UsageType": "USE1-Host:ml.g5.xlarge",
                "lineItem/UnblendedCost": "1.41",
                "resourceTags/user:team": "nlp",
            }
        ),
    ]
    db = tmp_path / "b.duckdb"
    ingest([_write_csv(tmp_path / "legacy.csv", LEGACY_HEADER, rows)], db)
    tags = [t for (t,) in _rows(db, "SELECT tags FROM line_items ORDER BY usage_type DESC")]
    assert tags == [{"Team": "vision"}, {"team": "nlp"}]


# ------------------------------------------------------------------ FOCUS helpers

# ------------------------------------------------------------------ #5 offsets


def test_timestamps_with_offsets_are_stored_in_utc(tmp_path: Path) -> None:
    rows = [
        _focus(ChargePeriodStart="2024-01-15T12:00:00+02:00", BilledCost="1", EffectiveCost="1"),
        # 23:30 in New York on the 15th is 04:30 UTC on the 16th: the day (and month) change
        _focus(ChargePeriodStart="2024-01-31T23:30:00-05:00", BilledCost="2", EffectiveCost="2"),
        _focus(ChargePeriodStart="2024-01-15 09:00:00", BilledCost="4", EffectiveCost="4"),
    ]
    db = tmp_path / "b.duckdb"
    ingest([focus_csv(tmp_path / "f.csv", rows)], db)
    got = _rows(db, "SELECT billed_cost, usage_start FROM line_items ORDER BY billed_cost")
    assert got == [
        (D("1"), datetime(2024, 1, 15, 10, 0)),
        (D("2"), datetime(2024, 2, 1, 4, 30)),
        (D("4"), datetime(2024, 1, 15, 9, 0)),  # no offset: UTC, as AWS writes
    ]


# ------------------------------------------------------------------ #6 missing values


def test_string_parquet_with_empty_and_null_spellings_loads(tmp_path: Path) -> None:
    rows = [
        _focus(BilledCost="10", EffectiveCost="10", ListCost="", ConsumedQuantity="NULL"),
        _focus(BilledCost="5", EffectiveCost="5", ListCost="NULL", ConsumedQuantity=" "),
        _focus(BilledCost="1", EffectiveCost="1", ListCost="2", ConsumedQuantity="1"),
    ]
    header = sorted(set(FOCUS_REQUIRED) | {"ConsumedQuantity"})
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in header})
    path = tmp_path / "focus_strings.parquet"
    pq.write_table(table, path)
    db = tmp_path / "b.duckdb"
    ingest([path], db)
    got = _rows(db, "SELECT billed_cost, list_cost, usage_amount FROM line_items ORDER BY 1")
    # a missing ListCost falls back to BilledCost; missing quantities are NULL
    assert got == [(D("1"), D("2"), 1.0), (D("5"), D("5"), None), (D("10"), D("10"), None)]


def test_text_that_is_only_spaces_or_padded_null_is_missing(tmp_path: Path) -> None:
    """Text columns: '', 'NULL', and those padded with spaces, including the Unicode spaces
    DuckDB's trim removes (no-break space, ideographic space), are NULL; other text is kept
    as written."""
    values = ["", "NULL", "  ", " NULL ", "\u00a0", "\u3000NULL", "\u00a0acct\u00a0", "acct"]
    rows = [
        _focus(BilledCost=str(i + 1), EffectiveCost=str(i + 1), ResourceId=v)
        for i, v in enumerate(values)
    ]
    header = sorted(set(FOCUS_REQUIRED) | {"ResourceId"})
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in header})
    path = tmp_path / "focus_strings.parquet"
    pq.write_table(table, path)
    db = tmp_path / "b.duckdb"
    ingest([path], db)
    got = _rows(db, "SELECT resource_id FROM line_items ORDER BY billed_cost")
    assert [a for (a,) in got] == [None] * 6 + ["\u00a0acct\u00a0", "acct"]


def test_whitespace_only_number_in_csv_is_missing_not_an_error(tmp_path: Path) -> None:
    rows = [
        _cur2(line_item_usage_type="BoxUsage:g5.xlarge", line_item_unblended_cost="1.5"),
        _cur2(
            line_item_usage_type="BoxUsage:g5.xlarge",
            line_item_unblended_cost="2.5",
            line_item_usage_amount="  ",
        ),
    ]
    db = tmp_path / "b.duckdb"
    ingest([_write_csv(tmp_path / "cur2.csv", CUR2_HEADER, rows)], db)
    assert _rows(db, "SELECT sum(billed_cost), count(usage_amount) FROM line_items") == [
        (D("4"), 1)
    ]


def test_a_really_bad_number_is_still_rejected_naming_the_file(tmp_path: Path) -> None:
    rows = [_cur2(line_item_usage_type="BoxUsage:g5.xlarge", line_item_unblended_cost="1,5")]
    path = _write_csv(tmp_path / "cur2.csv", CUR2_HEADER, rows)
    with pytest.raises(UserError, match=r"cur2\.csv.*line_item_unblended_cost.*'1,5'"):
        ingest([path], tmp_path / "b.duckdb")


# ------------------------------------------------------------------ #4 FOCUS without x_UsageType


def test_focus_without_usage_type_classifies_from_description(tmp_path: Path) -> None:
    rows = [
        _focus(
            ChargeDescription="$10 per hour for ml.p4d.24xlarge Training",
            BilledCost="10",
            EffectiveCost="10",
        ),
        _focus(
            ServiceName="Amazon Elastic Compute Cloud",
            ChargeDescription="$32.77 per On Demand Linux p4d.24xlarge Instance Hour",
            BilledCost="32.77",
            EffectiveCost="32.77",
        ),
        # nothing in the description: the instance type from SkuPriceDetails
        _focus(
            ServiceName="Amazon Elastic Compute Cloud",
            ChargeDescription="Compute usage",
            SkuPriceDetails='{"InstanceType":"g5.2xlarge"}',
            BilledCost="1.212",
            EffectiveCost="1.212",
        ),
        _focus(
            ChargeDescription="ml.g5.xlarge hosting",
            BilledCost="1.41",
            EffectiveCost="1.41",
        ),
        _focus(
            ServiceName="Amazon Elastic Compute Cloud",
            ChargeDescription="$0.096 per On Demand Linux m5.large Instance Hour",
            BilledCost="0.096",
            EffectiveCost="0.096",
        ),
    ]
    db = tmp_path / "b.duckdb"
    ingest([focus_csv(tmp_path / "f.csv", rows)], db)
    rep = report.build(report.duckdb_runner(db))
    by_service = {r["service"]: r["effective_cost"] for r in rep.sections["by_service"]}
    # EC2 GPU: p4d 32.77 + g5 1.212 = 33.982 (m5 is not a GPU); SageMaker 10 + 1.41
    assert by_service == {"EC2 GPU": D("33.982"), "SageMaker": D("11.41")}
    stages = {r["stage"]: r["effective_cost"] for r in rep.sections["by_stage"]}
    assert stages == {"training": D("10"), "hosting": D("1.41")}
    families = {
        (r["service"], r["instance_family"]): r["effective_cost"] for r in rep.sections["by_family"]
    }
    assert families == {
        ("EC2 GPU", "p4d"): D("32.77"),
        ("SageMaker", "p4d"): D("10"),
        ("SageMaker", "g5"): D("1.41"),
        ("EC2 GPU", "g5"): D("1.212"),
    }


# ------------------------------------------------------------------ #10 tags as entries


def test_focus_tags_as_key_value_list_are_accepted(tmp_path: Path) -> None:
    rows = [_focus(BilledCost="3", EffectiveCost="3"), _focus(BilledCost="4", EffectiveCost="4")]
    cols: dict[str, pa.Array] = {
        c: pa.array([r.get(c) for r in rows], pa.string()) for c in FOCUS_REQUIRED
    }
    entry = pa.struct([("key", pa.string()), ("value", pa.string())])
    cols["Tags"] = pa.array([[{"key": "team", "value": "vision"}], []], pa.list_(entry))
    path = tmp_path / "tags.parquet"
    pq.write_table(pa.table(cols), path)
    db = tmp_path / "b.duckdb"
    ingest([path], db)
    rep = report.build(report.duckdb_runner(db), tag="team")
    got = {r["tag_value"]: r["effective_cost"] for r in rep.sections["by_tag"]}
    assert got == {"vision": D("3"), "(untagged)": D("4")}


def test_unusable_tags_type_error_names_the_file(tmp_path: Path) -> None:
    rows = [_focus(BilledCost="3", EffectiveCost="3")]
    cols: dict[str, pa.Array] = {
        c: pa.array([r.get(c) for r in rows], pa.string()) for c in FOCUS_REQUIRED
    }
    cols["Tags"] = pa.array([7], pa.int64())
    path = tmp_path / "badtags.parquet"
    pq.write_table(pa.table(cols), path)
    with pytest.raises(UserError, match=r"badtags\.parquet: column 'Tags' has type BIGINT"):
        ingest([path], tmp_path / "b.duckdb")


# ------------------------------------------------------------------ #12 smaller ones


def _marketplace_bedrock() -> list[dict[str, Any]]:
    return [
        _cur2(
            line_item_product_code="prod-4dlfvry4v5hbi",  # a Marketplace product code
            line_item_usage_type="USE1-MP:USE1_InputTokenCount-Units",
            line_item_unblended_cost="0.75",
            product=json.dumps({"product_name": "Claude 3.5 Sonnet (Amazon Bedrock Edition)"}),
        ),
        _cur2(
            line_item_product_code="AmazonBedrock",
            line_item_usage_type="USE1-TitanEmbed-input-tokens",
            line_item_unblended_cost="0.25",
            product=json.dumps({"product_name": "Amazon Bedrock"}),
        ),
        _cur2(
            line_item_product_code="prod-other",
            line_item_usage_type="USE1-MP:Units",
            line_item_unblended_cost="9",
            product=json.dumps({"product_name": "Some Firewall"}),
        ),
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_bedrock_bought_through_marketplace_counts_as_bedrock(tmp_path: Path, fmt: str) -> None:
    # CSV classifies per line, parquet per distinct (service_code, service_name, usage_type)
    path = _write_csv(tmp_path / "cur2.csv", CUR2_HEADER, _marketplace_bedrock())
    if fmt == "parquet":
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT * FROM read_csv('{path}', all_varchar=true)) "
            f"TO '{tmp_path / 'cur2.parquet'}' (FORMAT parquet)"
        )
        con.close()
        path = tmp_path / "cur2.parquet"
    db = tmp_path / "b.duckdb"
    ingest([path], db)
    rep = report.build(report.duckdb_runner(db))
    by_service = {r["service"]: r["effective_cost"] for r in rep.sections["by_service"]}
    assert by_service == {"Bedrock": D("1")}  # 0.75 + 0.25; the firewall is not ML


def test_focus_sagemaker_ai_service_name_and_user_colon_tags(tmp_path: Path) -> None:
    rows = [
        _focus(
            ServiceName="Amazon SageMaker AI",
            ChargeDescription="ml.g5.xlarge hosting",
            BilledCost="1.41",
            EffectiveCost="1.41",
            Tags='{"user:team":"nlp"}',
        ),
        _focus(
            ServiceName="Amazon SageMaker",
            ChargeDescription="ml.p4d.24xlarge Training",
            BilledCost="10",
            EffectiveCost="10",
            Tags='{"team":"vision"}',
        ),
    ]
    db = tmp_path / "b.duckdb"
    ingest([focus_csv(tmp_path / "f.csv", rows)], db)
    rep = report.build(report.duckdb_runner(db), tag="team")
    assert {r["service"]: r["effective_cost"] for r in rep.sections["by_service"]} == {
        "SageMaker": D("11.41")
    }
    assert {r["tag_value"]: r["effective_cost"] for r in rep.sections["by_tag"]} == {
        "vision": D("10"),
        "nlp": D("1.41"),
    }


def test_json_renders_zero_and_amounts_in_plain_notation(tmp_path: Path) -> None:
    rep = report.Report(
        sections={"by_service": [{"service": "EC2 GPU", "a": D("0E-10"), "b": D("100.0000000000")}]}
    )
    text = report.render_json(rep)
    assert json.loads(text)["sections"]["by_service"][0] == {
        "service": "EC2 GPU",
        "a": "0",
        "b": "100",
    }


def test_non_usd_bill_is_flagged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        _focus(BilledCost="3", EffectiveCost="3", BillingCurrency="EUR"),
        _focus(BilledCost="4", EffectiveCost="4", BillingCurrency="USD"),
    ]
    with caplog.at_level("WARNING", logger="mlcost.billing"):
        [f] = ingest([focus_csv(tmp_path / "eur.csv", rows)], tmp_path / "b.duckdb")
    assert f.foreign_currencies == ("EUR",)
    assert "eur.csv: amounts are in EUR, not USD" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="mlcost.billing"):
        [f] = ingest([focus_csv(tmp_path / "usd.csv", rows[1:])], tmp_path / "c.duckdb")
    assert f.foreign_currencies == () and caplog.text == ""


def test_savings_plan_rates_from_bill_ignore_reserved_instance_lines(tmp_path: Path) -> None:
    from mlcost.billing.savings_plan import PlanType
    from mlcost.billing.spend_series import rates_from_bill

    sp_g5 = _cur2(
        line_item_line_item_type="SavingsPlanCoveredUsage",
        line_item_usage_type="BoxUsage:g5.xlarge",
        line_item_unblended_cost="1.006",
        pricing_public_on_demand_cost="1.006",
        savings_plan_savings_plan_effective_cost="0.7",
        savings_plan_savings_plan_a_r_n="arn:aws:savingsplans::111122223333:savingsplan/c",
    )
    db = tmp_path / "b.duckdb"
    ingest([_write_csv(tmp_path / "cur2.csv", CUR2_HEADER, [*REVIEW_CUR2, sp_g5])], db)
    rates = rates_from_bill(db, PlanType.COMPUTE, 1, "no-upfront")
    # g5: 1 - 0.7 / 1.006 = 0.30417.. ; the RI-covered p4d line (20 vs 32.77) is no plan rate
    assert rates.discounts == {"g5": D("0.3042")}


def test_legacy_cur_in_athena_parquet_layout_keeps_its_tags(tmp_path: Path) -> None:
    # legacy CUR delivered for Athena: snake_case (so read as CUR 2.0), one column per tag
    table = pa.table(
        {
            "line_item_line_item_type": ["Usage", "Usage", "Usage"],
            "line_item_usage_start_date": pa.array([datetime(2023, 11, 5)] * 3, pa.timestamp("ms")),
            "line_item_product_code": ["AmazonSageMaker"] * 3,
            "line_item_usage_type": ["USE1-Train:ml.g5.xlarge"] * 3,
            "line_item_unblended_cost": [1.41, 2.82, 0.5],
            "product_region": ["us-east-1"] * 3,
            "resource_tags_user_team": ["vision", "nlp", ""],
        }
    )
    path = tmp_path / "athena.snappy.parquet"
    pq.write_table(table, path)
    db = tmp_path / "b.duckdb"
    ingest([path], db)
    assert _rows(db, "SELECT DISTINCT region FROM line_items") == [("us-east-1",)]
    rep = report.build(report.duckdb_runner(db), tag="team")
    got = {r["tag_value"]: r["effective_cost"] for r in rep.sections["by_tag"]}
    assert got == {"nlp": D("2.82"), "vision": D("1.41"), "(untagged)": D("0.5")}


# ------------------------------------------------------------------ #9 zipped legacy CUR


def _legacy_zip(tmp_path: Path, rows: list[dict[str, Any]], name: str = "cur-1.csv") -> Path:
    import zipfile

    member = _write_csv(tmp_path / name, LEGACY_HEADER, rows)
    path = tmp_path / "export" / f"{name}.zip"
    path.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(member, name)
    member.unlink()
    return path


def test_legacy_cur_csv_zip_is_ingested_and_found_in_folders(tmp_path: Path) -> None:
    from mlcost.billing.discover import export_files

    rows = [
        _legacy(
            **{
                "lineItem/ProductCode": "AmazonSageMaker",
                "lineItem/UsageType": "USE1-Train:ml.g5.xlarge",
                "lineItem/UnblendedCost": "1.41",
                "resourceTags/user:team": "nlp",
            }
        ),
        _legacy(
            **{
                "lineItem/ProductCode": "AmazonSageMaker",
                "lineItem/UsageType": "USE1-Host:ml.g5.xlarge",
                "lineItem/UnblendedCost": "2.5",
            }
        ),
    ]
    path = _legacy_zip(tmp_path, rows)
    assert export_files([path.parent]) == [path]
    db = tmp_path / "b.duckdb"
    [f] = ingest([path], db)
    assert (f.path, f.rows) == (path.resolve(), 2)
    ingest([path], db)  # again: the archive's rows are replaced, not added
    assert _rows(db, "SELECT count(*), sum(billed_cost), min(source_file) FROM line_items") == [
        (2, D("3.91"), str(path.resolve()))  # 1.41 + 2.5
    ]


def test_a_bad_file_inside_a_zip_is_named_and_nothing_loads(tmp_path: Path) -> None:
    rows = [_legacy(**{"lineItem/UsageType": "BoxUsage:g5.xlarge", "lineItem/UnblendedCost": "x"})]
    path = _legacy_zip(tmp_path, rows, name="part-7.csv")
    db = tmp_path / "b.duckdb"
    with pytest.raises(UserError, match=r"part-7\.csv\.zip!part-7\.csv: column 'lineItem/Unbl"):
        ingest([path], db)
    assert not db.exists()


# ------------------------------------------------------------------ #11 the same bill twice


def _with_ids(rows: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    interval = "2024-01-15T10:00:00Z/2024-01-15T11:00:00Z"
    return [
        {**r, "identity_line_item_id": f"{prefix}{i}", "identity_time_interval": interval}
        for i, r in enumerate(rows)
    ]


HEADER_WITH_INTERVAL = [*CUR2_HEADER, "identity_time_interval"]


def test_the_same_bill_under_two_names_is_refused(tmp_path: Path) -> None:
    bill = _with_ids(REVIEW_CUR2, "id")
    first = _write_csv(tmp_path / "cur2.csv", HEADER_WITH_INTERVAL, bill)
    copy = _write_csv(tmp_path / "cur2-copy.csv", HEADER_WITH_INTERVAL, bill)
    db = tmp_path / "b.duckdb"
    ingest([first], db)
    with pytest.raises(
        UserError, match=r"cur2-copy\.csv: holds the same line items as .*cur2\.csv"
    ):
        ingest([copy], db)
    with pytest.raises(UserError, match="count that bill twice"):
        ingest([copy, first], tmp_path / "c.duckdb")  # also within one batch
    # unchanged: one copy of the bill, billed 10 + 5 - 5 + 4 + 0 + 15 + 50000 + 1 - 2 - 0.5
    assert _rows(db, "SELECT count(*), sum(billed_cost) FROM line_items") == [(10, D("50027.5"))]
    ingest([first], db)  # the same path again still just replaces its rows


def test_parts_of_one_export_are_not_duplicates(tmp_path: Path) -> None:
    rows = _with_ids(REVIEW_CUR2, "id")
    # AWS makes ids unique only within a part: one id shared by chance is not a duplicate bill
    part2 = _with_ids(REVIEW_CUR2, "other")
    part2[0]["identity_line_item_id"] = "id0"
    a = _write_csv(tmp_path / "part-1.csv", HEADER_WITH_INTERVAL, rows)
    b = _write_csv(tmp_path / "part-2.csv", HEADER_WITH_INTERVAL, part2)
    db = tmp_path / "b.duckdb"
    ingest([a, b], db)
    assert _rows(db, "SELECT count(*) FROM line_items") == [(20,)]


def test_database_from_before_the_duplicate_check_still_loads(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE ingested_files (path VARCHAR PRIMARY KEY, format VARCHAR, rows BIGINT, "
        "ingested_at TIMESTAMP)"
    )
    con.execute("INSERT INTO ingested_files VALUES ('/old/file.parquet', 'cur2', 0, now())")
    con.close()
    ingest(
        [_write_csv(tmp_path / "cur2.csv", HEADER_WITH_INTERVAL, _with_ids(REVIEW_CUR2, "i"))], db
    )
    assert _rows(db, "SELECT path, key_sketch IS NULL FROM ingested_files ORDER BY path")[0] == (
        "/old/file.parquet",
        True,
    )


def test_the_same_focus_bill_under_two_names_is_refused(tmp_path: Path) -> None:
    """FOCUS has no line-item id: a line is told apart by its period, account, resource, SKU
    price, quantity and cost, so a copy of the bill is still caught."""
    from mlcost.billing import synth

    focus = synth.cur2_to_focus(synth.generate_cur2(seed=4, hours=6))
    first = synth.write(focus, tmp_path / "focus.csv")
    copy = synth.write(focus, tmp_path / "focus-copy.parquet")  # and in another file type
    db = tmp_path / "b.duckdb"
    ingest([first], db)
    with pytest.raises(UserError, match=r"focus-copy\.parquet: holds the same line items"):
        ingest([copy], db)
    assert _rows(db, "SELECT count(*) FROM line_items") == [(focus.num_rows,)]


def test_focus_bills_of_other_periods_are_not_duplicates(tmp_path: Path) -> None:
    from datetime import UTC

    from mlcost.billing import synth

    day1 = synth.cur2_to_focus(synth.generate_cur2(seed=4, hours=6))
    day2 = synth.cur2_to_focus(
        synth.generate_cur2(seed=4, hours=6, start=datetime(2025, 6, 2, tzinfo=UTC))
    )
    db = tmp_path / "b.duckdb"
    ingest([synth.write(day1, tmp_path / "d1.csv"), synth.write(day2, tmp_path / "d2.csv")], db)
    assert _rows(db, "SELECT count(*) FROM line_items") == [(day1.num_rows + day2.num_rows,)]


def test_blank_identity_columns_do_not_make_every_file_a_copy(tmp_path: Path) -> None:
    """An export whose line-item id and time interval are empty: every line would hash alike,
    and two different months would look like one bill loaded twice."""

    def month(m: int, path: Path) -> Path:
        rows = [
            {
                "start": f"2026-0{m}-0{d}T00:00:00",
                "usage_type": "USE1-Train:ml.g5.xlarge",
                "cost": float(d),
            }
            for d in range(1, 8)
        ]
        t = cur2_rows(rows)
        t = t.set_column(0, "identity_line_item_id", pa.array([""] * t.num_rows, pa.string()))
        t = t.append_column("identity_time_interval", pa.array([None] * t.num_rows, pa.string()))
        pq.write_table(t, path)
        return path

    db = tmp_path / "b.duckdb"
    ingest([month(6, tmp_path / "jun.parquet"), month(7, tmp_path / "jul.parquet")], db)
    assert _rows(db, "SELECT count(*) FROM line_items") == [(14,)]
