"""Drive ``mlcost bench`` through the real entry point (its error boundary included)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
        assert lines[0].startswith("error: "), lines[0]
        assert "Traceback" not in self.err
        for word in words:
            assert word.lower() in lines[0].lower(), f"{word!r} not in {lines[0]!r}"
        return lines[0]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    """``cli("bench", ...)`` -> Outcome; every run journals into a database under tmp_path."""
    from mlcost.cli import main

    db = f"sqlite:///{tmp_path / 'journal.db'}"

    def run(*args: str) -> Outcome:
        capsys.readouterr()
        argv = list(args)
        if argv and argv[0] == "bench":
            argv += ["--db", db]
        with pytest.raises(SystemExit) as exc:
            main(argv)
        out, err = capsys.readouterr()
        code = exc.value.code
        return Outcome(code if isinstance(code, int) else 0, out, err)

    run.db = db  # type: ignore[attr-defined]
    return run


@pytest.fixture
def payload_file(tmp_path: Path) -> Path:
    path = tmp_path / "payloads.jsonl"
    path.write_text(
        '{"model": "m", "prompt": "Hello", "max_tokens": 8, "stream": true}\n'
        '{"model": "m", "prompt": "Bonjour", "max_tokens": 8, "stream": true}\n'
    )
    return path
