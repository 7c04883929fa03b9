"""unrestricted-instance-types: evaluated from policy documents; not priced (a guardrail)."""

from __future__ import annotations

from checks_helpers import ACCOUNT, NOW, inventory

from mlcost.model import IamPrincipal, ResourceKind
from mlcost.scan import run_checks

CHECK = "unrestricted-instance-types"
FULL = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", condition=None):
    s = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        s["Condition"] = condition
    return s


def principal(name="ds-team", *, inline=(), managed=None, kind="role", boundary=None):
    managed = managed or {}
    return IamPrincipal(
        kind=ResourceKind.IAM_PRINCIPAL,
        id=name,
        arn=f"arn:aws:iam::{ACCOUNT}:{kind}/{name}",
        region="us-east-1",
        principal_type=kind,
        inline_policies=list(inline),
        attached_policy_arns=list(managed),
        managed_policies=dict(managed),
        permissions_boundary_arn=boundary,
    )


INSTANCE_TYPES_ONLY = {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.m5.*"]}}


def test_sagemaker_star_is_unrestricted_and_gets_the_deny_policy(run_one):
    p = principal(managed={FULL: doc(allow("sagemaker:*"))})
    [f] = run_one(CHECK, p, inventory([p]))
    assert f.evidence["unrestricted_actions"] == [
        "sagemaker:CreateNotebookInstance",
        "sagemaker:CreateTrainingJob",
        "sagemaker:CreateEndpointConfig",
    ]
    assert f.evidence["granted_by"] == [FULL]
    [deny] = f.fix.params["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {
        "ForAnyValue:StringNotLike": {
            "sagemaker:InstanceTypes": [
                "ml.t3.*",
                "ml.m5.*",
                "ml.c5.*",
                "ml.g4dn.xlarge",
                "ml.g5.xlarge",
            ]
        }
    }
    assert f.fix.action == "attach-deny-policy" and f.fix.params["RoleName"] == "ds-team"
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.evidence["unpriced"].startswith("not priced: a guardrail")


def test_only_the_actions_granted_are_listed(run_one):
    p = principal(kind="user", inline=[doc(allow(["sagemaker:CreateTrainingJob"]))])
    [f] = run_one(CHECK, p, inventory([p]), allowed_instance_types=["ml.m5.large"])
    assert f.evidence["unrestricted_actions"] == ["sagemaker:CreateTrainingJob"]
    assert f.fix.params["UserName"] == "ds-team"
    assert f.evidence["allowed_instance_types"] == ["ml.m5.large"]


def test_not_action_allow_counts_as_granting(run_one):
    p = principal(inline=[doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})])
    [f] = run_one(CHECK, p, inventory([p]))
    assert len(f.evidence["unrestricted_actions"]) == 3


def test_allow_conditioned_on_instance_types_is_restricted(run_one):
    p = principal(inline=[doc(allow("sagemaker:Create*", condition=INSTANCE_TYPES_ONLY))])
    assert run_one(CHECK, p, inventory([p])) == []


def test_existing_instance_type_deny_is_the_guardrail(run_one):
    deny = {
        "Effect": "Deny",
        "Action": ["sagemaker:Create*"],
        "Resource": "*",
        "Condition": {"ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": ["ml.m5.*"]}},
    }
    p = principal(inline=[doc(allow("sagemaker:*"), deny)])
    assert run_one(CHECK, p, inventory([p])) == []


def test_deny_on_another_condition_is_not_a_guardrail(run_one):
    deny = {
        "Effect": "Deny",
        "Action": "sagemaker:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
    }
    p = principal(inline=[doc(allow("sagemaker:*"), deny)])
    assert run_one(CHECK, p, inventory([p]))


def test_read_only_and_other_service_principals_are_not_flagged(run_one):
    reader = principal(inline=[doc(allow(["sagemaker:Describe*", "sagemaker:List*"]))])
    s3 = principal("etl", inline=[doc(allow("*", resource="arn:aws:s3:::data/*"))])
    for p in (reader, s3):
        assert run_one(CHECK, p, inventory([p])) == []


def test_unreadable_managed_policy_is_no_verdict(run_one):
    p = principal(inline=[doc(allow("sagemaker:*"))])
    p.attached_policy_arns = [FULL]  # attached, but its document could not be read
    assert run_one(CHECK, p, inventory([p])) == []


def test_the_scan_lists_it_as_unpriced_with_the_reason():
    p = principal(managed={FULL: doc(allow("sagemaker:*"))}, boundary="arn:aws:iam::1:policy/b")
    result = run_checks(inventory([p]), only=[CHECK], now=NOW)
    [f] = result.findings
    assert f.confidence == 0.5  # a permissions boundary is not evaluated
    assert any("guardrail" in w for w in result.warnings)
