"""findings.md prints each fix as JSON and, where it is one AWS call, the `aws` command."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

from mlcost.model import Finding, Fix, ResourceKind, Risk, ScanResult
from mlcost.report import to_markdown
from mlcost.report.aws_cli import aws_command


def _finding(action: str, params: dict, rid: str = "ep-1") -> Finding:
    return Finding(
        id=f"f-{action}",
        check="idle-endpoint",
        resource_kind=ResourceKind.ENDPOINT,
        resource_id=rid,
        resource_arn=f"arn:aws:sagemaker:eu-west-1:111122223333:endpoint/{rid}",
        region="eu-west-1",
        title=f"{action} {rid}",
        evidence={},
        monthly_cost_usd=Decimal("100"),
        monthly_savings_usd=Decimal("100"),
        fix=Fix(action=action, params=params),
        risk=Risk.REVIEW,
        confidence=0.9,
    )


def test_one_call_fixes_map_to_the_aws_command() -> None:
    assert (
        aws_command(_finding("delete-endpoint", {"EndpointName": "ep-1"}))
        == "aws sagemaker delete-endpoint --endpoint-name ep-1 --region eu-west-1"
    )
    assert (
        aws_command(_finding("stop-instances", {"InstanceIds": ["i-1", "i-2"]}))
        == "aws ec2 stop-instances --instance-ids i-1 i-2 --region eu-west-1"
    )
    attach = _finding(
        "attach-lifecycle-config",
        {"NotebookInstanceName": "nb 1", "LifecycleConfigName": "mlcost-autostop"},
    )
    # stop the notebook, create the config, attach it: not one command
    assert aws_command(attach) is None
    quoted = _finding("stop-notebook-instance", {"NotebookInstanceName": "nb 1"})
    assert aws_command(quoted) == (
        "aws sagemaker stop-notebook-instance --notebook-instance-name 'nb 1' --region eu-west-1"
    )
    # several calls (a new endpoint config first): no single command is offered
    assert aws_command(_finding("update-endpoint", {"EndpointName": "ep-1"})) is None
    assert aws_command(_finding("delete-endpoint", {})) is None  # params missing


def test_markdown_prints_fix_params_as_json_and_the_command() -> None:
    f = _finding("delete-endpoint", {"EndpointName": "ep-1"})
    result = ScanResult(
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        source="aws",
        regions=["eu-west-1"],
        lookback_days=14,
        findings=[f],
    )
    line = next(x for x in to_markdown(result).splitlines() if x.startswith("- **"))
    params = re.search(r"`(\{.*?\})`", line).group(1)
    assert json.loads(params) == {"EndpointName": "ep-1"}  # JSON, not a Python dict
    assert (
        "by hand: `aws sagemaker delete-endpoint --endpoint-name ep-1 --region eu-west-1`" in line
    )


def test_the_table_names_the_target_of_a_fix() -> None:
    from mlcost.report.text import fix_cell

    resize = _finding(
        "update-endpoint",
        {
            "EndpointName": "ep-1",
            "ProductionVariants": [
                {"VariantName": "v1", "InstanceType": "ml.m5.large", "InitialInstanceCount": 2}
            ],
        },
    )
    assert fix_cell(resize) == "update-endpoint -> ml.m5.large x2"
    attach = _finding("attach-lifecycle-config", {"LifecycleConfigName": "mlcost-autostop"})
    assert fix_cell(attach) == "attach-lifecycle-config -> mlcost-autostop"
    assert fix_cell(_finding("delete-endpoint", {"EndpointName": "ep-1"})) == "delete-endpoint"


def test_the_table_says_when_a_resource_is_counted_once() -> None:
    from rich.console import Console

    from mlcost.report import render_table

    idle = _finding("stop-notebook-instance", {"NotebookInstanceName": "nb"}, rid="nb")
    guard = _finding("attach-lifecycle-config", {"NotebookInstanceName": "nb"}, rid="nb")
    other = _finding("delete-endpoint", {"EndpointName": "ep-2"}, rid="ep-2")
    result = ScanResult(
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        source="aws",
        regions=["eu-west-1"],
        lookback_days=14,
        findings=[idle, guard, other],
    )
    console = Console(record=True, width=200, color_system=None)
    render_table(result, console)
    text = console.export_text()
    # three findings, two resources: $100 + $100 = $200, the notebook counted once
    assert "2 resources" in text and "$200.00" in text
    assert "1 finding(s) are on a resource already listed" in text
    result.findings = [idle, other]
    console = Console(record=True, width=200, color_system=None)
    render_table(result, console)
    assert "already listed" not in console.export_text()
