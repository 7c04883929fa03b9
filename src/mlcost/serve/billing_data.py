"""What the dashboard reads from the billing database (DuckDB, `mlcost billing ingest`): the
report's sections, the monthly trend by stage, and the savings-plan commitment curve.

Why a separate read per page: DuckDB opens read-only in milliseconds, and a page never holds a
connection another mlcost command (an ingest) would then find locked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlcost.errors import UserError
from mlcost.serve.app import PageError


def _runner(db: Path) -> Any:
    from mlcost.billing.report import duckdb_runner

    try:
        return duckdb_runner(db)
    except UserError as exc:  # not a billing database, a newer layout, held by a writer
        raise PageError(409, exc.problem, exc.hint) from None


def monthly_by_stage(db: Path) -> list[dict[str, Any]]:
    """[{month, stage, effective_cost}] over the whole bill."""
    from mlcost.billing.queries import sql_text

    return _runner(db)(sql_text("report_monthly_by_stage"))


def report(db: Path, tag: str | None) -> Any:
    from mlcost.billing.report import build

    return build(_runner(db), tag=tag)


def commitment_curve(db: Path, rates_file: Path | None) -> tuple[dict[str, Any] | None, str | None]:
    """(the savings-plan plan as `mlcost plan savings-plan` gives it, or None; why not).
    Rates come from ``rates_file`` (`--sp-rates`, the planner's `--rates` file, whose plan
    type is the one planned), else from the bill's own covered lines (SageMaker plans):
    mlcost ships no rates and invents none."""
    from mlcost.billing import savings_plan as sp
    from mlcost.billing.spend_series import hourly_spend, rates_from_bill

    _runner(db)  # the same refusal as the other sections for a foreign file
    try:
        given = sp.load_rates(rates_file) if rates_file is not None else None
        plan_type = given.plan if given else sp.PlanType.SAGEMAKER
        families, spend = hourly_spend(db, plan_type)
        rates = given or rates_from_bill(db, plan_type, 1, "no-upfront")
        return sp.result_json(sp.plan(spend, families, rates), rates), None
    except UserError as exc:
        return None, f"{exc.problem} ({exc.hint})" if exc.hint else exc.problem
