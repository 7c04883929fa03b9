"""underused-training: a 4-GPU fine-tune using a tenth of its GPUs (flagged); a 4-GPU job
using them fully (look-alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlcost.demo.scenarios._jobs import host_series

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "underused-training"


def plant(b: OrgBuilder) -> None:
    region = "us-east-1"
    tags = b.tags("nlp", "support-bot", "ana@example.com")
    # 4 x A10G at ~10 % each (summed 40), ~14 GiB of GPU memory, 4 vCPUs, 20 % of RAM
    host_series(
        b,
        region,
        "support-bot-lora-ft",
        start_days_ago=6,
        hours=4,
        GPUUtilization=40.0,
        GPUMemoryUtilization=60.0,
        CPUUtilization=400.0,
        MemoryUtilization=20.0,
    )
    b.job(
        "training-job",
        region,
        "support-bot-lora-ft",
        "ml.g5.12xlarge",
        1,
        start_days_ago=6,
        hours=4,
        tags=tags,
    )
    b.mark(CHECK, "support-bot-lora-ft")
    host_series(
        b,
        region,
        "support-bot-full-ft",
        start_days_ago=8,
        hours=5,
        GPUUtilization=360.0,
        GPUMemoryUtilization=340.0,
        CPUUtilization=1800.0,
        MemoryUtilization=55.0,
    )
    b.job(
        "training-job",
        region,
        "support-bot-full-ft",
        "ml.g5.12xlarge",
        1,
        start_days_ago=8,
        hours=5,
        tags=tags,
    )
    b.mark(CHECK, "support-bot-full-ft", lookalike=True)
    b.mark("training-cpu-framework-on-gpu", "support-bot-full-ft", lookalike=True)
