"""Journaled AWS calls: the one way fix and undo code talks to AWS.

Why: a fix may be killed between any two instructions. Each call is journaled ``started``
before it is made and ``ok``/``error`` after; a mutating step is identified by a stable key
so that a resumed run replays a procedure from the top and

* skips a step whose call completed (``ok``): its recorded response is returned;
* for a step left ``started`` (the process died while the call was in flight, or after AWS
  answered but before the journal was updated) asks the step's ``applied`` probe, which
  reads AWS: if the change is there the call is marked ``reconciled`` and not repeated;
* runs every other step.

Snapshots are stored once, before the first mutating call, and read back on resume rather
than retaken (a retake after a half-done delete would snapshot the wreck).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from mlcost.journal import Journal

#: Attempts per call (botocore "standard" retry mode: throttling and 5xx are retried with
#: exponential backoff and jitter). A call still failing after them fails its fix cleanly.
DEFAULT_MAX_ATTEMPTS = 5


class Clients:
    """boto3 clients of one session, one per (service, region), with the fix retry policy."""

    def __init__(
        self, session: boto3.Session | None = None, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS
    ) -> None:
        self.session = session or boto3.Session()
        from mlcost.sources.aws.session import bounded

        self._config = bounded(
            Config(retries={"mode": "standard", "total_max_attempts": max_attempts})
        )
        self._clients: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region, config=self._config
            )
        return self._clients[key]


class StepFailed(Exception):
    """A step of a fix could not be completed; the fix ends ``failed`` with this reason."""


def _strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@dataclass
class FixContext:
    """What an action needs to act on one resource: journaled calls, snapshots, waits."""

    journal: Journal
    fix_id: str
    region: str
    clients: Clients
    waiter: Any  # mlcost.fix.waiters.Waiter
    lease: tuple[str, str] | None = None  # (resource key, holder) renewed at each call
    notes: list[str] = field(default_factory=list)

    def _client(self, service: str) -> Any:
        return self.clients(service, self.region)

    def _renew(self) -> None:
        if self.lease:
            self.journal.renew_lease(*self.lease)

    def read(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """A read-only call, journaled, always made (reads are safe to repeat)."""
        return self._call(operation, service, operation, params, mutating=False)

    def act(
        self,
        step: str,
        service: str,
        operation: str,
        params: dict[str, Any],
        *,
        applied: Callable[[], bool] | None = None,
    ) -> dict[str, Any]:
        """A mutating call, made at most once per ``step`` key across crashes and resumes.

        ``applied`` reads AWS and says whether the change is already there; it decides a
        step whose call was journaled ``started`` but never finished. Without it the call is
        repeated, which is right only for idempotent calls."""
        last = self.journal.last_call(self.fix_id, step)
        if last is not None and last["state"] in ("ok", "reconciled"):
            return last["response"] or {}
        if last is not None and last["state"] == "started":
            if applied is not None and applied():
                self.journal.call_finished(
                    last["call_id"],
                    "reconciled",
                    error="the process stopped before the call's outcome was journaled; "
                    "AWS shows the change applied, so the call was not repeated",
                )
                return {}
            self.journal.call_finished(
                last["call_id"],
                "error",
                error="the process stopped before the call's outcome was journaled; "
                "AWS does not show the change, so the call is made again",
            )
        return self._call(step, service, operation, params, mutating=True)

    def _call(
        self, step: str, service: str, operation: str, params: dict[str, Any], *, mutating: bool
    ) -> dict[str, Any]:
        self._renew()
        call_id = self.journal.call_started(
            self.fix_id, step, service, operation, params, mutating=mutating
        )
        try:
            response = getattr(self._client(service), xform_name(operation))(**params)
        except ClientError as exc:
            self.journal.call_finished(call_id, "error", error=str(exc))
            raise
        except Exception as exc:  # connection errors after retries, bad parameters
            self.journal.call_finished(call_id, "error", error=f"{type(exc).__name__}: {exc}")
            raise
        response = _strip(response)
        self.journal.call_finished(call_id, "ok", response=response)
        return response

    def snapshot(self, name: str, take: Callable[[], Any]) -> Any:
        """The snapshot ``name``: taken and stored the first time, read back afterwards."""
        stored = self.journal.snapshot(self.fix_id, name)
        if stored is not None:
            return stored
        data = take()
        self.journal.save_snapshot(self.fix_id, name, data)
        return self.journal.snapshot(self.fix_id, name)

    def wait(
        self, service: str, waiter_name: str, what: str, *, model: Any = None, **params: Any
    ) -> None:
        """Wait (bounded, with progress) until AWS shows the new state; journaled as a read.

        ``model`` (a botocore ``WaiterModel``) defines ``waiter_name`` where botocore has none."""
        self._renew()
        call_id = self.journal.call_started(
            self.fix_id,
            f"wait:{waiter_name}",
            service,
            f"wait:{waiter_name}",
            params,
            mutating=False,
        )
        try:
            self.waiter.wait(
                self._client(service), waiter_name, what, params, renew=self._renew, model=model
            )
        except StepFailed as exc:
            self.journal.call_finished(call_id, "error", error=str(exc))
            raise
        self.journal.call_finished(call_id, "ok")


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def describe_error(exc: BaseException) -> str:
    """One line for a failed step: the AWS error code and message."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        op = getattr(exc, "operation_name", "")
        return f"{op}: {err.get('Code', '')}: {err.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"
