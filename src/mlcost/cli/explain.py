"""`mlcost explain [CHECK]`: what a check judges, with which signals, thresholds and source.

Why: a finding is only trusted when its rule can be read. Everything printed here comes from
the registry (the check's docstring, its declared defaults, ``needs`` and ``statuses``) and
the kind descriptors (which CloudWatch namespace and metric each label is), so it cannot
drift from what the scan does.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from mlcost.checks.registry import Check
from mlcost.cli.scan import ConfigOption
from mlcost.config import toml_literal


def signal_lines(chk: Check) -> list[str]:
    """Each metric label the check reads, with the CloudWatch series it is read from."""
    from mlcost.sources.aws.kinds import REGISTRY as KINDS

    spec = KINDS.get(chk.kind)
    lines = []
    for label in sorted(chk.needs):
        series = [s for s in (spec.series if spec else ()) if s.label == label]
        where = "; ".join(
            dict.fromkeys(f"{s.namespace} {'/'.join(s.metrics)} ({s.stat})" for s in series)
        )
        if not where:  # an account-level read (an enrichment that carries the label)
            from mlcost.sources.aws.policy import iam_action

            reads = [e for e in (spec.enrich if spec else ()) if e.label == label]
            where = "; ".join(iam_action(e.service, op) for e in reads for op in e.operations)
        lines.append(f"{label}: {where or 'not read by the live source'}")
    return lines


def summary(doc: str) -> str:
    """The first sentence of a docstring, on one line."""
    paragraph = " ".join(doc.split("\n\n")[0].split())
    return paragraph.split(". ")[0].rstrip(".") + "." if paragraph else ""


def describe(chk: Check, overrides: dict | None = None) -> str:
    """The full explanation of one check, as plain text."""
    source = Path(inspect.getsourcefile(chk.fn) or "?")
    doc = inspect.cleandoc(chk.fn.__doc__ or "") or "(no description)"
    out = [f"{chk.id}  ({chk.kind})", "", doc, ""]
    out.append("settings (override in mlcost.toml under [checks." + chk.id + "]):")
    if not chk.defaults:
        out.append("  none")
    for key, default in sorted(chk.defaults.items()):
        note = ""
        if overrides and key in overrides:
            note = f"  -> {toml_literal(overrides[key])} from the config file"
        out.append(f"  {key} = {toml_literal(default)}{note}")
    account = chk.kind == "account"  # Budgets / Cost Explorer, not CloudWatch
    out.append(
        "signals read (account-level APIs, once per scan):"
        if account
        else "signals read (CloudWatch, hourly):"
    )
    out += [f"  {line}" for line in signal_lines(chk)] or ["  none (resource fields only)"]
    statuses = "every status" if chk.statuses is None else ", ".join(sorted(chk.statuses))
    out.append(f"resource statuses judged: {statuses}")
    out.append(f"code: {chk.fn.__module__} ({source.name})")
    return "\n".join(out)


def register(app: typer.Typer) -> None:
    """Add the `explain` command to the root app."""

    @app.command()
    def explain(
        check_id: Annotated[
            str | None, typer.Argument(metavar="CHECK", help="Check id; none lists them.")
        ] = None,
        config: ConfigOption = None,
    ) -> None:
        """Explain a check: its rule and source, defaults, the signals it reads; or list all."""
        from mlcost.checks import load_all, unknown_check
        from mlcost.config import load_config

        registry = load_all()
        if check_id is None:
            width = max(len(c) for c in registry)
            for cid, chk in sorted(registry.items()):
                typer.echo(f"{cid:<{width}}  {chk.kind:<18} {summary(chk.doc)}")
            typer.echo("\n`mlcost explain CHECK` prints a check's rule, settings and signals.")
            return
        chk = registry.get(check_id)
        if chk is None:
            raise unknown_check(check_id, registry)
        overrides = load_config(config).checks.get(check_id)
        typer.echo(describe(chk, overrides))
