"""oversized-notebook: a GPU notebook whose GPU never ran and whose CPU stays low (planted),
and a GPU notebook that renders on its GPU every working day (look-alike). Both run the
mlcost agent (``MLCost/Agent`` Busy, IdleSeconds, CPUUtilization, GPUUtilization) and an
idle guard, so only their size is in question."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "oversized-notebook"


def _agent_usage(b: OrgBuilder, name: str, cpu, gpu) -> None:
    dims = {"NotebookInstanceName": name}
    b.add_series("us-east-1", "MLCost/Agent", "CPUUtilization", dims, cpu, unit="Percent")
    b.add_series("us-east-1", "MLCost/Agent", "GPUUtilization", dims, gpu, unit="Percent")


def plant(b: OrgBuilder) -> None:
    from mlcost.demo.org import AUTOSTOP_SCRIPT

    vision = b.tags("vision", "labeling", "mei@example.com", "dev")
    working = (b.office(1.0) > 0.2).astype(float)
    for name, cpu_peak, gpu in (
        ("cv-labeling-gpu-nb", 25.0, np.zeros_like(b.ts)),
        ("sim-render-gpu-nb", 40.0, b.noisy(b.office(75.0, 5.0), 0.1, 0, 100)),
    ):
        b.notebook(
            "us-east-1",
            name,
            "ml.g4dn.xlarge",
            age_days=45,
            state="InService",
            script=AUTOSTOP_SCRIPT,
            busy=working,
            tags=vision,
        )
        _agent_usage(b, name, b.noisy(b.office(cpu_peak, 2.0), 0.1, 0, 100), gpu)
        b.mark(CHECK, name, lookalike=name.startswith("sim-"))
