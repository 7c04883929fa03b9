"""underused-ec2-gpu: a 4-GPU box using ~10 % of its GPUs (flagged); a busy 4-GPU box and
a box that reports only power draw and temperature (no rated power configured: not
estimated) as look-alikes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "underused-ec2-gpu"


def _gpus(b: OrgBuilder, region: str, name: str, count: int, **metrics: np.ndarray) -> None:
    """CloudWatch agent nvidia_gpu metrics per GPU (append_dimensions InstanceId)."""
    for index in range(count):
        dims = {"InstanceId": name, "index": str(index), "name": "NVIDIA A10G", "arch": "Ampere"}
        for metric, values in metrics.items():
            b.add_series(region, "CWAgent", f"nvidia_smi_{metric}", dims, values)


def plant(b: OrgBuilder) -> None:
    region = "us-east-1"
    tags = b.tags("vision", "defect-detect", "li@example.com")
    b.ec2(
        region,
        "vision-batch-g5-12x",
        "g5.12xlarge",
        age_days=40,
        state="running",
        cpu=b.flat(10.0, 0.1, 100),
        gpu=None,
        tags=tags,
    )
    _gpus(
        b,
        region,
        "vision-batch-g5-12x",
        4,
        utilization_gpu=b.flat(10.0, 0.1, 100),
        memory_used=b.flat(3000.0, 0.05),
    )
    b.mark(CHECK, "vision-batch-g5-12x")
    b.ec2(
        region,
        "vision-train-g5-12x",
        "g5.12xlarge",
        age_days=40,
        state="running",
        cpu=b.flat(35.0, 0.1, 100),
        gpu=None,
        tags=tags,
    )
    _gpus(
        b,
        region,
        "vision-train-g5-12x",
        4,
        utilization_gpu=b.flat(80.0, 0.1, 100),
        memory_used=b.flat(20000.0, 0.05),
    )
    b.mark(CHECK, "vision-train-g5-12x", lookalike=True)
    b.mark("idle-ec2-gpu", "vision-train-g5-12x", lookalike=True)
    b.ec2(
        region,
        "vision-power-only-g5-12x",
        "g5.12xlarge",
        age_days=40,
        state="running",
        cpu=b.flat(12.0, 0.1, 100),
        gpu=None,
        tags=tags,
    )
    _gpus(
        b,
        region,
        "vision-power-only-g5-12x",
        4,
        power_draw=b.flat(60.0, 0.1),
        temperature_gpu=b.flat(45.0, 0.05),
    )
    b.mark(CHECK, "vision-power-only-g5-12x", lookalike=True)
