"""How long `mlcost serve` takes to render a findings page of a scan with 10,000 findings.

Records one scan of N synthetic findings (several checks, regions, accounts, confidences and
dollar figures, a tenth unpriced; each with a 24-point metric series stored, which the list
never reads) in a fresh SQLite journal, then times GET requests through the ASGI app in this
process (Starlette's TestClient: routing, SQL, Jinja2 rendering; no network), each repeated.
The goal: under 300 ms on the server for the first page, sorted and filtered ones, and a page
deep in the list — the list is counted, sorted and cut in SQL.

    .venv/bin/python bench/serve_findings.py [--findings 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from mlcost.journal import journal
from mlcost.journal.findings import finding_row, insert_rows
from mlcost.model import Finding, Fix, ResourceKind, Risk
from mlcost.serve.app import ServeConfig, create_app

CHECKS = ("idle-endpoint", "underused-endpoint", "idle-notebook", "training-spot", "idle-ec2-gpu")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
TOKEN = "benchmark-token-0123456789"


def synthetic(n: int, start: datetime) -> list[dict]:
    rows = []
    series = [
        {
            "name": "Invocations",
            "namespace": "AWS/SageMaker",
            "metric": "Invocations",
            "dimensions": {"EndpointName": "x", "VariantName": "AllTraffic"},
            "stat": "Sum",
            "period_s": 3600,
            "status": "ok",
            "error": None,
            "points": [[(start + timedelta(hours=h)).isoformat(), 0.0] for h in range(24)],
        }
    ]
    for i in range(n):
        saving = None if i % 10 == 0 else Decimal(i % 997) + Decimal("0.37")
        f = Finding(
            id=f"f{i:06d}",
            check=CHECKS[i % len(CHECKS)],
            resource_kind=ResourceKind.ENDPOINT,
            resource_id=f"ep-{i:06d}",
            resource_arn=f"arn:aws:sagemaker:us-east-1:111111111111:endpoint/ep-{i:06d}",
            region=REGIONS[i % len(REGIONS)],
            title=f"Endpoint ep-{i:06d} served no requests in 336 h",
            evidence={"invocations": 0, "window_hours": 336},
            monthly_cost_usd=saving,
            monthly_savings_usd=saving,
            fix=Fix("delete-endpoint", {"EndpointName": f"ep-{i:06d}"}),
            risk=Risk.REVIEW,
            confidence=(i % 10) / 10,
        )
        rows.append(("", f, ACCOUNTS[i % len(ACCOUNTS)], series))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'journal.db'}"
        now = datetime.now(UTC)
        with journal(url) as j:
            started = time.perf_counter()
            scan_id = j.record_scan(
                generated_at=now,
                source="aws",
                origin="bench",
                regions=list(REGIONS),
                lookback_days=14,
                findings=args.findings,
                monthly_savings_usd=None,
            )
            insert_rows(
                j, (finding_row(scan_id, f, a, s) for _, f, a, s in synthetic(args.findings, now))
            )
            print(f"recorded {args.findings:,} findings in {time.perf_counter() - started:.1f} s")
        app = create_app(ServeConfig(token=TOKEN, db=url))
        client = TestClient(app)
        client.cookies.set("mlcost_token", TOKEN)
        pages = [
            ("first page, by saving", "/findings"),
            ("sorted by confidence", "/findings?sort=confidence"),
            (
                "check + region + min $",
                "/findings?check=idle-endpoint&region=us-east-1&min_savings=100",
            ),
            ("page 150 of 200", "/findings?page=150"),
            ("one finding", "/findings/f004242"),
            ("overview", "/"),
        ]
        print(f"{'page':28} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}  bytes")
        for label, path in pages:
            client.get(path)  # warm: templates compiled, connection pool open
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            times.sort()
            p90 = times[int(0.9 * (len(times) - 1))]
            print(
                f"{label:28} {statistics.median(times):>10.1f} {p90:>8.1f} {times[-1]:>8.1f}"
                f"  {len(response.content):,}"
            )
        app.state.sources.close()


if __name__ == "__main__":
    main()
