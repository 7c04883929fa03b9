"""SageMaker Studio fixes: delete an idle app; turn on a domain's or user profile's idle
shutdown.

Deleting an app keeps the space and its EBS volume (the user's files); only the running
kernels' memory is lost. The snapshot is the app's description (type, name, owner,
ResourceSpec: image, instance type, lifecycle config) and tags, so undo creates the same app
again. Studio has no botocore waiters: the waits here are our own waiter models over
DescribeApp / DescribeDomain / DescribeUserProfile, with AWS's failure states.

The idle-shutdown fix writes the whole ``<App>AppSettings`` structure it read (images, code
repositories, lifecycle configs kept) with only ``AppLifecycleManagement.IdleSettings``
changed, because UpdateDomain / UpdateUserProfile take each app's settings as one value.
Undo writes the snapshotted structures back; where none was set, it writes
``LifecycleManagement: DISABLED`` (AWS has no call that unsets a setting; DISABLED stops
nothing, as "not set" did).
"""

from __future__ import annotations

import copy
from typing import Any

from botocore.exceptions import ClientError
from botocore.waiter import WaiterModel

from mlcost.fix.actions.base import LIST_TAGS, Action, PlanLines, Skip, exists, list_tags, user_tags
from mlcost.fix.context import Clients, FixContext, StepFailed
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found


def _waiter(name: str, operation: str, success: str, failures: tuple[str, ...]) -> dict:
    return {
        name: {
            "operation": operation,
            "delay": 15,
            "maxAttempts": 80,
            "acceptors": [
                {"state": "success", "matcher": "path", "argument": "Status", "expected": success},
                *(
                    {"state": "failure", "matcher": "path", "argument": "Status", "expected": f}
                    for f in failures
                ),
            ],
        }
    }


#: Apps go InService -> Deleting -> Deleted (and stay listed as Deleted); Pending -> InService.
STUDIO_WAITERS = WaiterModel(
    {
        "version": 2,
        "waiters": {
            **_waiter("AppDeleted", "DescribeApp", "Deleted", ("Failed",)),
            **_waiter("AppInService", "DescribeApp", "InService", ("Failed", "Deleted")),
            **_waiter(
                "DomainInService", "DescribeDomain", "InService", ("Update_Failed", "Failed")
            ),
            **_waiter(
                "UserProfileInService",
                "DescribeUserProfile",
                "InService",
                ("Update_Failed", "Failed"),
            ),
        },
    }
)

APP_KEYS = ("DomainId", "SpaceName", "UserProfileName", "AppType", "AppName")


def _app_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in APP_KEYS if params.get(k)}


def _app(ctx: FixContext, params: dict[str, Any]) -> dict[str, Any] | None:
    return exists(ctx, "sagemaker", "DescribeApp", **_app_params(params))


def _status(ctx: FixContext, params: dict[str, Any]) -> str | None:
    app = _app(ctx, params)
    return None if app is None else str(app.get("Status", ""))


class DeleteStudioApp(Action):
    name = "delete-studio-app"
    kind = ResourceKind.STUDIO_APP
    calls = LIST_TAGS | {
        ("sagemaker", "DescribeApp"),
        ("sagemaker", "DeleteApp"),
        ("sagemaker", "CreateApp"),
    }

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        owner = f"space {p['SpaceName']}" if p.get("SpaceName") else f"user {p['UserProfileName']}"
        return PlanLines(
            changes=[
                f"DeleteApp {p['AppType']} {p['AppName']} in {owner} of {p['DomainId']} "
                "(the space and its EBS volume are kept; unsaved kernel state is lost)",
                "wait until Deleted",
            ],
            snapshot=["app description (type, name, owner, ResourceSpec) and tags"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        params = _app_params(finding.fix.params)

        def take() -> dict[str, Any]:
            described = _app(ctx, params)
            if described is None:
                raise Skip("the app no longer exists")
            arn = described.get("AppArn", "")
            return {"app": described, "tags": list_tags(ctx, arn) if arn else []}

        snap = ctx.snapshot("app", take)
        status = snap["app"].get("Status")
        if status != "InService" and ctx.journal.last_call(ctx.fix_id, "delete-app") is None:
            raise Skip(f"app status is {status}, not InService")
        ctx.act(
            "delete-app",
            "sagemaker",
            "DeleteApp",
            params,
            applied=lambda: _status(ctx, params) in (None, "Deleting", "Deleted"),
        )
        ctx.wait(
            "sagemaker",
            "AppDeleted",
            f"deleting Studio app {params['AppName']}",
            model=STUDIO_WAITERS,
            **params,
        )
        return {
            "before": {"app": finding.resource_id, "status": status},
            "after": {"app": finding.resource_id, "status": _status(ctx, params)},
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        app = snap["app"]
        params = _app_params(app)
        step = "create-app"
        if ctx.journal.last_call(ctx.fix_id, step) is None and _status(ctx, params) in (
            "Pending",
            "InService",
        ):
            raise StepFailed(f"app {app['AppName']} runs again already; nothing to recreate")
        create = dict(params)
        if app.get("ResourceSpec"):
            create["ResourceSpec"] = app["ResourceSpec"]
        tags = user_tags(snap.get("tags", []))
        if tags:
            create["Tags"] = tags
        ctx.act(
            step,
            "sagemaker",
            "CreateApp",
            create,
            applied=lambda: _status(ctx, params) in ("Pending", "InService"),
        )
        ctx.wait(
            "sagemaker",
            "AppInService",
            f"creating Studio app {app['AppName']}",
            model=STUDIO_WAITERS,
            **params,
        )
        return {"app": fix["resource_id"], "status": _status(ctx, params)}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        try:
            app = clients("sagemaker", fix["region"]).describe_app(**_app_params(fix["params"]))
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        if app.get("Status") in ("Pending", "InService"):
            return f"app is {app['Status']} again (created {app.get('CreationTime')})"
        return None


# --------------------------------------------------------------------------- idle shutdown


def _settings_key(params: dict[str, Any]) -> str:
    return "UserSettings" if params.get("UserProfileName") else "DefaultUserSettings"


def _describe(ctx: FixContext, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("UserProfileName"):
        return ctx.read(
            "sagemaker",
            "DescribeUserProfile",
            DomainId=params["DomainId"],
            UserProfileName=params["UserProfileName"],
        )
    return ctx.read("sagemaker", "DescribeDomain", DomainId=params["DomainId"])


def _idle(described: dict[str, Any], key: str, app_type: str) -> dict[str, Any] | None:
    app_settings = (described.get(key) or {}).get(f"{app_type}AppSettings") or {}
    return (app_settings.get("AppLifecycleManagement") or {}).get("IdleSettings")


def _update(ctx: FixContext, step: str, params: dict[str, Any], body: dict[str, Any]) -> None:
    """UpdateDomain / UpdateUserProfile with ``body`` as the settings, then wait until the
    domain or profile is InService again."""
    key = _settings_key(params)
    target = {"DomainId": params["DomainId"]}
    if params.get("UserProfileName"):
        target["UserProfileName"] = params["UserProfileName"]
        operation, waiter = "UpdateUserProfile", "UserProfileInService"
    else:
        operation, waiter = "UpdateDomain", "DomainInService"

    def applied() -> bool:
        now = _describe(ctx, params)
        return all(
            _idle(now, key, t) == ((s.get("AppLifecycleManagement") or {}).get("IdleSettings"))
            for t, s in ((k.removesuffix("AppSettings"), v) for k, v in body.items())
        )

    ctx.act(step, "sagemaker", operation, {**target, key: body}, applied=applied)
    ctx.wait(
        "sagemaker",
        waiter,
        f"updating {operation.removeprefix('Update')} {params.get('UserProfileName') or params['DomainId']}",
        model=STUDIO_WAITERS,
        **target,
    )


class SetStudioIdleShutdown(Action):
    name = "set-studio-idle-shutdown"
    kind = ResourceKind.STUDIO_DOMAIN
    calls = frozenset(
        {
            ("sagemaker", "DescribeDomain"),
            ("sagemaker", "DescribeUserProfile"),
            ("sagemaker", "UpdateDomain"),
            ("sagemaker", "UpdateUserProfile"),
        }
    )

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        call = (
            f"UpdateUserProfile {p['UserProfileName']} in {p['DomainId']}"
            if p.get("UserProfileName")
            else f"UpdateDomain {p['DomainId']} DefaultUserSettings"
        )
        changes = [
            f"{call}: {t}AppSettings.AppLifecycleManagement.IdleSettings = {s}"
            for t, s in sorted(p["IdleSettings"].items())
        ]
        changes.append("the rest of each app's settings is written back as read")
        return PlanLines(
            changes=changes,
            snapshot=[
                "the domain's DefaultUserSettings or the profile's UserSettings per app type "
                "(undo writes them back; an unset IdleSettings comes back as DISABLED)"
            ],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        p = finding.fix.params
        key = _settings_key(p)

        def take() -> dict[str, Any]:
            described = _describe(ctx, p)
            status = described.get("Status")
            if status != "InService":
                raise Skip(f"status is {status}, not InService")
            settings = described.get(key) or {}
            return {
                "settings": {
                    f"{t}AppSettings": settings.get(f"{t}AppSettings") for t in p["IdleSettings"]
                }
            }

        snap = ctx.snapshot("settings", take)
        body: dict[str, Any] = {}
        for app_type, idle in p["IdleSettings"].items():
            app_settings = copy.deepcopy(snap["settings"].get(f"{app_type}AppSettings") or {})
            app_settings["AppLifecycleManagement"] = {"IdleSettings": dict(idle)}
            body[f"{app_type}AppSettings"] = app_settings
        _update(ctx, "set-idle-settings", p, body)
        after = _describe(ctx, p)
        return {
            "before": {
                t: _idle({key: snap["settings"]}, key, t) for t in sorted(p["IdleSettings"])
            },
            "after": {t: _idle(after, key, t) for t in sorted(p["IdleSettings"])},
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        p = fix["params"]
        key = _settings_key(p)
        body: dict[str, Any] = {}
        for app_type in p["IdleSettings"]:
            old = copy.deepcopy(snap["settings"].get(f"{app_type}AppSettings") or {})
            if not (old.get("AppLifecycleManagement") or {}).get("IdleSettings"):
                old["AppLifecycleManagement"] = {
                    "IdleSettings": {"LifecycleManagement": "DISABLED"}
                }
            body[f"{app_type}AppSettings"] = old
        _update(ctx, "restore-idle-settings", p, body)
        after = _describe(ctx, p)
        return {t: _idle(after, key, t) for t in sorted(p["IdleSettings"])}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        p = fix["params"]
        sm = clients("sagemaker", fix["region"])
        try:
            if p.get("UserProfileName"):
                described = sm.describe_user_profile(
                    DomainId=p["DomainId"], UserProfileName=p["UserProfileName"]
                )
            else:
                described = sm.describe_domain(DomainId=p["DomainId"])
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        key = _settings_key(p)
        for app_type, wanted in sorted(p["IdleSettings"].items()):
            now = _idle(described, key, app_type) or {}
            if (
                now.get("LifecycleManagement") != "ENABLED"
                or (now.get("IdleTimeoutInMinutes") or 0) > wanted["IdleTimeoutInMinutes"]
            ):
                return f"{app_type} idle shutdown is {now or 'not set'} again"
        return None
