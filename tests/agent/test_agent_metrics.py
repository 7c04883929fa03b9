"""The published Busy metric covers the whole interval, not only the sample instants.

docs/CONTRACTS.md promises "busy during the interval": the scan's idle-notebook check reads
it, so a notebook in daily use must never publish Busy=0 for an interval it was used in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mlcost.agent.core.config import AgentConfig
from mlcost.agent.core.runner import Agent
from mlcost.agent.core.signals import Reading
from mlcost.agent.core.target import Target

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class _Api:
    """Records each PutMetricData batch as {metric name: value}."""

    via = "fake"

    def __init__(self) -> None:
        self.batches: list[dict[str, float]] = []

    def put_metric_data(self, namespace: str, data: list[dict]) -> None:
        self.batches.append({d["MetricName"]: d["Value"] for d in data})

    def stop_notebook_instance(self, name: str) -> None:
        raise AssertionError("nothing here may be stopped")


def _run(sampler: Callable[[datetime], Reading], samples: int) -> list[dict[str, float]]:
    """The agent loop, one sample every 30 s from T0, publishing every 5 minutes."""
    clock = [T0]

    def tick(_seconds: float) -> None:
        clock[0] += timedelta(seconds=30)

    api = _Api()
    agent = Agent(
        AgentConfig(signals=("jupyter",), publish_seconds=300, max_samples=samples),
        clock=lambda: clock[0],
        sleep=tick,
        samplers=[("jupyter", lambda: sampler(clock[0]))],
        api=api,  # type: ignore[arg-type]
        target=Target("notebook", "us-east-1", {"NotebookInstanceName": "nb"}),
    )
    agent.run()
    return api.batches


def test_terminal_touched_between_samples_is_busy() -> None:
    """Someone types in a terminal 10 s before every sample: never busy AT a sample."""

    def terminal(now: datetime) -> Reading:
        used = now - timedelta(seconds=10)
        return Reading(
            "jupyter", False, "0 busy, 1 terminal(s)", used, stamps={"terminals": [used]}
        )

    batches = _run(terminal, samples=30)  # 15 minutes: three intervals
    assert [b["Busy"] for b in batches] == [1.0, 1.0, 1.0]
    assert all(b["IdleSeconds"] == 10.0 for b in batches)
    assert all(b["ActiveTerminals"] == 1.0 for b in batches)


def test_kernel_cell_run_between_samples_is_busy_in_its_interval_only() -> None:
    """A 5-second cell ran at 9:07, between two samples; the kernel is idle at every sample."""
    cell_end = T0 + timedelta(minutes=7, seconds=5)

    def kernel(now: datetime) -> Reading:
        last = cell_end if now >= cell_end else T0 - timedelta(hours=3)
        return Reading("jupyter", False, "1 kernel(s), 0 busy", last, stamps={"kernels": [last]})

    batches = _run(kernel, samples=30)
    # 9:00-9:05 nothing; 9:05-9:10 the cell; 9:10-9:15 nothing since.
    assert [b["Busy"] for b in batches] == [0.0, 1.0, 0.0]
    assert [b["JupyterBusyKernels"] for b in batches] == [0.0, 1.0, 0.0]
    assert batches[2]["IdleSeconds"] == 475.0  # 9:15:00 - 9:07:05


def test_quiet_machine_publishes_busy_zero() -> None:
    def quiet(now: datetime) -> Reading:
        return Reading("jupyter", False, "1 kernel(s), 0 busy", T0 - timedelta(days=1))

    batches = _run(quiet, samples=20)
    assert [b["Busy"] for b in batches] == [0.0, 0.0]
    assert [b["IdleSeconds"] for b in batches] == [300.0, 600.0]  # counted from the agent's start
