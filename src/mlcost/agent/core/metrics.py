"""The agent's CloudWatch metrics: namespace ``MLCost/Agent``, one batch per interval.

The contract (docs/CONTRACTS.md, docs/agent.md) is what ``mlcost scan``'s idle-notebook
check reads from outside: Busy, IdleSeconds, GPUUtilization, CPUUtilization,
JupyterBusyKernels, ActiveTerminals, with the resource's own dimensions. A metric whose
signal produced no value in the interval is left out rather than sent as 0, so a
reader never mistakes "not measured" for "idle".
"""

from __future__ import annotations

from datetime import datetime

from .decision import Decision
from .signals import Reading

NAMESPACE = "MLCost/Agent"


class MetricWindow:
    """Aggregates samples over one publish interval."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.samples = 0
        self.busy = 0.0
        self.idle_seconds: float | None = None
        self.gpu: float | None = None
        self.cpu: list[float] = []
        self.kernels: int | None = None
        self.terminals: int | None = None

    def observe(self, readings: list[Reading], decision: Decision, now: datetime) -> None:
        """Fold one sample in. Busy covers the whole interval, not just the sample instants:
        a signal busy or unreadable at a sample, or activity a signal recorded between
        samples (a cell run, a terminal used), which leaves the tracker's common idle time
        shorter than the time since the window began."""
        self.samples += 1
        since_start = (now - self.start).total_seconds()
        if decision.any_busy or decision.idle_seconds < since_start:
            self.busy = 1.0
        self.idle_seconds = decision.idle_seconds
        for r in readings:
            if r.busy is None:
                continue
            if "gpu_util" in r.values:
                self.gpu = max(self.gpu or 0.0, r.values["gpu_util"])
            if "cpu_machine_pct" in r.values:
                self.cpu.append(r.values["cpu_machine_pct"])
            if r.name == "jupyter":
                k = sum(1 for t in r.stamps.get("kernels", []) if t >= self.start)
                t_ = sum(1 for t in r.stamps.get("terminals", []) if t >= self.start)
                self.kernels = max(self.kernels or 0, k)
                self.terminals = max(self.terminals or 0, t_)

    def metric_data(self, dimensions: list[dict[str, str]], at: datetime) -> list[dict]:
        """PutMetricData ``MetricData`` entries for this window (empty if nothing sampled)."""
        if not self.samples:
            return []
        values: list[tuple[str, float | None, str]] = [
            ("Busy", self.busy, "None"),
            ("IdleSeconds", self.idle_seconds, "Seconds"),
            ("GPUUtilization", self.gpu, "Percent"),
            ("CPUUtilization", sum(self.cpu) / len(self.cpu) if self.cpu else None, "Percent"),
            ("JupyterBusyKernels", None if self.kernels is None else float(self.kernels), "Count"),
            ("ActiveTerminals", None if self.terminals is None else float(self.terminals), "Count"),
        ]
        return [
            {
                "MetricName": n,
                "Dimensions": dimensions,
                "Timestamp": at,
                "Value": round(v, 3),
                "Unit": u,
            }
            for n, v, u in values
            if v is not None
        ]
