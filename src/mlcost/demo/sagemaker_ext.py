"""SageMaker where moto 5.2.5 is missing calls or differs from AWS (see /work/shared/MOTO.md).

Everything here is installed on moto's classes, so it holds in ``mock_aws`` and in
``ThreadedMotoServer`` alike. Shapes follow botocore's SageMaker service model; the state
rules follow AWS's documented behaviour (e.g. ``UpdateNotebookInstance`` only on a
``Stopped`` instance).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

import botocore.session
from moto.applicationautoscaling.models import (
    ApplicationAutoscalingBackend,
    applicationautoscaling_backends,
)
from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker import models as sm_models
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse


@cache
def _model() -> Any:
    return botocore.session.get_session().get_service_model("sagemaker")


@cache
def _enum(shape_path: tuple[str, ...]) -> frozenset[str]:
    """An enum from the service model, e.g. ('ProductionVariant', 'InstanceType')."""
    shape = _model().shape_for(shape_path[0])
    for member in shape_path[1:]:
        shape = shape.members[member]
    return frozenset(shape.enum)


def _check_enum(value: str, allowed: frozenset[str], attribute: str) -> None:
    if value not in allowed:
        raise ValidationError(
            message=f"Value '{value}' at '{attribute}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: {sorted(allowed)}"
        )


def _now() -> datetime:
    """Naive UTC, like moto's own timestamps (mixing the two breaks moto's comparisons)."""
    return datetime.now(UTC).replace(tzinfo=None)


# ----------------------------------------------------------------- instance-type lists


def _endpoint_config_instance_type(self: Any, instance_type: str) -> None:
    _check_enum(instance_type, _enum(("ProductionVariant", "InstanceType")), "instanceType")


def _notebook_instance_type(self: Any, instance_type: str) -> None:
    _check_enum(
        instance_type, _enum(("CreateNotebookInstanceInput", "InstanceType")), "instanceType"
    )


# ----------------------------------------------------------------- AWS behaviour fixes


def _get_resource_from_arn(self: Any, arn: str) -> Any:
    """moto returns None for a deleted resource and then fails with a 500; AWS says 400.
    Studio ARNs (user profiles, spaces and apps have several path parts) are ours."""
    studio = _studio_resource(self, arn)
    if studio is not None:
        return studio
    if ":inference-component/" in arn:
        item = _components(self).get(arn.rsplit("/", 1)[-1])
        if item is None:
            raise ValidationError(message=f"Could not find resource with ARN {arn}")
        return _TaggedItem(item)
    resource = _ORIGINALS["_get_resource_from_arn"](self, arn)
    if resource is None:
        raise ValidationError(message=f"Could not find resource with ARN {arn}")
    return resource


def _add_tags(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    """AWS replaces the value of a key that is already there; moto appended a duplicate."""
    resource = self._get_resource_from_arn(arn)
    new = {t["Key"]: t["Value"] for t in tags}
    resource.tags = [t for t in resource.tags if t["Key"] not in new] + [
        {"Key": k, "Value": v} for k, v in new.items()
    ]
    return resource.tags


def _drop_scaling(aas: Any, resource_ids: set[str], dimension: str | None = None) -> None:
    """Delete the SageMaker scalable targets of these resources with their policies and
    scheduled actions (what AWS does on DeregisterScalableTarget and DeleteEndpoint)."""

    def hit(item: Any) -> bool:
        return (
            item.service_namespace == "sagemaker"
            and item.resource_id in resource_ids
            and dimension in (None, item.scalable_dimension)
        )

    for key, policy in list(aas.policies.items()):
        if hit(policy):
            policy.delete_alarms(aas.account_id, aas.region_name)
            del aas.policies[key]
    aas.scheduled_actions = [a for a in aas.scheduled_actions if not hit(a)]
    for dim, targets in aas.targets.items():
        if dimension in (None, dim):
            for resource_id in [r for r in targets if r in resource_ids]:
                del targets[resource_id]


def _delete_endpoint(self: Any, endpoint_name: str) -> None:
    """AWS deregisters the variants' auto scaling targets and policies with the endpoint."""
    _ORIGINALS["delete_endpoint"](self, endpoint_name)
    aas = applicationautoscaling_backends[self.account_id][self.region_name]
    prefix = f"endpoint/{endpoint_name}/variant/"
    _drop_scaling(
        aas,
        {r for t in aas.targets.values() for r in t if r.startswith(prefix)}
        | {p.resource_id for p in aas.policies.values() if p.resource_id.startswith(prefix)},
    )


def _deregister_scalable_target(self: Any, namespace: str, r_id: str, dimension: str) -> None:
    """AWS deletes the target's scaling policies and scheduled actions with it; moto keeps
    them (and a later RegisterScalableTarget would find them still attached)."""
    _ORIGINALS["deregister_scalable_target"](self, namespace, r_id, dimension)
    if namespace == "sagemaker":
        _drop_scaling(self, {r_id}, dimension)


def _scaled_variant_changes(backend: Any, endpoint: Any, config: Any) -> list[str]:
    """Variants under a scalable target whose instance type the new config changes or that
    it removes: AWS refuses such an UpdateEndpoint until the target is deregistered."""
    aas = applicationautoscaling_backends[backend.account_id][backend.region_name]
    registered = {r for targets in aas.targets.values() for r in targets}
    old = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    new = {v["VariantName"]: v for v in config.production_variants}
    return [
        v["VariantName"]
        for v in (old.production_variants if old else [])
        if f"endpoint/{endpoint.endpoint_name}/variant/{v['VariantName']}" in registered
        and (
            v["VariantName"] not in new
            or new[v["VariantName"]].get("InstanceType") != v.get("InstanceType")
        )
    ]


def _training_job_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """DescribeTrainingJob carries TrainingTimeInSeconds / BillableTimeInSeconds on AWS."""
    _ORIGINALS["training_init"](self, *args, **kwargs)
    self.enable_managed_spot_training = bool(self.enable_managed_spot_training)
    self.training_time_in_seconds = 0
    self.billable_time_in_seconds = 0


def _create_processing_job(self: SageMakerResponse) -> ActionResult:
    """moto drops ProcessingResources (the instance type and count) and the start time."""
    result = _ORIGINALS["create_processing_job"](self)
    job = self.sagemaker_backend.processing_jobs[self._get_param("ProcessingJobName")]
    job.processing_resources = self._get_param("ProcessingResources")
    job.processing_start_time = job.creation_time
    return result


# ----------------------------------------------------------------- missing calls


def _update_endpoint(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    name = self._get_param("EndpointName")
    config_name = self._get_param("EndpointConfigName")
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        arn = sm_models.FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)
        raise ValidationError(message=f"Could not find endpoint '{arn}'.")
    if endpoint.endpoint_status != "InService":
        raise ValidationError(
            message=f"Cannot update in-progress endpoint '{endpoint.arn}'."
            if endpoint.endpoint_status in ("Creating", "Updating", "SystemUpdating")
            else f"Cannot update endpoint '{endpoint.arn}' in status {endpoint.endpoint_status}."
        )
    config = backend.endpoint_configs.get(config_name)
    if config is None:
        arn = sm_models.FakeEndpointConfig.arn_formatter(
            config_name, backend.account_id, backend.region_name
        )
        raise ValidationError(message=f"Could not find endpoint configuration '{arn}'.")
    scaled = _scaled_variant_changes(backend, endpoint, config)
    if scaled:
        raise ValidationError(
            message=f"Cannot update endpoint '{endpoint.arn}': variant(s) {', '.join(scaled)} "
            "are registered with Application Auto Scaling; deregister the scalable target "
            "before changing the instance type or removing the variant."
        )
    endpoint.endpoint_config_name = config_name
    endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
    endpoint.data_capture_config = config.data_capture_config
    endpoint.last_modified_time = _now()
    # AWS: InService -> Updating -> InService; moto's transitions are instant.
    endpoint.endpoint_status = "InService"
    return ActionResult({"EndpointArn": endpoint.arn})


def _update_notebook_instance(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    nb = backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    if nb.status != "Stopped":
        raise ValidationError(
            message=f"Status ({nb.status}) not in ([Stopped]). Unable to transition to "
            f"(Updating) for Notebook Instance ({nb.arn})"
        )
    instance_type = self._get_param("InstanceType")
    if instance_type:
        _notebook_instance_type(nb, instance_type)
        nb.instance_type = instance_type
    lcc = self._get_param("LifecycleConfigName")
    disassociate = self._get_param("DisassociateLifecycleConfig")
    if lcc and disassociate:
        raise ValidationError(
            message="LifecycleConfigName and DisassociateLifecycleConfig cannot both be set."
        )
    if lcc:
        if lcc not in backend.notebook_instance_lifecycle_configurations:
            raise ValidationError(
                message=f"Unable to update Notebook Instance: Notebook Instance Lifecycle "
                f"Config '{lcc}' does not exist."
            )
        nb.lifecycle_config_name = lcc
    if disassociate:
        nb.lifecycle_config_name = None
    for param, attr in (
        ("VolumeSizeInGB", "volume_size_in_gb"),
        ("RoleArn", "role_arn"),
        ("RootAccess", "root_access"),
        ("AcceleratorTypes", "accelerator_types"),
        ("DefaultCodeRepository", "default_code_repository"),
        ("AdditionalCodeRepositories", "additional_code_repositories"),
    ):
        value = self._get_param(param)
        if value is not None:
            setattr(nb, attr, value)
    nb.last_modified_time = _now()
    return EmptyResult()


def _list_notebook_instance_lifecycle_configs(self: SageMakerResponse) -> ActionResult:
    configs = list(self.sagemaker_backend.notebook_instance_lifecycle_configurations.values())
    name_contains = self._get_param("NameContains")
    if name_contains:
        configs = [c for c in configs if name_contains in c.notebook_instance_lifecycle_config_name]
    for param, attr, after in (
        ("CreationTimeBefore", "creation_time", False),
        ("CreationTimeAfter", "creation_time", True),
        ("LastModifiedTimeBefore", "last_modified_time", False),
        ("LastModifiedTimeAfter", "last_modified_time", True),
    ):
        bound = self._get_param(param)
        if bound is not None:
            bound = _aware(bound)
            configs = [c for c in configs if (_aware(getattr(c, attr)) > bound) == after]
    sort_by = self._get_param("SortBy") or "CreationTime"
    key = {
        "Name": lambda c: c.notebook_instance_lifecycle_config_name,
        "CreationTime": lambda c: _aware(c.creation_time),
        "LastModifiedTime": lambda c: _aware(c.last_modified_time),
    }[sort_by]
    configs.sort(key=key, reverse=(self._get_param("SortOrder") or "Ascending") == "Descending")
    page, token = _page(configs, self._get_param("NextToken"), self._get_param("MaxResults"))
    body: dict[str, Any] = {
        "NotebookInstanceLifecycleConfigs": [
            {
                "NotebookInstanceLifecycleConfigName": c.notebook_instance_lifecycle_config_name,
                "NotebookInstanceLifecycleConfigArn": c.arn,
                "CreationTime": c.creation_time,
                "LastModifiedTime": c.last_modified_time,
            }
            for c in page
        ]
    }
    if token:
        body["NextToken"] = token
    return ActionResult(body)


# ----------------------------------------------------------------- lifecycle script limits

#: AWS's limit on a lifecycle script's ``Content`` (NotebookInstanceLifecycleHook, and
#: StudioLifecycleConfigContent): the BASE64 text, not the script, may be 16,384 characters.
LIFECYCLE_CONTENT_MAX = 16384


def _check_content_length(value: Any, attribute: str) -> None:
    """AWS's request validation for a too-long ``Content`` (moto accepts any length)."""
    if isinstance(value, str) and len(value) > LIFECYCLE_CONTENT_MAX:
        raise ValidationError(
            message=f"1 validation error detected: Value '{value}' at '{attribute}' failed to "
            f"satisfy constraint: Member must have length less than or equal to "
            f"{LIFECYCLE_CONTENT_MAX}"
        )


def _check_hooks(self: SageMakerResponse) -> None:
    for param in ("OnCreate", "OnStart"):
        for i, hook in enumerate(self._get_param(param) or [], 1):
            where = f"{param[0].lower()}{param[1:]}.{i}.member.content"
            _check_content_length((hook or {}).get("Content"), where)


def _create_notebook_instance_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    _check_hooks(self)
    return _ORIGINALS["create_notebook_instance_lifecycle_config"](self)


def _update_notebook_instance_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    _check_hooks(self)
    name = self._get_param("NotebookInstanceLifecycleConfigName")
    config = self.sagemaker_backend.notebook_instance_lifecycle_configurations.get(name)
    if config is None:
        raise ValidationError(
            message=f"Unable to describe Notebook Instance Lifecycle Config '{name}'. "
            "(Details: Notebook Instance Lifecycle Config does not exist.)"
        )
    if self._get_param("OnCreate") is not None:
        config.on_create = self._get_param("OnCreate")
    if self._get_param("OnStart") is not None:
        config.on_start = self._get_param("OnStart")
    config.last_modified_time = _now()
    return EmptyResult()


# ----------------------------------------------------------------- Studio


def _studio_lccs(backend: Any) -> dict[str, dict[str, Any]]:
    return backend.__dict__.setdefault("_mlcost_studio_lccs", {})


def _create_studio_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    """moto 5.2.5 has no Studio lifecycle configs; AWS's limits and shapes."""
    name = self._get_param("StudioLifecycleConfigName")
    content = self._get_param("StudioLifecycleConfigContent")
    app_type = self._get_param("StudioLifecycleConfigAppType")
    _check_content_length(content, "studioLifecycleConfigContent")
    _check_enum(
        app_type,
        _enum(("CreateStudioLifecycleConfigRequest", "StudioLifecycleConfigAppType")),
        "studioLifecycleConfigAppType",
    )
    configs = _studio_lccs(self.sagemaker_backend)
    if name in configs:
        raise ResourceInUseException(message=f"Studio Lifecycle Config {name} already exists.")
    arn = _arn(self.sagemaker_backend, "studio-lifecycle-config", name)
    now = _now()
    configs[name] = {
        "StudioLifecycleConfigArn": arn,
        "StudioLifecycleConfigName": name,
        "StudioLifecycleConfigContent": content,
        "StudioLifecycleConfigAppType": app_type,
        "CreationTime": now,
        "LastModifiedTime": now,
    }
    return ActionResult({"StudioLifecycleConfigArn": arn})


def _describe_studio_lifecycle_config(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("StudioLifecycleConfigName")
    config = _studio_lccs(self.sagemaker_backend).get(name)
    if config is None:
        raise ResourceNotFound(message=f"Studio Lifecycle Config {name} does not exist.")
    return ActionResult(config)


def _studio(backend: Any) -> dict[str, dict[tuple, dict[str, Any]]]:
    return backend.__dict__.setdefault(
        "_mlcost_studio", {"apps": {}, "spaces": {}, "user_profiles": {}}
    )


def _require_domain(backend: Any, domain_id: str) -> None:
    if domain_id not in backend.domains:
        raise ResourceNotFound(message=f"Domain {domain_id} does not exist.")


def _arn(backend: Any, kind: str, *parts: str) -> str:
    return f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:{kind}/" + "/".join(
        p.lower() if i == 0 else p for i, p in enumerate(parts)
    )


def _create_user_profile(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    domain_id, name = self._get_param("DomainId"), self._get_param("UserProfileName")
    _require_domain(backend, domain_id)
    profiles = _studio(backend)["user_profiles"]
    if (domain_id, name) in profiles:
        raise ResourceInUseException(message=f"User profile {name} already exists.")
    now = _now()
    arn = _arn(backend, "user-profile", domain_id, name)
    profiles[(domain_id, name)] = {
        "DomainId": domain_id,
        "UserProfileArn": arn,
        "UserProfileName": name,
        "Status": "InService",
        "CreationTime": now,
        "LastModifiedTime": now,
        "UserSettings": self._get_param("UserSettings") or {},
        "Tags": self._get_param("Tags") or [],
    }
    return ActionResult({"UserProfileArn": arn})


def _describe_user_profile(self: SageMakerResponse) -> ActionResult:
    key = (self._get_param("DomainId"), self._get_param("UserProfileName"))
    profile = _studio(self.sagemaker_backend)["user_profiles"].get(key)
    if profile is None:
        raise ResourceNotFound(message=f"User profile {key[1]} does not exist.")
    return ActionResult({k: v for k, v in profile.items() if k != "Tags"})


def _list_user_profiles(self: SageMakerResponse) -> ActionResult:
    items = list(_studio(self.sagemaker_backend)["user_profiles"].values())
    if self._get_param("DomainIdEquals"):
        items = [p for p in items if p["DomainId"] == self._get_param("DomainIdEquals")]
    if self._get_param("UserProfileNameContains"):
        items = [
            p for p in items if self._get_param("UserProfileNameContains") in p["UserProfileName"]
        ]
    return _list_response(
        self,
        items,
        "UserProfiles",
        "UserProfileName",
        ["DomainId", "UserProfileName", "Status", "CreationTime", "LastModifiedTime"],
    )


def _create_space(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    domain_id, name = self._get_param("DomainId"), self._get_param("SpaceName")
    _require_domain(backend, domain_id)
    spaces = _studio(backend)["spaces"]
    if (domain_id, name) in spaces:
        raise ResourceInUseException(message=f"Space {name} already exists.")
    now = _now()
    arn = _arn(backend, "space", domain_id, name)
    settings = self._get_param("SpaceSettings") or {}
    ownership = self._get_param("OwnershipSettings")
    sharing = self._get_param("SpaceSharingSettings")
    space: dict[str, Any] = {
        "DomainId": domain_id,
        "SpaceArn": arn,
        "SpaceName": name,
        "Status": "InService",
        "CreationTime": now,
        "LastModifiedTime": now,
        "SpaceSettings": settings,
        "Url": f"https://{domain_id}.studio.{backend.region_name}.sagemaker.aws/jupyterlab/default",
    }
    if ownership:
        space["OwnershipSettings"] = ownership
    if sharing:
        space["SpaceSharingSettings"] = sharing
    if self._get_param("SpaceDisplayName"):
        space["SpaceDisplayName"] = self._get_param("SpaceDisplayName")
    spaces[(domain_id, name)] = space
    _space_tags(backend)[arn] = self._get_param("Tags") or []
    return ActionResult({"SpaceArn": arn})


def _space_tags(backend: Any) -> dict[str, list[dict[str, str]]]:
    return backend.__dict__.setdefault("_mlcost_space_tags", {})


def _describe_space(self: SageMakerResponse) -> ActionResult:
    key = (self._get_param("DomainId"), self._get_param("SpaceName"))
    space = _studio(self.sagemaker_backend)["spaces"].get(key)
    if space is None:
        raise ResourceNotFound(message=f"Space {key[1]} does not exist.")
    return ActionResult(space)


def _list_spaces(self: SageMakerResponse) -> ActionResult:
    items = list(_studio(self.sagemaker_backend)["spaces"].values())
    if self._get_param("DomainIdEquals"):
        items = [s for s in items if s["DomainId"] == self._get_param("DomainIdEquals")]
    if self._get_param("SpaceNameContains"):
        items = [s for s in items if self._get_param("SpaceNameContains") in s["SpaceName"]]
    summaries = []
    for s in items:
        summary = {
            k: s[k] for k in ("DomainId", "SpaceName", "Status", "CreationTime", "LastModifiedTime")
        }
        app_type = s["SpaceSettings"].get("AppType")
        if app_type:
            summary["SpaceSettingsSummary"] = {"AppType": app_type}
        if "OwnershipSettings" in s:
            summary["OwnershipSettingsSummary"] = s["OwnershipSettings"]
        if "SpaceSharingSettings" in s:
            summary["SpaceSharingSettingsSummary"] = s["SpaceSharingSettings"]
        summaries.append(summary)
    return _list_response(self, summaries, "Spaces", "SpaceName", None)


def _create_app(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    domain_id = self._get_param("DomainId")
    _require_domain(backend, domain_id)
    user, space = self._get_param("UserProfileName"), self._get_param("SpaceName")
    if bool(user) == bool(space):
        raise ValidationError(message="Exactly one of UserProfileName or SpaceName must be set.")
    app_type, app_name = self._get_param("AppType"), self._get_param("AppName")
    _check_enum(app_type, _enum(("CreateAppRequest", "AppType")), "appType")
    owner = user or space
    studio = _studio(backend)
    if space and (domain_id, space) not in studio["spaces"]:
        raise ResourceNotFound(message=f"Space {space} does not exist.")
    if user and (domain_id, user) not in studio["user_profiles"]:
        raise ResourceNotFound(message=f"User profile {user} does not exist.")
    key = (domain_id, owner, app_type, app_name)
    existing = studio["apps"].get(key)
    if existing and existing["Status"] not in ("Deleted", "Failed"):
        raise ResourceInUseException(message=f"App {app_name} already exists.")
    arn = _arn(backend, "app", domain_id, owner, app_type.lower(), app_name)
    now = _now()
    app: dict[str, Any] = {
        "AppArn": arn,
        "AppType": app_type,
        "AppName": app_name,
        "DomainId": domain_id,
        "Status": "InService",  # AWS: Pending -> InService; moto's transitions are instant
        "CreationTime": now,
        "LastHealthCheckTimestamp": now,
        "LastUserActivityTimestamp": now,
        "ResourceSpec": self._get_param("ResourceSpec") or {"InstanceType": "system"},
        "Tags": self._get_param("Tags") or [],
    }
    app["SpaceName" if space else "UserProfileName"] = owner
    studio["apps"][key] = app
    return ActionResult({"AppArn": arn})


def _find_app(self: SageMakerResponse) -> dict[str, Any]:
    owner = self._get_param("UserProfileName") or self._get_param("SpaceName")
    key = (
        self._get_param("DomainId"),
        owner,
        self._get_param("AppType"),
        self._get_param("AppName"),
    )
    app = _studio(self.sagemaker_backend)["apps"].get(key)
    if app is None:
        raise ResourceNotFound(message=f"App {key[3]} of type {key[2]} does not exist.")
    return app


def _describe_app(self: SageMakerResponse) -> ActionResult:
    return ActionResult({k: v for k, v in _find_app(self).items() if k != "Tags"})


def _delete_app(self: SageMakerResponse) -> ActionResult:
    app = _find_app(self)
    if app["Status"] == "Deleted":
        raise ValidationError(message=f"App {app['AppName']} has already been deleted.")
    # AWS: InService -> Deleting -> Deleted, and the app stays listed as Deleted.
    app["Status"] = "Deleted"
    return EmptyResult()


def _list_apps(self: SageMakerResponse) -> ActionResult:
    items = list(_studio(self.sagemaker_backend)["apps"].values())
    for param, field_name in (
        ("DomainIdEquals", "DomainId"),
        ("UserProfileNameEquals", "UserProfileName"),
        ("SpaceNameEquals", "SpaceName"),
    ):
        if self._get_param(param):
            items = [a for a in items if a.get(field_name) == self._get_param(param)]
    fields = [
        "DomainId",
        "UserProfileName",
        "SpaceName",
        "AppType",
        "AppName",
        "Status",
        "CreationTime",
        "ResourceSpec",
    ]
    return _list_response(self, items, "Apps", None, fields)


def _list_response(
    self: SageMakerResponse,
    items: list[dict[str, Any]],
    list_key: str,
    name_field: str | None,
    fields: list[str] | None,
) -> ActionResult:
    sort_by = self._get_param("SortBy") or "CreationTime"
    if sort_by == "CreationTime" or name_field is None:
        items.sort(key=lambda i: _aware(i["CreationTime"]))
    elif sort_by == "LastModifiedTime":
        items.sort(key=lambda i: _aware(i["LastModifiedTime"]))
    else:
        items.sort(key=lambda i: i[name_field])
    if (self._get_param("SortOrder") or "Descending") == "Descending":
        items.reverse()
    page, token = _page(items, self._get_param("NextToken"), self._get_param("MaxResults"))
    if fields:
        page = [{k: i[k] for k in fields if k in i} for i in page]
    body: dict[str, Any] = {list_key: page}
    if token:
        body["NextToken"] = token
    return ActionResult(body)


def _page(items: list[Any], token: str | None, max_results: Any) -> tuple[list[Any], str | None]:
    size = int(max_results or 10)
    start = 0
    if token:
        try:
            start = int(token.split("-", 1)[1])
        except (IndexError, ValueError):
            raise ValidationError(message=f"Invalid pagination token {token!r}.") from None
    end = start + size
    return items[start:end], (f"{uuid.uuid4().hex[:8]}-{end}" if end < len(items) else None)


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _merge_settings(current: dict[str, Any] | None, update: dict[str, Any] | None) -> dict:
    """AWS's UpdateDomain / UpdateUserProfile: each top-level settings member given (e.g.
    ``JupyterLabAppSettings``) replaces the one held; members not given are kept."""
    merged = dict(current or {})
    merged.update(update or {})
    return merged


def _check_idle_settings(settings: dict[str, Any] | None) -> None:
    """AWS's bounds on IdleSettings: each timeout 60..525,600 minutes; min <= timeout <= max."""
    for app_type in ("JupyterLab", "CodeEditor"):
        idle = (
            ((settings or {}).get(f"{app_type}AppSettings") or {}).get("AppLifecycleManagement")
            or {}
        ).get("IdleSettings") or {}
        for key in ("IdleTimeoutInMinutes", "MinIdleTimeoutInMinutes", "MaxIdleTimeoutInMinutes"):
            value = idle.get(key)
            if value is not None and not 60 <= int(value) <= 525600:
                raise ValidationError(
                    message=f"Value '{value}' at '{key}' failed to satisfy constraint: "
                    "Member must have value between 60 and 525600"
                )
        lo, hi, t = (
            idle.get("MinIdleTimeoutInMinutes"),
            idle.get("MaxIdleTimeoutInMinutes"),
            idle.get("IdleTimeoutInMinutes"),
        )
        if t is not None and ((lo is not None and t < lo) or (hi is not None and t > hi)):
            raise ValidationError(
                message="IdleTimeoutInMinutes must be between MinIdleTimeoutInMinutes and "
                "MaxIdleTimeoutInMinutes"
            )


def _domain(backend: Any, domain_id: str) -> Any:
    domain = backend.domains.get(domain_id)
    if domain is None:  # AWS: ResourceNotFound (moto: ValidationError)
        raise ResourceNotFound(message=f"Domain {domain_id} does not exist.")
    return domain


def _describe_domain(self: SageMakerResponse) -> ActionResult:
    domain = _domain(self.sagemaker_backend, self._get_param("DomainId"))
    return ActionResult({k: v for k, v in domain.describe().items() if v is not None})


def _update_domain(self: SageMakerResponse) -> ActionResult:
    """moto 5.2.5 has no UpdateDomain; AWS merges the settings members given."""
    domain = _domain(self.sagemaker_backend, self._get_param("DomainId"))
    if domain.status != "InService":
        raise ValidationError(
            message=f"Domain {domain.id} is {domain.status}; it cannot be updated."
        )
    settings = self._get_param("DefaultUserSettings")
    _check_idle_settings(settings)
    domain.default_user_settings = _merge_settings(domain.default_user_settings, settings)
    if self._get_param("DefaultSpaceSettings"):
        domain.default_space_settings = _merge_settings(
            domain.default_space_settings, self._get_param("DefaultSpaceSettings")
        )
    domain.last_modified_time = _now()
    return ActionResult({"DomainArn": domain.arn})


def _update_user_profile(self: SageMakerResponse) -> ActionResult:
    key = (self._get_param("DomainId"), self._get_param("UserProfileName"))
    profile = _studio(self.sagemaker_backend)["user_profiles"].get(key)
    if profile is None:
        raise ResourceNotFound(message=f"User profile {key[1]} does not exist.")
    settings = self._get_param("UserSettings")
    _check_idle_settings(settings)
    profile["UserSettings"] = _merge_settings(profile["UserSettings"], settings)
    profile["LastModifiedTime"] = _now()
    return ActionResult({"UserProfileArn": profile["UserProfileArn"]})


class _TagHolder:
    """What moto's tag calls need of a resource (``.tags``), for a Studio record of ours."""

    def __init__(self, tags: list[dict[str, str]]) -> None:
        self._tags = tags

    @property
    def tags(self) -> list[dict[str, str]]:
        return self._tags

    @tags.setter
    def tags(self, value: list[dict[str, str]]) -> None:
        self._tags[:] = value


def _studio_resource(backend: Any, arn: str) -> Any | None:
    """The tag holder of a user profile, space or app ARN (moto cannot parse their paths)."""
    kind = arn.split(":")[-1].split("/", 1)[0]
    studio = _studio(backend)
    if kind == "user-profile":
        for profile in studio["user_profiles"].values():
            if profile["UserProfileArn"] == arn:
                return _TagHolder(profile.setdefault("Tags", []))
    elif kind == "app":
        for app in studio["apps"].values():
            if app["AppArn"] == arn:
                return _TagHolder(app.setdefault("Tags", []))
    elif kind == "space":
        tags = _space_tags(backend)
        if arn in tags:
            return _TagHolder(tags[arn])
    elif kind == "mlflow-tracking-server":
        for server in _mlflow(backend).values():
            if server["TrackingServerArn"] == arn:
                return _TagHolder(server.setdefault("Tags", []))
    elif kind == "domain":
        domain = backend.domains.get(arn.split("/", 1)[1])
        if domain is not None and domain.tags is None:
            domain.tags = []  # moto keeps None when created without tags
        return domain
    else:
        return None
    raise ValidationError(message=f"Could not find resource with ARN {arn}")


# ----------------------------------------------------------------- MLflow tracking servers


def _mlflow(backend: Any) -> dict[str, dict[str, Any]]:
    return backend.__dict__.setdefault("_mlcost_mlflow", {})


def _mlflow_server(self: SageMakerResponse) -> dict[str, Any]:
    name = self._get_param("TrackingServerName")
    server = _mlflow(self.sagemaker_backend).get(name)
    if server is None:
        raise ResourceNotFound(message=f"Tracking server {name} does not exist.")
    return server


def _create_mlflow_tracking_server(self: SageMakerResponse) -> ActionResult:
    """moto 5.2.5 has no MLflow tracking servers; AWS's shapes (Creating -> Created is
    instant here, as moto's other transitions)."""
    backend = self.sagemaker_backend
    name = self._get_param("TrackingServerName")
    servers = _mlflow(backend)
    if name in servers:
        raise ResourceInUseException(message=f"Tracking server {name} already exists.")
    size = self._get_param("TrackingServerSize") or "Small"
    _check_enum(size, _enum(("TrackingServerSize",)), "trackingServerSize")
    arn = _arn(backend, "mlflow-tracking-server", name)
    now = _now()
    servers[name] = {
        "TrackingServerArn": arn,
        "TrackingServerName": name,
        "ArtifactStoreUri": self._get_param("ArtifactStoreUri"),
        "TrackingServerSize": size,
        "MlflowVersion": self._get_param("MlflowVersion") or "2.16.2",
        "RoleArn": self._get_param("RoleArn"),
        "TrackingServerStatus": "Created",
        "IsActive": "Active",
        "TrackingServerUrl": f"https://t-{uuid.uuid4().hex[:12]}.{backend.region_name}"
        ".experiments.sagemaker.aws",
        "WeeklyMaintenanceWindowStart": self._get_param("WeeklyMaintenanceWindowStart")
        or "Tue:03:30",
        "AutomaticModelRegistration": bool(self._get_param("AutomaticModelRegistration")),
        "CreationTime": now,
        "LastModifiedTime": now,
        "Tags": self._get_param("Tags") or [],
    }
    return ActionResult({"TrackingServerArn": arn})


def _describe_mlflow_tracking_server(self: SageMakerResponse) -> ActionResult:
    return ActionResult({k: v for k, v in _mlflow_server(self).items() if k != "Tags"})


def _list_mlflow_tracking_servers(self: SageMakerResponse) -> ActionResult:
    items = list(_mlflow(self.sagemaker_backend).values())
    status = self._get_param("TrackingServerStatus")
    if status:
        items = [i for i in items if i["TrackingServerStatus"] == status]
    fields = [
        "TrackingServerArn",
        "TrackingServerName",
        "CreationTime",
        "LastModifiedTime",
        "TrackingServerStatus",
        "IsActive",
        "MlflowVersion",
    ]
    _max_results(self)
    return _list_response(self, items, "TrackingServerSummaries", "TrackingServerName", fields)


def _set_mlflow_state(self: SageMakerResponse, allowed: tuple[str, ...], status: str, active: str):
    server = _mlflow_server(self)
    if server["TrackingServerStatus"] not in allowed:
        raise ValidationError(
            message=f"Tracking server {server['TrackingServerName']} is "
            f"{server['TrackingServerStatus']}."
        )
    server["TrackingServerStatus"] = status  # AWS: Stopping -> Stopped / Starting -> Started
    server["IsActive"] = active
    server["LastModifiedTime"] = _now()
    return ActionResult({"TrackingServerArn": server["TrackingServerArn"]})


def _stop_mlflow_tracking_server(self: SageMakerResponse) -> ActionResult:
    running = ("Created", "Started", "Updated", "MaintenanceComplete", "StopFailed")
    return _set_mlflow_state(self, running, "Stopped", "Inactive")


def _start_mlflow_tracking_server(self: SageMakerResponse) -> ActionResult:
    return _set_mlflow_state(self, ("Stopped", "StartFailed"), "Started", "Active")


# ----------------------------------------------------------------- Search and page sizes

#: AWS's page sizes for SageMaker List and Search calls: 10 by default, at most 100.
DEFAULT_PAGE = 10
MAX_PAGE = 100


def _max_results(self: SageMakerResponse) -> int:
    value = self._get_param("MaxResults")
    if value is None:
        return DEFAULT_PAGE
    if not 1 <= int(value) <= MAX_PAGE:
        raise ValidationError(
            message=f"1 validation error detected: Value '{value}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value less than or equal to {MAX_PAGE}"
        )
    return int(value)


def _search_records(backend: Any, resource: str) -> list[dict[str, Any]]:
    """Search records as AWS returns them: the Describe* response plus ``Tags``."""
    if resource == "Endpoint":
        records = []
        for name, endpoint in backend.endpoints.items():
            record = {**backend.describe_endpoint(name), "Tags": list(endpoint.tags or [])}
            if not record.get("DataCaptureConfig"):  # moto's {} would break the shape
                record.pop("DataCaptureConfig", None)
            records.append(record)
        return records
    if resource == "TrainingJob":
        records = []
        for name, job in backend.training_jobs.items():
            record = {**backend.describe_training_job(name), "Tags": list(job.tags or [])}
            for key in ("TrainingTimeInSeconds", "BillableTimeInSeconds"):
                if not record.get(key):  # not known yet: AWS leaves them out (minimum 1)
                    record.pop(key, None)
            records.append(record)
        return records
    raise KeyError(resource)


def _property(record: dict[str, Any], name: str) -> tuple[bool, Any]:
    """(present, value) of a Search property: a dotted path, ``Tags.<key>`` for a tag."""
    if name.startswith("Tags."):
        key = name[5:]
        for tag in record.get("Tags", []):
            if tag["Key"] == key:
                return True, tag.get("Value", "")
        return False, None
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _comparable(actual: Any, expected: str) -> tuple[Any, Any]:
    """Search compares timestamps (ISO 8601 values), numbers and text by type."""
    if isinstance(actual, datetime) or (
        isinstance(actual, str) and len(actual) >= 19 and actual[4:5] == "-" and "T" in actual
    ):
        return _aware(actual), _aware(expected)
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        return float(actual), float(expected)
    return str(actual), expected


def _sort_value(value: Any) -> Any:
    return _aware(value).isoformat() if isinstance(value, datetime) else value


def _filter_matches(record: dict[str, Any], f: dict[str, Any]) -> bool:
    operator = f.get("Operator", "Equals")
    present, actual = _property(record, f["Name"])
    if operator == "Exists":
        return present
    if operator == "NotExists":
        return not present
    if not present:
        return False
    expected = f.get("Value", "")
    if operator == "In":
        return str(actual) in expected.split(",")
    if operator == "Contains":
        return expected in str(actual)
    a, e = _comparable(actual, expected)
    return {
        "Equals": lambda: a == e,
        "NotEquals": lambda: a != e,
        "GreaterThan": lambda: a > e,
        "GreaterThanOrEqualTo": lambda: a >= e,
        "LessThan": lambda: a < e,
        "LessThanOrEqualTo": lambda: a <= e,
    }[operator]()


def _expression_matches(record: dict[str, Any], expression: dict[str, Any] | None) -> bool:
    """SearchExpression: Filters and SubExpressions joined by Operator (And by default)."""
    if not expression:
        return True
    if expression.get("NestedFilters"):
        raise ValidationError(message="NestedFilters are not emulated")
    terms = [_filter_matches(record, f) for f in expression.get("Filters", [])]
    terms += [_expression_matches(record, e) for e in expression.get("SubExpressions", [])]
    for key in ("Filters", "SubExpressions"):
        if len(expression.get(key, [])) > 20:
            raise ValidationError(message=f"{key}: at most 20 a search expression")
    if not terms:
        return True
    return any(terms) if expression.get("Operator", "And") == "Or" else all(terms)


def _search(self: SageMakerResponse) -> ActionResult:
    """Search over endpoints and training jobs as AWS does it: whole records with Tags,
    filters on any property (dotted paths, ``Tags.<key>``, ISO 8601 timestamps),
    sub-expressions, SortBy/SortOrder, 10 results a page by default and 100 at most.
    moto's own Search answers every record in one page, with its internal fields."""
    resource = self._get_param("Resource")
    try:
        records = _search_records(self.sagemaker_backend, resource)
    except KeyError:
        return _ORIGINALS["search"](self)
    size = _max_results(self)
    expression = self._get_param("SearchExpression")
    found = [r for r in records if _expression_matches(r, expression)]
    sort_by = self._get_param("SortBy") or "LastModifiedTime"
    found.sort(
        key=lambda r: str(_sort_value(_property(r, sort_by)[1])),
        reverse=(self._get_param("SortOrder") or "Descending") == "Descending",
    )
    page, token = _page(found, self._get_param("NextToken"), size)
    body: dict[str, Any] = {"Results": [{resource: r} for r in page]}
    if token:
        body["NextToken"] = token
    return ActionResult(body)


#: List calls whose page size moto leaves at 100 (or unlimited); AWS's is 10, at most 100.
_AWS_PAGED_LISTS = (
    "list_endpoints",
    "list_notebook_instances",
    "list_endpoint_configs",
    "list_domains",
)


def _paged(name: str) -> Any:
    original = getattr(SageMakerResponse, name)

    def list_call(self: SageMakerResponse) -> Any:
        _max_results(self)  # AWS rejects MaxResults above 100
        return original(self)

    list_call.__name__ = name
    return list_call


def _list_training_jobs(self: SageMakerResponse) -> ActionResult:
    """ListTrainingJobs with AWS's filters applied BEFORE paging (moto pages first, then
    filters, which returns short or empty pages) and AWS's page size (10 by default)."""
    backend = self.sagemaker_backend
    jobs = list(backend.training_jobs.values())
    for param, test in (
        ("NameContains", lambda j, v: v in j.training_job_name),
        ("StatusEquals", lambda j, v: j.training_job_status == v),
        ("CreationTimeAfter", lambda j, v: _aware(j.creation_time) > _aware(v)),
        ("CreationTimeBefore", lambda j, v: _aware(j.creation_time) < _aware(v)),
        ("LastModifiedTimeAfter", lambda j, v: _aware(j.last_modified_time) > _aware(v)),
        ("LastModifiedTimeBefore", lambda j, v: _aware(j.last_modified_time) < _aware(v)),
    ):
        value = self._get_param(param)
        if value is not None:
            jobs = [j for j in jobs if test(j, value)]
    jobs.sort(
        key=lambda j: _aware(j.creation_time),
        reverse=(self._get_param("SortOrder") or "Descending") == "Descending",
    )
    page, token = _page(jobs, self._get_param("NextToken"), _max_results(self))
    body: dict[str, Any] = {
        "TrainingJobSummaries": [
            {
                "TrainingJobName": j.training_job_name,
                "TrainingJobArn": j.arn,
                "CreationTime": j.creation_time,
                "TrainingEndTime": j.training_end_time,
                "LastModifiedTime": j.last_modified_time,
                "TrainingJobStatus": j.training_job_status,
            }
            for j in page
        ]
    }
    if token:
        body["NextToken"] = token
    return ActionResult(body)


# ----------------------------------------------------------------- install

_ORIGINALS: dict[str, Any] = {}

# ----------------------------------------------------------------- inference components


def _components(backend: Any) -> dict[str, dict[str, Any]]:
    return backend.__dict__.setdefault("_mlcost_inference_components", {})


class _TaggedItem:
    """An emulator-kept resource (a dict) behind moto's tag protocol (``.tags``)."""

    def __init__(self, item: dict[str, Any]) -> None:
        self._item = item

    @property
    def tags(self) -> list[dict[str, str]]:
        return self._item.setdefault("Tags", [])

    @tags.setter
    def tags(self, value: list[dict[str, str]]) -> None:
        self._item["Tags"] = value


def _create_inference_component(self: SageMakerResponse) -> ActionResult:
    backend = self.sagemaker_backend
    name, endpoint = self._get_param("InferenceComponentName"), self._get_param("EndpointName")
    if endpoint not in backend.endpoints:
        raise ValidationError(message=f'Could not find endpoint "{endpoint}".')
    components = _components(backend)
    if name in components:
        raise ResourceInUseException(message=f"Inference component {name} already exists.")
    copies = int((self._get_param("RuntimeConfig") or {}).get("CopyCount", 1))
    arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:inference-component/{name}"
    now = _now()
    components[name] = {
        "InferenceComponentName": name,
        "InferenceComponentArn": arn,
        "EndpointName": endpoint,
        "EndpointArn": backend.endpoints[endpoint].arn,
        "VariantName": self._get_param("VariantName"),
        "InferenceComponentStatus": "InService",  # AWS: Creating -> InService
        "Specification": self._get_param("Specification") or {},
        "RuntimeConfig": {"DesiredCopyCount": copies, "CurrentCopyCount": copies},
        "CreationTime": now,
        "LastModifiedTime": now,
        "Tags": self._get_param("Tags") or [],
    }
    return ActionResult({"InferenceComponentArn": arn})


def _describe_inference_component(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("InferenceComponentName")
    item = _components(self.sagemaker_backend).get(name)
    if item is None:
        raise ValidationError(message=f'Could not find inference component "{name}".')
    return ActionResult({k: v for k, v in item.items() if k != "Tags"})


def _list_inference_components(self: SageMakerResponse) -> ActionResult:
    items = list(_components(self.sagemaker_backend).values())
    for param, field_name in (
        ("EndpointNameEquals", "EndpointName"),
        ("VariantNameEquals", "VariantName"),
        ("StatusEquals", "InferenceComponentStatus"),
    ):
        if self._get_param(param):
            items = [i for i in items if i.get(field_name) == self._get_param(param)]
    if self._get_param("NameContains"):
        items = [i for i in items if self._get_param("NameContains") in i["InferenceComponentName"]]
    fields = [
        "CreationTime",
        "InferenceComponentArn",
        "InferenceComponentName",
        "EndpointArn",
        "EndpointName",
        "VariantName",
        "InferenceComponentStatus",
        "LastModifiedTime",
    ]
    return _list_response(self, items, "InferenceComponents", "InferenceComponentName", fields)


def _stop_job(self: SageMakerResponse, kind: str) -> ActionResult:
    """StopTrainingJob (moto lacks it) / StopProcessingJob (moto stops a job in any state)
    as AWS does: only a job InProgress stops; it goes Stopping, then Stopped (instantly
    here), with its end time and, for training, SecondaryStatus Stopped."""
    backend = self.sagemaker_backend
    training = kind == "training"
    name = self._get_param("TrainingJobName" if training else "ProcessingJobName")
    jobs = backend.training_jobs if training else backend.processing_jobs
    job = jobs.get(name)
    if job is None:
        cls = sm_models.FakeTrainingJob if training else sm_models.FakeProcessingJob
        arn = cls.arn_formatter(name, backend.account_id, backend.region_name)
        raise ValidationError(message=f"Could not find {kind} job '{arn}'.")
    status_attr = "training_job_status" if training else "processing_job_status"
    status = getattr(job, status_attr)
    if status != "InProgress":
        raise ValidationError(
            message=f"The request was rejected because the {kind} job is in status {status}."
        )
    now = datetime.now(UTC)
    setattr(job, status_attr, "Stopped")
    if training:
        job.training_end_time = now
        job.secondary_status = "Stopped"
    else:
        job.processing_end_time = now
    job.last_modified_time = now
    return EmptyResult()


def _stop_training_job(self: SageMakerResponse) -> ActionResult:
    return _stop_job(self, "training")


def _stop_processing_job(self: SageMakerResponse) -> ActionResult:
    return _stop_job(self, "processing")


_NEW_ACTIONS = {
    "stop_training_job": _stop_training_job,
    "stop_processing_job": _stop_processing_job,
    "create_inference_component": _create_inference_component,
    "describe_inference_component": _describe_inference_component,
    "list_inference_components": _list_inference_components,
    "update_endpoint": _update_endpoint,
    "update_notebook_instance": _update_notebook_instance,
    "list_notebook_instance_lifecycle_configs": _list_notebook_instance_lifecycle_configs,
    "update_notebook_instance_lifecycle_config": _update_notebook_instance_lifecycle_config,
    "create_notebook_instance_lifecycle_config": _create_notebook_instance_lifecycle_config,
    "create_studio_lifecycle_config": _create_studio_lifecycle_config,
    "describe_studio_lifecycle_config": _describe_studio_lifecycle_config,
    "create_user_profile": _create_user_profile,
    "describe_user_profile": _describe_user_profile,
    "list_user_profiles": _list_user_profiles,
    "create_space": _create_space,
    "describe_space": _describe_space,
    "list_spaces": _list_spaces,
    "create_app": _create_app,
    "describe_app": _describe_app,
    "delete_app": _delete_app,
    "list_apps": _list_apps,
    "describe_domain": _describe_domain,
    "update_domain": _update_domain,
    "update_user_profile": _update_user_profile,
    "create_mlflow_tracking_server": _create_mlflow_tracking_server,
    "describe_mlflow_tracking_server": _describe_mlflow_tracking_server,
    "list_mlflow_tracking_servers": _list_mlflow_tracking_servers,
    "stop_mlflow_tracking_server": _stop_mlflow_tracking_server,
    "start_mlflow_tracking_server": _start_mlflow_tracking_server,
}


def _current_scalable_dimensions() -> None:
    """moto's list of Application Auto Scaling dimensions predates inference components
    (``sagemaker:inference-component:DesiredCopyCount``): take AWS's list from the service
    model instead, in both places moto validates against it."""
    from enum import Enum

    from moto.applicationautoscaling import models as aas_models
    from moto.applicationautoscaling import responses as aas_responses

    model = botocore.session.get_session().get_service_model("application-autoscaling")
    values = model.shape_for("ScalableDimension").enum
    current = Enum(  # type: ignore[misc]
        "ScalableDimensionValueSet",
        {v.upper().replace(":", "_").replace("-", "_").replace(".", "_"): v for v in values},
    )
    aas_models.ScalableDimensionValueSet = current
    aas_responses.ScalableDimensionValueSet = current


def apply() -> None:
    """Install the SageMaker fixes on moto's classes (idempotent)."""
    if _ORIGINALS:
        return
    _current_scalable_dimensions()
    backend_cls = sm_models.SageMakerModelBackend
    _ORIGINALS["_get_resource_from_arn"] = backend_cls._get_resource_from_arn
    _ORIGINALS["delete_endpoint"] = backend_cls.delete_endpoint
    aas_cls = ApplicationAutoscalingBackend
    _ORIGINALS["deregister_scalable_target"] = aas_cls.deregister_scalable_target
    aas_cls.deregister_scalable_target = _deregister_scalable_target
    _ORIGINALS["training_init"] = sm_models.FakeTrainingJob.__init__
    _ORIGINALS["create_processing_job"] = SageMakerResponse.create_processing_job
    _ORIGINALS["create_notebook_instance_lifecycle_config"] = (
        SageMakerResponse.create_notebook_instance_lifecycle_config
    )
    backend_cls._get_resource_from_arn = _get_resource_from_arn
    backend_cls.add_tags = _add_tags
    backend_cls.delete_endpoint = _delete_endpoint
    sm_models.FakeTrainingJob.__init__ = _training_job_init
    sm_models.FakeEndpointConfig.validate_instance_type = _endpoint_config_instance_type
    sm_models.FakeSagemakerNotebookInstance.validate_instance_type = _notebook_instance_type
    SageMakerResponse.create_processing_job = _create_processing_job
    for name, fn in _NEW_ACTIONS.items():
        setattr(SageMakerResponse, name, fn)
    _ORIGINALS["search"] = SageMakerResponse.search
    SageMakerResponse.search = _search
    SageMakerResponse.list_training_jobs = _list_training_jobs
    for name in _AWS_PAGED_LISTS:
        setattr(SageMakerResponse, name, _paged(name))
        sm_models.PAGINATION_MODEL[name]["limit_default"] = DEFAULT_PAGE
