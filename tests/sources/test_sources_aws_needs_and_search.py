"""What a scan reads: only what the selected checks need, named resources without listing the
account, SageMaker Search where allowed and List + Describe where it is denied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from sources_aws_fakes import (
    ROLE,
    FakeCloudWatch,
    answer,
    deny_search,
    make_endpoints,
    make_training_job,
)

from mlcost.errors import UserError
from mlcost.model import ResourceKind
from mlcost.scan import run_checks
from mlcost.sources.aws import CallCounter, collect_inventory

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30)


def _notebook(sm: Any, name: str) -> None:
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
    )


def _training_job(sm: Any, name: str) -> None:
    make_training_job(sm, name, "ml.m5.xlarge")


@pytest.fixture
def account(session: boto3.Session, cloudwatch: FakeCloudWatch) -> boto3.Session:
    """Endpoints, notebooks, a training job and an EC2 instance in us-east-1."""
    make_endpoints(session, "us-east-1", [f"ep-{i}" for i in range(5)])
    sm = session.client("sagemaker", region_name="us-east-1")
    for i in range(3):
        _notebook(sm, f"nb-{i}")
    _training_job(sm, "job-1")
    session.client("ec2", region_name="us-east-1").run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="g5.xlarge"
    )
    cloudwatch.put(
        "us-east-1",
        "MLCost/Agent",
        "Busy",
        [("NotebookInstanceName", "nb-0")],
        {NOW.replace(minute=0) - timedelta(hours=2): 1.0},
    )
    return session


def test_one_check_reads_only_its_kind_and_its_metrics(account: boto3.Session) -> None:
    counter = CallCounter().attach(account)

    inv = collect_inventory(["us-east-1"], 7, session=account, now=NOW, checks=["idle-notebook"])

    assert {r.kind for r in inv.resources} == {ResourceKind.NOTEBOOK_INSTANCE}
    assert sorted(r.id for r in inv.resources) == ["nb-0", "nb-1", "nb-2"]
    called = set(counter.counts)
    # no endpoint, job or EC2 read; no autoscaling read; no endpoint metric listed
    assert not {c for c in called if c.startswith("ec2.")}
    assert not called & {
        "sagemaker.Search",
        "sagemaker.ListEndpoints",
        "sagemaker.DescribeEndpointConfig",
        "sagemaker.ListTrainingJobs",
        "application-auto-scaling.DescribeScalableTargets",
    }
    assert counter.counts["cloudwatch.ListMetrics"] == 1  # MLCost/Agent Busy, nothing else
    (busy,) = inv.series(next(r for r in inv.resources if r.id == "nb-0"), "AgentBusy")
    assert busy.values == [1.0]


def test_an_unknown_check_is_refused_before_any_call(account: boto3.Session) -> None:
    counter = CallCounter().attach(account)
    with pytest.raises(UserError, match="unknown check 'idle-everything'"):
        collect_inventory(["us-east-1"], 7, session=account, now=NOW, checks=["idle-everything"])
    assert counter.total() == 0


def test_endpoints_come_from_search_pages_with_their_tags(account: boto3.Session) -> None:
    sm = account.client("sagemaker", region_name="us-east-1")
    arn = sm.describe_endpoint(EndpointName="ep-2")["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "mlcost:skip", "Value": "true"}])
    counter = CallCounter().attach(account)

    inv = collect_inventory(["us-east-1"], 7, session=account, now=NOW, checks=["idle-endpoint"])

    assert [r.id for r in inv.resources] == [f"ep-{i}" for i in range(5)]
    assert next(r for r in inv.resources if r.id == "ep-2").tags == {"mlcost:skip": "true"}
    assert counter.counts["sagemaker.Search"] == 1
    assert counter.counts["sagemaker.DescribeEndpointConfig"] == 1  # one shared config
    assert not {"sagemaker.DescribeEndpoint", "sagemaker.ListTags"} & set(counter.counts)
    assert inv.notes == []


def test_denied_search_falls_back_to_list_and_describe_and_says_so_once(
    account: boto3.Session,
) -> None:
    deny_search(account)
    pages: list[dict[str, Any]] = []
    answer(account, "sagemaker", "ListEndpoints", lambda r, p: pages.append(p))
    counter = CallCounter().attach(account)

    inv = collect_inventory(["us-east-1"], 7, session=account, now=NOW)

    assert sorted(r.id for r in inv.of_kind(ResourceKind.ENDPOINT)) == [f"ep-{i}" for i in range(5)]
    assert [j.id for j in inv.of_kind(ResourceKind.TRAINING_JOB)] == ["job-1"]
    assert counter.counts["sagemaker.DescribeEndpoint"] == 5
    assert counter.counts["sagemaker.DescribeTrainingJob"] == 1
    assert counter.counts["sagemaker.ListTags"] >= 5
    assert pages[0]["MaxResults"] == 100  # not SageMaker's default page of 10
    # Search was refused for endpoints and for jobs: one note, not an error
    assert len(inv.notes) == 1 and "sagemaker:Search was denied in us-east-1" in inv.notes[0]
    assert inv.errors == []
    result = run_checks(inv, now=NOW)
    assert sum("sagemaker:Search" in w for w in result.warnings) == 1


def test_targets_read_one_endpoint_by_name_without_listing(account: boto3.Session) -> None:
    searches: list[dict[str, Any]] = []
    answer(account, "sagemaker", "Search", lambda r, p: searches.append(p))
    counter = CallCounter().attach(account)

    inv = collect_inventory(
        ["us-east-1"], 7, session=account, now=NOW, checks=["idle-endpoint"], targets=["ep-3"]
    )

    assert [r.id for r in inv.resources] == ["ep-3"]
    assert counter.counts["sagemaker.Search"] == 1
    (expression,) = [s["SearchExpression"] for s in searches]
    assert {"Name": "EndpointName", "Operator": "Equals", "Value": "ep-3"} in [
        f for sub in expression["SubExpressions"] for f in sub["Filters"]
    ]
    assert "sagemaker.ListEndpoints" not in counter.counts


def test_targets_without_search_are_described_directly(account: boto3.Session) -> None:
    deny_search(account)
    counter = CallCounter().attach(account)

    inv = collect_inventory(
        ["us-east-1"],
        7,
        session=account,
        now=NOW,
        checks=["idle-endpoint", "idle-notebook"],
        targets=["ep-1", "nb-2", "gone"],
    )

    assert sorted(r.id for r in inv.resources) == ["ep-1", "nb-2"]
    assert "sagemaker.ListEndpoints" not in counter.counts
    assert "sagemaker.ListNotebookInstances" not in counter.counts
    # each target is tried as an endpoint and as a notebook; "gone" is simply absent
    assert counter.counts["sagemaker.DescribeEndpoint"] == 3
    assert counter.counts["sagemaker.DescribeNotebookInstance"] == 3
    assert inv.errors == []


def test_an_ec2_target_is_read_with_an_id_filter(account: boto3.Session) -> None:
    ec2 = account.client("ec2", region_name="us-east-1")
    ids = [
        i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    ]
    other = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]

    inv = collect_inventory(
        ["us-east-1"], 7, session=account, now=NOW, checks=["idle-ec2-gpu"], targets=ids
    )

    assert [r.id for r in inv.resources] == ids
    assert other["InstanceId"] not in ids


def test_a_target_lists_only_its_own_metrics(
    account: boto3.Session, cloudwatch: FakeCloudWatch
) -> None:
    cloudwatch.put(
        "us-east-1",
        "MLCost/Agent",
        "Busy",
        [("NotebookInstanceName", "nb-1")],
        {NOW.replace(minute=0) - timedelta(hours=3): 0.0},
    )

    inv = collect_inventory(
        ["us-east-1"], 7, session=account, now=NOW, checks=["idle-notebook"], targets=["nb-0"]
    )

    (nb,) = inv.resources
    (busy,) = inv.series(nb, "AgentBusy")
    assert busy.dimensions == {"NotebookInstanceName": "nb-0"}
    listings = [p["ListMetrics"] for _, p in cloudwatch.requests if "ListMetrics" in p]
    assert listings and all(
        p["Dimensions"] == [{"Name": "NotebookInstanceName", "Value": "nb-0"}] for p in listings
    )
