"""The journal on SQLite and on a real PostgreSQL server (``MLCOST_TEST_POSTGRES_URL``, which
`.ci/run` sets): migrations, snapshots kept once, calls before/after, leases across
connections, newer schemas refused."""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from mlcost.errors import UserError
from mlcost.journal import open_journal
from mlcost.journal.store import resolve_url


def _fix(journal, resource: str = "churn-idle") -> str:
    return journal.create_fix(
        run_id="run-1",
        action="delete-endpoint",
        resource_kind="endpoint",
        resource_id=resource,
        region="us-east-1",
        params={"EndpointName": resource},
    )


def test_schema_is_at_the_migrations_head(journal):
    with journal.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        tables = set(sa.inspect(conn).get_table_names())
    assert version == "0003_findings"
    assert {"scans", "fixes", "snapshots", "calls", "leases", "bench_runs", "findings"} <= tables


def test_reopening_keeps_rows_and_does_not_migrate_again(journal):
    fix_id = _fix(journal)
    again = open_journal(journal.url)
    try:
        assert again.fix(fix_id)["resource_id"] == "churn-idle"
    finally:
        again.dispose()


def test_a_snapshot_is_kept_as_first_taken(journal):
    fix_id = _fix(journal)
    journal.save_snapshot(fix_id, "endpoint", {"EndpointConfigName": "c1", "Tags": [{"Key": "a"}]})
    journal.save_snapshot(fix_id, "endpoint", {"EndpointConfigName": "wreck"})
    assert journal.snapshot(fix_id, "endpoint") == {
        "EndpointConfigName": "c1",
        "Tags": [{"Key": "a"}],
    }


def test_calls_are_written_before_and_after(journal):
    from datetime import UTC, datetime

    fix_id = _fix(journal)
    call_id = journal.call_started(
        fix_id,
        "delete-endpoint",
        "sagemaker",
        "DeleteEndpoint",
        {"EndpointName": "x"},
        mutating=True,
    )
    assert journal.last_call(fix_id, "delete-endpoint")["state"] == "started"
    journal.call_finished(call_id, "ok", response={"when": datetime(2026, 1, 2, tzinfo=UTC)})
    last = journal.last_call(fix_id, "delete-endpoint")
    assert (last["state"], last["response"]) == ("ok", {"when": "2026-01-02T00:00:00+00:00"})
    assert last["ended_at"] >= last["started_at"]


def test_only_one_of_many_concurrent_runs_gets_the_lease(journal):
    """Eight runs, each with its own engine (connection pool), race for one resource."""
    others = [open_journal(journal.url) for _ in range(8)]
    results: list[object] = [None] * len(others)

    def take(i: int) -> None:
        results[i] = others[i].acquire_lease("us-east-1/endpoint/x", f"fx-{i}", f"host:1:run-{i}")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(others))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for other in others:
        other.dispose()
    assert sum(r is None for r in results) == 1


def test_a_newer_schema_is_refused_and_left_alone(journal):
    with journal.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_newer'"))
    with pytest.raises(UserError, match="newer mlcost"):
        open_journal(journal.url)
    with journal.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == (
            "0099_newer"
        )


def test_plain_postgresql_urls_use_psycopg_3(monkeypatch):
    monkeypatch.delenv("MLCOST_DATABASE_URL", raising=False)
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("MLCOST_DATABASE_URL", "postgres://team@db.internal/mlcost")
    assert resolve_url(None) == "postgresql+psycopg://team@db.internal/mlcost"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"


def test_default_is_sqlite_under_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("MLCOST_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    j = open_journal()
    try:
        assert j.url == f"sqlite:///{tmp_path / 'mlcost' / 'journal.db'}"
        assert (tmp_path / "mlcost" / "journal.db").exists()
    finally:
        j.dispose()


@pytest.mark.skipif(not os.environ.get("MLCOST_TEST_POSTGRES_URL"), reason="no PostgreSQL server")
def test_postgres_is_really_postgres(journal):
    if journal.engine.dialect.name == "postgresql":
        with journal.engine.connect() as conn:
            assert "PostgreSQL" in conn.execute(sa.text("SELECT version()")).scalar_one()
