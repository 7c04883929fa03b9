"""studio-no-idle-shutdown: a Studio domain, or a user profile in it, whose built-in idle
shutdown for JupyterLab / Code Editor is off, unset, or slower than a working day.

Studio's own guard against forgotten apps is ``AppLifecycleManagement.IdleSettings`` in the
domain's ``DefaultUserSettings`` (every user who has no setting of their own) or in a user
profile's ``UserSettings`` (that user only): ``LifecycleManagement`` ENABLED with
``IdleTimeoutInMinutes``, optionally bounded by ``Min``/``MaxIdleTimeoutInMinutes`` (the range
users may choose per space). Without it an app left open bills every night and weekend.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from mlcost.checks._support import (
    HOURS_PER_MONTH,
    OPT_OUT_TAG,
    add_unpriced,
    finding_for,
    finding_id,
    money,
    quote,
    unpriced_evidence,
)
from mlcost.checks.registry import check
from mlcost.model import (
    Finding,
    Fix,
    Inventory,
    ResourceKind,
    Risk,
    StudioDomain,
    StudioIdleSettings,
    StudioRunningApp,
    StudioUserProfile,
    Usage,
)
from mlcost.sources.aws.studio import IDLE_SHUTDOWN_APP_TYPES

HOURS_PER_WEEK = 168
#: AWS's bounds for every IdleSettings timeout (CreateDomain / UpdateDomain API reference).
AWS_MIN_TIMEOUT, AWS_MAX_TIMEOUT = 60, 525_600


def problem(settings: StudioIdleSettings | None, max_minutes: int) -> str | None:
    """Why these settings do not stop an idle app within ``max_minutes``; None when they do."""
    if settings is None or settings.lifecycle_management is None:
        return "idle shutdown not configured"
    if settings.lifecycle_management != "ENABLED":
        return f"idle shutdown {settings.lifecycle_management}"
    timeout = settings.idle_timeout_minutes
    if timeout is not None and timeout > max_minutes:
        return f"idle timeout {timeout} min > {max_minutes} min"
    return None


def target_minutes(wanted: int, *bounds: StudioIdleSettings | None) -> int:
    """``wanted`` moved into every given Min/MaxIdleTimeoutInMinutes range and AWS's own."""
    lo, hi = AWS_MIN_TIMEOUT, AWS_MAX_TIMEOUT
    for b in bounds:
        if b is None:
            continue
        if b.min_idle_timeout_minutes is not None:
            lo = max(lo, b.min_idle_timeout_minutes)
        if b.max_idle_timeout_minutes is not None:
            hi = min(hi, b.max_idle_timeout_minutes)
    return max(lo, min(wanted, hi)) if lo <= hi else lo


def _new_settings(old: StudioIdleSettings | None, minutes: int) -> dict[str, Any]:
    """The IdleSettings to write: ENABLED with ``minutes``, keeping the old min/max."""
    out: dict[str, Any] = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": minutes}
    if old is not None and old.min_idle_timeout_minutes is not None:
        out["MinIdleTimeoutInMinutes"] = old.min_idle_timeout_minutes
    if old is not None and old.max_idle_timeout_minutes is not None:
        out["MaxIdleTimeoutInMinutes"] = old.max_idle_timeout_minutes
    return out


def _price_apps(
    apps: list[StudioRunningApp], region: str, idle_share: Decimal, evidence: dict[str, Any]
) -> tuple[Decimal | None, Decimal | None]:
    """Monthly cost of the apps and the share of it outside use; None when one is unpriced."""
    total = Decimal(0)
    priced: list[dict[str, Any]] = []
    unpriced = False
    for app in apps:
        p = quote(app.instance_type, region, Usage.STUDIO_NOTEBOOK)
        if p.quote is None:
            add_unpriced(evidence, app.instance_type, region, Usage.STUDIO_NOTEBOOK, p.reason or "")
            unpriced = True
            continue
        monthly = p.quote.usd_per_hour * HOURS_PER_MONTH
        total += monthly
        priced.append(
            {
                "app": f"{app.owner}/{app.app_type}/{app.app_name}",
                "instance_type": app.instance_type,
                "price": p.quote.evidence(),
                "monthly_usd": str(money(monthly)),
            }
        )
    evidence["running_apps"] = priced
    if unpriced:
        return None, None
    return money(total), money(total * idle_share)


@check(
    "studio-no-idle-shutdown",
    ResourceKind.STUDIO_DOMAIN,
    statuses=("InService",),
    max_idle_minutes=480,
    target_idle_minutes=60,
    busy_hours_per_week=50,
)
def studio_no_idle_shutdown(
    resource: StudioDomain, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """A domain whose default idle shutdown for JupyterLab or Code Editor is not configured,
    DISABLED, or longer than ``max_idle_minutes`` (default 480: a working day); and each user
    profile whose own setting is.

    Rule: per app type, the domain's ``DefaultUserSettings.<App>AppSettings
    .AppLifecycleManagement.IdleSettings`` (one finding for the domain) and each user
    profile's ``UserSettings`` override (one finding per profile, named in the evidence; a
    profile tagged ``mlcost:skip=true`` is left alone). A profile with a good setting of its
    own is not covered by the domain's finding.

    Money: the apps of that type InService now under the setting (ListApps; a private
    space's apps run under its owner's settings), each at the catalogue's Studio-Notebook
    price x 730 h; saving = that x (1 - ``busy_hours_per_week``/168), the hours an app
    left open runs without use (assumed, as ``notebook-no-autostop`` does). No app running
    now: no figure (null, the reason in ``unpriced``), never $0. Fix: UpdateDomain / UpdateUserProfile setting
    ENABLED with ``target_idle_minutes`` (default 60) moved into the domain's and the
    profile's Min/MaxIdleTimeoutInMinutes; undo writes the old settings back.
    Source: docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-idle-shutdown.html.
    """
    if resource.status != "InService":
        return []
    max_minutes = int(settings["max_idle_minutes"])
    busy = Decimal(str(settings["busy_hours_per_week"]))
    idle_share = 1 - busy / HOURS_PER_WEEK
    findings: list[Finding] = []
    profiles = resource.user_profiles or []
    overridden: dict[str, set[str]] = {t: set() for t in IDLE_SHUTDOWN_APP_TYPES}
    for profile in profiles:
        for app_type in profile.idle_settings:
            overridden.setdefault(app_type, set()).add(profile.name)

    domain_problems = {
        t: why
        for t in IDLE_SHUTDOWN_APP_TYPES
        if (why := problem(resource.idle_settings.get(t), max_minutes))
    }
    if domain_problems:
        apps = [
            a
            for a in resource.running_apps or []
            if a.app_type in domain_problems and a.settings_profile not in overridden[a.app_type]
        ]
        findings.append(
            _finding(resource, None, domain_problems, apps, settings, idle_share, len(profiles))
        )
    for profile in profiles:
        if profile.tags.get(OPT_OUT_TAG, "").strip().lower() == "true":
            continue
        own = {t: why for t, s in profile.idle_settings.items() if (why := problem(s, max_minutes))}
        if own:
            apps = [
                a
                for a in resource.running_apps or []
                if a.app_type in own and a.settings_profile == profile.name
            ]
            findings.append(_finding(resource, profile, own, apps, settings, idle_share, 0))
    return findings


def _finding(
    domain: StudioDomain,
    profile: StudioUserProfile | None,
    problems: dict[str, str],
    apps: list[StudioRunningApp],
    settings: dict[str, Any],
    idle_share: Decimal,
    profiles_in_domain: int,
) -> Finding:
    wanted = int(settings["target_idle_minutes"])
    new: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] = {}
    for app_type in sorted(problems):
        domain_s = domain.idle_settings.get(app_type)
        own = profile.idle_settings.get(app_type) if profile else domain_s
        minutes = target_minutes(wanted, domain_s, own)
        new[app_type] = _new_settings(own, minutes)
        current[app_type] = {
            "problem": problems[app_type],
            "settings": None
            if own is None
            else {
                "LifecycleManagement": own.lifecycle_management,
                "IdleTimeoutInMinutes": own.idle_timeout_minutes,
                "MinIdleTimeoutInMinutes": own.min_idle_timeout_minutes,
                "MaxIdleTimeoutInMinutes": own.max_idle_timeout_minutes,
            },
        }
    evidence: dict[str, Any] = {
        "domain_id": domain.id,
        "domain_name": domain.name,
        "scope": f"user profile {profile.name}" if profile else "domain default",
        "idle_settings": current,
        "max_idle_minutes": int(settings["max_idle_minutes"]),
        "busy_share_basis": f"assumed: busy {settings['busy_hours_per_week']} of "
        f"{HOURS_PER_WEEK} hours a week (setting busy_hours_per_week)",
        "hours_per_month": int(HOURS_PER_MONTH),
        "signals_not_checked": [
            "space-level IdleTimeoutInMinutes users set within the range (their own choice)",
            "how long apps really stay open: AWS publishes no per-app metric",
        ],
    }
    if profile is None:
        evidence["user_profiles_in_domain"] = profiles_in_domain
    confidence = 0.7
    if domain.running_apps is None:
        cost = saving = None
        evidence["unpriced"] = "the domain's running apps could not be listed (ListApps)"
        confidence = 0.3
    else:
        cost, saving = _price_apps(apps, domain.region, idle_share, evidence)
        if not apps:  # a risk, not a bill yet: no figure rather than a $0 one
            cost = saving = None
            evidence.update(
                unpriced_evidence(
                    "no running app",
                    domain.region,
                    Usage.STUDIO_NOTEBOOK,
                    "no JupyterLab or Code Editor app runs under this setting now: the next "
                    "one left open will run until someone deletes it",
                )
            )
            confidence = 0.5
    params: dict[str, Any] = {"DomainId": domain.id}
    if profile is not None:
        params["UserProfileName"] = profile.name
    params["IdleSettings"] = new
    who = (
        f"user profile {profile.name} in domain {domain.name or domain.id}"
        if profile
        else (f"domain {domain.name or domain.id}")
    )
    finding = finding_for(
        "studio-no-idle-shutdown",
        domain,
        title=f"Studio {who}: " + "; ".join(f"{t} {w}" for t, w in sorted(problems.items())),
        evidence=evidence,
        cost=cost,
        saving=saving,
        fix=Fix("set-studio-idle-shutdown", params),
        risk=Risk.SAFE,
        confidence=confidence,
    )
    if profile is not None:  # one finding per profile: its own id, stable across scans
        finding = replace(
            finding,
            id=finding_id("studio-no-idle-shutdown", f"{domain.key}/user-profile/{profile.name}"),
        )
    return finding
