"""What the agent stops: its own notebook instance, EC2 instance, or Studio app.

SageMaker writes ``/opt/ml/metadata/resource-metadata.json`` on notebook instances
(``ResourceArn``, ``ResourceName``) and in Studio apps (plus ``DomainId``, ``SpaceName``
or ``UserProfileName``, ``AppType``); EC2 instances answer IMDSv2. Discovery failures
are reported, never guessed around: a wrong target is worse than no stop.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from .aws import AwsApi, AwsError, Imds


@dataclass
class Target:
    """The resource to stop and the CloudWatch dimensions that name it."""

    kind: str  # notebook | ec2 | studio | none
    region: str | None
    ident: dict[str, str] = field(default_factory=dict)
    problem: str | None = None

    @property
    def dimensions(self) -> list[dict[str, str]]:
        if self.kind == "notebook":
            return [{"Name": "NotebookInstanceName", "Value": self.ident["NotebookInstanceName"]}]
        if self.kind == "ec2":
            return [{"Name": "InstanceId", "Value": self.ident["InstanceId"]}]
        if self.kind == "studio":
            owner = self.ident.get("SpaceName")
            if owner:
                return [
                    {"Name": "DomainId", "Value": self.ident["DomainId"]},
                    {"Name": "SpaceName", "Value": owner},
                ]
            return [
                {"Name": "DomainId", "Value": self.ident["DomainId"]},
                {"Name": "UserProfileName", "Value": self.ident.get("UserProfileName", "")},
            ]
        return []

    def describe(self) -> str:
        if self.kind == "none":
            return f"no target ({self.problem})"
        ids = ", ".join(f"{k}={v}" for k, v in self.ident.items())
        return f"{self.kind} {ids} in {self.region}"


def _region_from_arn(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 4 and parts[3] else None


def _from_metadata(path: str, kind: str, region: str | None) -> Target:
    try:
        with open(path) as fh:
            meta = json.load(fh)
    except FileNotFoundError:
        return Target(
            "none", region, problem=f"metadata file {path} is missing - pass --metadata-file"
        )
    except (OSError, ValueError) as err:
        return Target("none", region, problem=f"metadata file {path} unreadable: {err}")
    region = region or _region_from_arn(str(meta.get("ResourceArn", "")))
    if not region:
        return Target("none", None, problem=f"no region: {path} has no ResourceArn - pass --region")
    is_studio = bool(meta.get("DomainId"))
    if kind == "studio" or (kind == "auto" and is_studio):
        need = [k for k in ("DomainId", "AppType", "ResourceName") if not meta.get(k)]
        if need or not (meta.get("SpaceName") or meta.get("UserProfileName")):
            return Target(
                "none", region, problem=f"{path} lacks Studio fields {need or ['SpaceName']}"
            )
        ident = {
            "DomainId": meta["DomainId"],
            "AppType": meta["AppType"],
            "AppName": meta["ResourceName"],
        }
        if meta.get("SpaceName"):
            ident["SpaceName"] = meta["SpaceName"]
        else:
            ident["UserProfileName"] = meta["UserProfileName"]
        return Target("studio", region, ident)
    if kind == "notebook" or kind == "auto":
        name = meta.get("ResourceName")
        if not name:
            return Target("none", region, problem=f"{path} has no ResourceName")
        return Target("notebook", region, {"NotebookInstanceName": str(name)})
    return Target("none", region, problem=f"--target {kind}")  # refused before: never here


def discover(kind: str, metadata_file: str, imds: Imds | None, region: str | None) -> Target:
    """Find this machine's own resource; ``auto`` prefers SageMaker metadata, then IMDS."""
    if kind == "none":
        return Target("none", region, problem="--target none")
    # Each branch names its kinds, so a build for one target drops the others (bundle).
    if kind in ("notebook", "studio") or (kind == "auto" and os.path.exists(metadata_file)):
        return _from_metadata(metadata_file, kind, region)
    if kind in ("ec2", "auto"):
        try:  # the callers pass an Imds whenever kind is ec2 or auto
            instance_id = imds.get("meta-data/instance-id").strip()  # type: ignore[union-attr]
            region = region or imds.get("meta-data/placement/region").strip()  # type: ignore[union-attr]
        except AwsError as err:
            hint = "" if kind == "ec2" else f" and no SageMaker metadata at {metadata_file}"
            return Target("none", region, problem=f"{err}{hint}")
        return Target("ec2", region, {"InstanceId": instance_id})
    return Target("none", region, problem=f"--target {kind}")  # refused before: never here


def stop(target: Target, api: AwsApi) -> str:
    """Issue the stop call; returns what was done. Raises AwsError on failure."""
    if target.kind == "notebook":
        api.stop_notebook_instance(target.ident["NotebookInstanceName"])
        return f"StopNotebookInstance {target.ident['NotebookInstanceName']}"
    if target.kind == "ec2":
        api.stop_instances(target.ident["InstanceId"])
        return f"StopInstances {target.ident['InstanceId']}"
    if target.kind == "studio":
        api.delete_app(dict(target.ident))
        return f"DeleteApp {target.ident['AppType']}/{target.ident['AppName']} (the space's storage stays)"
    raise AwsError(f"nothing to stop: {target.problem}")
