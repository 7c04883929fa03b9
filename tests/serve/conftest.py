"""The dashboard over a test's own journal, its TestClient holding the access token."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402
from serve_helpers import TOKEN, make_client  # noqa: E402

from mlcost.journal import open_journal  # noqa: E402
from mlcost.serve.app import ServeConfig  # noqa: E402


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'journal.db'}"


@pytest.fixture
def journal(db_url):
    j = open_journal(db_url)
    yield j
    j.dispose()


@pytest.fixture
def client_for(db_url):
    """A function: the dashboard over this test's journal, its client already holding the
    token (a cookie, as a browser has after opening the printed URL)."""
    made: list[TestClient] = []

    def build(**kwargs) -> TestClient:
        client = make_client(ServeConfig(token=TOKEN, db=db_url, **kwargs))
        made.append(client)
        return client

    yield build
    for c in made:
        c.app.state.sources.close()
