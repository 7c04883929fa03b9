"""Notebook instance fixes: stop an idle notebook; attach the agent's autostop lifecycle config.

Stopping keeps the ML storage volume (the user's files); only the kernels' memory is lost.
Attaching a lifecycle config needs the notebook ``Stopped`` (UpdateNotebookInstance's rule):
a running notebook is stopped, updated and started again; a stopped one stays stopped.

A notebook found in a transitional state (``Pending``, ``Stopping``, ``Updating``) is waited
on until it settles, and the fix decides from the settled state: UpdateNotebookInstance and
StartNotebookInstance are refused unless it is ``Stopped``, StopNotebookInstance unless
``InService``. One ``Deleting`` or ``Failed`` is not acted on.
"""

from __future__ import annotations

import base64
from typing import Any

from botocore.exceptions import ClientError

from mlcost.fix.actions.base import LIST_TAGS, Action, Calls, PlanLines, Skip, exists, list_tags
from mlcost.fix.context import Clients, FixContext, StepFailed
from mlcost.model import Finding, ResourceKind
from mlcost.sources.aws.errors import is_not_found


def _notebook(ctx: FixContext, name: str) -> dict[str, Any]:
    return ctx.read("sagemaker", "DescribeNotebookInstance", NotebookInstanceName=name)


def _status(ctx: FixContext, name: str) -> str:
    return str(_notebook(ctx, name).get("NotebookInstanceStatus", ""))


#: Describe (snapshot, verify, and the notebook waiters' poll), tags, stop and start.
NOTEBOOK_CALLS: Calls = LIST_TAGS | {
    ("sagemaker", "DescribeNotebookInstance"),
    ("sagemaker", "StopNotebookInstance"),
    ("sagemaker", "StartNotebookInstance"),
}


#: Transitional states and the waiter that sees each one settle.
_SETTLES = {
    "Pending": "notebook_instance_in_service",
    "Stopping": "notebook_instance_stopped",
    "Updating": "notebook_instance_stopped",
}
#: States the fixes do not act on.
_UNUSABLE = ("Deleting", "Failed")


def _settled(ctx: FixContext, name: str) -> dict[str, Any]:
    """The notebook's description once any transition under way has ended (bounded wait;
    a waiter reaching ``Failed`` ends it with StepFailed)."""
    described = _notebook(ctx, name)
    status = str(described.get("NotebookInstanceStatus", ""))
    waiter = _SETTLES.get(status)
    if waiter:
        ctx.wait(
            "sagemaker",
            waiter,
            f"waiting for notebook {name} ({status}) to settle",
            NotebookInstanceName=name,
        )
        described = _notebook(ctx, name)
    return described


def _settled_status(ctx: FixContext, name: str) -> str:
    """The settled status, for an undo: a notebook ``Deleting`` or ``Failed`` fails it."""
    status = str(_settled(ctx, name).get("NotebookInstanceStatus", ""))
    if status in _UNUSABLE:
        raise StepFailed(f"notebook {name} is {status}; it cannot be restored")
    return status


def _snapshot_notebook(
    ctx: FixContext, name: str, described: dict[str, Any] | None = None
) -> dict[str, Any]:
    if described is None:
        described = _notebook(ctx, name)
    return {"notebook": described, "tags": list_tags(ctx, described["NotebookInstanceArn"])}


def _stop(ctx: FixContext, name: str, step: str = "stop-notebook") -> None:
    ctx.act(
        step,
        "sagemaker",
        "StopNotebookInstance",
        {"NotebookInstanceName": name},
        applied=lambda: _status(ctx, name) in ("Stopping", "Stopped"),
    )
    ctx.wait(
        "sagemaker",
        "notebook_instance_stopped",
        f"stopping notebook {name}",
        NotebookInstanceName=name,
    )


def _start(ctx: FixContext, name: str, step: str = "start-notebook") -> None:
    ctx.act(
        step,
        "sagemaker",
        "StartNotebookInstance",
        {"NotebookInstanceName": name},
        applied=lambda: _status(ctx, name) in ("Pending", "InService"),
    )
    ctx.wait(
        "sagemaker",
        "notebook_instance_in_service",
        f"starting notebook {name}",
        NotebookInstanceName=name,
    )


def _done(ctx: FixContext, step: str) -> bool:
    """Whether ``step`` was journaled done by an earlier run of this fix (on resume, a
    notebook started again is not waited on to stop)."""
    last = ctx.journal.last_call(ctx.fix_id, step)
    return last is not None and last["state"] in ("ok", "reconciled")


def _notebook_state(clients: Clients, region: str, name: str) -> dict[str, Any] | None:
    try:
        return clients("sagemaker", region).describe_notebook_instance(NotebookInstanceName=name)
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


class StopNotebook(Action):
    name = "stop-notebook-instance"
    kind = ResourceKind.NOTEBOOK_INSTANCE
    calls = NOTEBOOK_CALLS

    def plan(self, finding: Finding) -> PlanLines:
        name = finding.fix.params["NotebookInstanceName"]
        return PlanLines(
            changes=[
                f"StopNotebookInstance {name} (its ML storage volume is kept)",
                "wait until Stopped",
            ],
            snapshot=["notebook description (status, type, lifecycle config) and tags"],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        name = finding.fix.params["NotebookInstanceName"]
        snap = ctx.snapshot("notebook", lambda: _snapshot_notebook(ctx, name))
        _stop(ctx, name)
        return {
            "before": {"notebook": name, "status": snap["notebook"]["NotebookInstanceStatus"]},
            "after": {"notebook": name, "status": _status(ctx, name)},
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        name = snap["notebook"]["NotebookInstanceName"]
        if _settled_status(ctx, name) != "InService":  # started again already: nothing to do
            _start(ctx, name)
        return {"notebook": name, "status": _status(ctx, name)}

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        nb = _notebook_state(clients, fix["region"], fix["resource_id"])
        if nb and nb.get("NotebookInstanceStatus") in ("Pending", "InService"):
            return f"notebook is {nb['NotebookInstanceStatus']} again"
        return None


def autostop_script() -> bytes:
    """The OnStart script ``mlcost agent lifecycle-config --target notebook`` writes (bytes:
    it carries the agent compressed, so it is not text)."""
    from mlcost.agent import lifecycle

    return lifecycle.render("notebook", lifecycle.agent_args("notebook"))


def _set_lifecycle_config(
    ctx: FixContext, step: str, params: dict[str, Any], expect: str | None
) -> None:
    """UpdateNotebookInstance (on a Stopped notebook) as journaled step ``step``, counted as
    applied once the notebook names ``expect`` (None: no config), then wait until it is
    Stopped again: attaching and its undo differ only in the step's name and parameters."""
    name = params["NotebookInstanceName"]
    ctx.act(
        step,
        "sagemaker",
        "UpdateNotebookInstance",
        params,
        applied=lambda: _notebook(ctx, name).get("NotebookInstanceLifecycleConfigName") == expect,
    )
    ctx.wait(
        "sagemaker",
        "notebook_instance_stopped",
        f"updating notebook {name}",
        NotebookInstanceName=name,
    )


class AttachLifecycleConfig(Action):
    name = "attach-lifecycle-config"
    kind = ResourceKind.NOTEBOOK_INSTANCE
    calls = NOTEBOOK_CALLS | {
        ("sagemaker", "DescribeNotebookInstanceLifecycleConfig"),
        ("sagemaker", "CreateNotebookInstanceLifecycleConfig"),
        ("sagemaker", "UpdateNotebookInstanceLifecycleConfig"),
        ("sagemaker", "UpdateNotebookInstance"),
    }

    def plan(self, finding: Finding) -> PlanLines:
        p = finding.fix.params
        nb, lcc = p["NotebookInstanceName"], p["LifecycleConfigName"]
        return PlanLines(
            changes=[
                f"wait for {nb} to settle if it is Pending, Stopping or Updating",
                f"create (or update) lifecycle config {lcc} with the mlcost agent's OnStart script",
                f"StopNotebookInstance {nb} if it runs, wait until Stopped",
                f"UpdateNotebookInstance {nb} LifecycleConfigName={lcc}",
                f"StartNotebookInstance {nb} again only if it was running",
            ],
            snapshot=[
                "notebook description (status, lifecycle config) and tags",
                f"lifecycle config {lcc} scripts, if it exists",
            ],
        )

    def apply(self, ctx: FixContext, finding: Finding) -> dict[str, Any]:
        p = finding.fix.params
        name, lcc = p["NotebookInstanceName"], p["LifecycleConfigName"]

        def take() -> dict[str, Any]:
            described = _settled(ctx, name)
            status = described.get("NotebookInstanceStatus")
            if status in _UNUSABLE:
                raise Skip(f"notebook status is {status}; it must be InService or Stopped")
            snap = _snapshot_notebook(ctx, name, described)
            snap["config"] = exists(
                ctx,
                "sagemaker",
                "DescribeNotebookInstanceLifecycleConfig",
                NotebookInstanceLifecycleConfigName=lcc,
            )
            return snap

        snap = ctx.snapshot("notebook", take)
        status = snap["notebook"]["NotebookInstanceStatus"]
        if status not in ("InService", "Stopped"):
            raise Skip(f"notebook status is {status}; it must be InService or Stopped")
        on_start = [{"Content": base64.b64encode(autostop_script()).decode()}]
        if snap["config"] is None:
            ctx.act(
                "create-lifecycle-config",
                "sagemaker",
                "CreateNotebookInstanceLifecycleConfig",
                {"NotebookInstanceLifecycleConfigName": lcc, "OnStart": on_start},
                applied=lambda: (
                    exists(
                        ctx,
                        "sagemaker",
                        "DescribeNotebookInstanceLifecycleConfig",
                        NotebookInstanceLifecycleConfigName=lcc,
                    )
                    is not None
                ),
            )
        else:
            ctx.act(
                "update-lifecycle-config",
                "sagemaker",
                "UpdateNotebookInstanceLifecycleConfig",
                {"NotebookInstanceLifecycleConfigName": lcc, "OnStart": on_start},
            )
        running = status == "InService"
        if not _done(ctx, "start-notebook"):  # resumed after the start: all this is done
            if running:
                _stop(ctx, name)
            _set_lifecycle_config(
                ctx,
                "update-notebook-instance",
                {"NotebookInstanceName": name, "LifecycleConfigName": lcc},
                expect=lcc,
            )
        if running:
            _start(ctx, name)
        after = _notebook(ctx, name)
        return {
            "before": {
                "notebook": name,
                "status": status,
                "lifecycle_config": snap["notebook"].get("NotebookInstanceLifecycleConfigName"),
            },
            "after": {
                "notebook": name,
                "status": after.get("NotebookInstanceStatus"),
                "lifecycle_config": after.get("NotebookInstanceLifecycleConfigName"),
            },
        }

    def undo(self, ctx: FixContext, fix: dict[str, Any], snap: dict[str, Any]) -> dict[str, Any]:
        name = snap["notebook"]["NotebookInstanceName"]
        old = snap["notebook"].get("NotebookInstanceLifecycleConfigName")
        lcc = fix["params"]["LifecycleConfigName"]
        was_running = snap["notebook"]["NotebookInstanceStatus"] == "InService"
        restarted = _done(ctx, "start-notebook-after-undo")  # resumed after the start
        status = _settled_status(ctx, name)
        if not restarted:
            if status == "InService":
                _stop(ctx, name, "stop-notebook-for-undo")
            params: dict[str, Any] = {"NotebookInstanceName": name}
            if old:
                params["LifecycleConfigName"] = old
            else:
                params["DisassociateLifecycleConfig"] = True
            _set_lifecycle_config(ctx, "restore-notebook-lifecycle-config", params, expect=old)
        if snap["config"] is not None:  # it existed: put its scripts back as they were
            ctx.act(
                "restore-lifecycle-config",
                "sagemaker",
                "UpdateNotebookInstanceLifecycleConfig",
                {
                    "NotebookInstanceLifecycleConfigName": lcc,
                    "OnStart": snap["config"].get("OnStart", []),
                    "OnCreate": snap["config"].get("OnCreate", []),
                },
            )
        if was_running:
            _start(ctx, name, "start-notebook-after-undo")
        after = _notebook(ctx, name)
        return {
            "notebook": name,
            "status": after.get("NotebookInstanceStatus"),
            "lifecycle_config": after.get("NotebookInstanceLifecycleConfigName"),
        }

    def came_back(self, clients: Clients, fix: dict[str, Any]) -> str | None:
        nb = _notebook_state(clients, fix["region"], fix["resource_id"])
        lcc = fix["params"]["LifecycleConfigName"]
        if nb and nb.get("NotebookInstanceLifecycleConfigName") != lcc:
            return (
                f"lifecycle config is {nb.get('NotebookInstanceLifecycleConfigName')!r}, not {lcc}"
            )
        return None
