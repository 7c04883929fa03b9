"""Notebooks in a transitional state, as AWS shows them (moto's state changes are instant):
the fixes wait for the state to settle and decide from the settled one. Driven with
botocore's Stubber, which checks every request and response against the service model."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from fix_helpers import REGION, ROLE

from mlcost.fix.actions.base import Skip
from mlcost.fix.actions.notebooks import AttachLifecycleConfig, StopNotebook
from mlcost.fix.context import Clients, FixContext, StepFailed
from mlcost.fix.waiters import Waiter

WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
NB = "cy-gpu"
ARN = f"arn:aws:sagemaker:{REGION}:123456789012:notebook-instance/{NB}"
LCC = "mlcost-autostop"
LCC_ARN = f"arn:aws:sagemaker:{REGION}:123456789012:notebook-instance-lifecycle-config/{LCC}"
NAME = {"NotebookInstanceName": NB}


@pytest.fixture
def ctx(sqlite_journal) -> FixContext:
    session = boto3.Session(
        region_name=REGION, aws_access_key_id="stub", aws_secret_access_key="stub"
    )
    fix_id = sqlite_journal.create_fix(
        run_id="run",
        action="attach-lifecycle-config",
        resource_kind="notebook_instance",
        resource_id=NB,
        region=REGION,
        params={"NotebookInstanceName": NB, "LifecycleConfigName": LCC},
    )
    return FixContext(
        sqlite_journal, fix_id, REGION, Clients(session), Waiter(sleep=lambda _: None)
    )


@pytest.fixture
def sm(ctx) -> Stubber:
    return Stubber(ctx.clients("sagemaker", REGION))


def _described(status: str, lcc: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "NotebookInstanceArn": ARN,
        "NotebookInstanceName": NB,
        "NotebookInstanceStatus": status,
        "InstanceType": "ml.g5.xlarge",
        "RoleArn": ROLE,
        "CreationTime": WHEN,
        "LastModifiedTime": WHEN,
    }
    if lcc:
        out["NotebookInstanceLifecycleConfigName"] = lcc
    return out


def _describe(sm: Stubber, *statuses: str, lcc: str | None = None) -> None:
    for status in statuses:
        sm.add_response("describe_notebook_instance", _described(status, lcc), NAME)


def _snapshot_reads(sm: Stubber) -> None:
    """Tags, and the lifecycle config (it does not exist yet), then its creation."""
    sm.add_response("list_tags", {"Tags": []}, {"ResourceArn": ARN})
    sm.add_client_error(
        "describe_notebook_instance_lifecycle_config",
        service_error_code="ValidationException",
        service_message=f"Unable to describe Notebook Instance Lifecycle Config: {LCC} "
        "does not exist",
        expected_params={"NotebookInstanceLifecycleConfigName": LCC},
    )
    sm.add_response(
        "create_notebook_instance_lifecycle_config",
        {"NotebookInstanceLifecycleConfigArn": LCC_ARN},
        {"NotebookInstanceLifecycleConfigName": LCC, "OnStart": ANY},
    )


def _finding() -> Any:
    return SimpleNamespace(
        fix=SimpleNamespace(params={"NotebookInstanceName": NB, "LifecycleConfigName": LCC})
    )


def test_attach_on_a_stopping_notebook_waits_updates_and_leaves_it_stopped(ctx, sm):
    """Found ``Stopping``: it settles to Stopped, so it was not running and is not started."""
    _describe(sm, "Stopping", "Stopped", "Stopped")  # found, waiter poll, settled
    _snapshot_reads(sm)
    sm.add_response("update_notebook_instance", {}, {**NAME, "LifecycleConfigName": LCC})
    _describe(sm, "Stopped", "Stopped", lcc=LCC)  # waiter poll, the after read
    with sm:
        result = AttachLifecycleConfig().apply(ctx, _finding())
        sm.assert_no_pending_responses()
    assert result["before"]["status"] == "Stopped"
    assert result["after"] == {"notebook": NB, "status": "Stopped", "lifecycle_config": LCC}


def test_attach_on_a_pending_notebook_waits_until_in_service_then_stops_updates_starts(ctx, sm):
    """Found ``Pending``: it settles to InService, so it was running: stopped, updated and
    started again (StopNotebookInstance is refused while Pending)."""
    _describe(sm, "Pending", "Pending", "InService", "InService")  # found, 2 polls, settled
    _snapshot_reads(sm)
    sm.add_response("stop_notebook_instance", {}, NAME)
    _describe(sm, "Stopped")
    sm.add_response("update_notebook_instance", {}, {**NAME, "LifecycleConfigName": LCC})
    _describe(sm, "Stopped", lcc=LCC)
    sm.add_response("start_notebook_instance", {}, NAME)
    _describe(sm, "InService", "InService", lcc=LCC)  # waiter poll, the after read
    with sm:
        result = AttachLifecycleConfig().apply(ctx, _finding())
        sm.assert_no_pending_responses()
    assert result["before"]["status"] == "InService"
    assert result["after"]["status"] == "InService"


def test_undo_of_stop_on_a_notebook_still_stopping_waits_then_starts_it(ctx, sm):
    """StartNotebookInstance is refused while Stopping: the undo waits until Stopped."""
    _describe(sm, "Stopping", "Stopping", "Stopped", "Stopped")  # found, 2 polls, settled
    sm.add_response("start_notebook_instance", {}, NAME)
    _describe(sm, "InService", "InService")  # waiter poll, the result's read
    with sm:
        result = StopNotebook().undo(ctx, {}, {"notebook": _described("InService")})
        sm.assert_no_pending_responses()
    assert result == {"notebook": NB, "status": "InService"}


def test_attach_on_a_deleting_notebook_is_skipped_with_no_change(ctx, sm):
    _describe(sm, "Deleting")
    with sm, pytest.raises(Skip, match="Deleting"):
        AttachLifecycleConfig().apply(ctx, _finding())
    sm.assert_no_pending_responses()


def test_undo_on_a_deleting_notebook_fails_with_the_reason_and_no_change(ctx, sm):
    _describe(sm, "Deleting", "Deleting")
    snap = {"notebook": _described("InService"), "config": None}
    fix = {"params": {"NotebookInstanceName": NB, "LifecycleConfigName": LCC}}
    with sm:
        with pytest.raises(StepFailed, match="Deleting"):
            StopNotebook().undo(ctx, {}, snap)
        with pytest.raises(StepFailed, match="Deleting"):
            AttachLifecycleConfig().undo(ctx, fix, snap)
        sm.assert_no_pending_responses()


def test_attach_resumed_after_the_restart_does_not_wait_for_a_stop(ctx, sm):
    """A run that ended while the restarted notebook came up (here the wait's read failed)
    is resumed: stop and update are done, so the notebook, now InService, is not waited on
    to stop (that wait would last its whole timeout)."""
    _describe(sm, "InService")  # found running: no settle wait
    _snapshot_reads(sm)
    sm.add_response("stop_notebook_instance", {}, NAME)
    _describe(sm, "Stopped")
    sm.add_response("update_notebook_instance", {}, {**NAME, "LifecycleConfigName": LCC})
    _describe(sm, "Stopped", lcc=LCC)
    sm.add_response("start_notebook_instance", {}, NAME)
    sm.add_client_error("describe_notebook_instance", "ValidationException", "network blip")
    with sm, pytest.raises(StepFailed):
        AttachLifecycleConfig().apply(ctx, _finding())
    _describe(sm, "InService", "InService", lcc=LCC)  # the start's wait, the after read
    with sm:
        result = AttachLifecycleConfig().apply(ctx, _finding())
        sm.assert_no_pending_responses()
    assert result["after"]["status"] == "InService"
