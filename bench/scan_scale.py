"""Scan at scale: 2,000 endpoints + 500 notebooks + 1,000 training jobs on the emulator.

Seeds the patched moto server (mlcost.demo.emulator) on 127.0.0.1 through real API calls,
bulk-loads 14 days of hourly endpoint metrics, then runs the scan (``collect_inventory`` +
``run_checks``) in a child process so that its peak memory is its own, not the emulator's.
Reports wall time, API calls by operation and peak RSS.

A loopback emulator hides the network, so ``--rtt-ms`` adds a fixed round trip to every
API call (20-100 ms is what a real AWS call costs from a laptop or a Lambda). The emulator
pages as AWS does (SageMaker List and Search: 10 a page by default, 100 at most).

``--naive`` also runs, on the same emulator and with the same workers and added latency, a
per-endpoint scanner of the kind a hand-written script (or Cloud Custodian's idle-endpoint
policy) is: ListEndpoints at its default page size, then for each endpoint DescribeEndpoint,
DescribeEndpointConfig, ListTags and GetMetricStatistics: once for Invocations by day
(``naive-idle``: what an idle-endpoint policy reads), and once per series the mlcost scan
reads, hourly (``naive-same``: the same information as the scan).

    .venv/bin/python bench/scan_scale.py [--endpoints 2000 --notebooks 500 --jobs 1000]
                                         [--rtt-ms 0 --rtt-ms 50] [--workers 8] [--naive]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

LOOKBACK_DAYS = 14
REGION = "us-east-1"


def build_scale_org(now: datetime, endpoints: int, notebooks: int, jobs: int):
    """A flat organisation of the requested size, with a mix of busy and idle resources."""
    import numpy as np

    from mlcost.demo.org import Org, ResourceSpec, SeriesSpec

    rng = np.random.default_rng(11)
    created = now - timedelta(days=60)
    hours = np.arange(LOOKBACK_DAYS * 24, 0, -1)
    stamps = [(now - timedelta(hours=int(h))).timestamp() for h in hours]
    resources, series = [], []
    tags = {"team": "scale", "env": "prod"}
    for i in range(endpoints):
        name = f"scale-ep-{i:05d}"
        itype = ("ml.m5.xlarge", "ml.c5.xlarge", "ml.g5.xlarge")[i % 3]
        resources.append(
            ResourceSpec(
                "endpoint", REGION, name, itype, created, 1, tags, extra={"variant": "AllTraffic"}
            )
        )
        dims = {"EndpointName": name, "VariantName": "AllTraffic"}
        busy = i % 4 != 0  # every fourth endpoint gets no traffic at all
        if busy:
            calls = rng.poisson(40, len(stamps)).astype(float)
            series.append(
                SeriesSpec(REGION, "AWS/SageMaker", "Invocations", dims, stamps, calls.tolist())
            )
        cpu = rng.uniform(5, 60, len(stamps)) * 4
        series.append(
            SeriesSpec(
                REGION, "/aws/sagemaker/Endpoints", "CPUUtilization", dims, stamps, cpu.tolist()
            )
        )
        mem = rng.uniform(20, 70, len(stamps))
        series.append(
            SeriesSpec(
                REGION, "/aws/sagemaker/Endpoints", "MemoryUtilization", dims, stamps, mem.tolist()
            )
        )
    for i in range(notebooks):
        resources.append(
            ResourceSpec(
                "notebook-instance",
                REGION,
                f"scale-nb-{i:05d}",
                "ml.t3.medium",
                created,
                1,
                tags,
                "InService",
            )
        )
    for i in range(jobs):
        start = now - timedelta(days=1 + (i % (LOOKBACK_DAYS - 2)), hours=i % 24)
        run_h = 1 + i % 5
        extra = {
            "start": start,
            "end": start + timedelta(hours=run_h),
            "billable_seconds": run_h * 3600,
            "spot": False,
            "max_runtime": 86400,
        }
        resources.append(
            ResourceSpec(
                "training-job",
                REGION,
                f"scale-train-{i:05d}",
                "ml.g5.xlarge",
                start,
                1,
                tags,
                "Completed",
                extra,
            )
        )
    return Org(now=now, seed=11, resources=resources, series=series, flagged={}, not_flagged={})


#: What the per-endpoint scanner reads for each endpoint, one GetMetricStatistics each:
#: "idle" is an idle-endpoint policy's read (Invocations summed per day, as Cloud Custodian's
#: idle-endpoint policy does); "same" is the hourly series the mlcost scan reads for the same
#: endpoint (Invocations, CPU and memory, and GPU and GPU memory on GPU types).
NAIVE_READS = ("idle", "same")


def naive_scan(session, workers: int, reads: str = "idle") -> dict[str, int]:
    """A per-endpoint scan: list (SageMaker's default page), then for each endpoint
    DescribeEndpoint, DescribeEndpointConfig, ListTags and GetMetricStatistics per series
    (what a scanner without Search or GetMetricData does). Returns how many endpoints it saw
    and how many had no invocations."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.config import Config

    from mlcost.sources.aws.kinds import is_gpu_type

    config = Config(max_pool_connections=workers, retries={"mode": "adaptive"})
    sm = session.client("sagemaker", region_name=REGION, config=config)
    cw = session.client("cloudwatch", region_name=REGION, config=config)
    end = datetime.now(UTC)
    start = end - timedelta(days=LOOKBACK_DAYS)
    names = [
        e["EndpointName"]
        for page in sm.get_paginator("list_endpoints").paginate()
        for e in page["Endpoints"]
    ]

    def statistics(namespace: str, metric: str, dims: list, period: int, stat: str) -> list:
        return cw.get_metric_statistics(
            Namespace=namespace,
            MetricName=metric,
            Dimensions=dims,
            StartTime=start,
            EndTime=end,
            Period=period,
            Statistics=[stat],
        )["Datapoints"]

    def judge(name: str) -> bool:
        endpoint = sm.describe_endpoint(EndpointName=name)
        config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        sm.list_tags(ResourceArn=endpoint["EndpointArn"])
        variant = config["ProductionVariants"][0]
        dims = [
            {"Name": "EndpointName", "Value": name},
            {"Name": "VariantName", "Value": variant["VariantName"]},
        ]
        if reads == "idle":
            points = statistics("AWS/SageMaker", "Invocations", dims, 86400, "Sum")
            return sum(p["Sum"] for p in points) == 0
        points = statistics("AWS/SageMaker", "Invocations", dims, 3600, "Sum")
        utilisation = ["CPUUtilization", "MemoryUtilization"]
        if is_gpu_type(variant.get("InstanceType")):
            utilisation += ["GPUUtilization", "GPUMemoryUtilization"]
        for metric in utilisation:
            statistics("/aws/sagemaker/Endpoints", metric, dims, 3600, "Maximum")
        return sum(p["Sum"] for p in points) == 0

    with ThreadPoolExecutor(max_workers=workers) as pool:
        idle = sum(pool.map(judge, names))
    return {"endpoints": len(names), "idle": idle}


def child(endpoint_url: str, rtt_ms: float, workers: int, mode: str = "mlcost") -> None:
    """Run one scan against the server and print its figures as JSON (one line)."""
    import resource

    import boto3

    from mlcost.scan import run_checks
    from mlcost.sources.aws import CallCounter, collect_inventory

    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    session = boto3.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name=REGION
    )
    counter = CallCounter().attach(session)
    if rtt_ms:
        session.events.register("before-send", lambda **_: time.sleep(rtt_ms / 1000.0))
    if mode.startswith("naive"):
        started = time.perf_counter()
        seen = naive_scan(session, workers, mode.removeprefix("naive-"))
        wall = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "mode": mode,
                    "rtt_ms": rtt_ms,
                    "workers": workers,
                    **seen,
                    "wall_s": round(wall, 2),
                    "api_calls": counter.total(),
                    "calls_by_operation": dict(sorted(counter.counts.items())),
                }
            )
        )
        return
    started = time.perf_counter()
    inventory = collect_inventory([REGION], LOOKBACK_DAYS, session=session, max_workers=workers)
    collected = time.perf_counter()
    result = run_checks(inventory)
    finished = time.perf_counter()
    print(
        json.dumps(
            {
                "mode": "mlcost",
                "rtt_ms": rtt_ms,
                "workers": workers,
                "resources": len(inventory.resources),
                "series": sum(len(v) for v in inventory.metrics.values()),
                "findings": len(result.findings),
                "errors": len(inventory.errors),
                "warnings": result.warnings[:3],
                "collect_s": round(collected - started, 2),
                "checks_s": round(finished - collected, 2),
                "wall_s": round(finished - started, 2),
                "api_calls": counter.total(),
                "calls_by_operation": dict(sorted(counter.counts.items())),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoints", type=int, default=2000)
    parser.add_argument("--notebooks", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument(
        "--rtt-ms", type=float, action="append", help="added round trip per call; repeatable"
    )
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--naive", action="store_true", help="also run the per-endpoint scanner")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="mlcost", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, (args.rtt_ms or [0.0])[0], args.workers, args.mode)
        return

    from mlcost.demo.emulator import start_server
    from mlcost.demo.seed import seed_org

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    org = build_scale_org(now, args.endpoints, args.notebooks, args.jobs)
    with start_server() as server:
        t0 = time.perf_counter()
        seed_org(org, server.endpoint_url)
        print(
            f"seeded {len(org.resources)} resources and {len(org.series)} series "
            f"in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
        modes = ["mlcost"] + ([f"naive-{r}" for r in NAIVE_READS] if args.naive else [])
        for rtt in args.rtt_ms or [0.0]:
            for mode in modes:
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        server.endpoint_url,
                        "--rtt-ms",
                        str(rtt),
                        "--workers",
                        str(args.workers),
                        "--mode",
                        mode,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
