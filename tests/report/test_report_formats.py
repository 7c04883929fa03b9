"""Report formats: the JSON contract (validated by a pydantic model of DESIGN.md's findings
JSON), CSV and Markdown content, and the Rich table.

Findings here are hand-built, so totals are hand-computed:
  idle notebook 36.50 and no-autostop 25.64 on the SAME notebook -> counted once, at 36.50;
  idle endpoint 167.90; unpriced EC2 box None.
  total saving = 36.50 + 167.90 = 204.40 ; total cost = 36.50 + 167.90 = 204.40
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from mlcost.model import Finding, Fix, ResourceKind, Risk, ScanResult, SourceError
from mlcost.report import render_table, to_csv, to_json, to_markdown

# --------------------------------------------------------------------------- the contract


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FixModel(_Strict):
    action: str
    params: dict[str, Any]


class FindingModel(_Strict):
    id: str
    check: str
    resource_kind: Literal[
        "notebook-instance",
        "studio-app",
        "endpoint",
        "training-job",
        "processing-job",
        "transform-job",
        "ec2-instance",
        "capacity-reservation",
        "account",
    ]
    resource_id: str
    resource_arn: str
    region: str
    title: str
    evidence: dict[str, Any]
    monthly_cost_usd: float | None
    monthly_savings_usd: float | None
    fix: FixModel
    risk: Literal["safe", "review", "disruptive"]
    confidence: float = Field(ge=0, le=1)


class ByCheck(_Strict):
    count: int
    monthly_savings_usd: float | None


class Totals(_Strict):
    monthly_cost_usd: float | None
    monthly_savings_usd: float | None
    by_check: dict[str, ByCheck]
    unpriced_findings: int  # findings whose cost or saving is null: the sums leave them out
    partial: bool


class ErrorModel(_Strict):
    region: str
    service: str
    operation: str
    message: str


class Scanned(_Strict):
    regions: list[str]
    resources: dict[str, int]


class Report(_Strict):
    generated_at: datetime
    source: str
    account_id: str | None  # documented addition: the account scanned (STS)
    scanned: Scanned  # documented addition: what was read, zero counts included
    regions: list[str]
    lookback_days: int
    findings: list[FindingModel]
    totals: Totals
    errors: list[ErrorModel]  # documented addition to the contract
    warnings: list[str]  # documented addition to the contract


def _cents(x: float | None) -> bool:
    return x is None or round(x, 2) == x


# --------------------------------------------------------------------------- fixtures


def _f(
    check: str, kind: ResourceKind, rid: str, cost: str | None, saving: str | None, **kw
) -> Finding:
    return Finding(
        id=f"{check[:4]}{rid[:8]}",
        check=check,
        resource_kind=kind,
        resource_id=rid,
        resource_arn=f"arn:aws:x:us-east-1:123456789012:{kind}/{rid}",
        region="us-east-1",
        title=kw.get("title", f"{check} on {rid}"),
        evidence=kw.get(
            "evidence", {"price": {"usd_per_hour": "0.05", "source": "s", "date": "2025-06-16"}}
        ),
        monthly_cost_usd=None if cost is None else Decimal(cost),
        monthly_savings_usd=None if saving is None else Decimal(saving),
        fix=kw.get("fix", Fix("stop-notebook-instance", {"NotebookInstanceName": rid})),
        risk=Risk.REVIEW,
        confidence=0.9,
    )


@pytest.fixture
def result() -> ScanResult:
    nb = ResourceKind.NOTEBOOK_INSTANCE
    return ScanResult(
        generated_at=datetime(2026, 11, 20, 12, tzinfo=UTC),
        source="demo",
        regions=["us-east-1"],
        lookback_days=7,
        findings=[
            _f(
                "idle-endpoint",
                ResourceKind.ENDPOINT,
                "fraud-scorer",
                "167.90",
                "167.90",
                fix=Fix("delete-endpoint", {"EndpointName": "fraud-scorer"}),
                title="Endpoint fraud-scorer | served no requests",
            ),
            _f("idle-notebook", nb, "alice-nb", "36.50", "36.50"),
            _f("notebook-no-autostop", nb, "alice-nb", "36.50", "25.64"),
            _f(
                "idle-ec2-gpu",
                ResourceKind.EC2_INSTANCE,
                "i-0spot",
                None,
                None,
                evidence={
                    "unpriced": "spot instance",
                    "since": datetime(2026, 11, 19, tzinfo=UTC),
                    "x": Decimal("1.5"),
                },
                fix=Fix("stop-instances", {"InstanceIds": ["i-0spot"]}),
            ),
        ],
        errors=[
            SourceError("eu-west-1", "sagemaker", "ListEndpoints", "AccessDenied: not authorized")
        ],
        warnings=["unpriced: g5.xlarge in us-east-1 (ec2) — spot instance"],
    )


# --------------------------------------------------------------------------- JSON


def test_json_matches_the_contract(result):
    doc = json.loads(to_json(result))
    report = Report.model_validate(doc)
    assert [f.monthly_savings_usd for f in report.findings] == [167.9, 36.5, 25.64, None]
    assert all(
        _cents(f.monthly_cost_usd) and _cents(f.monthly_savings_usd) for f in report.findings
    )
    assert doc["generated_at"] == "2026-11-20T12:00:00+00:00"
    assert doc["findings"][3]["monthly_cost_usd"] is None  # unpriced is null, never 0


def test_json_totals_count_each_resource_once(result):
    doc = json.loads(to_json(result))
    assert doc["totals"]["monthly_savings_usd"] == 204.40
    assert doc["totals"]["monthly_cost_usd"] == 204.40
    assert doc["totals"]["by_check"]["notebook-no-autostop"] == {
        "count": 1,
        "monthly_savings_usd": 25.64,
    }
    assert doc["totals"]["by_check"]["idle-ec2-gpu"] == {"count": 1, "monthly_savings_usd": 0.0}
    assert doc["totals"]["unpriced_findings"] == 1  # the spot EC2 box
    assert doc["totals"]["partial"] is True
    assert set(doc["totals"]["by_check"]) == {
        "idle-endpoint",
        "idle-notebook",
        "notebook-no-autostop",
        "idle-ec2-gpu",
    }


def test_json_evidence_values_are_plain(result):
    doc = json.loads(to_json(result))
    ev = doc["findings"][3]["evidence"]
    assert ev["since"] == "2026-11-19T00:00:00+00:00"
    assert ev["x"] == "1.5"
    assert doc["errors"][0]["operation"] == "ListEndpoints"
    assert doc["warnings"] == result.warnings


# --------------------------------------------------------------------------- CSV


def test_csv_has_one_row_per_finding_in_order(result):
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert [r["resource_id"] for r in rows] == ["fraud-scorer", "alice-nb", "alice-nb", "i-0spot"]
    assert rows[0]["monthly_savings_usd"] == "167.90"
    assert rows[2]["monthly_savings_usd"] == "25.64"
    assert rows[3]["monthly_savings_usd"] == "" and rows[3]["monthly_cost_usd"] == ""
    assert json.loads(rows[0]["fix_params"]) == {"EndpointName": "fraud-scorer"}
    assert rows[0]["fix_action"] == "delete-endpoint"
    assert json.loads(rows[3]["evidence"])["unpriced"] == "spot instance"


# --------------------------------------------------------------------------- Markdown


def test_markdown_has_totals_rows_and_warnings(result):
    md = to_markdown(result)
    assert "potential monthly savings $204.40" in md
    assert "Totals are partial: 1 unpriced finding(s)" in md
    assert (
        "| 1 | idle-endpoint | `fraud-scorer` | us-east-1 | $167.90 | $167.90 | delete-endpoint | review | 0.90 |"
        in md
    )
    assert "| 4 | idle-ec2-gpu | `i-0spot` | us-east-1 | unpriced | unpriced |" in md
    assert "| notebook-no-autostop | 1 | $25.64 |" in md
    assert "fraud-scorer \\| served" in md  # a pipe in a title cannot break the table
    assert "## Warnings" in md and "unpriced: g5.xlarge in us-east-1" in md
    assert "## Errors (not scanned)" in md and "ListEndpoints" in md


def test_markdown_without_findings():
    empty = ScanResult(datetime(2026, 11, 20, tzinfo=UTC), "aws", ["eu-west-1"], 7, [])
    md = to_markdown(empty)
    assert "No findings." in md and "$0.00" in md


# --------------------------------------------------------------------------- Rich table


def test_table_lists_findings_total_and_warnings(result):
    console = Console(record=True, width=200, color_system=None)
    render_table(result, console)
    text = console.export_text()
    lines = text.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if rid in line)
        for rid in ("fraud-scorer", "alice-nb", "i-0spot")
    ]
    assert order == sorted(order)
    total = next(line for line in lines if "Total" in line)
    assert "$204.40" in total and "3 resources" in total
    assert "partial: 1 unpriced" in total
    assert "unpriced" in next(line for line in lines if "i-0spot" in line)
    assert "warning unpriced: g5.xlarge in us-east-1" in text
    assert "error eu-west-1 sagemaker ListEndpoints" in text


def test_fully_priced_totals_are_not_partial(result):
    result.findings = [f for f in result.findings if f.monthly_savings_usd is not None]
    result.errors = []  # every region read: a failed read also makes totals partial
    doc = json.loads(to_json(result))
    assert doc["totals"]["unpriced_findings"] == 0 and doc["totals"]["partial"] is False
    assert "partial" not in to_markdown(result)
    console = Console(record=True, width=200, color_system=None)
    render_table(result, console)
    assert "partial" not in console.export_text()


def test_totals_are_partial_when_a_read_failed(result):
    result.findings = [f for f in result.findings if f.monthly_savings_usd is not None]
    assert result.errors  # eu-west-1 ListEndpoints failed
    doc = json.loads(to_json(result))
    assert doc["totals"]["unpriced_findings"] == 0 and doc["totals"]["partial"] is True
    console = Console(record=True, width=200, color_system=None)
    render_table(result, console)
    assert "partial: 1 read(s) failed in eu-west-1" in console.export_text()


def test_table_prints_brackets_in_messages_verbatim(result):
    # AWS messages and resource names may hold "[...]": Rich would read "[/a-z]" as a closing
    # tag and raise MarkupError, or swallow "[bold]" as style.
    result.errors = [
        SourceError(
            "us-east-1",
            "sagemaker",
            "ListEndpoints",
            "ValidationException: name must match [/a-z] and [bold]x[/bold]",
        )
    ]
    result.warnings = ["check idle-endpoint failed on ep[/a-z]: KeyError: '[red]'"]
    console = Console(record=True, width=300, color_system=None)
    render_table(result, console)
    text = console.export_text()
    assert "name must match [/a-z] and [bold]x[/bold]" in text
    assert "failed on ep[/a-z]: KeyError: '[red]'" in text


# --------------------------------------------------------------------------- substitutions


def _substituted(result: ScanResult) -> ScanResult:
    """The notebook figures rest on a Studio-Notebook price standing in for the notebook one."""
    price = {
        "usd_per_hour": "0.05",
        "usage": "notebook",
        "source": "AWS pricing-page feed sagemaker-instances-studionotebook.json",
        "date": "2025-06-16",
        "basis": "substitution",
        "substituted_from": "studio-notebook",
    }
    result.findings[1].evidence = {"price": price}
    return result


def test_substituted_prices_are_marked_in_the_table_with_their_basis(result):
    console = Console(record=True, width=200, color_system=None)
    render_table(_substituted(result), console)
    text = console.export_text()
    row = next(line for line in text.splitlines() if "idle-notebook" in line)
    assert "$36.50 †" in row
    endpoint_row = next(line for line in text.splitlines() if "fraud-scorer" in line)
    assert "†" not in endpoint_row  # a list price is not marked
    assert "† labelled substitution: notebook price from studio-notebook" in text


def test_substituted_prices_are_marked_in_markdown_with_a_footnote(result):
    md = to_markdown(_substituted(result))
    assert "| 2 | idle-notebook | `alice-nb` | us-east-1 | $36.50 † | $36.50 † |" in md
    assert "notebook price from studio-notebook (same type and region" in md
    assert "2025-06-16" in md
