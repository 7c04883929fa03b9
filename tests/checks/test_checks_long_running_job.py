"""long-running-job (training) and long-running-processing-job.

Prices (by hand), us-east-1: ml.m5.xlarge training $0.23/h (SageMaker Studio-Notebook list
price 2025-06-16, the catalogue's labelled substitution for training). Month = 730 h. The
scan ends at NOW; "running 9 h" means TrainingStartTime = NOW - 9 h.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from checks_helpers import NOW, REGION, inventory, make_job

from mlcost.checks import REGISTRY, load_all
from mlcost.checks._long_running import name_prefix
from mlcost.model import Job, ResourceKind, Risk

load_all()
TRAIN_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-trainer:7"


def done(name: str, hours: float, *, itype: str = "ml.m5.xlarge", image=TRAIN_IMAGE) -> Job:
    job = make_job(name, itype, billable_seconds=int(hours * 3600), end=NOW - timedelta(days=1))
    job.image = image
    return job


def running(
    name: str,
    hours: float,
    *,
    itype: str = "ml.m5.xlarge",
    count: int = 1,
    secondary: tuple[str, float] | None = None,
    max_runtime: int | None = 86400,
    image=TRAIN_IMAGE,
) -> Job:
    start = NOW - timedelta(hours=hours)
    job = Job(
        kind=ResourceKind.TRAINING_JOB,
        id=name,
        arn=f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}",
        region=REGION,
        created=start,
        status="InProgress",
        instance_type=itype,
        instance_count=count,
        start=start,
        image=image,
        max_runtime_seconds=max_runtime,
        secondary_status=secondary[0] if secondary else "Training",
        secondary_status_since=NOW - timedelta(hours=secondary[1]) if secondary else start,
    )
    return job


def judge(job: Job, others: list[Job], check: str = "long-running-job", **settings):
    return REGISTRY[check].run(job, inventory([job, *others]), settings)


HISTORY = [done("nightly-0001", 2.0), done("nightly-0002", 2.2), done("nightly-0003", 1.9)]


def test_a_run_far_beyond_its_history_is_priced_so_far_and_to_its_max_runtime():
    job = running("nightly-0004", 9, count=2)
    [f] = judge(job, HISTORY)
    ev = f.evidence
    assert ev["history_basis"] == "name prefix 'nightly'"
    assert ev["history_runs"] == 3
    assert ev["history_limit_hours"] == "4.40"  # 2.0 x the longest run, 2.2 h
    # so far: 2 instances x $0.23/h x 9 h = $4.14
    assert ev["cost_so_far_usd"] == "4.14"
    # while it runs: 2 x 0.23 x 730 = $335.80 a month
    assert f.monthly_cost_usd == Decimal("335.80")
    # a stop saves the 24 - 9 = 15 h left before MaxRuntimeInSeconds: 2 x 0.23 x 15 = $6.90
    assert ev["hours_left_before_max_runtime"] == "15.00"
    assert f.monthly_savings_usd == Decimal("6.90")
    assert f.fix.action == "stop-training-job"
    assert f.fix.params == {"TrainingJobName": "nightly-0004"}
    assert f.risk is Risk.DISRUPTIVE
    assert "cannot be resumed" in ev["stop_cannot_be_undone"]
    assert ev["signals_used"] and ev["signals_not_checked"]


def test_a_run_within_twice_its_longest_is_not_flagged():
    assert judge(running("nightly-0004", 4.3), HISTORY) == []  # 4.3 h < 2 x 2.2 h


def test_one_previous_run_is_not_a_history():
    assert judge(running("nightly-0004", 20), HISTORY[:1]) == []  # min_history = 2
    [f] = judge(running("nightly-0004", 20), HISTORY[:1], min_history=1)
    assert f.evidence["history_runs"] == 1


def test_history_factor_is_a_setting():
    assert judge(running("nightly-0004", 9), HISTORY, history_factor=5.0) == []  # 11 h limit


def test_without_a_name_prefix_history_is_the_same_image_on_the_same_type():
    others = [done("alpha", 1.0), done("beta", 1.5), done("gamma", 9.0, itype="ml.m5.2xlarge")]
    [f] = judge(running("delta", 3.1), others)  # 3.1 h > 2 x 1.5 h
    assert f.evidence["history_basis"] == f"image {TRAIN_IMAGE} on ml.m5.xlarge"
    assert f.evidence["history_runs"] == 2  # gamma ran on another type
    # another image: no history, nothing said
    assert judge(running("delta", 30, image="other:1"), others) == []


def test_a_job_stuck_downloading_past_the_startup_limit_is_flagged():
    job = running("detr-a", 4, secondary=("Downloading", 3.0), max_runtime=None)
    [f] = judge(job, [])
    assert "stuck in Downloading for 3.0 h" in f.title
    # so far: 1 x $0.23/h x 4 h since TrainingStartTime = $0.92
    assert f.evidence["cost_so_far_usd"] == "0.92"
    # no MaxRuntimeInSeconds known: the rate for a month, 0.23 x 730 = $167.90
    assert f.monthly_savings_usd == Decimal("167.90")
    assert "unknown" in f.evidence["saving_basis"]


def test_start_up_statuses_under_the_limit_and_training_are_not_stuck():
    assert judge(running("detr-b", 0.6, secondary=("Downloading", 0.5)), []) == []
    assert judge(running("detr-c", 3, secondary=("Training", 2.9)), []) == []
    [f] = judge(running("detr-b", 0.6, secondary=("Downloading", 0.5)), [], startup_hours=0.25)
    assert f.evidence["startup_limit_hours"] == "0.25"


def test_finished_jobs_are_never_judged():
    for status in ("Completed", "Stopped", "Failed"):
        job = make_job("nightly-0009", "ml.m5.xlarge", billable_seconds=50 * 3600, status=status)
        assert judge(job, HISTORY) == []


def test_an_unpriced_type_keeps_the_finding_without_dollars():
    job = running("nightly-0004", 9, itype="ml.z9.mega")
    history = [done(f"nightly-000{n}", 1.0, itype="ml.z9.mega") for n in (1, 2)]
    [f] = judge(job, history)
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert f.evidence["unpriced_instance_type"] == "ml.z9.mega"


def test_processing_jobs_use_the_same_rule_and_their_own_stop():
    def proc(job: Job) -> Job:
        job.kind = ResourceKind.PROCESSING_JOB
        return job

    history = [proc(done("features-1", 1.0)), proc(done("features-2", 1.0))]
    [f] = judge(proc(running("features-3", 6)), history, "long-running-processing-job")
    assert f.fix.action == "stop-processing-job"
    assert f.fix.params == {"ProcessingJobName": "features-3"}
    assert f.evidence["price"]["usage"] == "processing"
    # a training job's history is not a processing job's
    assert (
        judge(
            proc(running("features-3", 6)), [done("features-1", 1.0)], "long-running-processing-job"
        )
        == []
    )


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("pytorch-training-2026-11-20-08-15-02-123", "pytorch-training"),
        ("churn-2026-11-20-08-15-02", "churn"),
        ("nightly-0004", "nightly"),
        ("feature_build_17", "feature_build"),
        ("detr-finetune-a", None),
        ("42", None),
    ],
)
def test_name_prefix_strips_generated_suffixes(name, prefix):
    assert name_prefix(name) == prefix
