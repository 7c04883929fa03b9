"""Fixtures for the check tests; the builders live in checks_helpers.py."""

from __future__ import annotations

import pytest

from mlcost.model import Inventory, Resource


@pytest.fixture
def run_one():
    """Run one registered check (defaults plus overrides) on one resource."""
    from mlcost.checks import load_all

    registry = load_all()

    def _run(check_id: str, resource: Resource, inv: Inventory, **overrides):
        return registry[check_id].run(resource, inv, overrides)

    return _run
