"""Findings as CSV, one row per finding, for spreadsheets and ticket imports."""

from __future__ import annotations

import csv
import io
import json

from mlcost.model import ScanResult
from mlcost.report.json_report import finding_dict

COLUMNS = [
    "id",
    "check",
    "resource_kind",
    "resource_id",
    "region",
    "title",
    "monthly_cost_usd",
    "monthly_savings_usd",
    "risk",
    "confidence",
    "fix_action",
    "fix_params",
    "resource_arn",
    "evidence",
]


def to_csv(result: ScanResult) -> str:
    """One header row and one row per finding in the scan's order (largest saving first).
    Money is a plain number with two decimals, empty when unpriced; fix params and evidence
    are JSON in their cells."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for f in result.findings:
        d = finding_dict(f)
        w.writerow(
            {
                **{
                    k: d[k]
                    for k in COLUMNS
                    if k in d and k not in ("monthly_cost_usd", "monthly_savings_usd", "evidence")
                },
                "monthly_cost_usd": ""
                if f.monthly_cost_usd is None
                else f"{d['monthly_cost_usd']:.2f}",
                "monthly_savings_usd": ""
                if f.monthly_savings_usd is None
                else f"{d['monthly_savings_usd']:.2f}",
                "fix_action": f.fix.action,
                "fix_params": json.dumps(d["fix"]["params"], sort_keys=True),
                "evidence": json.dumps(d["evidence"], sort_keys=True),
            }
        )
    return buf.getvalue()
