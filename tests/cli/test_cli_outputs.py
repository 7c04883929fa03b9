"""One output convention: -f/--format and -o/--output wherever a command writes output,
output paths checked before any work, files written whole, old spellings still accepted."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from mlcost.cli import app


@pytest.mark.parametrize(
    "target, why",
    [
        ("{tmp}", "is a folder"),
        ("{tmp}/missing/report.json", "does not exist"),
        ("{tmp}/a-file/report.json", "does not exist"),  # the parent is a file
    ],
)
def test_scan_checks_its_output_path_before_scanning(cli, no_scan, tmp_path, target, why) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    r = cli("scan", "--region", "us-east-1", "-f", "json", "-o", target.format(tmp=tmp_path))
    assert r.code == 2
    r.one_error_line(why)
    assert no_scan == []  # refused before the scan, so no result was lost


def test_the_demo_checks_its_folder_before_starting(cli, tmp_path, monkeypatch) -> None:
    def no_emulator(*a, **k):
        raise AssertionError("the emulator started although the folder was bad")

    monkeypatch.setattr("mlcost.demo.emulator.start_server", no_emulator)
    a_file = tmp_path / "report"
    a_file.write_text("x")
    for spelling in ("-o", "--output", "--out"):  # --out: the old spelling, hidden
        r = cli("demo", spelling, str(a_file))
        assert r.code == 2
        r.one_error_line("is a file, not a folder")


def test_a_report_is_written_whole_through_a_temporary_file(tmp_path, monkeypatch) -> None:
    from mlcost.cli.options import write_output
    from mlcost.errors import UserError

    target = tmp_path / "findings.json"
    target.write_text("the previous report")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", disk_full)
    with pytest.raises(UserError, match="No space left on device"):
        write_output(target, "new report")
    assert target.read_text() == "the previous report"  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["findings.json"]  # no temp file left


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["policy", "self"], '"Version": "2012-10-17"'),
        (["prices", "info"], '"regions"'),
        (["prices", "show", "ml.g5.xlarge", "-f", "json"], '"instance_type": "g5.xlarge"'),
        (["billing", "sql", "--dialect", "athena"], "-- "),
        (["history", "-f", "json", "--db", "sqlite:///{tmp}/journal.db"], '"scans": []'),
        (["history", "--db", "sqlite:///{tmp}/journal.db"], "fixes and undos"),
    ],
)
def test_commands_that_print_also_write_with_dash_o(cli, tmp_path, argv, expect) -> None:
    argv = [a.format(tmp=tmp_path) for a in argv]
    printed = cli(*argv)
    assert printed.code == 0 and expect in printed.out
    target = tmp_path / "out.txt"
    written = cli(*argv, "-o", str(target))
    assert written.code == 0 and written.out == ""
    assert target.read_text().strip() == printed.out.strip()
    assert f"wrote {target}" in written.err
    quiet = cli("--quiet", *argv, "-o", str(target))
    assert quiet.code == 0 and quiet.err == "" and quiet.out == ""


def test_lifecycle_config_writes_its_binary_script_with_dash_o(cli, tmp_path) -> None:
    target = tmp_path / "on-start.sh"
    r = cli("agent", "lifecycle-config", "--target", "notebook", "-o", str(target))
    assert r.code == 0
    assert target.read_bytes().startswith(b"#!/bin/bash\n# mlcost-agent idle guard")


def test_every_command_that_writes_output_takes_dash_o() -> None:
    import typer.main

    group = typer.main.get_command(app)
    writers = {
        ("scan",),
        ("demo",),
        ("billing", "report"),
        ("billing", "sql"),
        ("plan", "savings-plan"),
        ("policy", "self"),
        ("prices", "show"),
        ("prices", "info"),
        ("prices", "refresh"),
        ("agent", "lifecycle-config"),
        ("history",),
    }
    for path in writers:
        cmd = group
        for name in path:
            cmd = cmd.commands[name]  # type: ignore[attr-defined]
        names = {opt for p in cmd.params for opt in p.opts}
        assert {"-o", "--output"} <= names, path
    formats = {("scan",), ("billing", "report"), ("plan", "savings-plan"), ("prices", "show")}
    for path in formats:
        cmd = group
        for name in path:
            cmd = cmd.commands[name]  # type: ignore[attr-defined]
        assert {"-f", "--format"} <= {opt for p in cmd.params for opt in p.opts}, path


def test_old_spellings_are_hidden_aliases(cli) -> None:
    plan_help = cli("plan", "savings-plan", "--help").out
    assert "--format" in plan_help and "--json" not in plan_help
    demo_help = cli("demo", "--help").out
    assert "--output" in demo_help and "--out " not in demo_help


def test_help_names_what_a_value_is_and_describes_groups(cli) -> None:
    scan_help = cli("scan", "--help").out
    assert re.search(r"--lookback-days\s+DAYS", scan_help)
    assert re.search(r"--region\s+-r\s+REGION", scan_help) or "REGION" in scan_help
    top = cli("--help").out
    for group, words in (("billing", "Billing exports"), ("plan", "Commitment planning")):
        assert re.search(rf"{group}\s+{words}", top), top


def test_version(cli) -> None:
    from importlib.metadata import version

    r = cli("--version")
    assert r.code == 0 and r.out.strip() == f"mlcost {version('mlcost')}"


def test_no_color_leaves_no_escape_codes(cli, monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal would get colours
    r = cli("--no-color", "prices", "show", "ml.g5.xlarge")
    assert r.code == 0 and "ml.g5.xlarge" in r.out
    assert "\x1b[" not in r.out


def test_readme_lists_every_command() -> None:
    import typer.main

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    group = typer.main.get_command(app)
    missing = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        for full in [f"mlcost {name} {s}" for s in subs] if subs else [f"mlcost {name}"]:
            if f"`{full}" not in readme:
                missing.append(full)
    assert missing == []


def test_json_on_stdout_stays_parseable_with_quiet(cli) -> None:
    r = cli("--quiet", "prices", "show", "g5.xlarge", "-f", "json")
    assert r.code == 0 and json.loads(r.out)["region"] == "us-east-1"


def test_the_demo_speaks_to_a_user_and_says_what_next(tmp_path) -> None:
    from types import SimpleNamespace

    from mlcost.cli.demo import next_steps, planted_summary

    org = SimpleNamespace(
        expected={
            "flagged": [("idle-endpoint", "ep-a"), ("idle-notebook", "nb-b")],
            "not_flagged": [("idle-endpoint", "ep-busy")],
        }
    )
    result = SimpleNamespace(findings=[SimpleNamespace(check="idle-endpoint", resource_id="ep-a")])
    line = planted_summary(result, org)
    assert line == (
        "the demo organisation hides 2 wasteful resources among busy look-alikes: "
        "mlcost found 1 of them and flagged 0 busy look-alike(s)"
    )
    assert "planted" not in line and "/" not in line  # no test-speak ("23/23")
    hint = next_steps(tmp_path)
    assert "mlcost scan --region" in hint and f"--from {tmp_path / 'findings.json'}" in hint


def test_prices_show_prints_significant_decimals(cli) -> None:
    r = cli("prices", "show", "ml.g5.xlarge")
    assert r.code == 0
    row = next(line for line in r.out.splitlines() if "studio-notebook" in line)
    # the catalogue stores 1.4100000000 (sagemaker_studio_notebook_2025-06-16.csv)
    assert "1.41 " in row and "1.4100000000" not in row
    data = cli("prices", "show", "ml.g5.xlarge", "-f", "json").out
    assert '"usd_per_hour": "1.4100000000"' in data  # JSON keeps the exact value


def test_dev_stdout_and_symlinks_are_written_not_replaced(cli, tmp_path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    r = cli("policy", "self", "-o", str(link))
    assert r.code == 0
    assert link.is_symlink() and '"Version"' in real.read_text()  # the link is kept
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    import threading

    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    r = cli("policy", "self", "-o", str(fifo))
    reader.join(timeout=30)
    assert r.code == 0 and '"Version"' in got[0]
    assert fifo.exists() and not fifo.is_file()  # still the FIFO, not replaced by a file
