"""Fixtures of the schedule tests: moto in-process with mlcost's emulator fixes, a SQLite
journal, and an account seeded through real API calls (notebooks, EC2, an endpoint)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from mlcost.demo import emulator
from mlcost.journal import Journal, open_journal


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        emulator.patch_moto()
        yield


@pytest.fixture
def journal(tmp_path) -> Iterator[Journal]:
    j = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    yield j
    j.dispose()
