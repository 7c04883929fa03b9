"""The findings a fix run works from: a scan run now, or a findings JSON file, and the
user's selection among them.

Why a staleness limit: a findings file is a photograph. Every fix re-checks its precondition
against live AWS anyway, but a file days old names resources and figures that may have moved
on; it is refused rather than half-applied (``MAX_FINDINGS_AGE``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from mlcost.errors import UserError
from mlcost.model import Finding, Fix, ResourceKind, Risk, ScanResult

#: A findings file older than this is refused: scan again.
MAX_FINDINGS_AGE = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class FindingSet:
    """Findings and the scan they came from (its window is what a re-check reads again)."""

    generated_at: datetime
    source: str
    regions: list[str]
    lookback_days: int
    findings: list[Finding]
    origin: str  # "scan" or the file's path

    @property
    def window_start(self) -> datetime:
        return self.generated_at - timedelta(days=self.lookback_days)


def from_scan(result: ScanResult) -> FindingSet:
    return FindingSet(
        generated_at=result.generated_at,
        source=result.source,
        regions=list(result.regions),
        lookback_days=result.lookback_days,
        findings=list(result.findings),
        origin="scan",
    )


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def finding_from_dict(d: dict[str, Any]) -> Finding:
    """A finding as the findings JSON contract has it, back into a :class:`Finding`."""
    return Finding(
        id=str(d["id"]),
        check=str(d["check"]),
        resource_kind=ResourceKind(d["resource_kind"]),
        resource_id=str(d["resource_id"]),
        resource_arn=str(d.get("resource_arn") or ""),
        region=str(d["region"]),
        title=str(d.get("title", "")),
        evidence=dict(d.get("evidence") or {}),
        monthly_cost_usd=_money(d.get("monthly_cost_usd")),
        monthly_savings_usd=_money(d.get("monthly_savings_usd")),
        fix=Fix(action=str(d["fix"]["action"]), params=dict(d["fix"].get("params") or {})),
        risk=Risk(d.get("risk", "review")),
        confidence=float(d.get("confidence", 0)),
    )


def _parse_time(raw: Any, path: Path) -> datetime:
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        raise UserError(
            f"{path}: generated_at {raw!r} is not an ISO-8601 time",
            "pass the output of `mlcost scan --format json`",
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_findings_file(
    path: Path, *, now: datetime | None = None, max_age: timedelta = MAX_FINDINGS_AGE
) -> FindingSet:
    """Read ``mlcost scan --format json`` output; refuse unreadable, foreign or stale files."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"findings file {path} not found", "pass the path of a scan's JSON"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(
            f"cannot read findings file {path}: {exc}",
            "pass the output of `mlcost scan --format json`",
        ) from None
    if not isinstance(doc, dict) or "findings" not in doc or "generated_at" not in doc:
        raise UserError(
            f"{path} is not a findings file (no generated_at / findings)",
            "pass the output of `mlcost scan --format json`",
        )
    generated = _parse_time(doc["generated_at"], path)
    age = (now or datetime.now(UTC)) - generated
    if age > max_age:
        raise UserError(
            f"findings file {path} is stale: generated {generated:%Y-%m-%d %H:%M} UTC, "
            f"{age.total_seconds() / 3600:.0f} h ago (limit {max_age.total_seconds() / 3600:.0f} h)",
            "scan again (`mlcost scan --format json -o findings.json`) or run `mlcost fix` "
            "without --from to scan now",
        )
    if doc.get("source") != "aws":
        raise UserError(
            f"{path} holds findings from source {doc.get('source')!r}, not a live AWS scan",
            "fixes act on AWS accounts: scan one with `mlcost scan`",
        )
    try:
        findings = [finding_from_dict(f) for f in doc["findings"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(
            f"{path}: a finding does not follow the findings contract ({exc})",
            "pass the output of `mlcost scan --format json`",
        ) from None
    return FindingSet(
        generated_at=generated,
        source="aws",
        regions=list(doc.get("regions") or []),
        lookback_days=int(doc.get("lookback_days") or 14),
        findings=findings,
        origin=str(path),
    )


def select(found: FindingSet, ids: list[str], checks: list[str], everything: bool) -> list[Finding]:
    """The findings chosen by id, by check, or all; unknown ids are a UserError."""
    if not (ids or checks or everything):
        raise UserError(
            "no finding chosen",
            "pass finding ids (see `mlcost scan`), --check ID, or --all",
        )
    by_id = {f.id: f for f in found.findings}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise UserError(
            f"unknown finding id {', '.join(unknown)}",
            f"the scan has {len(by_id)} finding(s); see their ids with `mlcost scan` "
            "(ids stay the same across scans of the same resource)",
        )
    if everything:
        return list(found.findings)
    chosen = [by_id[i] for i in dict.fromkeys(ids)]
    chosen += [f for f in found.findings if f.check in checks and f not in chosen]
    return chosen
