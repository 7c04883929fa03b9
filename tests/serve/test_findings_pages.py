"""The findings list (filters, sorts, pages: in SQL), one finding's page, a resource's page."""

from __future__ import annotations

import html
import os
import re
import uuid

import pytest
from serve_helpers import PRICE, TOKEN, finding, fix_row, record, row_ids


def _mixed(journal) -> str:
    """Six findings over two checks, two regions, two accounts' worth of dollars:
    a 300, b 200, c 50 (idle-endpoint, us-east-1), d 500 (underused, eu-west-1),
    e unpriced, f 120 at confidence 0.3."""
    return record(
        journal,
        [
            finding("a", savings="300.00"),
            finding("b", savings="200.00"),
            finding("c", savings="50.00"),
            finding("d", "underused-endpoint", region="eu-west-1", savings="500.00"),
            finding("e", savings=None),
            finding("f", savings="120.00", confidence=0.3),
        ],
    )


def test_list_sorts_by_savings_with_unpriced_last(journal, client_for):
    _mixed(journal)
    page = client_for().get("/findings")
    assert page.status_code == 200
    # 500 > 300 > 200 > 120 > 50, then the unpriced one whatever the direction
    assert row_ids(page.text) == ["d", "a", "b", "f", "c", "e"]
    ascending = client_for().get("/findings?sort=savings&dir=asc")
    assert row_ids(ascending.text) == ["c", "f", "b", "a", "d", "e"]
    assert "unpriced" in page.text and "$0.00" not in page.text


def test_filters_by_check_region_confidence_and_dollars(journal, client_for):
    _mixed(journal)
    client = client_for()
    assert row_ids(client.get("/findings?check=underused-endpoint").text) == ["d"]
    assert row_ids(client.get("/findings?region=eu-west-1").text) == ["d"]
    # f (0.3) is below 0.5; every other finding is 0.9
    assert "f" not in row_ids(client.get("/findings?min_confidence=0.5").text)
    # at least $150: d 500, a 300, b 200 — not f 120, c 50 or the unpriced e
    assert row_ids(client.get("/findings?min_savings=150").text) == ["d", "a", "b"]
    combined = client.get("/findings?check=idle-endpoint&min_savings=100&min_confidence=0.5")
    assert row_ids(combined.text) == ["a", "b"]
    assert re.search(r'id="match-count">2<', combined.text)
    assert row_ids(client.get("/findings?account=999999999999").text) == []


def test_account_filter_keeps_one_accounts_findings(journal, client_for):
    record(journal, [finding("x1")], account="111111111111")
    record(journal, [finding("x2"), finding("x3")], account="222222222222")
    client = client_for()
    latest = client.get("/findings?account=222222222222")
    assert row_ids(latest.text) == ["x2", "x3"]  # both at $100: tie broken by id
    # the latest scan is the default; an older one is chosen with ?scan=
    assert row_ids(client.get("/findings?account=111111111111").text) == []


def test_pages_are_cut_in_sql_fifty_a_page(journal, client_for):
    # 120 findings of $1..$120: page 3 holds the 20 cheapest, $20 down to $1
    record(journal, [finding(f"p{n:03d}", savings=f"{n}.00") for n in range(1, 121)])
    client = client_for()
    third = client.get("/findings?page=3")
    assert row_ids(third.text) == [f"p{n:03d}" for n in range(20, 0, -1)]
    assert "page 3 of 3" in third.text
    assert client.get("/findings?page=4").status_code == 404


def test_bad_parameters_are_a_400_page_naming_them(journal, client_for):
    _mixed(journal)
    client = client_for()
    for query, needle in (
        ("sort=colour", "cannot sort findings by"),
        ("min_confidence=high", "min_confidence='high' is not a number"),
        ("min_confidence=2", "between 0 and 1"),
        ("min_savings=-5", "min_savings='-5'"),
        ("page=0", "page='0'"),
        ("dir=sideways", "dir='sideways'"),
        ("min_savings=Infinity", "min_savings='Infinity'"),
        ("min_confidence=nan", "min_confidence='nan'"),
        ("page=99999999999999999999", "is not a number between 1 and 1,000,000"),
    ):
        page = client.get(f"/findings?{query}")
        assert page.status_code == 400, query
        assert needle in html.unescape(page.text) and "Traceback" not in page.text
    assert client.get("/findings?scan=scan-nope").status_code == 404


def test_finding_page_shows_evidence_series_price_fix_and_commands(journal, client_for, db_url):
    # 24 hours of zero invocations: the idle verdict's evidence, charted and tabled
    record(journal, [finding("a", resource="ep-idle")], series={"ep-idle": [0.0] * 24})
    page = client_for().get("/findings/a")
    assert page.status_code == 200
    text = page.text
    assert 'id="saving">$100.00 a month' in text
    # the price with its source and date, as the evidence carries it
    assert PRICE["usd_per_hour"] in text and PRICE["source"] in text and "2026-11-01" in text
    # the series: an SVG with its accessible name, and its 24 datapoints as a table
    assert 'role="img" aria-label="AWS/SageMaker Invocations (Sum)' in text
    assert "24 datapoints; min 0.00, max 0.00, sum 0.00" in text
    assert text.count("<tr><td>20") >= 24  # hour rows "2026-..." in the data table
    # the fix and the exact commands
    assert 'id="fix-action">delete-endpoint' in text
    # the scan's region and window (14 days), so the CLI re-finds the same finding
    assert f"mlcost fix a --region us-east-1 --lookback-days 14 --apply --db {db_url}" in text
    assert "aws sagemaker delete-endpoint --endpoint-name ep-idle --region us-east-1" in text
    assert 'action="/findings/a/apply"' in text  # mlcost applies delete-endpoint


def test_advisory_fix_has_no_apply_button(journal, client_for):
    record(journal, [finding("m", action="measure-accelerator")])
    text = client_for().get("/findings/m").text
    assert 'id="apply"' not in text and "carry it out by hand" in text


def test_unknown_finding_or_resource_is_a_404_page(journal, client_for):
    _mixed(journal)
    client = client_for()
    page = client.get("/findings/does-not-exist")
    assert page.status_code == 404
    assert "no finding &#39;does-not-exist&#39; in the journal" in page.text
    assert "Traceback" not in page.text
    assert client.get("/resources/nothing-here").status_code == 404


def test_resource_page_lists_its_findings_and_fixes(journal, client_for):
    record(journal, [finding("a", resource="ep-1")])
    record(journal, [finding("a", resource="ep-1", savings="90.00")])
    fix_id = fix_row(journal, "ep-1", saving="90.00", finding_id="a", check_id="idle-endpoint")
    journal.save_snapshot(fix_id, "endpoint", {"EndpointName": "ep-1"})
    text = client_for().get("/resources/ep-1").text
    # both scans' findings, newest first ($90 then $100)
    assert text.index("$90.00") < text.index("$100.00")
    assert f'data-fix="{fix_id}"' in text and 'action="/fixes/' in text  # undo offered


@pytest.fixture
def postgres_url():
    """A throwaway database on the CI's PostgreSQL server (`.ci/run` starts one)."""
    base = os.environ.get("MLCOST_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("no PostgreSQL server")
    import sqlalchemy as sa

    from mlcost.journal.store import resolve_url

    admin = sa.create_engine(resolve_url(base), isolation_level="AUTOCOMMIT")
    name = f"mlcost_serve_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(resolve_url(base)).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_sorts_unpriced_last_in_both_directions(postgres_url):
    """PostgreSQL puts NULLs first in a descending sort unless told otherwise."""
    from serve_helpers import make_client

    from mlcost.journal import open_journal
    from mlcost.serve.app import ServeConfig

    j = open_journal(postgres_url)
    try:
        _mixed(j)
        client = make_client(ServeConfig(token=TOKEN, db=postgres_url))
        assert row_ids(client.get("/findings").text) == ["d", "a", "b", "f", "c", "e"]
        asc = client.get("/findings?dir=asc").text
        assert row_ids(asc) == ["c", "f", "b", "a", "d", "e"]
        assert row_ids(client.get("/findings?min_savings=150").text) == ["d", "a", "b"]
        client.app.state.sources.close()
    finally:
        j.dispose()


def test_the_list_and_the_finding_page_round_a_half_cent_alike(journal, client_for):
    """A saving of $100.125 is $100.13 rounded half up, as the findings JSON and every
    invoice round it. The list's column was rounded half to even ($100.12), so one finding
    showed two figures a cent apart, and min_savings=100.13 left it out."""
    f = finding("h", savings="100.125")
    record(journal, [f])
    client = client_for()
    row = client.get("/findings").text
    assert "$100.13" in row and "$100.12" not in row
    assert "$100.13" in client.get("/findings/h").text
    assert row_ids(client.get("/findings?min_savings=100.13").text) == ["h"]
