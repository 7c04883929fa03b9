"""Delete an idle Bedrock Provisioned Throughput; undo buys it again without commitment.

AWS refuses DeleteProvisionedModelThroughput before a commitment term ends, so the fix is
skipped until then (the commitment bills to its end whatever is done). Deletion is
immediate. The snapshot is GetProvisionedModelThroughput and the tags; undo is
CreateProvisionedModelThroughput with the same name, model, units and tags and *no*
commitment (a new purchase, with a new ARN: clients invoking the old ARN must be pointed at
the new one), waiting until it is InService.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from botocore.waiter import WaiterModel

from mlcost.fix.actions.base import Action, Calls, PlanLines, Skip, exists
from mlcost.fix.context import Clients, FixContext
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found

BEDROCK_WAITERS = WaiterModel(
    {
        "version": 2,
        "waiters": {
            "ProvisionedModelInService": {
                "operation": "GetProvisionedModelThroughput",
                "delay": 30,
                "maxAttempts": 60,
                "acceptors": [
                    {"state": "success", "matcher": "path", "argument": "status", "expected": s}
                    for s in ("InService",)
                ]
                + [
                    {
                        "state": "failure",
                        "matcher": "path",
                        "argument": "status",
                        "expected": "Failed",
                    }
                ],
            }
        },
    }
)


def _get(ctx: FixContext, ident: str) -> dict[str, Any] | None:
    return exists(ctx, "bedrock", "GetProvisionedModelThroughput", provisionedModelId=ident)


def _tags(ctx: FixContext, arn: str) -> list[dict[str, str]]:
    return ctx.read("bedrock", "ListTagsForResource", resourceARN=arn).get("tags", [])


class DeleteProvisionedThroughput(Action):
    name = "delete-provisioned-model-throughput"
    kind = ResourceKind.BEDROCK_PROVISIONED_THROUGHPUT
    calls: Calls = frozenset(
        {
            ("bedrock", "GetProvisionedModelThroughput"),
            ("bedrock", "ListTagsForResource"),
            ("bedrock", "DeleteProvisionedModelThroughput"),
            ("bedrock", "CreateProvisionedModelThroughput"),
        }
    )

    # CreateProvisionedModelThroughput with tags (undo) needs bedrock:TagResource too
    implied: Calls = frozenset({("bedrock", "TagResource")})

    @classmethod
    def permissions(cls) -> Calls:
        """No deferral tags (``mlcost fix --after`` tags SageMaker and EC2 resources only)."""
        return cls.calls | cls.implied

    def plan(self, finding: Finding) -> PlanLines:
        ident = finding.fix.params["provisionedModelId"]
        return PlanLines(
            changes=[
                f"DeleteProvisionedModelThroughput {ident} (skipped while a commitment term "
                "runs: AWS refuses it)",
            ],
            snapshot=["provisioned model (name, model, units, commitment) and tags"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        ident = finding.fix.params["provisionedModelId"]

        def take() -> dict[str, Any]:
            described = _get(ctx, ident)
            if described is None:
                raise Skip("the provisioned model no longer exists")
            return {"model": described, "tags": _tags(ctx, described["provisionedModelArn"])}

        snap = ctx.snapshot("provisioned-model", take)
        model = snap["model"]
        expires = model.get("commitmentExpirationTime")
        if isinstance(expires, str):
            expires = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        if expires is not None and expires > datetime.now(UTC):
            raise Skip(f"its {model.get('commitmentDuration')} commitment runs until {expires}")
        ctx.act(
            "delete",
            "bedrock",
            "DeleteProvisionedModelThroughput",
            {"provisionedModelId": ident},
            applied=lambda: _get(ctx, ident) is None,
        )
        return {
            "before": {
                "provisioned_model": model["provisionedModelName"],
                "units": model["modelUnits"],
            },
            "after": {"provisioned_model": model["provisionedModelName"], "status": "deleted"},
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        model = snap["model"]
        name = model["provisionedModelName"]
        params: dict[str, Any] = {
            "provisionedModelName": name,
            "modelId": model["modelArn"],
            "modelUnits": model["modelUnits"],
        }
        if snap.get("tags"):
            params["tags"] = snap["tags"]
        ctx.act(
            "create",
            "bedrock",
            "CreateProvisionedModelThroughput",
            params,
            applied=lambda: _get(ctx, name) is not None,
        )
        ctx.wait(
            "bedrock",
            "ProvisionedModelInService",
            f"creating provisioned model {name}",
            model=BEDROCK_WAITERS,
            provisionedModelId=name,
        )
        after = _get(ctx, name) or {}
        return {
            "provisioned_model": name,
            "status": after.get("status"),
            "arn": after.get("provisionedModelArn"),
            "commitment": "none",
        }

    def tag_target(self, finding: Finding) -> tuple[str, str]:
        from mlcost.errors import UserError

        raise UserError(
            "mlcost fix --after cannot plan a Bedrock fix yet",
            "run `mlcost fix` again once the commitment term has ended",
        )

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        name = fix["resource_id"]
        try:
            got = clients("bedrock", fix["region"]).get_provisioned_model_throughput(
                provisionedModelId=name
            )
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        return f"provisioned model {name} exists again ({got.get('status')})"
