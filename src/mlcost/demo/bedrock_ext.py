"""Bedrock Provisioned Throughput, which moto 5.2.5 lacks: Create / Get / List / Delete with
AWS's REST shapes (camelCase members, ``provisionedModelId`` = name or ARN in the path), and
tags on them through moto's own Bedrock tagger.

AWS's rules kept: a name is unique per account and region; ``maxResults`` 1..1000; a
provisioned model with a commitment term cannot be deleted before the term ends
(ValidationException, "You can't delete a Provisioned Throughput with a commitment term
before it ends"); states go Creating -> InService (instant here, as moto's others).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from moto.bedrock.exceptions import ResourceNotFoundException, ValidationException
from moto.bedrock.models import BedrockBackend
from moto.bedrock.responses import BedrockResponse

#: CommitmentDuration -> how long the term runs (AWS: one month, six months).
TERMS = {"OneMonth": timedelta(days=30), "SixMonths": timedelta(days=182)}


def _store(backend: BedrockBackend) -> dict[str, dict[str, Any]]:
    return backend.__dict__.setdefault("_mlcost_provisioned", {})


def _find(backend: BedrockBackend, ident: str) -> dict[str, Any]:
    for item in _store(backend).values():
        if ident in (item["provisionedModelName"], item["provisionedModelArn"]):
            return item
    raise ResourceNotFoundException(f"Provisioned model {ident} not found")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _out(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _iso(v) if isinstance(v, datetime) else v for k, v in item.items() if v is not None}


def _create(self: BedrockResponse) -> str:
    backend = self.bedrock_backend
    params = json.loads(self.body)
    name, units = params["provisionedModelName"], int(params["modelUnits"])
    if any(i["provisionedModelName"] == name for i in _store(backend).values()):
        raise ValidationException(f"Provisioned model {name} already exists")
    if units < 1:
        raise ValidationException("modelUnits must be at least 1")
    model_id = params["modelId"]
    model_arn = (
        model_id
        if model_id.startswith("arn:")
        else f"arn:aws:bedrock:{self.region}::foundation-model/{model_id}"
    )
    arn = (
        f"arn:aws:bedrock:{self.region}:{self.current_account}:provisioned-model/"
        f"{uuid.uuid4().hex[:12]}"
    )
    now = datetime.now(UTC)
    term = params.get("commitmentDuration")
    _store(backend)[arn] = {
        "provisionedModelName": name,
        "provisionedModelArn": arn,
        "modelArn": model_arn,
        "desiredModelArn": model_arn,
        "foundationModelArn": model_arn,
        "modelUnits": units,
        "desiredModelUnits": units,
        "status": "InService",
        "commitmentDuration": term,
        "commitmentExpirationTime": now + TERMS[term] if term else None,
        "creationTime": now,
        "lastModifiedTime": now,
    }
    backend.tagger.tag_resource(
        arn, [{"Key": t["key"], "Value": t["value"]} for t in params.get("tags") or []]
    )
    return json.dumps({"provisionedModelArn": arn})


def _get(self: BedrockResponse) -> str:
    ident = unquote(self.path.split("/")[-1])
    return json.dumps(_out(_find(self.bedrock_backend, ident)))


def _list(self: BedrockResponse) -> str:
    params = self._get_params()
    size = int(params.get("maxResults") or 1000)
    if not 1 <= size <= 1000:
        raise ValidationException("maxResults must be between 1 and 1000")
    items = sorted(_store(self.bedrock_backend).values(), key=lambda i: i["creationTime"])
    if params.get("statusEquals"):
        items = [i for i in items if i["status"] == params["statusEquals"]]
    if params.get("nameContains"):
        items = [i for i in items if params["nameContains"] in i["provisionedModelName"]]
    start = int(params.get("nextToken") or 0)
    body: dict[str, Any] = {
        "provisionedModelSummaries": [_out(i) for i in items[start : start + size]]
    }
    if start + size < len(items):
        body["nextToken"] = str(start + size)
    return json.dumps(body)


def _delete(self: BedrockResponse) -> str:
    backend = self.bedrock_backend
    item = _find(backend, unquote(self.path.split("/")[-1]))
    expires = item.get("commitmentExpirationTime")
    if expires is not None and expires > datetime.now(UTC):
        raise ValidationException(
            "You can't delete a Provisioned Throughput with a commitment term before it ends"
        )
    del _store(backend)[item["provisionedModelArn"]]
    return json.dumps({})


def set_times(
    backend: BedrockBackend, name: str, *, created: datetime, expires: datetime | None
) -> None:
    """Backdate a provisioned model (and its commitment's end) for fixtures."""
    item = _find(backend, name)
    item["creationTime"] = item["lastModifiedTime"] = created
    if item.get("commitmentDuration"):
        item["commitmentExpirationTime"] = expires


_ORIGINALS: dict[str, Any] = {}


def _list_arns(self: BedrockBackend) -> list[str]:
    return _ORIGINALS["_list_arns"](self) + list(_store(self))


def apply() -> None:
    """Install the calls on moto's Bedrock classes (idempotent)."""
    if _ORIGINALS:
        return
    _ORIGINALS["_list_arns"] = BedrockBackend._list_arns
    BedrockBackend._list_arns = _list_arns
    BedrockResponse.create_provisioned_model_throughput = _create
    BedrockResponse.get_provisioned_model_throughput = _get
    BedrockResponse.list_provisioned_model_throughputs = _list
    BedrockResponse.delete_provisioned_model_throughput = _delete
