"""The error boundary itself: a bug is one line naming the file with its traceback (exit 1),
``--debug`` prints the traceback, and Click's usage errors are one line too."""

from __future__ import annotations

import re
from pathlib import Path


def _boom(*args, **kwargs):
    raise RuntimeError("boom in the policy builder")


def test_a_bug_is_one_line_and_the_traceback_goes_to_a_file(cli, monkeypatch) -> None:
    monkeypatch.setattr("mlcost.sources.aws.policy.scan_policy", _boom)
    r = cli("policy", "self")
    assert r.code == 1
    line = r.one_error_line("internal error", "RuntimeError: boom in the policy builder")
    log = Path(re.search(r"the traceback is in (\S+);", line).group(1))
    try:
        text = log.read_text()
        assert "Traceback (most recent call last)" in text and "_boom" in text
    finally:
        log.unlink()


def test_debug_prints_the_traceback(cli, monkeypatch) -> None:
    monkeypatch.setattr("mlcost.sources.aws.policy.scan_policy", _boom)
    r = cli("--debug", "policy", "self")
    assert r.code == 1
    assert "Traceback (most recent call last)" in r.err and "_boom" in r.err


def test_usage_errors_are_one_line(cli) -> None:
    for argv, words in (
        (["scan", "--bogus"], ["No such option: --bogus", "mlcost scan --help"]),
        (["scan", "-f", "pdf"], ["'pdf'", "table"]),
        (["nosuchcommand"], ["nosuchcommand"]),
        (["agent", "run", "--sample-seconds", "soon"], ["--sample-seconds", "valid number"]),
    ):
        r = cli(*argv)
        assert r.code == 2, argv
        r.one_error_line(*words)


def test_an_os_error_from_deep_inside_is_one_line(cli, monkeypatch) -> None:
    def denied(*a, **k):
        raise PermissionError(13, "Permission denied", "/var/lib/mlcost/catalogue.json")

    monkeypatch.setattr("mlcost.pricing.catalogue.catalogue_info", denied)
    r = cli("prices", "info")
    assert r.code == 2
    r.one_error_line("/var/lib/mlcost/catalogue.json", "Permission denied")
