"""The scan runner: every registered check over every resource of its kind in an inventory.

It is the one place that applies what all checks share: the ``mlcost:skip`` opt-out tag,
``--only`` selection, per-check settings (validated against the check's defaults), ordering
by monthly saving, and the warnings a reader needs (unpriced instance types, checks that
crashed on a resource). Checks stay pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mlcost.checks import load_all
from mlcost.checks._support import OPT_OUT_TAG
from mlcost.errors import UserError
from mlcost.model import Account, Finding, Inventory, Resource, ScanResult


def opted_out(resource: Resource) -> bool:
    """True when the resource carries ``mlcost:skip = true`` (any case, surrounding blanks ignored)."""
    return resource.tags.get(OPT_OUT_TAG, "").strip().lower() == "true"


def _validate(only: list[str] | None, settings: dict[str, dict] | None, known: dict) -> None:
    for check_id in [*(only or []), *(settings or {})]:
        if check_id not in known:
            raise UserError(
                f"unknown check {check_id!r}",
                "known checks: " + ", ".join(sorted(known)),
            )
    for check_id, overrides in (settings or {}).items():
        unknown = set(overrides) - set(known[check_id].defaults)
        if unknown:
            raise UserError(
                f"unknown setting(s) {', '.join(sorted(unknown))} for check {check_id!r}",
                "its settings are: " + ", ".join(sorted(known[check_id].defaults)),
            )
        known[check_id].settings(overrides)  # typed: a bad value fails here, before any check


def _sort_key(f: Finding) -> tuple[int, Decimal, str]:
    """Largest saving first; unpriced savings (None) last; stable by id."""
    if f.monthly_savings_usd is None:
        return (1, Decimal(0), f.id)
    return (0, -f.monthly_savings_usd, f.id)


def unpriced_warnings(findings: Iterable[Finding]) -> list[str]:
    """One "unpriced: <type> in <region>" line per distinct unpriced type, region and usage:
    every unpriced item of a finding (``unpriced_items``: one per variant or instance group),
    not only its first."""
    seen: dict[tuple[str, str, str], str] = {}
    for f in findings:
        reason = f.evidence.get("unpriced")
        if not reason:
            continue
        items = f.evidence.get("unpriced_items") or [
            {
                "instance_type": f.evidence.get("unpriced_instance_type", "?"),
                "usage": f.evidence.get("unpriced_usage", ""),
                "reason": reason,
            }
        ]
        for item in items:
            key = (str(item["instance_type"]), f.region, str(item["usage"]))
            seen.setdefault(key, str(item["reason"]))
    return [
        f"unpriced: {t} in {region} ({usage}) — {reason}"
        for (t, region, usage), reason in sorted(seen.items())
    ]


def _was_read(resource: Resource) -> bool:
    """A resource the scan read; the account resource is named by STS alone, so it counts
    only once one of its reads (budgets, Cost Explorer) answered."""
    if isinstance(resource, Account):
        return any(
            v is not None
            for v in (
                resource.budgets,
                resource.monthly_spend,
                resource.on_demand_spend,
                resource.savings_plans_coverage,
            )
        )
    return True


def nothing_read(inventory: Inventory) -> bool:
    """True when the scan saw no resource at all and no region listed any kind cleanly
    (without the collector's record: every scanned region reported an error).

    An empty report then means "could not look", not "nothing to save": the CLI exits 3
    so that a scheduled scan (cron, CI) fails loudly instead of reporting $0 of waste. A
    region that read cleanly and is simply empty is not a failure."""
    if any(_was_read(r) for r in inventory.resources) or not inventory.regions:
        return False
    if inventory.listed is not None:  # a region with one clean listing was read
        return not any(inventory.listed.get(region) for region in inventory.regions)
    failed = {e.region for e in inventory.errors}
    return all(region in failed for region in inventory.regions)


def run_checks(
    inventory: Inventory,
    *,
    only: list[str] | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> ScanResult:
    """Run the registered checks over ``inventory`` and return the sorted findings.

    ``only`` limits the run to those check ids; ``settings`` overrides a check's defaults
    (``{"idle-endpoint": {"min_age_hours": 48}}``). Unknown ids or settings raise
    :class:`~mlcost.errors.UserError`. A check that crashes on one resource does not stop the
    scan: the crash becomes a warning naming the check and the resource.
    """
    registry = load_all()
    _validate(only, settings, registry)
    selected = [registry[c] for c in (only or sorted(registry))]
    findings: list[Finding] = []
    warnings: list[str] = []
    for chk in selected:
        for resource in inventory.of_kind(chk.kind):
            if opted_out(resource):
                continue
            try:
                findings.extend(chk.run(resource, inventory, (settings or {}).get(chk.id)))
            except UserError:
                raise
            except Exception as exc:  # one bad resource must not sink the scan
                warnings.append(
                    f"check {chk.id} failed on {resource.key}: {type(exc).__name__}: {exc}"
                )
    findings.sort(key=_sort_key)
    return ScanResult(
        generated_at=now or datetime.now(UTC),
        source=inventory.source,
        regions=list(inventory.regions),
        lookback_days=inventory.lookback_days,
        findings=findings,
        errors=list(inventory.errors),
        warnings=list(inventory.notes) + unpriced_warnings(findings) + warnings,
        account=inventory.account,
        scanned={
            str(kind): len(inventory.of_kind(kind))
            for kind in sorted({chk.kind for chk in selected})
        },
    )
