"""training-spot.

Prices (by hand), us-east-1: ml.g4dn.xlarge Studio-Notebook $0.7364/h (2025-06-16, used for
training as a labelled substitution); EC2 spot saving for g4dn.xlarge 62 % (Vantage,
2025-11-30, ec2_gpu_linux_2025-11-30.csv). Window: 7 days = 168 h; month = 730 h.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from checks_helpers import NOW, START, inventory, make_job

from mlcost.errors import UserError
from mlcost.scan import run_checks


def test_on_demand_job_with_user_discount(run_one):
    job = make_job(count=2, billable_seconds=3 * 3600)
    [f] = run_one("training-spot", job, inventory([job]), spot_discount=0.6)
    # window cost 0.7364 x 2 x 3 h = 4.4184 ; x 730/168 = 19.199... -> 19.20
    # window saving 4.4184 x 0.6 = 2.65104 ; x 730/168 = 11.5194... -> 11.52
    assert f.monthly_cost_usd == Decimal("19.20")
    assert f.monthly_savings_usd == Decimal("11.52")
    assert f.evidence["window_cost_usd"] == "4.42"
    assert f.evidence["window_savings_usd"] == "2.65"
    assert f.evidence["billable_seconds"] == 10800
    assert f.evidence["instance_count"] == 2
    assert f.evidence["discount_source"] == "setting spot_discount"
    assert "730" in f.evidence["monthly_scaling"] and "168" in f.evidence["monthly_scaling"]
    assert f.fix.action == "enable-managed-spot-training"
    assert f.fix.params["EnableManagedSpotTraining"] is True
    assert (
        f.fix.params["StoppingCondition"]["MaxWaitTimeInSeconds"]
        >= f.fix.params["StoppingCondition"]["MaxRuntimeInSeconds"]
    )


def test_ec2_spot_saving_is_the_labelled_proxy_by_default(run_one):
    job = make_job(count=2, billable_seconds=3 * 3600)
    [f] = run_one("training-spot", job, inventory([job]))
    # 4.4184 x 0.62 = 2.739408 ; x 730/168 = 11.9033... -> 11.90
    assert f.monthly_savings_usd == Decimal("11.90")
    assert f.evidence["spot_discount"] == "0.62"
    assert f.evidence["discount_source"].startswith("proxy: EC2 spot saving")
    assert f.evidence["spot_evidence"]["date"] == "2025-11-30"


def test_discount_is_capped_at_aws_up_to_90_percent(run_one):
    job = make_job(count=1, billable_seconds=3600 * 10)
    [f] = run_one("training-spot", job, inventory([job]), spot_discount=0.95)
    assert f.evidence["spot_discount"] == "0.90"
    # 0.7364 x 10 h = 7.364 ; x 0.9 = 6.6276 ; x 730/168 = 28.7985... -> 28.80
    assert f.monthly_savings_usd == Decimal("28.80")


def test_no_spot_evidence_and_no_setting_leaves_the_saving_unpriced():
    # ml.m5d.large: priced (Studio-Notebook 0.136 substitution) but no EC2 spot data for m5d
    job = make_job(instance_type="ml.m5d.large", billable_seconds=2 * 3600)
    result = run_checks(inventory([job]), only=["training-spot"], now=NOW)
    [f] = result.findings
    assert f.monthly_savings_usd is None
    assert f.monthly_cost_usd == Decimal("1.18")  # 0.136 x 2 h = 0.272 ; x 730/168 = 1.1819
    assert any("ml.m5d.large" in w for w in result.warnings)


def test_spot_job_is_never_a_candidate(run_one):
    job = make_job(managed_spot=True)
    assert run_one("training-spot", job, inventory([job]), spot_discount=0.6) == []


@pytest.mark.parametrize("status", ["Failed", "InProgress"])
def test_failed_or_running_jobs_are_not_candidates(run_one, status):
    job = make_job(status=status, billable_seconds=4 * 60)
    assert run_one("training-spot", job, inventory([job]), spot_discount=0.6) == []


def test_short_job_is_below_min_hours(run_one):
    job = make_job(billable_seconds=30 * 60)
    inv = inventory([job])
    assert run_one("training-spot", job, inv, spot_discount=0.6) == []
    assert run_one("training-spot", job, inv, spot_discount=0.6, min_hours=0.25)


def test_job_that_ended_before_the_window_is_ignored(run_one):
    job = make_job(end=START - timedelta(hours=1))
    assert run_one("training-spot", job, inventory([job]), spot_discount=0.6) == []


def test_bad_discount_setting_is_a_user_error():
    job = make_job()
    with pytest.raises(UserError, match="spot_discount"):
        run_checks(inventory([job]), settings={"training-spot": {"spot_discount": 60}}, now=NOW)


def test_unpriced_training_type():
    job = make_job(instance_type="ml.zz9.large")
    result = run_checks(
        inventory([job]),
        only=["training-spot"],
        settings={"training-spot": {"spot_discount": 0.5}},
        now=NOW,
    )
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert any(w.startswith("unpriced: ml.zz9.large in us-east-1") for w in result.warnings)


def test_heterogeneous_cluster_is_priced_per_group(run_one):
    # ResourceConfig.InstanceGroups: 2 x ml.g4dn.xlarge (0.7364) + 1 x ml.c5.xlarge (0.204,
    # Studio-Notebook 2025-06-16 substitution), 3 billable hours per instance.
    # window cost (0.7364 x 2 + 0.204 x 1) x 3 = 5.0304 ; x 730/168 = 21.858... -> 21.86
    # window saving 5.0304 x 0.6 = 3.01824 ; x 730/168 = 13.1149... -> 13.11
    job = make_job(
        instance_type="",
        instance_groups=[("ml.g4dn.xlarge", 2), ("ml.c5.xlarge", 1)],
        billable_seconds=3 * 3600,
    )
    [f] = run_one("training-spot", job, inventory([job]), spot_discount=0.6)
    assert f.monthly_cost_usd == Decimal("21.86")
    assert f.monthly_savings_usd == Decimal("13.11")
    assert f.evidence["window_cost_usd"] == "5.03"
    groups = {g["instance_type"]: g for g in f.evidence["instance_groups"]}
    assert groups["ml.c5.xlarge"]["price"]["usd_per_hour"] == "0.2040000000"
    assert groups["ml.g4dn.xlarge"]["instance_count"] == 2
    assert "2 x ml.g4dn.xlarge + 1 x ml.c5.xlarge" in f.title


def test_heterogeneous_cluster_with_an_unpriced_group_is_unpriced():
    job = make_job(
        instance_type="",
        instance_groups=[("ml.g4dn.xlarge", 1), ("ml.zz9.large", 1)],
    )
    result = run_checks(
        inventory([job]),
        only=["training-spot"],
        settings={"training-spot": {"spot_discount": 0.5}},
        now=NOW,
    )
    [f] = result.findings
    assert f.monthly_cost_usd is None and f.monthly_savings_usd is None
    assert any(w.startswith("unpriced: ml.zz9.large in us-east-1") for w in result.warnings)


def test_fix_keeps_the_jobs_own_max_runtime(run_one):
    job = make_job(billable_seconds=3 * 3600, max_runtime_seconds=86400)
    [f] = run_one("training-spot", job, inventory([job]), spot_discount=0.6)
    assert "StopCondition" not in f.fix.params
    assert f.fix.params["StoppingCondition"] == {
        "MaxRuntimeInSeconds": 86400,
        "MaxWaitTimeInSeconds": 172800,
    }
    assert "StoppingCondition.MaxRuntimeInSeconds" in f.evidence["max_runtime_source"]


def test_fix_falls_back_to_observed_run_time_and_says_so(run_one):
    job = make_job(billable_seconds=3 * 3600)
    [f] = run_one("training-spot", job, inventory([job]), spot_discount=0.6)
    assert f.fix.params["StoppingCondition"] == {
        "MaxRuntimeInSeconds": 10800,
        "MaxWaitTimeInSeconds": 21600,
    }
    assert "unknown" in f.evidence["max_runtime_source"]


def test_a_job_on_a_training_plan_gets_no_spot_proposal(run_one):
    import dataclasses

    job = dataclasses.replace(
        make_job(instance_type="ml.p4d.24xlarge", billable_seconds=10 * 3600),
        training_plan_arn="arn:aws:sagemaker:us-east-1:123456789012:training-plan/reserved-p4d",
    )
    assert run_one("training-spot", job, inventory([job], {})) == []
    assert run_one(
        "training-spot", dataclasses.replace(job, training_plan_arn=None), inventory([job], {})
    )
