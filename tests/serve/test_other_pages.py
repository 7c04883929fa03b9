"""Overview, Billing, Schedules and Bench: figures checked against the databases, every chart
with its accessible name and a table beside it, no script and no external asset."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from serve_helpers import finding, fix_row, record, record_example_run

from mlcost.model import Usage
from mlcost.pricing.catalogue import price


def _no_script_no_cdn(text: str) -> None:
    assert "<script" not in text
    # every asset is our own: no src/href/url() to another host
    assert re.findall(r'(?:src|href)="(?:https?:)?//|url\((?:https?:)?//', text) == []


def test_overview_found_applied_and_undone(journal, client_for):
    # a scan finding $300 + $200 + $50 (three resources) = $550 a month
    record(
        journal,
        [
            finding("a", savings="300.00"),
            finding("b", savings="200.00"),
            finding("c", "idle-endpoint", savings="50.00"),
        ],
    )
    fix_row(journal, "ep-a", saving="300.00")
    undone = fix_row(journal, "ep-b", saving="200.00")
    fix_row(journal, "ep-c", saving="50.00", state="skipped")  # skipped: saved nothing
    fix_row(journal, "ep-b", run_id="run-2", kind="undo", undoes=undone)
    text = client_for().get("/").text
    assert re.search(r'id="found">\$550.00<', text)
    assert re.search(r'id="applied">\$300.00<', text)  # ep-a only: ep-b was undone
    assert re.search(r'id="undone">\$200.00<', text)
    # top findings, largest first, linking to each finding
    top = re.findall(r'href="/findings/([a-z])"', text)
    assert top == ["a", "b", "c"]
    assert 'role="img" aria-label="monthly savings found per recorded scan (USD)"' in text
    _no_script_no_cdn(text)


@pytest.fixture(scope="module")
def bill(tmp_path_factory):
    synth = pytest.importorskip("mlcost.billing.synth")
    from mlcost.billing.ingest import ingest

    folder = tmp_path_factory.mktemp("bill")
    db = folder / "bill.duckdb"
    ingest([synth.write(synth.generate_cur2(seed=11, hours=48), folder / "cur.parquet")], db)
    return db


def test_billing_page_matches_the_billing_report(bill, client_for):
    from mlcost.billing import report

    rep = report.build(report.duckdb_runner(bill), tag="team")
    page = client_for(billing_db=bill).get("/billing?tag=team")
    assert page.status_code == 200
    text = page.text
    for section in ("by_stage", "by_tag", "by_family"):
        rows = rep.sections[section]
        assert rows, section
        table = text[text.index(f'<table id="{section}">') :]
        table = table[: table.index("</table>")]
        for r in rows:  # every row's dollars, to the cent, in the page's table
            assert f"${Decimal(r['effective_cost']).quantize(Decimal('0.01')):,}" in table
        assert 'aria-label="ML spend by' in text
    _no_script_no_cdn(text)


RATES = """{"plan": "sagemaker", "term_years": 1, "payment": "no-upfront",
 "source": "test rates, stated here", "discounts": {"g5": 0.36, "*": 0.25}}"""


def test_billing_page_marks_the_savings_plan_optimum(bill, client_for, tmp_path):
    from mlcost.billing import savings_plan as sp
    from mlcost.billing.spend_series import hourly_spend

    rates_file = tmp_path / "rates.json"
    rates_file.write_text(RATES)
    rates = sp.load_rates(rates_file)
    families, spend = hourly_spend(bill, sp.PlanType.SAGEMAKER)
    best = sp.result_json(sp.plan(spend, families, rates), rates)["optimal"]
    assert best["net_savings_usd_observed"] > 0  # a commitment worth marking
    text = client_for(billing_db=bill, sp_rates=rates_file).get("/billing").text
    assert f'id="optimum">${best["commitment_usd_per_hour"]:.3f}/h' in text
    assert 'aria-label="savings-plan commitment: net savings over the observed hours"' in text
    assert 'aria-label="savings-plan commitment: utilisation of the commitment"' in text
    assert "optimum</text>" in text  # the marker drawn on the curve
    assert 'id="commitment-curve"' in text  # the table beside it


def test_overview_spend_by_stage_matches_the_billing_report(bill, client_for):
    from mlcost.billing import report

    rep = report.build(report.duckdb_runner(bill))
    text = client_for(billing_db=bill).get("/").text
    table = text[text.index('<table id="monthly-spend">') :]
    table = table[: table.index("</table>")]
    assert ">2025-06<" in table  # the synthetic bill's 48 hours are in June 2025
    for r in rep.sections["by_stage"]:  # one month: each stage's month = its whole bill
        cents = Decimal(r["effective_cost"]).quantize(Decimal("0.01"))
        assert re.search(rf'<th scope="row">{r["stage"]}</th><td class="num">\${cents:,}<', table)
    assert 'aria-label="ML spend in 2025-06"' in text


def test_billing_without_rates_for_every_family_explains_instead_of_guessing(bill, client_for):
    # the bill shows a rate for g5 only; its SageMaker usage has other families too
    text = client_for(billing_db=bill).get("/billing").text
    assert "No commitment curve: no sagemaker savings-plan discount rate known for" in (
        html.unescape(text)
    )


def test_billing_without_a_database_says_how_to_get_one(client_for):
    page = client_for().get("/billing")
    assert page.status_code == 200 and "mlcost billing ingest" in page.text


SCHEDULE = """
[schedules.office-hours]
timezone = "Europe/Berlin"
periods = [{ days = ["mon-fri"], begin = "08:00", end = "18:30" }]
"""


def test_schedule_week_calendar_members_and_saving(tmp_path, journal, client_for):
    config = tmp_path / "mlcost.toml"
    config.write_text(SCHEDULE)
    member = {
        "kind": "notebook-instance",
        "region": "us-east-1",
        "resource_id": "nb-dev",
        "arn": "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb-dev",
        "name": "nb-dev",
        "tags": {"mlcost:schedule": "office-hours"},
        "observed": "running",
        "status": "InService",
        "billed": [["ml.t3.medium", 1, "notebook"]],
        "extra": {},
    }
    journal.create_fix(
        run_id="run-s",
        kind="schedule",
        check_id="schedule:office-hours",
        action="stop",
        resource_kind="notebook-instance",
        resource_id="nb-dev",
        region="us-east-1",
        params={"schedule": "office-hours", "via": "tag", "desired": "stopped", "member": member},
        state="done",
    )
    # a week without a DST change: 5 days x 10.5 h = 52.5 h running, 115.5 h stopped
    page = client_for(config=config).get("/schedules?week=2026-12-07")
    assert page.status_code == 200
    text = page.text
    assert "running 52.5 h, stopped 115.5 h" in text
    grid = text[text.index('<table class="week"') :]
    rows = re.findall(r"<tr><th scope=\"row\">(\d\d):00</th>(.*?)</tr>", grid)
    cells = {h: re.findall(r'<td class="(\w+)">', r) for h, r in rows}
    assert cells["07"] == ["off"] * 7
    assert cells["08"] == ["on"] * 5 + ["off"] * 2
    assert cells["18"] == ["part"] * 5 + ["off"] * 2  # 18:00-18:30
    assert "30 min" in grid
    # the saving: the catalogue's notebook price x 115.5 off-hours a week x 730/168
    quote = price("ml.t3.medium", "us-east-1", Usage.NOTEBOOK)
    expected = quote.usd_per_hour * 1 * Decimal("115.5") * Decimal(730) / Decimal(168)
    assert f"${expected.quantize(Decimal('0.01')):,}" in text
    assert quote.source in text and quote.date in text


def test_schedules_without_a_config_say_where_they_come_from(client_for):
    assert "[schedules.&lt;name&gt;]" in client_for().get("/schedules").text


def test_bad_week_is_a_400(client_for):
    assert client_for().get("/schedules?week=someday").status_code == 400


def test_bench_page_charts_latency_and_cost_per_instance_type(journal, client_for):
    record_example_run(journal)
    text = client_for().get("/bench").text
    # ml.g5.xlarge hosting $1.4084/h: 1.4084 / 3600 / 10 x 1000 = $0.039122 per 1,000 at 10 req/s
    assert "0.039122" in text and "2025-01-26" in text
    assert 'aria-label="latency against load"' in text
    assert 'aria-label="dollars per 1,000 inferences against throughput"' in text
    assert "ml.g5.xlarge p99" in text  # the legend names the instance type
    _no_script_no_cdn(text)


def test_a_tag_key_is_one_sql_literal_whatever_it_holds(bill, client_for):
    """The tag key from the URL goes into the by_tag SQL as quoted literals. Substituted one
    placeholder after another, a key holding ``{user_tag}`` had the next pass write a quoted
    literal inside the first one, closing its quote: ``c.tags['q'user_q{user_tag}x'x']``,
    SQL text from the URL (a DuckDB parse error). In one pass every placeholder is a literal
    of the key as given; nothing in the bill carries such a tag, so all of the spend is
    '(untagged)' — the same total as for the real key ``team``."""
    from urllib.parse import quote

    from mlcost.billing import report

    sql = report.query_text("by_tag", "q{user_tag}x'")
    assert "c.tags['q{user_tag}x'''], c.tags['user_q{user_tag}x'''], c.tags['user:q" in sql
    page = client_for(billing_db=bill).get("/billing?tag=" + quote("q{user_tag}x"))
    assert page.status_code == 200, page.text[:300]
    rep = report.build(report.duckdb_runner(bill), tag="q{user_tag}x")
    team = report.build(report.duckdb_runner(bill), tag="team")
    assert [r["tag_value"] for r in rep.sections["by_tag"]] == ["(untagged)"]
    total = sum(Decimal(r["effective_cost"]) for r in team.sections["by_tag"])
    assert Decimal(rep.sections["by_tag"][0]["effective_cost"]) == total


def test_a_week_at_the_ends_of_the_calendar_is_a_400_page(tmp_path, client_for):
    """week=0001-01-01 or 9999-12-31 parse as dates, but the week view steps a day past
    them (OverflowError, a 500 page); a look-alike ordinary week still renders."""
    config = tmp_path / "mlcost.toml"
    config.write_text(SCHEDULE)
    client = client_for(config=config)
    for week in ("0001-01-01", "9999-12-31"):
        page = client.get(f"/schedules?week={week}")
        assert page.status_code == 400, week
        assert f"week=&#39;{week}&#39;" in page.text and "Traceback" not in page.text
    assert client.get("/schedules?week=2026-12-07").status_code == 200
