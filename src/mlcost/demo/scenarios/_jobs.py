"""Per-host job metrics for the training scenarios (``/aws/sagemaker/TrainingJobs``)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs"
ECR_SKLEARN = "683313688378.dkr.ecr.{region}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def host_series(
    b: OrgBuilder,
    region: str,
    name: str,
    *,
    start_days_ago: float,
    hours: float,
    hosts: int = 1,
    **levels: float,
) -> None:
    """Hourly Maximum of each metric (``GPUUtilization=40.0`` ...) on every host
    ``<name>/algo-<n>`` while the job ran, with a little noise, as SageMaker publishes them
    (summed over the host's GPUs / vCPUs)."""
    start = b.ago(start_days_ago)
    end = start + timedelta(hours=hours)
    mask = (b.ts >= start.timestamp()) & (b.ts < end.timestamp())
    for host in range(1, hosts + 1):
        for metric, level in levels.items():
            values = b.noisy(np.full(b.ts.shape, level), 0.05)
            b.add_series(
                region,
                TRAINING_NAMESPACE,
                metric,
                {"Host": f"{name}/algo-{host}"},
                values,
                mask,
                "Percent",
            )
