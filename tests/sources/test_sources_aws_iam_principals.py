"""IAM principals: read once per scan (a global service), with their groups' policies and
each attached managed policy's document, and judged by unrestricted-instance-types."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mlcost.scan import run_checks
from mlcost.sources.aws import collect_inventory
from mlcost.sources.aws.api_calls import CallCounter

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CHECK = "unrestricted-instance-types"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _policy(statement: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_principals_are_read_once_with_group_and_managed_policies(session):
    iam = session.client("iam")
    iam.create_role(RoleName="ds-notebooks", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(
        RoleName="ds-notebooks",
        PolicyName="sm",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}),
    )
    iam.create_role(RoleName="guarded", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(
        RoleName="guarded",
        PolicyName="sm",
        PolicyDocument=_policy(
            {
                "Effect": "Allow",
                "Action": "sagemaker:*",
                "Resource": "*",
                "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.m5.*"]}},
            }
        ),
    )
    managed = iam.create_policy(
        PolicyName="team-training",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*"}
        ),
    )["Policy"]["Arn"]
    iam.create_group(GroupName="researchers")
    iam.attach_group_policy(GroupName="researchers", PolicyArn=managed)
    iam.create_user(UserName="kim")
    iam.add_user_to_group(GroupName="researchers", UserName="kim")

    calls = CallCounter().attach(session)
    inv = collect_inventory(["us-east-1", "eu-west-1"], 7, session=session, now=NOW, checks=[CHECK])
    assert sorted(r.id for r in inv.resources) == ["ds-notebooks", "guarded", "kim"]
    kim = next(r for r in inv.resources if r.id == "kim")
    assert kim.attached_policy_arns == [managed] and managed in kim.managed_policies
    # a global service: listed in the first region only
    assert calls.counts["iam.GetAccountAuthorizationDetails"] == 2  # roles+users, groups
    assert calls.counts["iam.GetPolicyVersion"] == 1

    found = {f.resource_id: f for f in run_checks(inv, only=[CHECK]).findings}
    assert sorted(found) == ["ds-notebooks", "kim"]
    assert found["kim"].evidence["unrestricted_actions"] == ["sagemaker:CreateTrainingJob"]
    assert found["kim"].evidence["granted_by"] == [managed]
