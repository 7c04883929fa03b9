"""Write deterministic synthetic CUR 2.0 and FOCUS billing exports.

    python bench/billing_gen.py OUT_DIR [--seed 7] [--hours 72] [--resources 2]
    python bench/billing_gen.py OUT_DIR --month --resources 1600   # ~10M-row CUR 2.0 parquet

The generator itself is ``mlcost.billing.synth`` (tests import it from there).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mlcost.billing import synth


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--hours", type=int, default=72)
    ap.add_argument("--resources", type=int, default=2, help="resources per workload kind")
    ap.add_argument("--month", action="store_true", help="30 days, CUR 2.0 parquet only, chunked")
    a = ap.parse_args()
    if a.month:
        n = synth.write_cur2_month(a.out / "cur2-month.parquet", a.seed, 30, a.resources)
        print(f"{a.out / 'cur2-month.parquet'}: {n:,} rows")
        return
    cur = synth.generate_cur2(seed=a.seed, hours=a.hours, resources_per_workload=a.resources)
    focus = synth.cur2_to_focus(cur)
    for name, table in (("cur2", cur), ("focus", focus)):
        for ext in ("parquet", "csv"):
            p = synth.write(table, a.out / f"{name}.{ext}")
            print(f"{p}: {table.num_rows:,} rows")


if __name__ == "__main__":
    main()
