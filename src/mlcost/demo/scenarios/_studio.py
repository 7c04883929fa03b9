"""Studio domains for the scenario modules: a ``studio-domain`` resource spec carries the
domain's default idle settings, its user profiles and spaces; each app is a ``studio-app``
spec after it (named by the app's scan id), seeded in that order by
:func:`mlcost.demo.seed.seed_org`; and the mlcost agent's series of a space.

A domain spec is named by its id, moto's ``d-<DomainName>``; an app's resource id is
``<DomainId>/space/<SpaceName>/<AppType>/<AppName>`` as the scan names it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from mlcost.demo.org import ResourceSpec

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder


def idle_settings(minutes: int | None, state: str = "ENABLED") -> dict[str, Any]:
    """``AppLifecycleManagement`` of one app's settings."""
    idle: dict[str, Any] = {"LifecycleManagement": state}
    if minutes is not None:
        idle["IdleTimeoutInMinutes"] = minutes
    return {"AppLifecycleManagement": {"IdleSettings": idle}}


def domain(
    b: OrgBuilder,
    region: str,
    name: str,
    *,
    settings: dict[str, Any],
    tags: dict[str, str],
    age_days: float = 120,
) -> ResourceSpec:
    """A domain (``settings``: DefaultUserSettings without the role); returns its spec so
    profiles, spaces and apps can be added to it."""
    spec = ResourceSpec(
        "studio-domain",
        region,
        f"d-{name}",  # the domain id moto gives DomainName ``name`` (the id findings name)
        "",
        b.ago(age_days),
        tags=tags,
        state="InService",
        extra={"settings": settings, "profiles": [], "spaces": []},
    )
    b.resources.append(spec)
    return spec


def domain_id(spec: ResourceSpec) -> str:
    return spec.name


def profile(spec: ResourceSpec, name: str, settings: dict[str, Any] | None = None) -> None:
    spec.extra["profiles"].append({"name": name, "settings": settings or {}})


def space_app(
    b: OrgBuilder,
    spec: ResourceSpec,
    space: str,
    owner: str | None,
    *,
    app_type: str,
    itype: str,
    age_days: float,
    activity_days_ago: float | None = None,
    busy: np.ndarray | None = None,
) -> str:
    """A private space of ``owner`` (shared when None) with a 50 GiB volume and one app
    named ``default`` on ``itype``; ``activity_days_ago``: its LastUserActivityTimestamp
    lags the last health check (None: both are the health check's, as AWS reports an app
    nobody touches); ``busy``: the mlcost agent's hourly Busy in the space. Returns the
    app's resource id."""
    spec.extra["spaces"].append({"name": space, "owner": owner, "app_type": app_type})
    rid = f"{domain_id(spec)}/space/{space}/{app_type}/default"
    b.resources.append(
        ResourceSpec(
            "studio-app",
            spec.region,
            rid,  # the id the scan gives the app
            itype,
            b.ago(age_days),
            tags=spec.tags,
            state="InService",
            extra={
                "domain_id": domain_id(spec),
                "space": space,
                "app_type": app_type,
                "activity": b.ago(activity_days_ago) if activity_days_ago is not None else None,
                # AWS health-checks a running app every few minutes
                "health_check": b.now - timedelta(minutes=3),
            },
        )
    )
    if busy is not None:
        ts5 = b.ts[0] + np.arange(len(b.ts) * 12) * 300.0
        busy5 = np.repeat(busy, 12)
        last_busy = np.maximum.accumulate(np.where(busy5 > 0, ts5, ts5[0]))
        dims = {"DomainId": domain_id(spec), "SpaceName": space}
        for metric, values, unit in (
            ("Busy", busy5, "None"),
            ("IdleSeconds", ts5 - last_busy, "Seconds"),
        ):
            b.add_series(spec.region, "MLCost/Agent", metric, dims, values, unit=unit, ts=ts5)
    return rid
