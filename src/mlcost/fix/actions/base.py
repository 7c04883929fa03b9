"""What every fix action is: its plan lines, its snapshot, how it acts, undoes and verifies.

An action is registered under the ``fix.action`` name the checks emit (docs/CONTRACTS.md,
"Fix actions"); its parameters are the AWS API's. Actions call AWS only through a
:class:`~mlcost.fix.context.FixContext`, so each call is journaled and a resumed run replays
the same procedure without repeating a completed mutating call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from mlcost.fix.context import Clients, FixContext
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found

#: ``(boto3 service, API operation)`` pairs, e.g. ``("sagemaker", "DeleteEndpoint")``.
Calls = frozenset[tuple[str, str]]

#: The calls of a deferred fix (``--after``), by the service that carries its tag
#: (:meth:`Action.tag_target`): tag it, read the tag back when due, remove it after.
DEFER_CALLS: dict[str, Calls] = {
    "sagemaker": frozenset(
        {("sagemaker", "AddTags"), ("sagemaker", "ListTags"), ("sagemaker", "DeleteTags")}
    ),
    "ec2": frozenset({("ec2", "CreateTags"), ("ec2", "DescribeTags"), ("ec2", "DeleteTags")}),
}

#: SageMaker's tag reads (snapshots keep every tag to put it back on undo).
LIST_TAGS: Calls = frozenset({("sagemaker", "ListTags")})


class Skip(Exception):
    """The fix must not go ahead (found before any change); it ends ``skipped``."""


@dataclass(frozen=True, slots=True)
class PlanLines:
    """What the plan prints for one fix: the changes in order, and what is snapshotted."""

    changes: list[str]
    snapshot: list[str]


class Action:
    """Base of the fix actions; subclasses set ``name``, ``kind``, ``calls`` and implement
    the rest.

    ``calls`` declares every AWS operation the action may make (apply, snapshot, undo,
    verify, and the Describe calls its waiters poll), as data beside the code, so that
    ``mlcost policy self --fix`` derives the IAM policy from it (Cloud Custodian's
    ``get_permissions`` idea); ``tests/fix`` records every call each action makes on moto
    and fails on one it does not declare. ``implied`` holds IAM actions AWS checks on the
    caller beyond the call itself (``iam:PassRole`` for a role a call hands to SageMaker).
    """

    name: ClassVar[str]
    kind: ClassVar[ResourceKind]
    calls: ClassVar[Calls]
    implied: ClassVar[Calls] = frozenset()
    #: The service that carries a deferred fix's ``mlcost:planned-fix`` tag.
    tag_service: ClassVar[str] = "sagemaker"
    #: Whether ``mlcost fix --all`` includes it; False for a fix that cannot be undone
    #: (stopping a job): it runs only when chosen by finding id or ``--check``.
    on_all: ClassVar[bool] = True
    #: The checks whose findings carry this action, when not every check of its kind does
    #: (``mlcost policy self --fix --check ...`` grants it only for them); None: any.
    checks: ClassVar[frozenset[str] | None] = None

    @classmethod
    def permissions(cls) -> Calls:
        """Every (service, operation) IAM must allow for this action, deferral included."""
        return cls.calls | cls.implied | DEFER_CALLS[cls.tag_service]

    def plan(self, finding: Finding) -> PlanLines:
        raise NotImplementedError

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        """Snapshot, act, wait until AWS shows the new state; return what it showed."""
        raise NotImplementedError

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        """Restore from the fix's snapshot; return what AWS showed afterwards."""
        raise NotImplementedError

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        """What ``mlcost verify`` says when the saving did not hold; ``None`` when it did."""
        raise NotImplementedError

    def resource_key(self, region: str, resource_id: str) -> str:
        """The lease key: one resource, whatever finding or fix names it."""
        return f"{region}/{self.kind}/{resource_id}"

    def tag_target(self, finding: Finding) -> tuple[str, str]:
        """(service, ARN or id) to carry the ``mlcost:planned-fix`` tag of a deferred fix."""
        return self.tag_service, finding.resource_arn


def user_tags(tags: list[dict[str, str]]) -> list[dict[str, str]]:
    """Tags a caller may set again: AWS reserves the ``aws:`` prefix."""
    return [t for t in tags if not t.get("Key", "").startswith("aws:")]


def input_members(
    ctx: FixContext, service: str, operation: str, described: dict[str, Any]
) -> dict[str, Any]:
    """The fields of a Describe response that ``operation`` accepts, by the service model.

    Why from the model: recreating a model or endpoint config must carry every field AWS
    described (VPC config, KMS key, data capture, async config...), not a hand-kept list."""
    model = ctx.clients(service, ctx.region).meta.service_model
    members = model.operation_model(operation).input_shape.members
    # an empty structure (moto describes VpcConfig as {}) means "not set"
    return {k: v for k, v in described.items() if k in members and v not in (None, {}, [])}


def exists(ctx: FixContext, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
    """The description, or ``None`` when AWS says the resource does not exist."""
    try:
        return ctx.read(service, operation, **params)
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def list_tags(ctx: FixContext, arn: str) -> list[dict[str, str]]:
    """Every tag of a SageMaker resource (ListTags pages)."""
    tags: list[dict[str, str]] = []
    token: str | None = None
    while True:
        page = ctx.read(
            "sagemaker", "ListTags", ResourceArn=arn, **({"NextToken": token} if token else {})
        )
        tags.extend(page.get("Tags", []))
        token = page.get("NextToken")
        if not token:
            return tags
