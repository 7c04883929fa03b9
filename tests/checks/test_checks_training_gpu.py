"""training-cpu-framework-on-gpu and underused-training.

Prices (by hand), us-east-1, SageMaker Studio-Notebook list prices (2025-06-16) used for
training as a labelled substitution: ml.g4dn.xlarge $0.7364/h, ml.m5.xlarge $0.23/h,
ml.g5.2xlarge $1.52/h, ml.m5.2xlarge $0.461/h, ml.g5.12xlarge $7.09/h, ml.g5.4xlarge
$2.03/h. Window: 7 days = 168 h; month = 730 h.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from checks_helpers import NOW, inventory, make_job, series

from mlcost.checks._training import cpu_only_framework, image_repository
from mlcost.model import SeriesStatus

ECR = "683313688378.dkr.ecr.us-east-1.amazonaws.com"
SKLEARN = f"{ECR}/sagemaker-scikit-learn:1.2-1-cpu-py3"
PYTORCH_GPU = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311"
NS = "/aws/sagemaker/TrainingJobs"


def job_series(job, label: str, value, host: int = 1, **kw):
    """A per-host job series over the job's run (hourly Maximum, as CloudWatch returns it)."""
    return series(
        label, NS, {"Host": f"{job.id}/algo-{host}"}, value, start=job.start, end=job.end, **kw
    )


def gpu_job(name="train-x", instance_type="ml.g4dn.xlarge", image=PYTORCH_GPU, **kw):
    job = make_job(name, instance_type, **kw)
    job.image = image
    return job


# --------------------------------------------------------------------------- image matching


@pytest.mark.parametrize(
    ("image", "cpu_only"),
    [
        (SKLEARN, True),
        (f"{ECR}/sagemaker-scikit-learn:1.2-1", True),
        ("811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1", True),
        (f"{ECR}/sagemaker-xgboost:1.0-1-cpu-py3", True),
        (f"{ECR}/sagemaker-xgboost:0.90-2", True),
        (f"{ECR}/sagemaker-xgboost:1.7-1", False),  # GPU-capable since 1.2
        ("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311", True),
        (PYTORCH_GPU, False),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/cpuinfo-trainer:latest", False),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-trainer@sha256:abc", False),
        (None, False),
    ],
)
def test_cpu_only_frameworks_are_matched_on_repository_and_tag(image, cpu_only):
    assert (cpu_only_framework(image) is not None) is cpu_only


def test_image_repository_parts():
    assert image_repository(SKLEARN) == ("sagemaker-scikit-learn", "1.2-1-cpu-py3")
    assert image_repository("acct.dkr.ecr.r.amazonaws.com/a/b@sha256:ff") == ("a/b", "")


# --------------------------------------------------------------------------- cpu framework


def test_sklearn_on_a_gpu_is_moved_to_the_cheapest_m_or_c_type(run_one):
    job = gpu_job("sk-train", image=SKLEARN, billable_seconds=3 * 3600)
    [f] = run_one("training-cpu-framework-on-gpu", job, inventory([job]))
    # g4dn.xlarge: 4 vCPU, 16 GiB -> cheapest M/C with >= both: ml.m5.xlarge (0.23) beats
    # ml.c5.2xlarge (0.408)
    assert f.evidence["proposed_instance_type"] == "ml.m5.xlarge"
    # window cost 0.7364 x 1 x 3 h = 2.2092 ; x 730/168 = 9.5995 -> 9.60
    # window saving (0.7364 - 0.23) x 3 = 1.5192 ; x 730/168 = 6.6013 -> 6.60
    assert f.monthly_cost_usd == Decimal("9.60")
    assert f.monthly_savings_usd == Decimal("6.60")
    assert f.evidence["window_cost_usd"] == "2.21"
    assert f.evidence["window_savings_usd"] == "1.52"
    assert "sagemaker-scikit-learn" in f.evidence["reasons"][0]
    assert f.evidence["price"]["basis"] == "substitution"
    assert f.evidence["signals_not_checked"]
    assert f.fix.action == "change-training-instance-type"
    assert f.fix.params["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}


def test_gpu_image_with_near_zero_gpu_on_every_host_is_flagged(run_one):
    job = gpu_job("ddp", "ml.g5.2xlarge", count=2, billable_seconds=2 * 3600)
    metrics = {
        job.key: [
            job_series(job, "GPUUtilization", 0.4, host=1),
            job_series(job, "GPUUtilization", 0.0, host=2),
        ]
    }
    [f] = run_one("training-cpu-framework-on-gpu", job, inventory([job], metrics))
    # g5.2xlarge: 8 vCPU, 32 GiB -> ml.m5.2xlarge (0.461) beats ml.c5.4xlarge (0.816)
    assert f.fix.params["ResourceConfig"] == {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 2}
    # window cost 1.52 x 2 x 2 h = 6.08 ; x 730/168 = 26.419 -> 26.42
    # window saving (1.52 - 0.461) x 2 x 2 = 4.236 ; x 730/168 = 18.406 -> 18.41
    assert f.monthly_cost_usd == Decimal("26.42")
    assert f.monthly_savings_usd == Decimal("18.41")
    assert f.evidence["gpu_utilization_max_per_gpu_pct"] == 0.4
    assert f.evidence["gpu_hosts_read"] == 2


def test_busy_gpu_job_is_not_flagged(run_one):
    job = gpu_job()
    metrics = {job.key: [job_series(job, "GPUUtilization", 65.0)]}
    assert run_one("training-cpu-framework-on-gpu", job, inventory([job], metrics)) == []


def test_cpu_tag_but_a_busy_gpu_trusts_the_metric(run_one):
    job = gpu_job(image=f"{ECR}/pytorch-training:2.3.0-cpu-py311")
    metrics = {job.key: [job_series(job, "GPUUtilization", 40.0)]}
    assert run_one("training-cpu-framework-on-gpu", job, inventory([job], metrics)) == []


def test_failed_gpu_read_is_no_verdict(run_one):
    job = gpu_job()
    metrics = {job.key: [job_series(job, "GPUUtilization", 0.0, status=SeriesStatus.ERROR)]}
    assert run_one("training-cpu-framework-on-gpu", job, inventory([job], metrics)) == []


def test_gpu_image_without_metrics_is_not_flagged(run_one):
    job = gpu_job()
    assert run_one("training-cpu-framework-on-gpu", job, inventory([job])) == []


def test_sklearn_on_a_cpu_type_is_not_flagged(run_one):
    job = gpu_job("sk-cpu", "ml.m5.xlarge", image=SKLEARN)
    assert run_one("training-cpu-framework-on-gpu", job, inventory([job])) == []


def test_job_that_ended_before_the_window_is_not_flagged(run_one):
    job = gpu_job(image=SKLEARN, end=NOW - timedelta(days=9))
    assert run_one("training-cpu-framework-on-gpu", job, inventory([job])) == []


# --------------------------------------------------------------------------- underused


def big_job(gpu_sum: float, gmem_sum: float | None = 60.0, **kw):
    job = gpu_job("llm-ft", "ml.g5.12xlarge", billable_seconds=4 * 3600, **kw)
    m = [
        job_series(job, "GPUUtilization", gpu_sum),
        job_series(job, "CPUUtilization", 400.0),  # 4 busy vCPUs of 48
        job_series(job, "MemoryUtilization", 20.0),  # 20 % of 192 GiB = 38.4 GiB
    ]
    if gmem_sum is not None:
        m.append(job_series(job, "GPUMemoryUtilization", gmem_sum))
    return job, {job.key: m}


def test_underused_gpus_get_the_cheapest_fleet_that_carries_the_peak(run_one):
    # 4 x A10G at 10 % each (GPUUtilization is summed over GPUs: 40), GPU memory 60 % of one
    # GPU's 24 GiB = 14.4 GiB. With headroom 1.25: 0.5 GPU, 18 GiB GPU memory, 5 vCPUs,
    # 48 GiB -> ml.g5.4xlarge (1 A10G, 16 vCPU, 64 GiB, $2.03); ml.g5.2xlarge has 32 GiB
    job, metrics = big_job(40.0)
    [f] = run_one("underused-training", job, inventory([job], metrics))
    assert (f.evidence["proposed_instance_type"], f.evidence["proposed_instance_count"]) == (
        "ml.g5.4xlarge",
        1,
    )
    # window cost 7.09 x 4 h = 28.36 ; x 730/168 = 123.231 -> 123.23
    # window saving (7.09 - 2.03) x 4 = 20.24 ; x 730/168 = 87.948 -> 87.95
    assert f.monthly_cost_usd == Decimal("123.23")
    assert f.monthly_savings_usd == Decimal("87.95")
    assert f.evidence["gpu_utilization_p95_per_gpu_pct"] == 10.0
    assert f.evidence["gpu_memory_peak_gib_per_instance"] == 14.4


def test_busy_gpus_are_not_underused(run_one):
    job, metrics = big_job(4 * 70.0)
    assert run_one("underused-training", job, inventory([job], metrics)) == []


def test_near_zero_gpu_is_left_to_the_cpu_framework_check(run_one):
    job, metrics = big_job(0.0)
    assert run_one("underused-training", job, inventory([job], metrics)) == []
    assert run_one("training-cpu-framework-on-gpu", job, inventory([job], metrics))


def test_without_gpu_memory_no_smaller_gpu_is_proposed(run_one):
    job, metrics = big_job(40.0, gmem_sum=None)
    assert run_one("underused-training", job, inventory([job], metrics)) == []


def test_gpu_memory_that_needs_every_gpu_keeps_the_fleet(run_one):
    # 95 % of each GPU's memory (summed 380 % -> 91.2 GiB): nothing smaller holds it
    job, metrics = big_job(40.0, gmem_sum=380.0)
    assert run_one("underused-training", job, inventory([job], metrics)) == []


def test_neuron_and_heterogeneous_jobs_are_not_judged(run_one):
    trainium = gpu_job("trn", "ml.trn1.2xlarge", image=SKLEARN)
    hetero = gpu_job("hetero", image=SKLEARN, instance_groups=[("ml.g4dn.xlarge", 1)])
    for job in (trainium, hetero):
        assert run_one("training-cpu-framework-on-gpu", job, inventory([job])) == []
        assert run_one("underused-training", job, inventory([job])) == []
