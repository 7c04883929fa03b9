"""Bad input to `mlcost fix` / `undo`: one clear line on stderr, exit 2, nothing changed in
AWS or in the journal."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fix_helpers import REGION, endpoint_names, run_cli, scan_cli, seed_endpoint


@pytest.fixture
def seeded(server, tmp_path):
    seed_endpoint("keep-me", endpoint_url=server.endpoint_url)
    report = scan_cli(server, tmp_path)
    return server, report, tmp_path / "findings.json"


def _one_line_exit_2(proc, needle: str) -> None:
    err = proc.stderr.strip()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ") and needle in err, err


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def test_unknown_finding_id(seeded):
    server, _, findings = seeded
    db = findings.parent / "journal.db"
    proc = run_cli(
        server.endpoint_url,
        "fix",
        "0123456789ab",
        "--from",
        str(findings),
        "--apply",
        "--yes",
        "--db",
        f"sqlite:///{db}",
    )
    _one_line_exit_2(proc, "unknown finding id 0123456789ab")
    assert not db.exists()
    assert endpoint_names(server) == {"keep-me"}
    assert server.deletes == {}


def test_stale_findings_file(seeded):
    server, report, findings = seeded
    report["generated_at"] = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    findings.write_text(json.dumps(report))
    db = findings.parent / "journal.db"
    proc = run_cli(
        server.endpoint_url,
        "fix",
        "--all",
        "--from",
        str(findings),
        "--apply",
        "--yes",
        "--db",
        f"sqlite:///{db}",
    )
    _one_line_exit_2(proc, "is stale")
    assert not db.exists()
    assert endpoint_names(server) == {"keep-me"}


def test_journal_from_a_newer_mlcost(seeded):
    server, _, findings = seeded
    db = findings.parent / "journal.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0042_from_the_future')"))
    engine.dispose()
    before = _digest(db)
    proc = run_cli(
        server.endpoint_url,
        "fix",
        "--all",
        "--from",
        str(findings),
        "--apply",
        "--yes",
        "--db",
        f"sqlite:///{db}",
    )
    _one_line_exit_2(proc, "newer mlcost")
    assert _digest(db) == before
    assert endpoint_names(server) == {"keep-me"}


@pytest.mark.parametrize(
    "url",
    ["postgresql://mlcost@127.0.0.1:9/mlcost", "sqlite:////nonexistent-dir/deeper/journal.db"],
)
def test_unreachable_database(seeded, url):
    server, _, findings = seeded
    proc = run_cli(
        server.endpoint_url,
        "fix",
        "--all",
        "--from",
        str(findings),
        "--apply",
        "--yes",
        "--db",
        url,
    )
    _one_line_exit_2(proc, "cannot open the journal database")
    assert endpoint_names(server) == {"keep-me"}


def test_undo_of_an_unknown_fix(seeded):
    server, _, findings = seeded
    proc = run_cli(
        server.endpoint_url, "undo", "fx-nope", "--db", f"sqlite:///{findings.parent / 'j.db'}"
    )
    _one_line_exit_2(proc, "no fix 'fx-nope'")


def test_no_finding_chosen_and_bad_after(seeded):
    server, _, findings = seeded
    proc = run_cli(server.endpoint_url, "fix", "--from", str(findings))
    _one_line_exit_2(proc, "no finding chosen")
    proc = run_cli(server.endpoint_url, "fix", "--all", "--from", str(findings), "--after", "soon")
    _one_line_exit_2(proc, "--after")
    assert REGION  # the account stays untouched
    assert endpoint_names(server) == {"keep-me"}


def _with_advisory_finding(report: dict, findings: Path) -> str:
    """The report plus a training-spot finding: advice mlcost does not apply itself."""
    advisory = json.loads(json.dumps(report["findings"][0]))
    advisory.update(
        id="5b07aaaaaaaa",
        check="training-spot",
        resource_kind="training-job",
        resource_id="nightly-train-0412",
        fix={
            "action": "enable-managed-spot-training",
            "params": {"TrainingJobName": "nightly-train-0412", "EnableManagedSpotTraining": True},
        },
    )
    report["findings"].append(advisory)
    findings.write_text(json.dumps(report))
    return advisory["id"]


def test_all_lists_advice_it_cannot_apply_and_plans_the_rest(seeded):
    server, report, findings = seeded
    advisory_id = _with_advisory_finding(report, findings)
    db = findings.parent / "journal.db"

    proc = run_cli(
        server.endpoint_url, "fix", "--all", "--from", str(findings), "--db", f"sqlite:///{db}"
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not applied by mlcost (1 finding(s))" in proc.stdout
    assert f"enable-managed-spot-training: {advisory_id}" in proc.stdout
    assert "DeleteEndpoint keep-me" in proc.stdout  # the endpoint's fix is still planned
    assert endpoint_names(server) == {"keep-me"}


def test_naming_a_finding_mlcost_cannot_apply_is_refused(seeded):
    server, report, findings = seeded
    advisory_id = _with_advisory_finding(report, findings)
    db = findings.parent / "journal.db"

    proc = run_cli(
        server.endpoint_url, "fix", advisory_id, "--from", str(findings), "--db", f"sqlite:///{db}"
    )

    _one_line_exit_2(proc, "cannot apply the fix 'enable-managed-spot-training'")
    assert endpoint_names(server) == {"keep-me"}
