"""Findings as a Markdown report (pull-request comments, wikis, tickets)."""

from __future__ import annotations

import json

from mlcost.model import ScanResult
from mlcost.report.aws_cli import aws_command
from mlcost.report.json_report import _plain
from mlcost.report.text import SUBSTITUTED, dollars, marked, scanned_line, substitution_notes
from mlcost.report.totals import totals


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(result: ScanResult) -> str:
    """A heading with the totals, one table row per finding (largest saving first), savings
    by check, then errors and warnings so a reader sees what the figures leave out."""
    t = totals(result.findings)
    partial = (
        f" Totals are partial: {t['unpriced_findings']} unpriced finding(s) are not in them."
        if t["partial"]
        else ""
    )
    lines = [
        "# mlcost scan",
        "",
        f"Generated {result.generated_at.isoformat()} from `{result.source}`, "
        f"regions {', '.join(result.regions) or '-'}, lookback {result.lookback_days} days.",
        "",
        _cell(scanned_line(result)[0].upper() + scanned_line(result)[1:]) + ".",
        "",
        f"**{len(result.findings)} findings; monthly cost {dollars(t['monthly_cost_usd'])}; "
        f"potential monthly savings {dollars(t['monthly_savings_usd'])}.**{partial}",
        "",
    ]
    if result.findings:
        lines += [
            "| # | check | resource | region | monthly cost | monthly saving | fix | risk | confidence |",
            "|---|---|---|---|---:|---:|---|---|---:|",
        ]
        for i, f in enumerate(result.findings, 1):
            lines.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        i,
                        f.check,
                        f"`{f.resource_id}`",
                        f.region,
                        marked(f.monthly_cost_usd, f),
                        marked(f.monthly_savings_usd, f),
                        f.fix.action,
                        f.risk,
                        f"{f.confidence:.2f}",
                    )
                )
                + " |"
            )
        notes = substitution_notes(result.findings)
        if notes:
            lines += [
                "",
                f"{SUBSTITUTED} Figures marked {SUBSTITUTED} rest on a labelled price "
                "substitution (no list price for that usage in the catalogue):",
                "",
            ]
            lines += [f"- {_cell(n)}" for n in notes]
        lines += [
            "",
            "## Savings by check",
            "",
            "| check | findings | monthly saving |",
            "|---|---:|---:|",
        ]
        for check_id, v in t["by_check"].items():
            lines.append(f"| {check_id} | {v['count']} | {dollars(v['monthly_savings_usd'])} |")
        lines += ["", "## Findings", ""]
        for f in result.findings:
            params = json.dumps(_plain(f.fix.params), ensure_ascii=False, sort_keys=True)
            line = f"- **{_cell(f.title)}** (`{f.id}`): `{f.fix.action}` `{params}`"
            command = aws_command(f)
            if command:  # the same change by hand (mlcost fix adds re-check, snapshot, undo)
                line += f"; by hand: `{command}`"
            lines.append(line)
    else:
        lines.append("No findings.")
    if result.errors:
        lines += ["", "## Errors (not scanned)", ""]
        lines += [
            f"- {e.region} {e.service} {e.operation}: {_cell(e.message)}" for e in result.errors
        ]
    if result.warnings:
        lines += ["", "## Warnings", ""]
        lines += [f"- {_cell(w)}" for w in result.warnings]
    return "\n".join(lines) + "\n"
