"""Time ingest + report on large CUR 2.0 exports: DuckDB (mlcost) vs a pandas implementation.

    python bench/billing_scale.py --rows 1000000 10000000 [--work /tmp/mlcost-bench] [--repeat 3]

For each size it generates (once, cached) a deterministic CUR 2.0 parquet with
``mlcost.billing.synth.write_cur2_month``, then runs in a fresh subprocess each:
  * duckdb: ``mlcost.billing.ingest`` into a new database + every report section;
  * pandas: read the same parquet and compute the same sections with pandas.
It reports wall time, the subprocess's CPU seconds (user + system) and peak RSS
(``ru_maxrss``), and checks the two agree on the ML total. pandas is a bench-only
dependency (not a runtime one).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

RESOURCES_PER_MILLION = 153  # resources per workload kind giving ~1M rows in 30 days


def make(work: Path, rows: int, product_attributes: int = 0) -> Path:
    from mlcost.billing import synth

    suffix = f"-product{product_attributes + 2}" if product_attributes else ""
    path = work / f"cur2-{rows}{suffix}.parquet"
    if not path.exists():
        n = synth.write_cur2_month(
            path,
            seed=7,
            days=30,
            resources_per_workload=max(1, round(RESOURCES_PER_MILLION * rows / 1e6)),
            product_attributes=product_attributes,
        )
        print(f"generated {path} ({n:,} rows)", file=sys.stderr)
    return path


def run_duckdb(path: Path, work: Path, memory_limit: str | None) -> dict:
    from mlcost.billing import report
    from mlcost.billing.ingest import ingest

    db = work / f"{path.stem}.duckdb"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    [f] = ingest([path], db, memory_limit=memory_limit)
    t1 = time.perf_counter()
    rep = report.build(report.duckdb_runner(db), tag="team")
    t2 = time.perf_counter()
    total = sum(r["effective_cost"] for r in rep.sections["by_service"])
    return {
        "rows": f.rows,
        "ingest_s": t1 - t0,
        "report_s": t2 - t1,
        "ml_total": str(round(total, 2)),
    }


def run_pandas(path: Path) -> dict:
    import numpy as np
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_parquet(
        path,
        columns=[
            "line_item_line_item_type",
            "line_item_usage_start_date",
            "line_item_product_code",
            "line_item_usage_type",
            "line_item_usage_amount",
            "line_item_unblended_cost",
            "pricing_public_on_demand_cost",
            "savings_plan_savings_plan_effective_cost",
            "savings_plan_total_commitment_to_date",
            "savings_plan_used_commitment",
            "product_region_code",
            "resource_tags",
        ],
    )
    t1 = time.perf_counter()
    lt = df["line_item_line_item_type"]
    cost = df["line_item_unblended_cost"]
    df["effective"] = np.select(
        [
            lt == "SavingsPlanCoveredUsage",
            lt == "SavingsPlanRecurringFee",
            lt == "SavingsPlanNegation",
        ],
        [
            df["savings_plan_savings_plan_effective_cost"],
            df["savings_plan_total_commitment_to_date"] - df["savings_plan_used_commitment"],
            0.0,
        ],
        cost,
    )
    usage_like = lt.isin(["Usage", "SavingsPlanCoveredUsage", "DiscountedUsage"])
    df["list"] = np.where(usage_like, df["pricing_public_on_demand_cost"].fillna(cost), 0.0)
    ut = df["line_item_usage_type"].fillna("")
    itype = ut.str.extract(r"(?:^|[:\-])((?:ml\.)?[a-z][a-z0-9]*\.[0-9a-z]+)$")[0].fillna("")
    df["family"] = itype.str.replace("ml.", "", regex=False).str.split(".").str[0]
    pc = df["line_item_product_code"]
    gpu = df["family"].str.match(r"^(p|g|inf|trn|dl)[0-9]")
    df["service"] = np.select(
        [
            pc.isin(["AmazonSageMaker", "MachineLearningSavingsPlans"]),
            pc == "AmazonBedrock",
            (pc == "AmazonEC2") & gpu,
        ],
        ["SageMaker", "Bedrock", "EC2 GPU"],
        None,
    )
    stage = np.select(
        [
            ut.str.contains(s, regex=False)
            for s in (
                "Notebk",
                "Studio",
                "Train",
                "Processing",
                "AsyncInf",
                "ServerlessInf",
                "Tsform",
                "Host",
            )
        ],
        [
            "notebook",
            "studio",
            "training",
            "processing",
            "async",
            "serverless",
            "batch-transform",
            "hosting",
        ],
        "other",
    )
    df["stage"] = np.where(pc == "AmazonSageMaker", stage, None)
    df["team"] = [
        dict(t).get("user_team", "(untagged)") if t is not None else "(untagged)"
        for t in df["resource_tags"]
    ]
    ml = df[df["service"].notna()]
    out = {
        "by_service": ml.groupby("service")["effective"].sum(),
        "by_stage": df[df["stage"].notna()].groupby("stage")["effective"].sum(),
        "by_family": ml[ml["family"] != ""].groupby(["service", "family"])["effective"].sum(),
        "by_tag": ml.groupby("team")["effective"].sum(),
        "daily": ml.groupby(ml["line_item_usage_start_date"].dt.date)["effective"].sum(),
        "unused": df[ut.str.contains("UnusedBox|UnusedDed")]
        .groupby(["product_region_code"])["line_item_unblended_cost"]
        .sum(),
        "sp_used": df["savings_plan_used_commitment"]
        .where(lt == "SavingsPlanRecurringFee", 0)
        .sum(),
    }
    t2 = time.perf_counter()
    return {
        "rows": len(df),
        "ingest_s": t1 - t0,
        "report_s": t2 - t1,
        "ml_total": str(round(out["by_service"].sum(), 2)),
    }


def child(engine: str, path: Path, work: Path, memory_limit: str | None) -> None:
    res = run_duckdb(path, work, memory_limit) if engine == "duckdb" else run_pandas(path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    res["peak_rss_mb"] = usage.ru_maxrss / 1024
    # CPU seconds of the whole child (user + system, all threads, imports included): on a
    # machine shared with other work, wall time says how long it took, CPU what it cost
    res["cpu_s"] = usage.ru_utime + usage.ru_stime
    print(json.dumps(res))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/mlcost-bench"))
    ap.add_argument(
        "--memory-limit",
        default="",
        help="DuckDB memory_limit (default: mlcost's own, ingest.default_memory_limit())",
    )
    ap.add_argument("--engines", nargs="+", default=["duckdb", "pandas"])
    ap.add_argument(
        "--product-attributes",
        type=int,
        default=0,
        help="extra keys in each line's product map (a real CUR 2.0 instance line has dozens; "
        "33 gives 35-key maps)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per engine and size, interleaved (duckdb, pandas, duckdb, ...); "
        "each run is one row, so a shared machine's noise shows as a spread",
    )
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], Path(a.child[1]), a.work, a.memory_limit or None)
        return
    a.work.mkdir(parents=True, exist_ok=True)
    print("| rows | engine | ingest s | report s | total s | CPU s | peak RSS MB | ML total |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for rows in a.rows:
        path = make(a.work, rows, a.product_attributes)
        for engine in [e for _ in range(a.repeat) for e in a.engines]:
            cmd = [
                sys.executable,
                __file__,
                "--work",
                str(a.work),
                "--memory-limit",
                a.memory_limit,
                "--child",
                engine,
                str(path),
            ]
            t0 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if out.returncode != 0:
                print(
                    f"| {rows:,} | {engine} | failed after {wall:.0f}s: {out.stderr.strip().splitlines()[-1:]} |"
                )
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"| {r['rows']:,} | {engine} | {r['ingest_s']:.1f} | {r['report_s']:.1f} | "
                f"{r['ingest_s'] + r['report_s']:.1f} | {r['cpu_s']:.1f} | "
                f"{r['peak_rss_mb']:,.0f} | {r['ml_total']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
