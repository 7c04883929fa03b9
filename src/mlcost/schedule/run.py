"""One schedule pass: the desired state of each member now, an action only where it differs.

Why a pass is safe to repeat (cron every few minutes, or a Lambda): it compares what each
schedule wants with what AWS shows and acts only on a difference, so a second pass at the same
time changes nothing. Every action is a row of the fix journal (``kind = "schedule"``) whose AWS
calls go through :class:`~mlcost.fix.context.FixContext`: journaled before and after, keyed, so
a pass killed midway is finished by the next one without repeating a completed call. The
resource lease is the fix framework's, so a fix and a schedule never act on one resource at
once. A resource tagged ``mlcost:skip=true`` or in a transitional state is never acted on.

The next pass confirms each earlier action: a stop that is still stopped (or a start still
running) *held*; one found the other way round *did not hold* (someone started the notebook
again, an endpoint was recreated by hand) and is reported, then acted on again if the schedule
still says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mlcost.checks._support import OPT_OUT_TAG
from mlcost.fix.actions.base import Skip
from mlcost.fix.context import Clients, FixContext, StepFailed, describe_error
from mlcost.fix.waiters import Waiter
from mlcost.journal import Journal, holder_id, new_id
from mlcost.schedule.desired import desired_state
from mlcost.schedule.membership import schedule_for
from mlcost.schedule.model import Schedule, State
from mlcost.schedule.resources import KINDS, Member, Schedulable

#: The journal rows of schedule actions (the fixes table's ``kind``).
ROW_KIND = "schedule"


@dataclass(slots=True)
class Step:
    """One member in one pass: what the schedule wants, what AWS showed, what was done."""

    schedule: str
    via: str
    member: Member
    desired: State
    action: str  # "stop", "start" or "none"
    outcome: str  # would stop/start | done | failed | skipped | unchanged
    reason: str | None = None
    fix_id: str | None = None


@dataclass(slots=True)
class Confirmation:
    """What the next pass found of an earlier action."""

    fix_id: str
    action: str
    kind: str
    resource_id: str
    region: str
    held: bool
    detail: str


@dataclass(slots=True)
class PassReport:
    at: datetime
    applied: bool
    steps: list[Step] = field(default_factory=list)
    confirmations: list[Confirmation] = field(default_factory=list)
    resumed: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.action != "none"]


def _key(member: Member) -> tuple[str, str, str]:
    return member.region, member.kind, member.resource_id


class SchedulePass:
    """A pass over ``regions`` with ``schedules``; acts only with ``apply``."""

    def __init__(
        self,
        schedules: dict[str, Schedule],
        regions: list[str],
        clients: Clients,
        journal: Journal | None,
        *,
        apply: bool = False,
        waiter: Waiter | None = None,
        now: Callable[[], datetime] | None = None,
        kinds: dict[str, Schedulable] | None = None,
    ) -> None:
        if apply and journal is None:
            raise ValueError("an applying pass needs a journal")
        self.schedules = schedules
        self.regions = regions
        self.clients = clients
        self.journal = journal
        self.apply = apply
        self.waiter = waiter or Waiter()
        self.now = now or (lambda: datetime.now(UTC))
        self.kinds = kinds or KINDS
        self.run_id = new_id("sched")
        self.holder = holder_id(self.run_id)

    # ------------------------------------------------------------------ journal reads

    def _rows(self) -> list[dict[str, Any]]:
        return self.journal.fixes(kind=ROW_KIND) if self.journal else []

    def _last_done(self, rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
        """The latest completed action per resource (rows come in creation order)."""
        last: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in rows:
            if row["state"] == "done":
                last[(row["region"], row["params"]["member"]["kind"], row["resource_id"])] = row
        return last

    # ------------------------------------------------------------------ the pass

    def run(self, at: datetime | None = None) -> PassReport:
        at = at or self.now()
        report = PassReport(at=at, applied=self.apply)
        if self.apply:
            report.resumed = self._resume()
        rows = self._rows()
        last = self._last_done(rows)
        for region in self.regions:
            members, unread = self._discover(region, report)
            seen = {_key(m) for m in members}
            # what exists only in the journal: endpoints deleted by an open scheduled stop
            # (not when their kind could not be listed: their state is then unknown)
            for key, row in last.items():
                if key[0] != region or key in seen or row["action"] != "stop":
                    continue
                kind = self.kinds.get(key[1])
                if kind is not None and kind.stop_deletes and kind.kind not in unread:
                    saved = Member.from_params(row["params"]["member"])
                    members.append(
                        Member(**{**_fields(saved), "observed": "stopped", "status": "deleted"})
                    )
                    seen.add(key)
            self._confirm(members, last, region, report, at)
            for member in members:
                step = self._decide(member, at, last.get(_key(member)), report)
                if step is None:
                    continue
                if step.action != "none" and step.outcome == "planned":
                    if self.apply:
                        self._act(step, last.get(_key(member)))
                    else:
                        step.outcome = f"would {step.action}"
                report.steps.append(step)
        return report

    def _discover(self, region: str, report: PassReport) -> tuple[list[Member], set[str]]:
        """Every kind's members in ``region``, and the kinds that could not be listed."""
        members: list[Member] = []
        unread: set[str] = set()
        for kind in self.kinds.values():
            try:
                members.extend(kind.discover(self.clients, region))
            except (ClientError, BotoCoreError) as exc:
                unread.add(kind.kind)
                report.problems.append(f"{region} {kind.kind}: {describe_error(exc)}")
        return members, unread

    def _decide(
        self, member: Member, at: datetime, last: dict[str, Any] | None, report: PassReport
    ) -> Step | None:
        joined = schedule_for(member.name, member.tags, self.schedules)
        if joined.problem:
            report.problems.append(f"{member.kind} {member.resource_id}: {joined.problem}")
        if joined.schedule is None:
            return None
        desired = desired_state(joined.schedule, at)
        kind = self.kinds[member.kind]
        step = Step(joined.schedule.name, joined.via, member, desired, "none", "unchanged")
        if member.tags.get(OPT_OUT_TAG, "").lower() == "true":
            step.outcome, step.reason = "skipped", f"tagged {OPT_OUT_TAG}=true"
            return step
        if member.observed == "unusable":
            step.outcome = "skipped"
            step.reason = member.extra.get("why") or f"{member.status}: not acted on"
            return step
        if member.observed == "transitional":
            step.outcome = "skipped"
            step.reason = f"{member.status}: acted on once it settles"
            return step
        if desired == "stopped" and member.observed == "running":
            step.action, step.outcome = "stop", "planned"
        elif desired == "running" and member.observed == "stopped":
            if not kind.starts:
                return None  # a deleted Studio app is reopened by its user
            if kind.stop_is_journaled and (last is None or last["action"] != "stop"):
                step.outcome = "skipped"
                step.reason = "off, but not by a schedule: nothing of ours to put back"
                return step
            step.action, step.outcome = "start", "planned"
        return step

    # ------------------------------------------------------------------ acting

    def _ctx(self, fix_id: str, region: str, lease: tuple[str, str] | None) -> FixContext:
        assert self.journal is not None
        return FixContext(self.journal, fix_id, region, self.clients, self.waiter, lease)

    def _act(self, step: Step, last: dict[str, Any] | None) -> None:
        assert self.journal is not None
        member = step.member
        kind = self.kinds[member.kind]
        step.fix_id = self.journal.create_fix(
            fix_id=new_id("sc"),
            run_id=self.run_id,
            kind=ROW_KIND,
            undoes=last["fix_id"] if step.action == "start" and last else None,
            check_id=f"schedule:{step.schedule}",
            action=step.action,
            resource_kind=str(kind.resource_kind),
            resource_id=member.resource_id,
            resource_arn=member.arn,
            region=member.region,
            params={
                "schedule": step.schedule,
                "via": step.via,
                "desired": step.desired,
                "member": member.as_params(),
            },
        )
        step.outcome, step.reason = self._run_row(self.journal.fix(step.fix_id))

    def _run_row(self, row: dict[str, Any]) -> tuple[str, str | None]:
        """Lease, act through the descriptor, record; (outcome, reason)."""
        assert self.journal is not None
        member = Member.from_params(row["params"]["member"])
        kind = self.kinds[member.kind]
        key = f"{member.region}/{kind.resource_kind}/{member.resource_id}"
        held = self.journal.acquire_lease(key, row["fix_id"], self.holder)
        if held is not None:
            reason = f"another run ({held.holder}) is acting on this resource ({held.fix_id})"
            self.journal.update_fix(row["fix_id"], state="skipped", reason=reason)
            return "skipped", reason
        lease = (key, self.holder)
        try:
            self.journal.update_fix(row["fix_id"], state="running")
            ctx = self._ctx(row["fix_id"], member.region, lease)
            if row["action"] == "stop":
                kind.stop(ctx, member)
            else:
                stop_row = self.journal.fix(row["undoes"]) if row.get("undoes") else None
                kind.start(ctx, member, stop_row)
            self.journal.update_fix(
                row["fix_id"], state="done", reason=None, after={"expected": _expected(row)}
            )
            return "done", None
        except Skip as exc:
            self.journal.update_fix(row["fix_id"], state="skipped", reason=str(exc))
            return "skipped", str(exc)
        except (ClientError, BotoCoreError, StepFailed) as exc:
            self.journal.update_fix(row["fix_id"], state="failed", reason=describe_error(exc))
            return "failed", describe_error(exc)
        finally:
            self.journal.release_lease(*lease)

    def _resume(self) -> list[Step]:
        """Finish the actions a killed pass left ``planned`` or ``running``."""
        assert self.journal is not None
        out = []
        for row in self.journal.fixes(kind=ROW_KIND, states=["planned", "running"]):
            params = row["params"]
            step = Step(
                params["schedule"],
                params["via"],
                Member.from_params(params["member"]),
                params["desired"],
                row["action"],
                "planned",
                fix_id=row["fix_id"],
            )
            step.outcome, step.reason = self._run_row(row)
            out.append(step)
        return out

    # ------------------------------------------------------------------ confirming

    def _confirm(
        self,
        members: list[Member],
        last: dict[tuple[str, str, str], dict[str, Any]],
        region: str,
        report: PassReport,
        at: datetime,
    ) -> None:
        """Judge each unconfirmed earlier action in ``region`` against what AWS shows now.

        A stop found running while its schedule now wants it running was superseded (the
        period began; a Studio app's user reopened it), not undone: it is not judged."""
        by_key = {_key(m): m for m in members}
        for key, row in last.items():
            if key[0] != region or row["reason"] is not None:
                continue  # another region, or confirmed already
            member = by_key.get(key)
            expected = (row.get("after") or {}).get("expected")
            if member is None:
                held = row["action"] == "stop"  # a deleted Studio app is gone from the list
                detail = "gone" if held else "the resource no longer exists"
            elif member.observed == "transitional":
                continue  # still on its way: judged by a later pass
            else:
                held = member.observed == expected
                detail = member.status
                joined = schedule_for(member.name, member.tags, self.schedules).schedule
                if not held and joined is not None and desired_state(joined, at) != expected:
                    continue  # superseded by the schedule itself
            verdict = "held" if held else "did not hold"
            note = f"{verdict}: {detail} at {report.at:%Y-%m-%d %H:%M} UTC"
            report.confirmations.append(
                Confirmation(row["fix_id"], row["action"], key[1], key[2], region, held, detail)
            )
            if self.apply and self.journal is not None:
                self.journal.update_fix(row["fix_id"], reason=note)


def _expected(row: dict[str, Any]) -> str:
    return "stopped" if row["action"] == "stop" else "running"


def _fields(member: Member) -> dict[str, Any]:
    return {name: getattr(member, name) for name in Member.__slots__}
