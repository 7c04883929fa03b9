"""`mlcost policy`: IAM policies. `self` prints the least-privilege policy mlcost needs."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from mlcost.cli.options import OutputOption

app = typer.Typer(help="IAM policies: the one mlcost itself needs.", no_args_is_help=True)


@app.command("self")
def policy_self(
    check: Annotated[
        list[str] | None,
        typer.Option("--check", help="Only what these checks read; repeat for several."),
    ] = None,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Add the permissions `mlcost fix`, `undo` and `verify` need for the fixes "
            "of these checks (statement MlcostFix).",
        ),
    ] = False,
    schedule: Annotated[
        bool,
        typer.Option(
            "--schedule",
            help="Add what `mlcost schedule run --apply` calls, from the schedule kinds' "
            "descriptors (statement MlcostSchedule).",
        ),
    ] = False,
    bench: Annotated[
        bool,
        typer.Option(
            "--bench",
            help="Add what `mlcost bench --endpoint` calls: DescribeEndpoint(Config) and "
            "InvokeEndpoint(WithResponseStream) (statement MlcostBench).",
        ),
    ] = False,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Add what `mlcost plan inference --endpoint` and `plan training --job` read "
            "(statement MlcostPlan).",
        ),
    ] = False,
    all_regions: Annotated[
        bool,
        typer.Option(
            "--all-regions",
            help="Add ec2:DescribeRegions, which `--region all` calls to list the account's "
            "enabled regions (statement MlcostRegions).",
        ),
    ] = False,
    output: OutputOption = None,
) -> None:
    """Print the read-only IAM policy `mlcost scan` needs (JSON), computed from the resource
    kinds' descriptors and the checks' needs: attach it to the role the scan runs as.

    With --fix the same document also allows the fix actions' calls, computed from what
    each action declares; the scan's reads stay in it because `mlcost fix` re-checks each
    finding against AWS before it changes anything."""
    from mlcost.checks import needs_for
    from mlcost.cli.options import check_output_path, note, write_output
    from mlcost.sources.aws.policy import REGION_DISCOVERY, scan_policy, statement

    check_output_path(output)

    needs = needs_for(check or None)
    policy = scan_policy(needs)
    if fix:
        from mlcost.fix.policy import fix_actions, fix_statements

        policy["Statement"] += fix_statements(fix_actions(needs.kinds, check or None))
    if schedule:
        from mlcost.schedule.template import schedule_statements

        policy["Statement"] += schedule_statements()
    if bench:
        from mlcost.bench.sagemaker import CALLS

        policy["Statement"].append(statement("MlcostBench", CALLS))
    if plan:
        from mlcost.plan.live import CALLS as PLAN_CALLS

        policy["Statement"].append(statement("MlcostPlan", PLAN_CALLS))
    if all_regions:
        policy["Statement"].append(statement("MlcostRegions", REGION_DISCOVERY))
    text = json.dumps(policy, indent=2)
    if output is None:
        typer.echo(text)
        return
    write_output(output, text + "\n")
    note(f"wrote {output}")
