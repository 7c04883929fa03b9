"""Fixtures for the fix tests: a moto account (in-process, with mlcost's emulator fixes)
and a journal on SQLite, and on PostgreSQL when ``MLCOST_TEST_POSTGRES_URL`` is set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fix_helpers import journal_urls, postgres_journal
from moto import mock_aws

from mlcost.demo import emulator
from mlcost.journal import Journal, open_journal


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        emulator.patch_moto()
        yield


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
