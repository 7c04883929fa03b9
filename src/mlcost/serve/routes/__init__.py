"""The dashboard's pages, one router a module; ``ROUTERS`` is what the app mounts."""

from __future__ import annotations

from mlcost.serve.routes import actions, bench, billing, findings, overview, resource, schedules

ROUTERS = [
    overview.router,
    findings.router,
    resource.router,
    billing.router,
    schedules.router,
    bench.router,
    actions.router,
]
