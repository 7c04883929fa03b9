"""Errors a user can act on. The CLI prints them as one line (what was wrong, what to do)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or environment: shown without a traceback, exit code 2."""

    def __init__(self, problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.problem} — {self.hint}" if self.hint else self.problem
