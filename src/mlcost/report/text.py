"""How money and findings read to a person (shared by the Markdown and terminal reports)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from mlcost.model import Finding, usd

#: The marker a substituted price carries in the table and Markdown reports.
SUBSTITUTED = "†"


def partial_note(unpriced_findings: int) -> str:
    """What a total leaves out: ``partial: 2 unpriced``, or "" when every figure is priced."""
    return f"partial: {unpriced_findings} unpriced" if unpriced_findings else ""


def dollars(value: Decimal | None) -> str:
    """``$1,234.56``; ``unpriced`` when there is no figure (never ``$0``)."""
    return "unpriced" if value is None else f"${usd(value):,.2f}"


def _price_evidence(value: Any) -> Iterator[dict[str, Any]]:
    """Every PriceQuote.evidence() dict inside a finding's evidence."""
    if isinstance(value, dict):
        if "basis" in value and "usd_per_hour" in value:
            yield value
        for v in value.values():
            yield from _price_evidence(v)
    elif isinstance(value, list):
        for v in value:
            yield from _price_evidence(v)


def substitutions(finding: Finding) -> list[str]:
    """The labelled substitutions a finding's money rests on, as a footnote names them:
    ``hosting price from studio-notebook (same type and region), 2025-06-16``."""
    out: list[str] = []
    for price in _price_evidence(finding.evidence):
        if price.get("basis") != "substitution":
            continue
        line = (
            f"{price.get('usage')} price from {price.get('substituted_from', 'another usage')} "
            f"(same type and region; {price.get('source')}, {price.get('date')})"
        )
        if line not in out:
            out.append(line)
    return out


def marked(value: Decimal | None, finding: Finding) -> str:
    """:func:`dollars`, with :data:`SUBSTITUTED` when the figure rests on a substituted price."""
    text = dollars(value)
    return f"{text} {SUBSTITUTED}" if value is not None and substitutions(finding) else text


def substitution_notes(findings: Iterable[Finding]) -> list[str]:
    """The distinct bases behind every marked figure, for the footnote."""
    notes: list[str] = []
    for f in findings:
        for line in substitutions(f):
            if line not in notes:
                notes.append(line)
    return notes


def scanned_line(result) -> str:
    """What a scan looked at, in one line: the account, regions and resources per kind.

    Why: "0 findings" alone cannot tell a clean account from a scan that read nothing."""
    kinds = ", ".join(f"{n} {kind}" for kind, n in result.scanned.items()) or "no resources"
    account = f"account {result.account}" if result.account else "account unknown"
    regions = ", ".join(result.regions) or "no region"
    line = f"scanned {account}, {regions} ({result.lookback_days} days): {kinds}"
    if result.errors:
        failed = sorted({e.region for e in result.errors})
        line += (
            f"; partial: {len(result.errors)} read(s) failed in {', '.join(failed)}, "
            "so the totals may be too low"
        )
    return line


def fix_cell(finding) -> str:
    """The table's Fix column: the action and, where the resource column does not say it,
    its target (the new instance type and count, the lifecycle config attached)."""
    params = finding.fix.params or {}
    target = ""
    if finding.fix.action == "update-endpoint":
        target = ", ".join(
            f"{v.get('InstanceType', '?')} x{v.get('InitialInstanceCount', '?')}"
            for v in params.get("ProductionVariants", [])
            if isinstance(v, dict)
        )
    elif finding.fix.action == "attach-lifecycle-config":
        target = str(params.get("LifecycleConfigName", ""))
    return f"{finding.fix.action} -> {target}" if target else finding.fix.action
