"""Drive the real entry point (``mlcost.cli.main``, the error boundary included) in-process."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def one_error_line(self, *words: str) -> str:
        """The single stderr line of a refused input; it must name each of ``words``."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got:\n{self.err}"
        line = lines[0]
        assert line.startswith("error: "), line
        assert "Traceback" not in self.err
        for word in words:
            assert word.lower() in line.lower(), f"{word!r} not in {line!r}"
        return line


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """``cli("scan", "--region", "x")`` -> Outcome(exit code, stdout, stderr)."""
    # a run may set these for itself (--profile, --no-color): keep them from leaking
    import os

    from mlcost.cli import main

    for name in ("AWS_PROFILE", "NO_COLOR", "TERM", "FORCE_COLOR"):
        if name in os.environ:  # restored after the test, whatever the run set
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    # a real run starts with no boto3 default session: one an earlier test made would carry
    # credentials it already resolved, and a corrupt or missing file would never be read
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    def run(*args: str) -> Outcome:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        out, err = capsys.readouterr()
        code = exc.value.code
        return Outcome(code if isinstance(code, int) else 0, out, err)

    return run


@pytest.fixture
def no_scan(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test if a scan starts; proves an input was refused before any AWS work."""
    started: list[str] = []

    def refuse(*args, **kwargs):
        started.append("scan")
        raise AssertionError("the scan ran although the input was bad")

    monkeypatch.setattr("mlcost.sources.aws.collect_inventory", refuse)
    return started
