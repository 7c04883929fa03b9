"""A schedule pass on moto: transitions at 07:59 / 08:01 Berlin time, idempotence, look-alikes
left alone, an endpoint deleted off-hours and recreated as it was, and a killed pass resumed
without a duplicate action."""

from __future__ import annotations

from collections import Counter

import pytest
from seed import (
    TUESDAY,
    berlin,
    changes,
    endpoint,
    endpoint_picture,
    instance,
    instance_state,
    notebook,
    notebook_status,
    run_pass,
    sm,
)

TAG = {"mlcost:schedule": "office-hours"}


def test_0759_and_0801_transition_notebooks_and_ec2_and_a_second_pass_changes_nothing(aws, journal):
    notebook("research-nb", TAG)  # joins by tag
    notebook("dev-alice")  # joins by the schedule's name pattern dev-*
    notebook("prod-serving-nb")  # look-alike: no tag, no matching name
    notebook("dev-pinned", {"mlcost:skip": "true"})  # opted out
    gpu = instance(TAG)
    other = instance({"Name": "build-box"})  # look-alike EC2 instance

    early = run_pass(journal, berlin(TUESDAY, 7, 59))
    assert changes(early) == sorted(
        [(gpu, "stop", "done"), ("dev-alice", "stop", "done"), ("research-nb", "stop", "done")]
    )
    assert notebook_status("research-nb") == notebook_status("dev-alice") == "Stopped"
    assert instance_state(gpu) == "stopped"
    assert notebook_status("prod-serving-nb") == "InService"
    assert notebook_status("dev-pinned") == "InService"
    assert instance_state(other) == "running"
    skipped = [s for s in early.steps if s.outcome == "skipped"]
    assert [(s.member.resource_id, s.reason) for s in skipped] == [
        ("dev-pinned", "tagged mlcost:skip=true")
    ]

    again = run_pass(journal, berlin(TUESDAY, 7, 59))  # the same minute, a second time
    assert changes(again) == []
    assert {(c.resource_id, c.held) for c in again.confirmations} == {
        (gpu, True),
        ("dev-alice", True),
        ("research-nb", True),
    }

    morning = run_pass(journal, berlin(TUESDAY, 8, 1))
    assert changes(morning) == sorted(
        [(gpu, "start", "done"), ("dev-alice", "start", "done"), ("research-nb", "start", "done")]
    )
    assert notebook_status("research-nb") == "InService"
    assert instance_state(gpu) == "running"
    assert changes(run_pass(journal, berlin(TUESDAY, 8, 2))) == []

    rows = journal.fixes(kind="schedule")
    assert sorted((r["resource_id"], r["action"], r["state"]) for r in rows) == sorted(
        [(gpu, a, "done") for a in ("stop", "start")]
        + [(n, a, "done") for n in ("dev-alice", "research-nb") for a in ("stop", "start")]
    )


def test_a_dry_run_pass_changes_nothing_and_writes_no_journal(aws, journal):
    notebook("research-nb", TAG)
    report = run_pass(journal, berlin(TUESDAY, 19, 0), apply=False)
    assert changes(report) == [("research-nb", "stop", "would stop")]
    assert notebook_status("research-nb") == "InService"
    assert journal.fixes() == []


def test_a_stop_that_did_not_hold_is_reported_and_acted_on_again(aws, journal):
    notebook("research-nb", TAG)
    run_pass(journal, berlin(TUESDAY, 19, 0))
    sm().start_notebook_instance(NotebookInstanceName="research-nb")  # someone started it
    later = run_pass(journal, berlin(TUESDAY, 19, 5))
    assert [(c.resource_id, c.held, c.detail) for c in later.confirmations] == [
        ("research-nb", False, "InService")
    ]
    assert changes(later) == [("research-nb", "stop", "done")]


def test_an_endpoint_deleted_off_hours_comes_back_with_its_config_model_tags_and_scaling(
    aws, journal
):
    endpoint("churn-dev", {**TAG, "team": "churn"})
    endpoint("churn-prod", {"team": "churn"})  # look-alike: not scheduled
    before = endpoint_picture("churn-dev")

    evening = run_pass(journal, berlin(TUESDAY, 18, 1))
    assert changes(evening) == [("churn-dev", "stop", "done")]
    names = [e["EndpointName"] for e in sm().list_endpoints()["Endpoints"]]
    assert names == ["churn-prod"]
    # the definition is kept (never delete data): config and model are still there
    sm().describe_endpoint_config(EndpointConfigName="churn-dev-config")
    sm().describe_model(ModelName="churn-dev-model")

    night = run_pass(journal, berlin(TUESDAY, 23, 0))
    assert changes(night) == []
    assert [(c.resource_id, c.held) for c in night.confirmations] == [("churn-dev", True)]

    morning = run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 1))
    assert changes(morning) == [("churn-dev", "start", "done")]
    assert endpoint_picture("churn-dev") == before
    assert before["targets"] == [(1, 4)] and before["policies"] == [("churn-dev-invocations", 70.0)]
    assert changes(run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 2))) == []


class Killed(BaseException):
    """Stands for SIGKILL: nothing catches it, nothing after it runs."""


def _kill_after(monkeypatch, journal, step: str) -> None:
    """The process dies after AWS answered ``step`` and before the journal recorded it."""
    original = journal.call_finished

    def dying(call_id, state, **kw):
        row = next(c for c in journal.calls() if c["call_id"] == call_id)
        if row["step"] == step and state == "ok":
            raise Killed
        return original(call_id, state, **kw)

    monkeypatch.setattr(journal, "call_finished", dying)


@pytest.fixture
def counted(monkeypatch) -> Counter:
    """How many times each mutating call reached moto."""
    from moto.sagemaker.models import SageMakerModelBackend

    seen: Counter = Counter()
    for name in ("delete_endpoint", "create_endpoint", "stop_notebook_instance"):
        original = getattr(SageMakerModelBackend, name)

        def counting(self, *args, _name=name, _original=original, **kwargs):
            seen[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(SageMakerModelBackend, name, counting)
    return seen


def test_a_pass_killed_after_deleting_an_endpoint_resumes_without_a_second_delete(
    aws, journal, monkeypatch, counted
):
    endpoint("churn-dev", TAG)
    notebook("research-nb", TAG)
    before = endpoint_picture("churn-dev")
    with monkeypatch.context() as m:
        _kill_after(m, journal, "delete-endpoint")
        with pytest.raises(Killed):
            run_pass(journal, berlin(TUESDAY, 18, 1))
    assert counted["delete_endpoint"] == 1
    [row] = [r for r in journal.fixes(kind="schedule") if r["resource_id"] == "churn-dev"]
    assert row["state"] == "running"
    # `mlcost fix --resume` leaves it to the schedule pass (it has no finding to re-check)
    from mlcost.fix.context import Clients
    from mlcost.fix.run import FixRunner

    assert FixRunner(journal, Clients()).resume() == []
    assert counted["delete_endpoint"] == 1

    resumed = run_pass(journal, berlin(TUESDAY, 18, 6))
    assert [(s.member.resource_id, s.action, s.outcome) for s in resumed.resumed] == [
        ("churn-dev", "stop", "done")
    ]
    assert counted["delete_endpoint"] == 1  # reconciled from AWS, not repeated
    # the notebook was stopped before the kill (notebooks come first): not stopped again
    assert changes(resumed) == []
    assert counted["stop_notebook_instance"] == 1
    states = [c["state"] for c in journal.calls(row["fix_id"]) if c["step"] == "delete-endpoint"]
    assert states == ["reconciled"]

    # the snapshot the killed pass took still brings it back, once
    with monkeypatch.context() as m:
        _kill_after(m, journal, "create-endpoint")
        with pytest.raises(Killed):
            run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 1))
    run_pass(journal, berlin(TUESDAY.replace(day=2), 8, 3))
    assert counted["create_endpoint"] == 2  # the seeding's, and one recreate
    assert endpoint_picture("churn-dev") == before
