"""Fix actions declare the AWS operations they call (``Action.calls``), and the recorder
that the autouse ``action_calls`` fixture installs on every fix test holds them to it.

These tests show the recorder sees what matters (the undo's creates, the waiter polls, the
verify read), and that a declaration missing one call is caught, so `mlcost policy self
--fix`, computed from the declarations, cannot silently lose a permission a fix needs."""

from __future__ import annotations

import boto3
from fix_helpers import REGION, finding_for, make_runner, scan, seed_endpoint, seed_notebook

from mlcost.fix.actions.notebooks import NOTEBOOK_CALLS, StopNotebook


def test_delete_endpoint_undo_and_verify_call_only_what_the_action_declares(
    aws, sqlite_journal, action_calls
):
    seed_endpoint("churn-idle")
    found = scan(["idle-endpoint"])
    finding = finding_for(found, "idle-endpoint", "churn-idle")
    runner = make_runner(sqlite_journal, recheck=lambda f, start: None)

    [outcome] = runner.apply(found, [finding])
    assert outcome.state == "done", outcome.reason
    runner.verify()
    # someone cleans up the kept definition: undo must recreate it (CreateModel passes a role)
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.delete_model(ModelName="churn-idle-model")
    sm.delete_endpoint_config(EndpointConfigName="churn-idle-config")
    assert runner.undo(outcome.fix_id).state == "done"

    seen = action_calls.calls["delete-endpoint"]
    assert {
        ("sagemaker", "DeleteEndpoint"),
        ("sagemaker", "DescribeEndpoint"),  # the endpoint_deleted / in_service waiters, verify
        ("sagemaker", "CreateModel"),
        ("sagemaker", "CreateEndpointConfig"),
        ("sagemaker", "CreateEndpoint"),
        ("application-autoscaling", "RegisterScalableTarget"),
        ("application-autoscaling", "PutScalingPolicy"),
    } <= seen
    assert action_calls.undeclared() == {}


def test_a_call_missing_from_an_actions_declaration_is_caught(
    aws, sqlite_journal, action_calls, monkeypatch
):
    monkeypatch.setattr(
        StopNotebook, "calls", NOTEBOOK_CALLS - {("sagemaker", "StartNotebookInstance")}
    )
    seed_notebook("ana-gpu")
    found = scan(["idle-notebook"])
    [finding] = [f for f in found.findings if f.resource_id == "ana-gpu"]
    runner = make_runner(sqlite_journal, recheck=lambda f, start: None)
    [outcome] = runner.apply(found, [finding])
    assert runner.undo(outcome.fix_id).state == "done"

    assert action_calls.undeclared() == {
        "stop-notebook-instance": {("sagemaker", "StartNotebookInstance")}
    }
    action_calls.calls.clear()  # the drift was planted here: the autouse check stays quiet
