"""Fixtures for the fix tests: a moto account (in-process, with mlcost's emulator fixes)
and a journal on SQLite, and on PostgreSQL when ``MLCOST_TEST_POSTGRES_URL`` is set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from action_calls import ActionCalls
from fix_helpers import journal_urls, postgres_journal
from moto import mock_aws

from mlcost.demo import emulator
from mlcost.journal import Journal, open_journal


@pytest.fixture(autouse=True)
def action_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[ActionCalls]:
    """Every fix test doubles as a drift check: each AWS operation a fix action calls (apply,
    undo, verify, waiter polls, deferral tags) must be one that action declares, or the
    policy `mlcost policy self --fix` prints would be denied it."""
    recorder = ActionCalls().install(monkeypatch)
    yield recorder
    assert recorder.undeclared() == {}, "fix actions called operations they do not declare"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        emulator.patch_moto()
        yield


@pytest.fixture
def aws_server(monkeypatch) -> Iterator[emulator.EmulatorServer]:
    """The patched moto server on 127.0.0.1, named by AWS_ENDPOINT_URL for every client.

    For tests that inject errors with a botocore ``before-send`` hook: under ``mock_aws``
    moto's own hook also runs (and acts) on every attempt, here the hook's answer is all."""
    with emulator.start_server() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint_url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield server


@pytest.fixture
def server(monkeypatch):
    """The patched moto server for CLI subprocesses, counting DeleteEndpoint calls that reach it, per endpoint."""
    from moto.sagemaker.models import SageMakerModelBackend

    with emulator.start_server() as srv:
        deletes: Counter[str] = Counter()
        original = SageMakerModelBackend.delete_endpoint

        def counting(self, endpoint_name):
            deletes[endpoint_name] += 1
            return original(self, endpoint_name)

        monkeypatch.setattr(SageMakerModelBackend, "delete_endpoint", counting)
        srv.deletes = deletes
        yield srv


@pytest.fixture(params=journal_urls())
def journal(request, tmp_path) -> Iterator[Journal]:
    """A fresh journal: a SQLite file, or a new database on the CI PostgreSQL server."""
    if request.param == "sqlite":
        j = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
        yield j
        j.dispose()
        return
    yield from postgres_journal()


@pytest.fixture
def sqlite_journal(tmp_path) -> Iterator[Journal]:
    j = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    yield j
    j.dispose()
