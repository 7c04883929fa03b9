"""unrestricted-instance-types: a data-science role allowed sagemaker:* on any instance type
(flagged); a role limited by a sagemaker:InstanceTypes condition and a read-only role
(look-alikes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlcost.demo.org import ResourceSpec

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "unrestricted-instance-types"


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _role(b: OrgBuilder, name: str, policy: dict, tags: dict[str, str]) -> None:
    b.resources.append(
        ResourceSpec(
            "iam-role", "us-east-1", name, "", b.ago(200), 0, tags, "", {"policies": {"sm": policy}}
        )
    )


def plant(b: OrgBuilder) -> None:
    tags = b.tags("research", "llm-eval", "kim@example.com", "dev")
    _role(
        b,
        "research-sagemaker-full",
        _doc({"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}),
        tags,
    )
    b.mark(CHECK, "research-sagemaker-full")
    _role(
        b,
        "recs-sagemaker-guarded",
        _doc(
            {
                "Effect": "Allow",
                "Action": "sagemaker:*",
                "Resource": "*",
                "Condition": {
                    "ForAllValues:StringLike": {
                        "sagemaker:InstanceTypes": ["ml.m5.*", "ml.c5.*", "ml.g5.xlarge"]
                    }
                },
            }
        ),
        tags,
    )
    b.mark(CHECK, "recs-sagemaker-guarded", lookalike=True)
    _role(
        b,
        "finops-sagemaker-readonly",
        _doc(
            {
                "Effect": "Allow",
                "Action": ["sagemaker:Describe*", "sagemaker:List*", "sagemaker:Search"],
                "Resource": "*",
            }
        ),
        tags,
    )
    b.mark(CHECK, "finops-sagemaker-readonly", lookalike=True)
