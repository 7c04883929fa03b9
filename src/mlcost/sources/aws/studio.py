"""SageMaker Studio as resource kinds: domains (with their user profiles, spaces and running
apps) and apps, as :class:`~mlcost.sources.aws.descriptors.KindSpec` data.

Why two kinds and not four: a check judges one kind. ``studio-no-idle-shutdown`` judges a
domain's idle-shutdown defaults *and* the overrides its user profiles carry, and prices
them with the apps running under them, so a domain is read with its user profiles
(ListUserProfiles + DescribeUserProfile + ListTags), its spaces' owners (ListSpaces) and its
InService apps (ListApps) - each one paginated call per region, not one per domain.
``idle-studio-app`` judges apps: ListApps (``MaxResults`` 100) + DescribeApp, and the app's
space once (DescribeSpace, memoised) for the EBS volume that stays when the app goes.

AWS publishes no per-app CloudWatch metric. The only activity series an app has is the mlcost
agent's ``MLCost/Agent`` ``Busy`` / ``IdleSeconds`` with ``DomainId`` + ``SpaceName`` (or
``DomainId`` + ``UserProfileName``), found with ListMetrics (docs/CONTRACTS.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mlcost.model import (
    MetricLabel,
    Resource,
    ResourceKind,
    StudioApp,
    StudioDomain,
    StudioIdleSettings,
    StudioRunningApp,
    StudioUserProfile,
)
from mlcost.sources.aws.descriptors import (
    Describe,
    Dims,
    Enrichment,
    KindSpec,
    ListCall,
    RegionContext,
    SeriesSpec,
)
from mlcost.sources.aws.kinds import AGENT_METRICS, AGENT_NAMESPACE, register

#: The app types whose settings carry ``AppLifecycleManagement`` (built-in idle shutdown).
IDLE_SHUTDOWN_APP_TYPES = ("JupyterLab", "CodeEditor")
#: The synthetic id field an app listing item gets (ListApps has no id per app).
APP_ID_FIELD = "MlcostAppId"


def app_id(item: dict[str, Any]) -> str:
    """``<DomainId>/space/<SpaceName>/<AppType>/<AppName>`` (or ``/user/<UserProfileName>/``)."""
    owner = (
        f"space/{item['SpaceName']}"
        if item.get("SpaceName")
        else f"user/{item.get('UserProfileName', '')}"
    )
    return f"{item['DomainId']}/{owner}/{item['AppType']}/{item['AppName']}"


def parse_app_id(resource_id: str) -> dict[str, str]:
    """DescribeApp / DeleteApp / CreateApp parameters from an app's id."""
    domain, owner_kind, owner, app_type, app_name = resource_id.split("/", 4)
    owner_key = "SpaceName" if owner_kind == "space" else "UserProfileName"
    return {"DomainId": domain, owner_key: owner, "AppType": app_type, "AppName": app_name}


def idle_settings(app_settings: dict[str, Any] | None, app_type: str) -> StudioIdleSettings | None:
    """``<App>AppSettings.AppLifecycleManagement.IdleSettings``; None when not set at all."""
    lifecycle = (app_settings or {}).get("AppLifecycleManagement") or {}
    idle = lifecycle.get("IdleSettings")
    if not idle:
        return None
    return StudioIdleSettings(
        app_type=app_type,
        lifecycle_management=idle.get("LifecycleManagement"),
        idle_timeout_minutes=idle.get("IdleTimeoutInMinutes"),
        min_idle_timeout_minutes=idle.get("MinIdleTimeoutInMinutes"),
        max_idle_timeout_minutes=idle.get("MaxIdleTimeoutInMinutes"),
    )


def _settings_by_type(user_settings: dict[str, Any] | None) -> dict[str, StudioIdleSettings]:
    out: dict[str, StudioIdleSettings] = {}
    for app_type in IDLE_SHUTDOWN_APP_TYPES:
        found = idle_settings((user_settings or {}).get(f"{app_type}AppSettings"), app_type)
        if found is not None:
            out[app_type] = found
    return out


# --------------------------------------------------------------------------- domains


def build_domain(ctx: RegionContext, item: dict[str, Any]) -> StudioDomain:
    return StudioDomain(
        kind=ResourceKind.STUDIO_DOMAIN,
        id=item["DomainId"],
        arn=item.get("DomainArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        status=item.get("Status", ""),
        name=item.get("DomainName", ""),
        idle_settings=_settings_by_type(item.get("DefaultUserSettings")),
    )


def _pages(client: Any, op: str, key: str, **params: Any) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator(op).paginate(**params, PaginationConfig={"PageSize": 100}):
        yield from page.get(key, [])


def _profile(client: Any, summary: dict[str, Any]) -> StudioUserProfile:
    described = client.describe_user_profile(
        DomainId=summary["DomainId"], UserProfileName=summary["UserProfileName"]
    )
    arn = described.get("UserProfileArn", "")
    tags: dict[str, str] = {}
    if arn:
        for page in client.get_paginator("list_tags").paginate(ResourceArn=arn):
            tags.update({t["Key"]: t.get("Value", "") for t in page.get("Tags", [])})
    return StudioUserProfile(
        name=summary["UserProfileName"],
        arn=arn,
        tags=tags,
        idle_settings=_settings_by_type(described.get("UserSettings")),
    )


def attach_studio_details(ctx: RegionContext, resources: list[Resource]) -> None:
    """Each domain's user profiles (with their own idle settings and tags) and InService
    apps (with the profile whose settings they run under).

    One paginated ListUserProfiles, ListSpaces and ListApps per region; DescribeUserProfile
    and ListTags per profile, a few at a time. A failed read leaves that part ``None``
    (unknown) on every domain and is recorded."""
    domains = {d.id: d for d in resources if isinstance(d, StudioDomain)}
    client = ctx.client("sagemaker")
    # one domain (a re-check of one finding): list only its profiles, spaces and apps
    only = {"DomainIdEquals": next(iter(domains))} if len(domains) == 1 else {}
    try:
        summaries = [
            p
            for p in _pages(client, "list_user_profiles", "UserProfiles", **only)
            if p.get("DomainId") in domains
        ]
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="mlcost-studio") as pool:
            profiles = list(pool.map(lambda s: (s["DomainId"], _profile(client, s)), summaries))
        for domain in domains.values():
            domain.user_profiles = []
        for domain_id, profile in profiles:
            domains[domain_id].user_profiles.append(profile)  # type: ignore[union-attr]
    except Exception as exc:
        ctx.error("sagemaker", "ListUserProfiles/DescribeUserProfile", exc)
        for domain in domains.values():
            domain.user_profiles = None
    try:
        owners = {
            (s["DomainId"], s["SpaceName"]): (s.get("OwnershipSettingsSummary") or {}).get(
                "OwnerUserProfileName"
            )
            for s in _pages(client, "list_spaces", "Spaces", **only)
        }
        apps = [
            a for a in _pages(client, "list_apps", "Apps", **only) if a.get("Status") == "InService"
        ]
    except Exception as exc:
        ctx.error("sagemaker", "ListSpaces/ListApps", exc)
        return
    for domain in domains.values():
        domain.running_apps = []
    for app in apps:
        domain = domains.get(app.get("DomainId", ""))
        if domain is None:
            continue
        space, user = app.get("SpaceName"), app.get("UserProfileName")
        domain.running_apps.append(  # type: ignore[union-attr]
            StudioRunningApp(
                app_type=app["AppType"],
                app_name=app["AppName"],
                owner=f"space/{space}" if space else f"user/{user}",
                instance_type=(app.get("ResourceSpec") or {}).get("InstanceType", ""),
                settings_profile=owners.get((domain.id, space)) if space else user,
            )
        )


# --------------------------------------------------------------------------- apps


def _app_items(page: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for item in page.get("Apps", []):
        yield {**item, APP_ID_FIELD: app_id(item)}


def _app_targets(ids: Sequence[str]) -> dict[str, Any]:
    """ListApps narrowed to one domain and owner when one app is named (a re-check)."""
    if len(ids) != 1 or ids[0].count("/") < 4:
        return {}
    params = parse_app_id(ids[0])
    out = {"DomainIdEquals": params["DomainId"]}
    if "SpaceName" in params:
        out["SpaceNameEquals"] = params["SpaceName"]
    else:
        out["UserProfileNameEquals"] = params["UserProfileName"]
    return out


def build_app(ctx: RegionContext, item: dict[str, Any]) -> StudioApp:
    spec = item.get("ResourceSpec") or {}
    app_type, space = item["AppType"], item.get("SpaceName")
    ebs: int | None = None
    space_timeout: int | None = None
    if space:
        try:
            described = ctx.lookup(
                "sagemaker", "describe_space", DomainId=item["DomainId"], SpaceName=space
            )
            settings = described.get("SpaceSettings") or {}
            ebs = (
                (settings.get("SpaceStorageSettings") or {}).get("EbsStorageSettings") or {}
            ).get("EbsVolumeSizeInGb")
            idle = (
                (settings.get(f"{app_type}AppSettings") or {}).get("AppLifecycleManagement") or {}
            ).get("IdleSettings") or {}
            space_timeout = idle.get("IdleTimeoutInMinutes")
        except Exception:  # recorded by lookup; the space's details stay unknown
            pass
    return StudioApp(
        kind=ResourceKind.STUDIO_APP,
        id=item.get(APP_ID_FIELD) or app_id(item),
        arn=item.get("AppArn", ""),
        region=ctx.region,
        created=item.get("CreationTime"),
        domain_id=item["DomainId"],
        app_type=app_type,
        app_name=item["AppName"],
        status=item.get("Status", ""),
        space_name=space,
        user_profile_name=item.get("UserProfileName"),
        instance_type=spec.get("InstanceType", ""),
        resource_spec=dict(spec),
        last_user_activity=item.get("LastUserActivityTimestamp"),
        last_health_check=item.get("LastHealthCheckTimestamp"),
        space_ebs_gib=ebs,
        space_idle_timeout_minutes=space_timeout,
    )


def _owner_dimension(r: Resource) -> tuple[str, str]:
    """The agent's dimension in a Studio space (or for an app a user profile owns)."""
    assert isinstance(r, StudioApp)
    if r.space_name:
        return ("SpaceName", r.space_name)
    return ("UserProfileName", r.user_profile_name or "")


def _same_domain(r: Resource, dims: Dims) -> bool:
    assert isinstance(r, StudioApp)
    return dict(dims).get("DomainId") == r.domain_id


def _app_unreadable(r: Resource) -> list[Dims]:
    assert isinstance(r, StudioApp)
    return [(("DomainId", r.domain_id), _owner_dimension(r))]


APP_SERIES: tuple[SeriesSpec, ...] = tuple(
    SeriesSpec(
        label,
        AGENT_NAMESPACE,
        (metric,),
        "Maximum",
        listed_by=_owner_dimension,
        keep_listed=_same_domain,
        unreadable=_app_unreadable,
    )
    for metric, label in AGENT_METRICS.items()
    if label is not MetricLabel.AGENT_GPU_UTILIZATION
)


register(
    KindSpec(
        kind=ResourceKind.STUDIO_DOMAIN,
        service="sagemaker",
        id_field="DomainId",
        arn_field="DomainArn",
        status_field="Status",
        listing=ListCall("list_domains", "Domains", targets=lambda _ids: {}),
        describe=Describe("describe_domain", ("DomainId",)),
        enrich=(
            Enrichment(
                "sagemaker",
                (
                    "list_user_profiles",
                    "describe_user_profile",
                    "list_tags",
                    "list_spaces",
                    "list_apps",
                ),
                attach_studio_details,
            ),
        ),
        build=build_domain,
        model=StudioDomain,
    )
)
register(
    KindSpec(
        kind=ResourceKind.STUDIO_APP,
        service="sagemaker",
        id_field=APP_ID_FIELD,
        arn_field="AppArn",
        status_field="Status",
        listing=ListCall("list_apps", "Apps", items=_app_items, targets=_app_targets),
        describe=Describe(
            "describe_app",
            ("DomainId", "AppType", "AppName"),
            optional=("SpaceName", "UserProfileName"),
        ),
        lookups=("describe_space",),
        series=APP_SERIES,
        build=build_app,
        model=StudioApp,
    )
)
