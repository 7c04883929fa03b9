"""Access token, CSRF, the confirmation step, the bind rule and bad databases: each a clear
page with a 4xx (or one CLI line, exit 2), never a stack trace, never a change unconfirmed."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from serve_helpers import NOW, TOKEN, finding, fix_row, make_client, record

from mlcost.cli import main
from mlcost.serve.app import ServeConfig, create_app
from mlcost.serve.security import csrf_for, local_path


def _bare(db_url: str) -> TestClient:
    return TestClient(create_app(ServeConfig(token=TOKEN, db=db_url)), follow_redirects=False)


def test_every_page_needs_the_token(db_url):
    client = _bare(db_url)
    for path in ("/", "/findings", "/findings/x", "/billing", "/schedules", "/bench"):
        page = client.get(path)
        assert page.status_code == 401, path
        assert "needs its access token" in page.text and "Traceback" not in page.text
    assert client.get("/", headers={"Cookie": "mlcost_token=wrong"}).status_code == 403
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    # the stylesheet holds nothing of the account
    assert client.get("/static/style.css").status_code == 200


def test_pages_cannot_be_framed_or_load_anything_foreign(db_url):
    client = _bare(db_url)
    for page in (client.get("/"), client.get("/", headers={"Authorization": f"Bearer {TOKEN}"})):
        assert page.headers["x-frame-options"] == "DENY"
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert "script-src" not in policy  # no script at all


def test_token_in_the_url_becomes_a_strict_cookie_and_leaves_the_address_bar(db_url):
    client = _bare(db_url)
    first = client.get(f"/findings?check=idle-endpoint&token={TOKEN}")
    assert first.status_code == 303
    assert first.headers["location"] == "/findings?check=idle-endpoint"
    cookie = first.headers["set-cookie"]
    assert f"mlcost_token={TOKEN}" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert client.get("/findings?check=idle-endpoint").status_code == 200  # cookie kept
    assert _bare(db_url).get("/?token=nope").status_code == 403
    # the redirect stays on this site whatever the path looks like
    assert local_path("//evil.example/x") == "/evil.example/x"
    assert local_path("/\\evil.example") == "/evil.example"
    assert local_path("/findings") == "/findings"


def test_apply_needs_the_csrf_value_and_a_confirmation(journal, client_for):
    record(journal, [finding("a", resource="ep-1")])
    client = client_for()
    # no CSRF value, a wrong one, or a form posted from another site: 403, nothing recorded
    assert client.post("/findings/a/apply", data={}).status_code == 403
    assert client.post("/findings/a/apply", data={"csrf": "x" * 40}).status_code == 403
    other = client.post(
        "/findings/a/apply",
        data={"csrf": csrf_for(TOKEN)},
        headers={"Origin": "http://evil.example"},
    )
    assert other.status_code == 403 and "another site" in other.text
    # the right value: the confirmation page, with the plan, and still nothing done
    confirm = client.post("/findings/a/apply", data={"csrf": csrf_for(TOKEN)})
    assert confirm.status_code == 200
    assert "Apply this fix to AWS?" in confirm.text
    assert 'name="confirm" value="yes"' in confirm.text
    assert "delete" in confirm.text.lower() and "ep-1" in confirm.text
    assert journal.fixes() == []


def test_apply_refuses_stale_and_demo_scans_like_mlcost_fix_from(journal, client_for):
    record(journal, [finding("old")], generated_at=NOW - timedelta(hours=80))
    record(journal, [finding("demo")], source="demo")
    client = client_for()
    form = {"csrf": csrf_for(TOKEN), "confirm": "yes"}
    stale = client.post("/findings/old/apply", data=form)
    assert stale.status_code == 409 and "is stale: 8" in stale.text  # 80 h, limit 72 h
    demo = client.post("/findings/demo/apply", data=form)
    assert demo.status_code == 409 and "not a live AWS scan" in demo.text
    assert client.post("/findings/nope/apply", data=form).status_code == 404
    assert journal.fixes() == []


def test_advisory_fix_cannot_be_posted(journal, client_for):
    record(journal, [finding("m", action="measure-accelerator")])
    page = client_for().post("/findings/m/apply", data={"csrf": csrf_for(TOKEN)})
    assert page.status_code == 400
    assert "mlcost cannot apply the fix 'measure-accelerator'" in html.unescape(page.text)


def test_undo_of_an_unknown_or_undone_fix_is_refused(journal, client_for):
    client = client_for()
    form = {"csrf": csrf_for(TOKEN), "confirm": "yes"}
    assert client.post("/fixes/fx-nope/undo", data=form).status_code == 404
    fix_id = fix_row(journal, "ep-1", state="skipped")
    page = client.post(f"/fixes/{fix_id}/undo", data=form)
    assert page.status_code == 409 and "nothing it changed to undo" in page.text
    assert client.post(f"/fixes/{fix_id}/undo", data={}).status_code == 403


def test_a_journal_from_a_newer_mlcost_is_a_409_page_and_one_cli_line(journal, db_url, capsys):
    with journal.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
    client = make_client(ServeConfig(token=TOKEN, db=db_url))
    for path in ("/", "/findings", "/findings/a", "/bench"):
        page = client.get(path)
        assert page.status_code == 409, path
        assert "written by a newer mlcost" in page.text and "Traceback" not in page.text
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--db", db_url])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "newer mlcost" in err


def test_binding_beyond_loopback_needs_a_token(capsys, db_url):
    for argv in (["serve", "--host", "0.0.0.0"], ["serve", "--token", "short"]):
        with pytest.raises(SystemExit) as exit_:
            main([*argv, "--db", db_url])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1


def test_a_file_that_is_not_a_billing_database_is_refused(tmp_path, db_url, capsys):
    bogus = tmp_path / "bill.duckdb"
    bogus.write_text("not a database")
    client = make_client(ServeConfig(token=TOKEN, db=db_url, billing_db=bogus))
    page = client.get("/billing")
    assert page.status_code == 409 and "Traceback" not in page.text
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--db", db_url, "--billing-db", str(bogus)])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_port_already_in_use_is_one_line_before_any_url(capsys, db_url):
    """Another process listens on the port: one line naming it, exit 2 — not the access URL
    (which would point at the other process) followed by uvicorn's own error and exit 3."""
    import socket

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(SystemExit) as exit_:
            main(["serve", "--db", db_url, "--port", str(port)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert f"127.0.0.1:{port}" in err and "token=" not in err


def test_an_internal_error_is_a_500_page_with_the_security_headers(db_url, monkeypatch):
    """A bug (here the findings query raising) is a page naming nothing internal — and, like
    every other answer, one that cannot be framed (the 500 handler runs outside the
    middleware that adds the headers, so it must add them itself)."""
    from mlcost.journal import findings as store

    def broken(*args, **kwargs):
        raise RuntimeError("/srv/internal/secret.py line 1")

    client = TestClient(
        create_app(ServeConfig(token=TOKEN, db=db_url)), raise_server_exceptions=False
    )
    client.cookies.set("mlcost_token", TOKEN)
    monkeypatch.setattr(store, "latest_scan_with_findings", broken)
    page = client.get("/findings")
    assert page.status_code == 500 and "internal error" in page.text
    assert "secret" not in page.text and "Traceback" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
