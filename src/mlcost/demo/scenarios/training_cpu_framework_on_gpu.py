"""training-cpu-framework-on-gpu: a scikit-learn job and a GPU job that never touched its
GPU (both flagged); a busy GPU job and scikit-learn on a CPU type (look-alikes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlcost.demo.scenarios._jobs import ECR_SKLEARN, host_series

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "training-cpu-framework-on-gpu"


def plant(b: OrgBuilder) -> None:
    region = "us-east-1"
    tags = b.tags("recs", "churn-tabular", "sam@example.com", "dev")
    sklearn = ECR_SKLEARN.format(region=region)
    # scikit-learn on a T4: the image cannot use it (no GPU metric needed)
    b.job(
        "training-job",
        region,
        "churn-sklearn-on-gpu",
        "ml.g4dn.xlarge",
        1,
        start_days_ago=3,
        hours=3,
        tags=tags,
        image=sklearn,
    )
    b.mark(CHECK, "churn-sklearn-on-gpu")
    # a PyTorch GPU image whose code never moved the model to CUDA: GPUs at 0 % on both hosts
    host_series(
        b,
        region,
        "ranker-ddp-cpu-bound",
        start_days_ago=4,
        hours=2,
        hosts=2,
        GPUUtilization=0.0,
        CPUUtilization=700.0,
    )
    b.job(
        "training-job",
        region,
        "ranker-ddp-cpu-bound",
        "ml.g5.2xlarge",
        2,
        start_days_ago=4,
        hours=2,
        tags=tags,
    )
    b.mark(CHECK, "ranker-ddp-cpu-bound")
    # look-alikes: a busy GPU job; scikit-learn on a CPU type
    host_series(
        b,
        region,
        "ranker-gpu-busy",
        start_days_ago=5,
        hours=3,
        GPUUtilization=85.0,
        GPUMemoryUtilization=70.0,
        CPUUtilization=300.0,
        MemoryUtilization=40.0,
    )
    b.job(
        "training-job",
        region,
        "ranker-gpu-busy",
        "ml.g5.2xlarge",
        1,
        start_days_ago=5,
        hours=3,
        tags=tags,
    )
    b.mark(CHECK, "ranker-gpu-busy", lookalike=True)
    b.mark("underused-training", "ranker-gpu-busy", lookalike=True)
    b.job(
        "training-job",
        region,
        "churn-sklearn-cpu",
        "ml.m5.xlarge",
        1,
        start_days_ago=3,
        hours=2,
        tags=tags,
        image=sklearn,
    )
    b.mark(CHECK, "churn-sklearn-cpu", lookalike=True)
