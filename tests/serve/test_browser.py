"""The dashboard in a real browser (Playwright driving Debian's chromium) on the demo
organisation: a live scan of the emulator recorded into a journal, every page loaded, the
filters used, a finding opened, its fix applied and undone against the emulator — and what
the pages show checked against the journal and the emulator.

With ``MLCOST_SERVE_SCREENSHOTS=DIR`` each page is also saved as DIR/<page>.png
(``tools/serve_screenshots.sh`` makes docs/serve/ that way).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

CHROMIUM = Path("/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

import boto3  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import uvicorn  # noqa: E402
from serve_helpers import TOKEN, record_example_run  # noqa: E402

from mlcost.journal import journal as open_journal  # noqa: E402
from mlcost.journal.findings import record_scan_result  # noqa: E402
from mlcost.journal.tables import findings as findings_table  # noqa: E402
from mlcost.serve.app import ServeConfig, create_app  # noqa: E402

SHOTS = os.environ.get("MLCOST_SERVE_SCREENSHOTS")
RATES = """{"plan": "sagemaker", "term_years": 1, "payment": "no-upfront",
 "source": "example rates for the screenshots, stated here", "discounts": {"*": 0.3}}"""
SCHEDULES = """
[schedules.office-hours]
timezone = "Europe/Berlin"
periods = [{ days = ["mon-fri"], begin = "08:00", end = "18:30" }]
names = ["sam-t3-eda", "team-nlp-shared"]
"""
#: A Saturday noon: office-hours wants its two demo notebooks stopped.
SATURDAY = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _extras(folder: Path, db_url: str) -> dict[str, Path]:
    """A small synthetic bill, a rates file, a schedule file and one bench run, so every
    page has something to show."""
    from mlcost.billing import synth
    from mlcost.billing.ingest import ingest

    bill = folder / "bill.duckdb"
    two_months = datetime(2025, 5, 31, tzinfo=UTC)  # 48 hours: the last of May, 1 June
    cur = synth.generate_cur2(seed=11, start=two_months, hours=48)
    ingest([synth.write(cur, folder / "cur.parquet")], bill)
    (folder / "rates.json").write_text(RATES)
    (folder / "mlcost.toml").write_text(SCHEDULES)
    with open_journal(db_url) as j:
        record_example_run(j)
        _schedule_pass(folder / "mlcost.toml", j)
    return {"billing_db": bill, "sp_rates": folder / "rates.json", "config": folder / "mlcost.toml"}


def _schedule_pass(config: Path, journal) -> None:
    """One applied `mlcost schedule run` pass at SATURDAY: it stops the schedule's notebooks
    on the emulator and journals each action, as the Schedules page reads them."""
    from mlcost.fix.context import Clients
    from mlcost.fix.waiters import Waiter
    from mlcost.schedule.model import load_schedules
    from mlcost.schedule.run import SchedulePass

    report = SchedulePass(
        load_schedules(config),
        ["us-east-1"],
        Clients(),
        journal,
        apply=True,
        waiter=Waiter(timeout_s=30, delay_s=0),
    ).run(at=SATURDAY)
    assert sorted(s.member.resource_id for s in report.changes()) == [
        "sam-t3-eda",
        "team-nlp-shared",
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from mlcost.cli.demo import DEMO_LOOKBACK_DAYS, DEMO_REGIONS, aws_environment
    from mlcost.demo.emulator import start_server
    from mlcost.demo.org import build_org
    from mlcost.demo.seed import seed_org
    from mlcost.scan import run_checks
    from mlcost.sources.aws import collect_inventory

    folder = tmp_path_factory.mktemp("serve")
    db_url = f"sqlite:///{folder / 'journal.db'}"
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with start_server() as emulator, aws_environment(emulator.endpoint_url):
        seed_org(build_org(now=now, seed=7), emulator.endpoint_url)
        inventory = collect_inventory(DEMO_REGIONS, DEMO_LOOKBACK_DAYS, now=now)
        result = run_checks(inventory)  # a live scan through the AWS API: source "aws"
        with open_journal(db_url) as j:
            scan_id = record_scan_result(j, result, inventory)
        app = create_app(ServeConfig(token=TOKEN, db=db_url, **_extras(folder, db_url)))
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        try:
            yield SimpleNamespace(
                url=f"http://127.0.0.1:{port}",
                db_url=db_url,
                scan_id=scan_id,
                result=result,
                endpoint_url=emulator.endpoint_url,
            )
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.sources.close()


@pytest.fixture(autouse=True)
def _emulator_environment(site, monkeypatch):
    """The suite's autouse isolation clears AWS_ENDPOINT_URL per test; the server (in this
    process) must keep reaching the emulator, as `mlcost serve` would with it exported."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", site.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "demo")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "demo")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(scope="module")
def browser(site):
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto(f"{site.url}/?token={TOKEN}")  # what `mlcost serve` prints
    tab.errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


def _shot(tab, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def _rows(site, **where) -> list[dict]:
    """The scan's finding rows matching ``where`` (column = value), as the journal has them."""
    with open_journal(site.db_url) as j, j.engine.connect() as conn:
        query = sa.select(findings_table).where(findings_table.c.scan_id == site.scan_id)
        for column, value in where.items():
            query = query.where(findings_table.c[column] == value)
        return [dict(r) for r in conn.execute(query).mappings()]


def _money(value) -> str:
    return "unpriced" if value is None else f"${Decimal(value):,.2f}"


def test_every_page_loads_on_the_demo_journal(site, page):
    for path, name, heading in (
        ("/", "overview", "Overview"),
        ("/findings", "findings", "Findings"),
        ("/billing", "billing", "Billing"),
        ("/schedules", "schedules", "Schedules"),
        ("/bench", "bench", "Bench"),
    ):
        response = page.goto(site.url + path)
        assert response.status == 200, path
        assert page.inner_text("h1") == heading
        _shot(page, name)
    assert page.errors == []
    # the overview's "found" is the scan's recorded saving (each resource once)
    page.goto(site.url + "/")
    with open_journal(site.db_url) as j:
        (scan,) = [s for s in j.scans() if s["scan_id"] == site.scan_id]
    assert page.inner_text("#found") == _money(scan["monthly_savings_usd"])
    # the schedules page lists what the journal says the schedule acted on
    page.goto(site.url + "/schedules")
    with open_journal(site.db_url) as j:
        acted = sorted({r["resource_id"] for r in j.fixes(kind="schedule") if r["state"] == "done"})
    listed = page.eval_on_selector_all(
        "#schedule-office-hours li a", "links => links.map(a => a.textContent)"
    )
    assert sorted(listed) == acted == ["sam-t3-eda", "team-nlp-shared"]
    # the findings page counts every finding of the scan
    page.goto(site.url + "/findings")
    assert int(page.inner_text("#match-count")) == len(site.result.findings) == len(_rows(site))


def test_filters_narrow_the_list_to_what_the_journal_holds(site, page):
    page.goto(site.url + "/findings")
    page.select_option("select[name=check]", "idle-endpoint")
    page.select_option("select[name=region]", "us-east-1")
    page.click("button[type=submit]")
    assert "check=idle-endpoint" in page.url and "region=us-east-1" in page.url
    expected = _rows(site, check_id="idle-endpoint", region="us-east-1")
    assert expected  # the demo plants idle endpoints in us-east-1
    assert int(page.inner_text("#match-count")) == len(expected)
    shown = page.eval_on_selector_all("tr[data-finding]", "rs => rs.map(r => r.dataset.finding)")
    # sorted by saving, largest first, as the journal's figures say
    by_saving = sorted(expected, key=lambda r: (-(r["monthly_savings_usd"] or 0), r["finding_id"]))
    assert shown == [r["finding_id"] for r in by_saving][: len(shown)]
    page.fill("input[name=min_savings]", "1000000")
    page.click("button[type=submit]")
    assert page.inner_text("#match-count") == "0"


def test_open_a_finding_apply_and_undo_its_fix_against_the_emulator(site, page):
    candidates = _rows(site, check_id="idle-endpoint", region="us-east-1")
    target = max(candidates, key=lambda r: (r["monthly_savings_usd"] or 0, r["finding_id"]))
    name = target["resource_id"]
    sm = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=site.endpoint_url)
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"

    page.goto(site.url + "/findings?check=idle-endpoint&region=us-east-1")
    page.click(f'tr[data-finding="{target["finding_id"]}"] a.finding-link')
    assert page.inner_text("#finding-id") == target["finding_id"]
    assert page.inner_text("#saving") == f"{_money(target['monthly_savings_usd'])} a month"
    assert page.inner_text("#cli-command").startswith(
        f"mlcost fix {target['finding_id']} --region us-east-1 --lookback-days 21 --apply"
    )
    assert page.locator("figure.chart svg[role=img]").count() >= 1  # its Invocations
    _shot(page, "finding")

    page.click("#apply")
    assert page.inner_text("h1") == "Apply this fix to AWS?"
    _shot(page, "confirm")
    assert sm.describe_endpoint(EndpointName=name)  # nothing changed before confirming
    page.click("#confirm")
    assert page.inner_text("h1") == "Result"
    assert page.inner_text("#outcomes td.state") == "done", page.inner_text("#outcomes")
    with open_journal(site.db_url) as j:
        (fix,) = [f for f in j.fixes(kind="fix") if f["finding_id"] == target["finding_id"]]
    assert fix["state"] == "done" and fix["resource_id"] == name
    assert name not in {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]}

    page.goto(f"{site.url}/resources/{name}")
    _shot(page, "resource")
    page.click(f'tr[data-fix="{fix["fix_id"]}"] button.undo')
    assert page.inner_text("h1") == "Undo this fix?"
    page.click("#confirm")
    assert page.inner_text("#outcomes td.state") == "done"
    with open_journal(site.db_url) as j:
        (undo,) = j.fixes(kind="undo")
    assert undo["undoes"] == fix["fix_id"] and undo["state"] == "done"
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"
    # the resource page now shows the fix, its undo, and no second undo button
    page.goto(f"{site.url}/resources/{name}")
    assert page.locator("button.undo").count() == 0
    assert page.errors == []


def test_pages_read_and_filter_with_javascript_off(site, browser):
    """Reading needs no script: every page renders, and the filter form is a plain GET."""
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{site.url}/findings?token={TOKEN}")
    for path in ("/", "/billing", "/schedules", "/bench", "/findings"):
        assert tab.goto(site.url + path).status == 200, path
        assert tab.locator("table").count() >= 1, path  # the figures, as tables
    tab.select_option("select[name=check]", "underused-endpoint")
    tab.click("button[type=submit]")
    assert int(tab.inner_text("#match-count")) == len(_rows(site, check_id="underused-endpoint"))
    context.close()
