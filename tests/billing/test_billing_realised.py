"""`mlcost history --realised`: each fix's saving read from the bill, figures by hand.

One bill (hourly, 2026-11-01 00:00 to 2026-11-05 00:00 UTC, 96 h), written once as CUR 2.0
and once as FOCUS, around five fixes recorded in the journal as a fix run records them (the
fix row, done, and its mutating call with the time the change reached AWS):

- ``ep-deleted`` (idle-endpoint, delete-endpoint): $1.50/h until the fix, nothing after;
- ``Ep-Resized`` (underused-endpoint, update-endpoint): ml.g5.4xlarge $2.00/h, then
  ml.g5.xlarge $1.00/h (SageMaker writes the ARN in lower case, the journal keeps the name);
- ``ep-came-back`` (idle-endpoint, delete-endpoint): deleted, recreated by a pipeline with the
  same name two days later, billed again at $0.40/h;
- ``nb-undone`` (idle-notebook, stop-notebook-instance): stopped, then `mlcost undo`; its
  storage ($0.01/h) bills throughout, as a stopped notebook's volume does;
- ``ep-late`` (underused-endpoint): resized 15 h before the bill ends: not yet measurable.

Look-alikes that must not count: ``ep-deleted-canary`` (a name that starts with a fixed one,
$5.00/h throughout) and a month-long tax line (it must not make the bill reach December).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from billing_fixtures import CUR2_HEADER, cur2_csv_row, focus_csv, focus_row, write_csv

from mlcost.billing import storage
from mlcost.billing.ingest import ingest
from mlcost.billing.realised import measure, to_json
from mlcost.cli import main
from mlcost.fix.realised_events import fix_events
from mlcost.journal import open_journal
from mlcost.journal.tables import calls, fixes

ACCOUNT = "111122223333"
START = datetime(2026, 11, 1, tzinfo=UTC)
HOURS = 96  # the bill ends 2026-11-05 00:00


def arn(name: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{name.lower()}"


NB_ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/nb-undone"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _hour(h: int) -> datetime:
    return START + timedelta(hours=h)


def bill_lines() -> list[tuple[str, str, int, Decimal]]:
    """(resource id, usage type, hour index, cost) for every hourly line of the bill."""
    lines = []

    def bill(resource: str, usage: str, hours: range, cost: str) -> None:
        lines.extend((resource, usage, h, Decimal(cost)) for h in hours)

    # ep-deleted: billed hours 0..33 (to 11-02 10:00) and the fix hour 34 (partial).
    bill(arn("ep-deleted"), "USE1-Host:ml.g5.2xlarge", range(0, 34), "1.50")
    bill(arn("ep-deleted"), "USE1-Host:ml.g5.2xlarge", range(34, 35), "0.50")
    # Ep-Resized: old type to 11-02 14:00 (hour 38), both in the update hour, new one after.
    bill(arn("Ep-Resized"), "USE1-Host:ml.g5.4xlarge", range(0, 39), "2.00")
    bill(arn("Ep-Resized"), "USE1-Host:ml.g5.xlarge", range(38, HOURS), "1.00")
    # ep-came-back: to 11-01 12:00 (hour 12, partial), again from 11-03 00:00 (hour 48).
    bill(arn("ep-came-back"), "USE1-Host:ml.m5.2xlarge", range(0, 13), "0.40")
    bill(arn("ep-came-back"), "USE1-Host:ml.m5.2xlarge", range(48, HOURS), "0.40")
    # nb-undone: instance to 11-01 20:00 (hour 20, partial), again from the undo at
    # 11-03 08:00 (hour 56); its storage all along.
    bill(NB_ARN, "USE1-Notebk:ml.g4dn.xlarge", range(0, 21), "0.80")
    bill(NB_ARN, "USE1-Notebk:ml.g4dn.xlarge", range(56, HOURS), "0.80")
    bill(NB_ARN, "USE1-Notebk:VolumeUsage.gp2", range(0, HOURS), "0.01")
    # ep-late: resized at 11-04 08:30; the bill ends 15 h after it was done.
    bill(arn("ep-late"), "USE1-Host:ml.g5.4xlarge", range(0, 81), "2.00")
    bill(arn("ep-late"), "USE1-Host:ml.g5.xlarge", range(80, HOURS), "1.00")
    # The look-alike: another endpoint whose name starts with a fixed one's.
    bill(arn("ep-deleted-canary"), "USE1-Host:ml.g5.2xlarge", range(0, HOURS), "5.00")
    return lines


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_cur2(path: Path) -> Path:
    rows = [
        cur2_csv_row(
            identity_line_item_id=f"li-{i}",
            line_item_usage_account_id=ACCOUNT,
            line_item_product_code="AmazonSageMaker",
            line_item_usage_type=usage,
            line_item_resource_id=resource,
            line_item_usage_start_date=_iso(_hour(h)),
            line_item_usage_end_date=_iso(_hour(h + 1)),
            line_item_unblended_cost=str(cost),
            pricing_public_on_demand_cost=str(cost),
            product=json.dumps({"product_name": "Amazon SageMaker"}),
        )
        for i, (resource, usage, h, cost) in enumerate(bill_lines())
    ]
    rows.append(
        cur2_csv_row(
            identity_line_item_id="li-tax",
            line_item_usage_account_id=ACCOUNT,
            line_item_line_item_type="Tax",
            line_item_product_code="AmazonSageMaker",
            line_item_usage_start_date="2026-11-01T00:00:00Z",
            line_item_usage_end_date="2026-12-01T00:00:00Z",
            line_item_unblended_cost="12.00",
        )
    )
    return write_csv(path, CUR2_HEADER, rows)


def write_focus(path: Path) -> Path:
    period = {
        "BillingPeriodStart": "2026-11-01T00:00:00Z",
        "BillingPeriodEnd": "2026-12-01T00:00:00Z",
    }
    rows = [
        focus_row(
            **period,
            BillingAccountId=ACCOUNT,
            ChargePeriodStart=_iso(_hour(h)),
            ChargePeriodEnd=_iso(_hour(h + 1)),
            ResourceId=resource,
            x_UsageType=usage,
            RegionId="us-east-1",
            ConsumedQuantity="1",
            BilledCost=str(cost),
            EffectiveCost=str(cost),
            ListCost=str(cost),
        )
        for resource, usage, h, cost in bill_lines()
    ]
    rows.append(
        focus_row(
            **period,
            BillingAccountId=ACCOUNT,
            ChargeCategory="Tax",
            ChargePeriodStart="2026-11-01T00:00:00Z",
            ChargePeriodEnd="2026-12-01T00:00:00Z",
            BilledCost="12.00",
            EffectiveCost="12.00",
        )
    )
    return focus_csv(path, rows)


def record_fix(
    j,
    fix_id: str,
    check: str,
    action: str,
    name: str,
    resource_arn: str,
    estimate: str,
    changed: datetime,
    done: datetime,
    params: dict | None = None,
    kind: str = "fix",
    undoes: str | None = None,
) -> None:
    """A done fix (or undo) as `FixRunner` leaves it: the row and its mutating call."""
    with j.engine.begin() as conn:
        conn.execute(
            fixes.insert().values(
                fix_id=fix_id,
                run_id="run-1",
                kind=kind,
                undoes=undoes,
                check_id=check,
                action=action,
                resource_kind="endpoint",
                resource_id=name,
                resource_arn=resource_arn,
                region="us-east-1",
                params=params or {"EndpointName": name},
                state="done",
                monthly_savings_usd=estimate if kind == "fix" else None,
                created_at=changed - timedelta(minutes=2),  # lease and re-check first
                updated_at=done,
            )
        )
        conn.execute(
            calls.insert().values(
                fix_id=fix_id,
                step="act",
                service="sagemaker",
                operation="DeleteEndpoint",
                params={},
                mutating=True,
                state="ok",
                started_at=changed,
                ended_at=changed + timedelta(seconds=1),
            )
        )


@pytest.fixture
def journal_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    j = open_journal(url)
    try:
        record_fix(
            j, "fx-deleted", "idle-endpoint", "delete-endpoint", "ep-deleted",
            arn("ep-deleted"), "1168.00", at(2, 10, 20), at(2, 10, 24),
        )  # fmt: skip
        record_fix(
            j, "fx-resized", "underused-endpoint", "update-endpoint", "Ep-Resized",
            arn("Ep-Resized"), "803.00", at(2, 14, 5), at(2, 14, 40),
            params={
                "EndpointName": "Ep-Resized",
                "ProductionVariants": [
                    {"VariantName": "AllTraffic", "InstanceType": "ml.g5.xlarge",
                     "InitialInstanceCount": 1}
                ],
            },
        )  # fmt: skip
        record_fix(
            j, "fx-came-back", "idle-endpoint", "delete-endpoint", "ep-came-back",
            arn("ep-came-back"), "292.00", at(1, 12, 10), at(1, 12, 15),
        )  # fmt: skip
        record_fix(
            j, "fx-undone", "idle-notebook", "stop-notebook-instance", "nb-undone",
            NB_ARN, "584.00", at(1, 20, 0), at(1, 20, 3),
        )  # fmt: skip
        record_fix(
            j, "ud-undone", "idle-notebook", "stop-notebook-instance", "nb-undone",
            NB_ARN, "", at(3, 8, 0), at(3, 8, 6), kind="undo", undoes="fx-undone",
        )  # fmt: skip
        record_fix(
            j, "fx-late", "underused-endpoint", "update-endpoint", "ep-late",
            arn("ep-late"), "700.00", at(4, 8, 30), at(4, 9, 0),
            params={"ProductionVariants": [{"InstanceType": "ml.g5.xlarge"}]},
        )  # fmt: skip
    finally:
        j.dispose()
    return url


@pytest.fixture(params=["cur2", "focus"])
def billing_db(request, tmp_path: Path) -> Path:
    db = tmp_path / f"{request.param}.duckdb"
    if request.param == "cur2":
        ingest([write_cur2(tmp_path / "cur2.csv")], db)
    else:
        ingest([write_focus(tmp_path / "focus.csv")], db)
    return db


def _report(journal_url: str, billing_db: Path) -> dict:
    j = open_journal(journal_url)
    try:
        events = fix_events(j)
    finally:
        j.dispose()
    con = storage.open_for_reading(billing_db)
    try:
        span, results = measure(con, events, window=timedelta(days=7))
    finally:
        con.close()
    return to_json(span, results, timedelta(days=7))


def test_realised_figures_by_hand(journal_url: str, billing_db: Path) -> None:
    report = _report(journal_url, billing_db)
    # The tax line runs to 12-01, but the bill's usage ends 11-05 00:00.
    assert report["bill"] == {
        "start": "2026-11-01T00:00:00+00:00",
        "end": "2026-11-05T00:00:00+00:00",
        "period_hours": 1,
    }
    by_id = {f["fix_id"]: f for f in report["fixes"]}
    assert [f["fix_id"] for f in report["fixes"]] == [
        "fx-came-back", "fx-undone", "fx-deleted", "fx-resized", "fx-late",
    ]  # fmt: skip

    # Deleted at 11-02 10:20. Before: 11-01 00:00 to 11-02 10:00 (the bill's start; 7 days
    # back is before it) = 34 h x $1.50 = $51.00, $1.50/h. The fix hour (10:00-11:00, $0.50)
    # is in neither window. After: 11:00 to 11-05 00:00 = 61 h, no line: $0/h.
    # Realised (1.50 - 0) x 730 = $1,095.00; ratio 1095 / 1168 = 0.9375 -> 0.94. The canary's
    # $5.00/h is not in it.
    d = by_id["fx-deleted"]
    assert d["status"] == "measured" and d["note"] is None
    assert (d["before"]["hours"], Decimal(d["before"]["cost_usd"])) == ("34", Decimal("51.00"))
    assert (d["after"]["hours"], Decimal(d["after"]["cost_usd"])) == ("61", Decimal(0))
    assert Decimal(d["hourly_before_usd"]) == Decimal("1.5")
    assert Decimal(d["hourly_after_usd"]) == Decimal(0)
    assert d["realised_monthly_usd"] == "1095.00"
    assert d["ratio"] == "0.94"

    # Resized 11-02 14:05-14:40. Before: 38 h x $2.00 = $76.00, $2.00/h. After: 15:00 to
    # 11-05 00:00 = 57 h x $1.00 = $57.00, $1.00/h. Realised (2 - 1) x 730 = $730.00;
    # ratio 730 / 803 = 0.909 -> 0.91. The new type alone is billed after: nothing came back.
    r = by_id["fx-resized"]
    assert r["status"] == "measured"
    assert Decimal(r["before"]["cost_usd"]) == Decimal("76.00")
    assert Decimal(r["after"]["cost_usd"]) == Decimal("57.00")
    assert [u["usage_type"] for u in r["before"]["usage"]] == ["USE1-Host:ml.g5.4xlarge"]
    assert [u["usage_type"] for u in r["after"]["usage"]] == ["USE1-Host:ml.g5.xlarge"]
    assert (r["realised_monthly_usd"], r["ratio"]) == ("730.00", "0.91")

    # Deleted 11-01 12:10, recreated by a pipeline: billed again from 11-03 00:00.
    # Before: 12 h x $0.40 = $4.80, $0.40/h. After: 13:00 to 11-05 00:00 = 83 h holding
    # 48 h x $0.40 = $19.20, $19.20 / 83 = $0.231325/h. Realised (0.40 - 19.20/83) x 730
    # = (33.20 - 19.20) / 83 x 730 = 10220 / 83 = $123.13; ratio 123.1325 / 292 = 0.42.
    c = by_id["fx-came-back"]
    assert c["status"] == "came-back"
    assert c["came_back_at"] == "2026-11-03T00:00:00+00:00"
    assert "billed again from 2026-11-03 00:00 UTC" in c["note"]
    assert (Decimal(c["before"]["cost_usd"]), Decimal(c["after"]["cost_usd"])) == (
        Decimal("4.80"),
        Decimal("19.20"),
    )
    assert Decimal(c["hourly_after_usd"]) == Decimal("0.231325")
    assert (c["realised_monthly_usd"], c["ratio"]) == ("123.13", "0.42")

    # Stopped 11-01 20:00, undone 11-03 08:00. Before: 20 h x ($0.80 + $0.01) = $16.20,
    # $0.81/h. After: 21:00 to 11-05 00:00 = 75 h: 40 h x $0.80 since the undo + 75 h x $0.01
    # storage = $32.75, $0.436667/h. Realised (60.75 - 32.75) / 75 x 730 = $272.53;
    # ratio 272.5333 / 584 = 0.4667 -> 0.47. The storage alone would not be a return.
    u = by_id["fx-undone"]
    assert u["status"] == "undone"
    assert u["note"].startswith("undone 2026-11-03 08:00 UTC")
    assert Decimal(u["before"]["cost_usd"]) == Decimal("16.20")
    assert Decimal(u["after"]["cost_usd"]) == Decimal("32.75")
    assert (u["realised_monthly_usd"], u["ratio"]) == ("272.53", "0.47")

    # Done 11-04 09:00; the bill ends 15 h later (< 24 h): no figure.
    late = by_id["fx-late"]
    assert late["status"] == "not-yet-measurable"
    assert late["note"].startswith("bill ends 2026-11-05 00:00 UTC: not yet measurable")
    assert late["realised_monthly_usd"] is None and late["ratio"] is None

    # Per check: idle-endpoint (0.94 + 0.42) / 2 = 0.68 over $1,168 + $292 = $1,460
    # estimated, $1,095.00 + $123.13 = $1,218.13 realised; underused-endpoint only the
    # measured resize (the late one has no figure).
    assert report["calibration"] == {
        "idle-endpoint": {
            "fixes": 2,
            "estimated_monthly_usd": "1460.00",
            "realised_monthly_usd": "1218.13",
            "average_ratio": "0.68",
        },
        "idle-notebook": {
            "fixes": 1,
            "estimated_monthly_usd": "584.00",
            "realised_monthly_usd": "272.53",
            "average_ratio": "0.47",
        },
        "underused-endpoint": {
            "fixes": 1,
            "estimated_monthly_usd": "803.00",
            "realised_monthly_usd": "730.00",
            "average_ratio": "0.91",
        },
    }


def test_resource_not_in_bill_is_said_not_zero(tmp_path: Path, billing_db: Path) -> None:
    """A fixed resource the bill has no line of (an export without resource ids) gets no
    figure: a realised $0 would read as "the fix saved nothing"."""
    url = f"sqlite:///{tmp_path / 'j2.db'}"
    j = open_journal(url)
    try:
        record_fix(
            j, "fx-unknown", "idle-endpoint", "delete-endpoint", "ep-unknown",
            arn("ep-unknown"), "100.00", at(2, 10, 0), at(2, 10, 5),
        )  # fmt: skip
    finally:
        j.dispose()
    (fix,) = _report(url, billing_db)["fixes"]
    assert fix["status"] == "not-in-bill"
    assert "was the export made with resource ids?" in fix["note"]
    assert fix["realised_monthly_usd"] is None


def test_cli_json_and_table(journal_url: str, billing_db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "realised.json"
    base = ["history", "--realised", "--db", journal_url, "--billing-db", str(billing_db)]
    with pytest.raises(SystemExit) as exit_:
        main([*base, "-f", "json", "-o", str(out)])
    assert exit_.value.code in (0, None)
    report = json.loads(out.read_text())
    assert {f["fix_id"]: f["realised_monthly_usd"] for f in report["fixes"]} == {
        "fx-came-back": "123.13",
        "fx-undone": "272.53",
        "fx-deleted": "1095.00",
        "fx-resized": "730.00",
        "fx-late": None,
    }
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main([*base, "--window-days", "7", "-o", str(tmp_path / "t.txt")])
    table = (tmp_path / "t.txt").read_text()
    assert "1095.00" in table and "not-yet-measurable" in table and "came-back" in table
    assert "0.68" in table  # the idle-endpoint calibration


def test_cli_without_billing_db_is_one_line(journal_url: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["history", "--realised", "--db", journal_url])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--billing-db" in err and "Traceback" not in err


def test_window_days_reaches_back_only_that_far(journal_url: str, billing_db: Path) -> None:
    """A 1-day window: ep-deleted's before window is 11-01 10:00 to 11-02 10:00 (24 h x
    $1.50 = $36.00) and its after window 11-02 11:00 to 11-03 11:00 (24 h, $0): the same
    $1.50/h, so the same $1,095.00; the bill end (11-05) does not reach past a day."""
    j = open_journal(journal_url)
    try:
        events = [e for e in fix_events(j) if e.fix_id == "fx-deleted"]
    finally:
        j.dispose()
    con = storage.open_for_reading(billing_db)
    try:
        _, (r,) = measure(con, events, window=timedelta(days=1))
    finally:
        con.close()
    assert (r.before.start, r.before.end, r.before.cost) == (at(1, 10), at(2, 10), Decimal(36))
    assert (r.after.start, r.after.end, r.after.cost) == (at(2, 11), at(3, 11), Decimal(0))
    assert r.realised_monthly == Decimal("1095.00")


def test_daily_bill_windows_are_whole_days() -> None:
    """A daily export: the day the fix happened in is in neither window."""
    from mlcost.billing.realised import BillSpan, FixEvent, windows

    span = BillSpan(at(1, 0), datetime(2026, 11, 11, tzinfo=UTC), timedelta(days=1))
    event = FixEvent(
        "fx", "idle-endpoint", "delete-endpoint", "ep", None, "us-east-1", None,
        started_at=at(4, 10, 20), settled_at=at(4, 10, 24),
    )  # fmt: skip
    before, after = windows(event, span, timedelta(days=2))
    assert before == (at(2, 0), at(4, 0))
    assert after == (at(5, 0), at(7, 0))


@pytest.mark.parametrize("days", ["0", "91"])
def test_window_days_out_of_range_is_one_line(journal_url: str, days: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["history", "--realised", "--db", journal_url, "--billing-db", "x.duckdb",
              "--window-days", days])  # fmt: skip
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--window-days" in err


def test_window_json_is_plain_notation() -> None:
    """100 h and $0 read as "100" and "0" (Decimal.normalize alone would write "1E+2")."""
    from mlcost.billing.realised import Window, _window_json

    w = _window_json(Window(at(1, 0), at(1, 0) + timedelta(hours=100)))
    assert (w["hours"], w["cost_usd"], w["hourly_usd"]) == ("100", "0", "0.000000")


def test_billing_db_without_realised_is_refused(journal_url: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["history", "--db", journal_url, "--billing-db", "bill.duckdb"])
    assert exit_.value.code == 2
    assert "--realised" in capsys.readouterr().err


def test_a_deferred_fix_is_timed_by_its_change_not_its_tag(tmp_path: Path) -> None:
    """`fix --after 3d` tags the resource (AddTags, mutating) three days before it acts: the
    fix's time is the DeleteEndpoint, or the before window would end three days early."""
    url = f"sqlite:///{tmp_path / 'j3.db'}"
    j = open_journal(url)
    try:
        record_fix(
            j, "fx-deferred", "idle-endpoint", "delete-endpoint", "ep-deleted",
            arn("ep-deleted"), "1168.00", at(2, 10, 20), at(2, 10, 24),
        )  # fmt: skip
        with j.engine.begin() as conn:
            conn.execute(
                calls.insert().values(
                    fix_id="fx-deferred",
                    step="tag-planned-fix",
                    service="sagemaker",
                    operation="AddTags",
                    params={},
                    mutating=True,
                    state="ok",
                    started_at=at(1, 9, 0),
                    ended_at=at(1, 9, 0),
                )  # fmt: skip
            )
        [event] = fix_events(j)
    finally:
        j.dispose()
    assert event.started_at == at(2, 10, 20)
