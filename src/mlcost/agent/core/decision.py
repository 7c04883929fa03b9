"""The idle decision: every enabled signal idle for the configured time, or not idle.

Each signal's idle time runs from its last busy observation (or its own recorded last
activity, whichever is later), and from the agent's start: a machine someone just
started is never stopped before ``idle_minutes`` have passed. A signal that cannot be
read blocks the stop unless ``stop_on_unreadable`` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .signals import Reading


@dataclass
class Decision:
    """The verdict for one sample, with the one-line reason the log carries."""

    idle: bool
    idle_seconds: float
    reason: str
    any_busy: bool
    blocked: bool = False


def _fmt(seconds: float) -> str:
    m, s = divmod(int(max(seconds, 0)), 60)
    return f"{m}m{s:02d}s"


class IdleTracker:
    """Remembers when each signal was last busy."""

    def __init__(
        self, idle_seconds: float, started: datetime, stop_on_unreadable: bool = False
    ) -> None:
        self.idle_seconds = idle_seconds
        self.started = started
        self.stop_on_unreadable = stop_on_unreadable
        self.last_busy: dict[str, datetime] = {}

    def decide(self, readings: list[Reading], now: datetime) -> Decision:
        parts: list[str] = []
        blocked = False
        any_busy = False
        idle_for: list[float] = []
        for r in readings:
            last = self.last_busy.get(r.name, self.started)
            if r.last_active and r.last_active > last:
                last = min(r.last_active, now)
            if r.busy:
                last = now
                any_busy = True
            self.last_busy[r.name] = last
            if r.busy is None:
                any_busy = True
                if self.stop_on_unreadable:
                    quiet = (now - last).total_seconds()
                    idle_for.append(quiet)
                    parts.append(
                        f"{r.name} UNREADABLE, idle since last busy {_fmt(quiet)} "
                        f"(--stop-on-unreadable): {r.detail}"
                    )
                    continue
                blocked = True
                parts.append(f"{r.name} UNREADABLE, not stopping: {r.detail}")
                idle_for.append(0.0)
                continue
            quiet = (now - last).total_seconds()
            idle_for.append(quiet)
            state = "busy" if r.busy else f"idle {_fmt(quiet)}/{_fmt(self.idle_seconds)}"
            parts.append(f"{r.name} {state}: {r.detail}")
        common = min(idle_for) if idle_for else 0.0
        idle = not blocked and bool(idle_for) and common >= self.idle_seconds
        if not readings:
            parts.append("no signal enabled")
        return Decision(idle, common, "; ".join(parts), any_busy, blocked)
