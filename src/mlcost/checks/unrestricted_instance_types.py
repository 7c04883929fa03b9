"""IAM roles and users that may start SageMaker notebooks, training jobs or endpoints on any
instance type: the deny policy that limits them, generated."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from mlcost.checks._support import finding_for
from mlcost.checks.registry import check
from mlcost.model import Finding, Fix, IamPrincipal, Inventory, ResourceKind, Risk

#: The SageMaker calls that launch billed instances and support the ``sagemaker:InstanceTypes``
#: condition key (Service Authorization Reference, "Actions defined by Amazon SageMaker").
GUARDED_ACTIONS = (
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateEndpointConfig",
)
CONDITION_KEY = "sagemaker:instancetypes"
SOURCE = (
    "docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html "
    "(condition key sagemaker:InstanceTypes); SageMaker developer guide, 'Limit instance types "
    "with sagemaker:InstanceTypes' (ForAnyValue:StringNotLike deny)"
)
POLICY_NAME = "mlcost-sagemaker-instance-types"

NOT_CHECKED = [
    "service control policies, permissions boundaries and session policies (an SCP may "
    "already restrict instance types for the whole account)",
    "resource-level scoping beyond 'any SageMaker ARN' and conditions on other keys (a "
    "statement with other conditions is read as allowing)",
    "roles assumable by whom: a role nobody can assume is still reported",
]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches(patterns: list[Any], action: str) -> bool:
    return any(isinstance(p, str) and fnmatchcase(action.lower(), p.lower()) for p in patterns)


def _statement_covers(stmt: dict[str, Any], action: str) -> bool:
    """Does the statement apply to ``action`` on SageMaker resources?"""
    if "Action" in stmt:
        if not _matches(_as_list(stmt["Action"]), action):
            return False
    elif "NotAction" in stmt:
        if _matches(_as_list(stmt["NotAction"]), action):
            return False
    else:
        return False
    if "Resource" in stmt:
        # "*", or an ARN pattern whose partition:service part admits SageMaker
        return any(
            isinstance(r, str)
            and (r == "*" or fnmatchcase("arn:aws:sagemaker", ":".join(r.lower().split(":")[:3])))
            for r in _as_list(stmt["Resource"])
        )
    return True  # NotResource: applies to everything not excluded, SageMaker included


def _names_instance_types(stmt: dict[str, Any]) -> bool:
    for operator_block in (stmt.get("Condition") or {}).values():
        if isinstance(operator_block, dict) and any(
            k.lower() == CONDITION_KEY for k in operator_block
        ):
            return True
    return False


def _statements(principal: IamPrincipal) -> list[tuple[str, dict[str, Any]]]:
    """(where, statement) for every statement of every policy the principal has."""
    out: list[tuple[str, dict[str, Any]]] = []
    documents = [("inline", d) for d in principal.inline_policies] + [
        (arn, d) for arn, d in principal.managed_policies.items()
    ]
    for where, doc in documents:
        for stmt in _as_list(doc.get("Statement")):
            if isinstance(stmt, dict):
                out.append((where, stmt))
    return out


def deny_policy(allowed: list[str]) -> dict[str, Any]:
    """The guardrail: deny the launching calls when any requested instance type is not one
    of ``allowed`` (wildcards allowed, e.g. ``ml.m5.*``). ForAnyValue: a request with no
    instance type (a serverless endpoint config) is not denied."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "MlcostDenyUnlistedSageMakerInstanceTypes",
                "Effect": "Deny",
                "Action": list(GUARDED_ACTIONS),
                "Resource": "*",
                "Condition": {"ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": allowed}},
            }
        ],
    }


@check(
    "unrestricted-instance-types",
    ResourceKind.IAM_PRINCIPAL,
    allowed_instance_types=["ml.t3.*", "ml.m5.*", "ml.c5.*", "ml.g4dn.xlarge", "ml.g5.xlarge"],
)
def unrestricted_instance_types(
    resource: IamPrincipal, inventory: Inventory, settings: dict[str, Any]
) -> list[Finding]:
    """An IAM role or user whose policies allow creating SageMaker notebook instances,
    training jobs or endpoint configs with no ``sagemaker:InstanceTypes`` condition: it can
    start a p5.48xlarge as easily as a t3.medium.

    Rule: for each of CreateNotebookInstance, CreateTrainingJob and CreateEndpointConfig,
    an Allow statement (inline, attached managed, or for a user its groups') covers the
    action (``Action`` wildcards, ``NotAction``) on SageMaker resources without a condition
    on ``sagemaker:InstanceTypes``, and no Deny statement covers it unconditionally or on
    ``sagemaker:InstanceTypes`` (the guardrail already in place; a Deny conditioned on other
    keys does not count).
    Evaluated from the policy documents (GetAccountAuthorizationDetails and each managed
    policy's default version) because moto has no SimulatePrincipalPolicy and a scan should
    not make one call per principal per action. A principal with an attached policy whose
    document could not be read is not judged.

    Fix: attach the generated deny policy (``ForAnyValue:StringNotLike`` on
    ``sagemaker:InstanceTypes`` with ``allowed_instance_types``). Not priced: a guardrail
    prevents future spend rather than ending current spend; the finding says so.
    """
    if set(resource.attached_policy_arns) - set(resource.managed_policies):
        return []  # part of its permissions unread: no verdict
    statements = _statements(resource)
    open_actions: list[str] = []
    granted_by: set[str] = set()
    for action in GUARDED_ACTIONS:
        denied = any(
            s.get("Effect") == "Deny"
            and _statement_covers(s, action)
            and (not s.get("Condition") or _names_instance_types(s))
            for _, s in statements
        )
        allows = [
            where
            for where, s in statements
            if s.get("Effect") == "Allow"
            and _statement_covers(s, action)
            and not _names_instance_types(s)
        ]
        if allows and not denied:
            open_actions.append(action)
            granted_by.update(allows)
    if not open_actions:
        return []
    allowed = [str(t) for t in settings["allowed_instance_types"]]
    policy = deny_policy(allowed)
    who = "RoleName" if resource.principal_type == "role" else "UserName"
    evidence = {
        "principal_type": resource.principal_type,
        "unrestricted_actions": open_actions,
        "granted_by": sorted(granted_by),
        "condition_key": "sagemaker:InstanceTypes",
        "source": SOURCE,
        "proposed_policy": policy,
        "allowed_instance_types": allowed,
        "unpriced": "not priced: a guardrail limits future spend, it ends no current spend",
        "unpriced_instance_type": "any instance type",
        "unpriced_usage": "guardrail",
        "signals_used": ["GetAccountAuthorizationDetails (inline, attached and group policies)"]
        + (["GetPolicyVersion (managed policy documents)"] if resource.managed_policies else []),
        "signals_not_checked": NOT_CHECKED,
    }
    if resource.permissions_boundary_arn:
        evidence["permissions_boundary"] = (
            f"{resource.permissions_boundary_arn} (not evaluated: it may already restrict this)"
        )
    short = ", ".join(a.split(":", 1)[1] for a in open_actions)
    return [
        finding_for(
            "unrestricted-instance-types",
            resource,
            title=f"IAM {resource.principal_type} {resource.id} may {short} on any instance "
            "type: attach the instance-type guardrail",
            evidence=evidence,
            cost=None,
            saving=None,
            fix=Fix(
                "attach-deny-policy",
                {who: resource.id, "PolicyName": POLICY_NAME, "PolicyDocument": policy},
            ),
            risk=Risk.REVIEW,
            confidence=0.5 if resource.permissions_boundary_arn else 0.8,
        )
    ]
