"""`mlcost policy self --fix`: the scan's read-only statement plus the fix permissions of the
selected checks' fix actions, computed from what the actions declare."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mlcost.cli import app


def _statements(*args: str) -> dict[str, dict]:
    result = CliRunner().invoke(app, ["policy", "self", *args])
    assert result.exit_code == 0, result.output
    return {s["Sid"]: s for s in json.loads(result.stdout)["Statement"]}


def test_fix_adds_the_endpoint_fixes_calls_and_a_pass_role_limited_to_sagemaker() -> None:
    statements = _statements("--fix", "--check", "idle-endpoint")

    assert list(statements) == ["MlcostScanReadOnly", "MlcostFix", "MlcostFixPassRole"]
    fix = statements["MlcostFix"]["Action"]
    for action in (
        "sagemaker:DeleteEndpoint",
        "sagemaker:CreateEndpoint",  # undo
        "sagemaker:CreateModel",  # undo, when the model was deleted since
        "sagemaker:UpdateEndpoint",  # the resize fix, also of the endpoint kind
        "sagemaker:AddTags",  # --after: the planned-fix tag
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "cloudwatch:PutMetricAlarm",
    ):
        assert action in fix
    assert not [a for a in fix if a.startswith(("ec2:", "eks:", "autoscaling:", "iam:"))]
    assert "sagemaker:StopNotebookInstance" not in fix
    pass_role = statements["MlcostFixPassRole"]
    assert pass_role["Action"] == ["iam:PassRole"]
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


def test_fix_for_the_ec2_check_allows_stop_start_standby_and_node_groups_and_no_pass_role() -> None:
    statements = _statements("--fix", "--check", "idle-ec2-gpu")

    assert list(statements) == ["MlcostScanReadOnly", "MlcostFix"]
    fix = statements["MlcostFix"]["Action"]
    for action in (
        "ec2:StopInstances",
        "ec2:StartInstances",
        "ec2:CreateTags",
        "autoscaling:EnterStandby",
        "autoscaling:ExitStandby",
        "autoscaling:DescribeAutoScalingInstances",  # the standby waiter polls it
        "eks:UpdateNodegroupConfig",
    ):
        assert action in fix
    assert not [a for a in fix if a.startswith("sagemaker:")]


def test_without_fix_or_without_a_fixable_check_the_policy_stays_read_only() -> None:
    assert list(_statements()) == ["MlcostScanReadOnly"]
    # training-spot's fix (enable managed spot) is not one mlcost applies
    assert list(_statements("--fix", "--check", "training-spot")) == ["MlcostScanReadOnly"]
    everything = _statements("--fix")
    assert list(everything) == ["MlcostScanReadOnly", "MlcostFix", "MlcostFixPassRole"]
    # Lookup: CloudTrail LookupEvents; ViewBudget: Budgets DescribeBudgets (IAM names it so)
    verbs = ("Describe", "List", "Get", "Search", "Lookup", "ViewBudget")
    for action in everything["MlcostScanReadOnly"]["Action"]:
        assert action.split(":")[1].startswith(verbs), action


def test_a_job_stop_is_granted_only_with_the_check_that_proposes_it() -> None:
    fix = _statements("--fix", "--check", "long-running-job")["MlcostFix"]["Action"]
    assert {"sagemaker:StopTrainingJob", "sagemaker:DescribeTrainingJob"} <= set(fix)
    assert "sagemaker:StopProcessingJob" not in fix
