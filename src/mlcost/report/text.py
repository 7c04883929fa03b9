"""How money and findings read to a person (shared by the Markdown and terminal reports)."""

from __future__ import annotations

from decimal import Decimal

from mlcost.model import usd


def partial_note(unpriced_findings: int) -> str:
    """What a total leaves out: ``partial: 2 unpriced``, or "" when every figure is priced."""
    return f"partial: {unpriced_findings} unpriced" if unpriced_findings else ""


def dollars(value: Decimal | None) -> str:
    """``$1,234.56``; ``unpriced`` when there is no figure (never ``$0``)."""
    return "unpriced" if value is None else f"${usd(value):,.2f}"
