"""`history --realised` on the journal a real fix run leaves (moto): the fix's times, its
estimate and its undo are read from the rows `FixRunner` writes, and joined with a bill
written around them (CUR 2.0, the endpoint's ARN as AWS writes it in
`line_item_resource_id`)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fix_helpers import REGION, finding_for, make_runner, scan, seed_endpoint

from mlcost.billing import storage
from mlcost.billing.ingest import ingest
from mlcost.billing.realised import measure
from mlcost.fix.realised_events import fix_events

HOUR = timedelta(hours=1)


def _floor(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


#: The CUR 2.0 columns this bill needs (Data Exports table dictionary names).
CUR2_COLUMNS = [
    "identity_line_item_id",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_resource_id",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "product_region_code",
]


def _bill(path: Path, endpoint_arn: str, hours: list[datetime], cost: str) -> Path:
    """Hourly hosting lines of one endpoint, as a CUR 2.0 CSV."""
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CUR2_COLUMNS)
        for i, h in enumerate(hours):
            out.writerow(
                [
                    f"{path.stem}-{i}",
                    "123456789012",
                    "Usage",
                    f"{h:%Y-%m-%dT%H:%M:%SZ}",
                    f"{h + HOUR:%Y-%m-%dT%H:%M:%SZ}",
                    "AmazonSageMaker",
                    "USE1-Host:ml.g5.xlarge",
                    endpoint_arn,
                    "1.0",
                    cost,
                    REGION,
                ]
            )
    return path


@pytest.mark.parametrize("undo", [False, True], ids=["kept", "undone"])
def test_realised_from_a_real_fix_run(aws, sqlite_journal, tmp_path: Path, undo: bool) -> None:
    seed_endpoint("churn-idle")
    found = scan(["idle-endpoint"])
    finding = finding_for(found, "idle-endpoint", "churn-idle")
    runner = make_runner(sqlite_journal)
    [outcome] = runner.apply(found, [finding])
    assert outcome.state == "done", outcome.reason
    if undo:
        assert runner.undo(outcome.fix_id).state == "done"

    [event] = fix_events(sqlite_journal)
    delete = next(c for c in sqlite_journal.calls(outcome.fix_id) if c["mutating"])
    assert delete["operation"] == "DeleteEndpoint"
    assert event.started_at == delete["started_at"]
    assert event.estimated_monthly == Decimal(finding.monthly_savings_usd)
    assert (event.undone_at is not None) is undo
    arn = finding.resource_arn
    assert arn and arn.endswith(":endpoint/churn-idle")

    # The bill: $1.25/h for the 24 h before the fix's hour, the fix hour itself, and 48 h
    # after it when undone (the endpoint is back), none when kept.
    fix_hour = _floor(event.started_at.astimezone(UTC))
    before = [fix_hour - HOUR * k for k in range(24, 0, -1)]
    settled = _floor(event.settled_at.astimezone(UTC)) + HOUR
    after = [settled + HOUR * k for k in range(48)]
    hours = before + [fix_hour] + (after if undo else [])
    # Another endpoint's lines ($3.00/h) take the bill 48 h past the fix when this one is gone.
    db = tmp_path / "bill.duckdb"
    ingest(
        [
            _bill(tmp_path / "cur2.csv", arn, hours, "1.25"),
            _bill(tmp_path / "other.csv", arn.replace("churn-idle", "other"), after, "3.00"),
        ],
        db,
    )

    con = storage.open_for_reading(db)
    try:
        _, [r] = measure(con, [event])
    finally:
        con.close()
    estimate = Decimal(finding.monthly_savings_usd)
    # Before: 24 h x $1.25 = $30.00, $1.25/h.
    assert r.before.cost == Decimal("30.00") and r.before.hourly == Decimal("1.25")
    if undo:
        # After: 48 h x $1.25, $1.25/h: nothing saved; (1.25 - 1.25) x 730 = 0.
        assert r.status == "undone"
        assert r.realised_monthly == Decimal("0.00") and r.ratio == Decimal("0.00")
    else:
        # After: 48 h, no line: 1.25 x 730 = $912.50, against the catalogue estimate.
        assert r.status == "measured"
        assert r.realised_monthly == Decimal("912.50")
        assert r.ratio == (Decimal("912.50") / estimate).quantize(Decimal("0.01"))
