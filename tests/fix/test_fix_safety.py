"""Safety: retries then a clean failure, re-checked preconditions, no mutating call in a dry
run, leases between concurrent runs, deferred fixes, verify."""

from __future__ import annotations

import json
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from fix_helpers import (
    REGION,
    endpoint_config,
    finding_for,
    invocations,
    make_runner,
    scan,
    seed_endpoint,
)
from moto.core.botocore_stubber import MockRawResponse
from typer.testing import CliRunner

from mlcost.sources.aws import CallCounter


def _failing(
    session: boto3.Session, operation: str, status: int, code: str, times: int, seen: Counter
):
    """Answer the first ``times`` calls of ``operation`` with an AWS error (before moto)."""

    def handler(request, event_name, **kwargs):
        if not event_name.endswith(f".{operation}"):
            return None
        seen[operation] += 1
        if seen[operation] <= times:
            body = json.dumps({"__type": code, "message": f"injected {code}"}).encode()
            return AWSResponse(
                request.url,
                status,
                {"Content-Type": "application/x-amz-json-1.1"},
                MockRawResponse(body),
            )
        return None

    session.events.register_first("before-send", handler)


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "ThrottlingException"), (503, "ServiceUnavailable"), (500, "InternalFailure")],
)
def test_action_errors_are_retried_then_fail_cleanly_and_the_next_fix_goes_on(
    aws_server, journal, status, code
):
    seed_endpoint("first-idle", autoscaling=False)
    seed_endpoint("second-idle", autoscaling=False)
    found = scan(["idle-endpoint"])
    first, second = (finding_for(found, "idle-endpoint", n) for n in ("first-idle", "second-idle"))
    session = boto3.Session(region_name=REGION)
    seen: Counter[str] = Counter()
    _failing(
        session, "DeleteEndpoint", status, code, times=3, seen=seen
    )  # every attempt of the first
    runner = make_runner(journal, session, max_attempts=3)

    outcomes = runner.apply(found, [first, second])

    assert [(o.resource_id, o.state) for o in outcomes] == [
        ("first-idle", "failed"),
        ("second-idle", "done"),
    ]
    assert code in outcomes[0].reason
    assert seen["DeleteEndpoint"] == 4  # 3 attempts on the first, 1 on the second
    sm = boto3.client("sagemaker", region_name=REGION)
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == ["first-idle"]
    calls = [c for c in journal.calls(outcomes[0].fix_id) if c["operation"] == "DeleteEndpoint"]
    assert [(c["state"], code in c["error"]) for c in calls] == [("error", True)]
    assert journal.fix(outcomes[0].fix_id)["state"] == "failed"
    # the lease was released: a later run may try again
    assert runner.journal.acquire_lease(f"{REGION}/endpoint/first-idle", "later", "h:1:r") is None


def test_a_throttle_that_clears_within_the_retries_completes_the_fix(aws_server, journal):
    seed_endpoint("flaky-idle", autoscaling=False)
    found = scan(["idle-endpoint"])
    session = boto3.Session(region_name=REGION)
    seen: Counter[str] = Counter()
    _failing(session, "DeleteEndpoint", 400, "ThrottlingException", times=2, seen=seen)

    [outcome] = make_runner(journal, session, max_attempts=3).apply(
        found, [finding_for(found, "idle-endpoint", "flaky-idle")]
    )

    assert outcome.state == "done", outcome.reason
    assert seen["DeleteEndpoint"] == 3


def test_changed_preconditions_skip_with_the_reason_and_the_others_proceed(aws, journal):
    for name in ("now-busy", "now-tagged", "still-idle"):
        seed_endpoint(name, autoscaling=False)
    found = scan(["idle-endpoint"])
    chosen = [
        finding_for(found, "idle-endpoint", n) for n in ("now-busy", "now-tagged", "still-idle")
    ]
    # after the scan: traffic arrives on one, someone protects another
    invocations("now-busy", datetime.now(UTC) - timedelta(minutes=30), 42.0)
    sm = boto3.client("sagemaker", region_name=REGION)
    arn = sm.describe_endpoint(EndpointName="now-tagged")["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "mlcost:skip", "Value": "true"}])

    outcomes = make_runner(journal).apply(found, chosen)

    by_id = {o.resource_id: o for o in outcomes}
    assert by_id["now-busy"].state == "skipped"
    assert "idle-endpoint no longer holds" in by_id["now-busy"].reason
    assert by_id["now-tagged"].state == "skipped"
    assert "mlcost:skip=true" in by_id["now-tagged"].reason
    assert by_id["still-idle"].state == "done", by_id["still-idle"].reason
    assert {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]} == {
        "now-busy",
        "now-tagged",
    }


def test_a_resized_endpoint_is_skipped(aws, journal):
    seed_endpoint("resized", autoscaling=False)
    found = scan(["idle-endpoint"])
    endpoint_config("resized-small", "resized-model", "ml.m5.large")
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.update_endpoint(EndpointName="resized", EndpointConfigName="resized-small")

    [outcome] = make_runner(journal).apply(found, [finding_for(found, "idle-endpoint", "resized")])

    assert outcome.state == "skipped"
    assert "ml.g5.xlarge -> ml.m5.large" in outcome.reason


READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Search")


def test_fix_without_apply_makes_no_mutating_call(aws, monkeypatch, tmp_path):
    """The whole command in-process: a scan, the plan, and not one call that changes AWS."""
    from mlcost.cli import app

    seed_endpoint("idle-plan")
    counter = CallCounter()
    init = boto3.session.Session.__init__

    def counted(self, *args, **kwargs):
        init(self, *args, **kwargs)
        counter.attach(self)

    monkeypatch.setattr(boto3.session.Session, "__init__", counted)
    result = CliRunner().invoke(
        app, ["fix", "--all", "-r", REGION, "--db", f"sqlite:///{tmp_path / 'j.db'}"]
    )

    assert result.exit_code == 0, result.output
    assert "DeleteEndpoint idle-plan" in result.output
    counts = counter.counts
    assert counts.get("sagemaker.Search", 0) >= 1  # it did scan (endpoints come from Search)
    mutating = {
        op: n for op, n in counts.items() if not op.split(".")[1].startswith(READ_ONLY_PREFIXES)
    }
    assert mutating == {}


def test_two_runs_never_act_on_the_same_resource(aws, journal):
    seed_endpoint("contended", autoscaling=False)
    found = scan(["idle-endpoint"])
    finding = finding_for(found, "idle-endpoint", "contended")
    other = make_runner(journal)  # a live run of this same process holds the lease
    assert journal.acquire_lease(f"{REGION}/endpoint/contended", "fx-other", other.holder) is None

    [outcome] = make_runner(journal).apply(found, [finding])

    assert outcome.state == "skipped"
    assert "another run" in outcome.reason and "fx-other" in outcome.reason
    sm = boto3.client("sagemaker", region_name=REGION)
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == ["contended"]


def test_a_lease_of_a_dead_process_is_taken_over(sqlite_journal):
    dead_holder = f"{socket.gethostname()}:999999999:run-dead"
    assert sqlite_journal.acquire_lease("r/endpoint/x", "fx-dead", dead_holder) is None
    assert sqlite_journal.acquire_lease("r/endpoint/x", "fx-new", "h:1:run-new") is None


def test_deferred_fix_tags_now_acts_when_due_and_still_idle_and_a_removed_tag_cancels(aws, journal):
    names = ("later-idle", "cancel-idle", "later-busy")
    for name in names:
        seed_endpoint(name, autoscaling=False)
    found = scan(["idle-endpoint"])
    chosen = [finding_for(found, "idle-endpoint", n) for n in names]
    start = datetime.now(UTC)
    sm = boto3.client("sagemaker", region_name=REGION)

    outcomes = make_runner(journal, now=lambda: start).apply(found, chosen, after=timedelta(days=3))

    assert [o.state for o in outcomes] == ["deferred"] * 3
    arn = {n: sm.describe_endpoint(EndpointName=n)["EndpointArn"] for n in names}
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn["later-idle"])["Tags"]}
    due = (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%MZ")
    assert tags["mlcost:planned-fix"] == f"delete-endpoint {due}"
    assert {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]} == set(names)
    # while it waits: someone removes one tag, traffic reaches another
    sm.delete_tags(ResourceArn=arn["cancel-idle"], TagKeys=["mlcost:planned-fix"])
    invocations("later-busy", start + timedelta(days=2), 10.0)

    not_yet = make_runner(journal, now=lambda: start + timedelta(days=1)).run_due_deferred()
    assert {o.resource_id: o.state for o in not_yet} == {
        "later-idle": "deferred",
        "later-busy": "deferred",
        "cancel-idle": "cancelled",
    }
    assert {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]} == set(names)

    due_now = make_runner(
        journal, now=lambda: start + timedelta(days=3, hours=1)
    ).run_due_deferred()
    states = {o.resource_id: (o.state, o.reason) for o in due_now}
    assert states["later-idle"] == ("done", None)
    assert states["later-busy"][0] == "skipped"
    assert "no longer holds" in states["later-busy"][1]
    assert {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]} == {
        "cancel-idle",
        "later-busy",
    }


def test_verify_reports_a_deleted_endpoint_that_came_back(aws, journal):
    seed_endpoint("comes-back", autoscaling=False)
    seed_endpoint("stays-gone", autoscaling=False)
    found = scan(["idle-endpoint"])
    runner = make_runner(journal)
    runner.apply(
        found, [finding_for(found, "idle-endpoint", n) for n in ("comes-back", "stays-gone")]
    )
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_endpoint(
        EndpointName="comes-back", EndpointConfigName="comes-back-config"
    )  # a pipeline

    report = {fix["resource_id"]: message for fix, message in runner.verify()}

    assert report["stays-gone"] is None
    assert report["comes-back"].startswith("endpoint exists again")
