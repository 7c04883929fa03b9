"""Hand-made findings with known dollars, regions, accounts and checks, recorded in a
journal as `mlcost scan --db` records them; and reading the findings table of a page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from mlcost.journal.findings import record_scan_result
from mlcost.model import (
    Finding,
    Fix,
    Inventory,
    MetricSeries,
    Resource,
    ResourceKind,
    Risk,
    ScanResult,
)

TOKEN = "test-token-0123456789abcdef"


def make_client(config):
    """The dashboard's TestClient holding the access token (a cookie, as a browser has after
    opening the printed URL). Here, not in conftest.py: `from conftest import` resolves to
    whichever directory's conftest pytest loaded last."""
    from fastapi.testclient import TestClient

    from mlcost.serve.app import create_app

    client = TestClient(create_app(config), follow_redirects=False)
    client.cookies.set("mlcost_token", config.token)
    return client


NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

#: The price quote the idle endpoint's evidence carries (the catalogue's shape).
PRICE = {
    "instance_type": "ml.g5.xlarge",
    "region": "us-east-1",
    "usage": "hosting",
    "usd_per_hour": "1.408",
    "basis": "list",
    "source": "AWS Price List API, AmazonSageMaker us-east-1",
    "date": "2026-11-01",
}


def finding(
    fid: str,
    check: str = "idle-endpoint",
    *,
    resource: str | None = None,
    region: str = "us-east-1",
    savings: str | None = "100.00",
    confidence: float = 0.9,
    action: str = "delete-endpoint",
) -> Finding:
    name = resource or f"ep-{fid}"
    return Finding(
        id=fid,
        check=check,
        resource_kind=ResourceKind.ENDPOINT,
        resource_id=name,
        resource_arn=f"arn:aws:sagemaker:{region}:111122223333:endpoint/{name}",
        region=region,
        title=f"{check} on {name}",
        evidence={"invocations": 0, "price": PRICE} if savings else {"unpriced": "no price"},
        monthly_cost_usd=None if savings is None else Decimal(savings),
        monthly_savings_usd=None if savings is None else Decimal(savings),
        fix=Fix(action=action, params={"EndpointName": name}),
        risk=Risk.REVIEW,
        confidence=confidence,
    )


def record(
    journal,
    findings: list[Finding],
    *,
    account: str = "111122223333",
    source: str = "aws",
    generated_at: datetime = NOW,
    series: dict[str, list[float]] | None = None,
) -> str:
    """Record a scan of ``findings``; ``series`` gives an endpoint's hourly Invocations."""
    inventory = Inventory(
        source=source,
        regions=["us-east-1"],
        lookback_days=14,
        start=generated_at - timedelta(days=14),
        end=generated_at,
    )
    for name, values in (series or {}).items():
        f = next(x for x in findings if x.resource_id == name)
        res = Resource(ResourceKind.ENDPOINT, name, f.resource_arn, f.region)
        inventory.resources.append(res)
        start = generated_at - timedelta(hours=len(values))
        inventory.metrics[res.key] = [
            MetricSeries(
                name="Invocations",
                namespace="AWS/SageMaker",
                metric="Invocations",
                dimensions={"EndpointName": name, "VariantName": "AllTraffic"},
                stat="Sum",
                period_s=3600,
                timestamps=[start + timedelta(hours=i) for i in range(len(values))],
                values=values,
            )
        ]
    result = ScanResult(
        generated_at=generated_at,
        source=source,
        regions=["us-east-1"],
        lookback_days=14,
        findings=findings,
        account=account,
    )
    return record_scan_result(journal, result, inventory)


def row_ids(page: str) -> list[str]:
    """The finding ids of a findings page's table rows, in order."""
    return re.findall(r'<tr data-finding="([^"]+)"', page)


def _level(load: float, rps: float, p50: float, p99: float):
    from mlcost.bench.metrics import LevelSummary

    empty = {"p50": None, "p90": None, "p95": None, "p99": None, "max": None, "mean": None}
    latency = {**empty, "p50": p50, "p99": p99}
    return LevelSummary(
        "open", load, 100, 100, {}, 10.0, rps, None, latency, empty, empty, empty, empty
    )


def record_example_run(journal) -> str:
    """One open-loop bench run on ml.g5.xlarge at 5 and 10 req/s (p99 120 ms, then 400 ms),
    priced by the catalogue as `mlcost bench` prices it; its run id."""
    from mlcost.bench import report, store
    from mlcost.bench.costs import level_costs

    levels = [_level(5, 5.0, 80.0, 120.0), _level(10, 10.0, 90.0, 400.0)]
    costs, _ = level_costs(levels, ["ml.g5.xlarge"], 1, "us-east-1")
    return store.record_run(
        journal,
        report.result(
            target="http://127.0.0.1:8000/invocations",
            backend="json",
            mode="open",
            settings={},
            levels=levels,
            costs=costs,
            warnings=[],
        ),
    )


def fix_row(journal, resource: str, *, state: str = "done", saving: str | None = None, **kw) -> str:
    """A `delete-endpoint` fix row of the journal, as FixRunner writes it; its id."""
    return journal.create_fix(
        run_id=kw.pop("run_id", "run-1"),
        kind=kw.pop("kind", "fix"),
        action="delete-endpoint",
        resource_kind="endpoint",
        resource_id=resource,
        region="us-east-1",
        params={"EndpointName": resource},
        state=state,
        monthly_savings_usd=saving,
        **kw,
    )
