"""Run fixes and undos: lease, re-check, act, record — and resume what a crash left half-done.

Why the order: the lease comes first so two runs never act on one resource; the re-check
comes just before the first change so a finding that no longer holds is skipped with its
reason; the fix row is ``running`` before the first mutating call, so a crash leaves it for
``mlcost fix --resume``. A failing fix ends ``failed`` with the AWS error and the run goes on
to the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mlcost.errors import UserError
from mlcost.fix.actions import Skip, action_for
from mlcost.fix.context import Clients, FixContext, StepFailed, describe_error
from mlcost.fix.findings import FindingSet, finding_from_dict
from mlcost.fix.waiters import Waiter
from mlcost.journal import Journal, holder_id, new_id
from mlcost.model import Finding
from mlcost.report.json_report import finding_dict
from mlcost.report.totals import totals
from mlcost.sources.aws.errors import is_not_found

#: The tag a deferred fix (``--after``) leaves on its resource: "<action> <due, UTC>".
PLANNED_TAG = "mlcost:planned-fix"

#: Journal steps of the deferral itself, not of the fix.
DEFERRAL_STEPS = ("tag-planned-fix", "untag-planned-fix")

RecheckFn = Callable[[Finding, datetime], "str | None"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one fix or undo ended in this run."""

    fix_id: str
    kind: str
    action: str
    resource_id: str
    region: str
    state: str
    reason: str | None
    monthly_savings_usd: Decimal | None


def _outcome(row: dict[str, Any]) -> Outcome:
    saving = row.get("monthly_savings_usd")
    return Outcome(
        fix_id=row["fix_id"],
        kind=row["kind"],
        action=row["action"],
        resource_id=row["resource_id"],
        region=row["region"],
        state=row["state"],
        reason=row.get("reason"),
        monthly_savings_usd=None if saving is None else Decimal(saving),
    )


def parse_after(raw: str) -> timedelta:
    """``3d``, ``12h`` or ``90m`` as a duration (``--after``)."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    number, unit = raw[:-1], raw[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise UserError(f"--after must look like 3d, 12h or 90m, got {raw!r}", "e.g. --after 3d")
    return timedelta(**{units[unit]: int(number)})


class FixRunner:
    """One ``mlcost fix`` / ``undo`` run against one journal."""

    def __init__(
        self,
        journal: Journal,
        clients: Clients,
        waiter: Waiter | None = None,
        *,
        recheck: RecheckFn | None = None,
        now: Callable[[], datetime] | None = None,
        settings: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.journal = journal
        self.clients = clients
        self.waiter = waiter or Waiter()
        self.run_id = new_id("run")
        self.holder = holder_id(self.run_id)
        self._now = now or (lambda: datetime.now(UTC))
        self._recheck = recheck or self._live_recheck
        #: Per-check overrides (mlcost.toml): a re-check judges with the scan's thresholds.
        self.settings = settings or {}

    def _live_recheck(self, finding: Finding, window_start: datetime) -> str | None:
        from mlcost.fix.recheck import recheck

        return recheck(
            finding,
            window_start=window_start,
            session=self.clients.session,
            now=self._now(),
            settings=self.settings,
        )

    def _ctx(self, fix_id: str, region: str, lease: tuple[str, str] | None) -> FixContext:
        return FixContext(self.journal, fix_id, region, self.clients, self.waiter, lease)

    # ------------------------------------------------------------------ fix

    def apply(
        self, found: FindingSet, chosen: list[Finding], *, after: timedelta | None = None
    ) -> list[Outcome]:
        """Record the scan, plan every chosen fix, then run (or defer) them one by one."""
        scan_id = self.journal.record_scan(
            generated_at=found.generated_at,
            source=found.source,
            origin=found.origin,
            regions=found.regions,
            lookback_days=found.lookback_days,
            findings=len(found.findings),
            # each resource once, at its largest saving (as the scan's totals)
            monthly_savings_usd=totals(found.findings)["monthly_savings_usd"],
        )
        outcomes = self.run_due_deferred()
        rows = []
        for finding in chosen:
            action = action_for(
                finding.fix.action
            )  # refuses an action mlcost cannot apply, before any change
            if after is not None:
                action.tag_target(finding)  # refuses a fix that cannot be deferred, likewise
        for finding in chosen:
            fix_id = self.journal.create_fix(
                run_id=self.run_id,
                kind="fix",
                scan_id=scan_id,
                finding_id=finding.id,
                check_id=finding.check,
                action=finding.fix.action,
                resource_kind=str(finding.resource_kind),
                resource_id=finding.resource_id,
                resource_arn=finding.resource_arn,
                region=finding.region,
                params=finding.fix.params,
                finding=finding_dict(finding),
                monthly_savings_usd=None
                if finding.monthly_savings_usd is None
                else str(finding.monthly_savings_usd),
            )
            rows.append(self.journal.fix(fix_id))
        for row in rows:
            if after is not None:
                outcomes.append(self._defer(row, after))
            else:
                outcomes.append(self._run_fix(row))
        return outcomes

    def _window_start(self, row: dict[str, Any]) -> datetime:
        scan = next((s for s in self.journal.scans() if s["scan_id"] == row["scan_id"]), None)
        if scan is None:
            return self._now() - timedelta(days=14)
        return scan["generated_at"] - timedelta(days=scan["lookback_days"])

    def _finish(self, fix_id: str, state: str, reason: str | None = None, **values: Any) -> Outcome:
        self.journal.update_fix(fix_id, state=state, reason=reason, **values)
        return _outcome(self.journal.fix(fix_id))

    def _lease(self, row: dict[str, Any], resuming: bool) -> tuple[str, str] | str:
        """The lease (key, holder), or the reason the fix cannot have it."""
        action = action_for(row["action"])
        key = action.resource_key(row["region"], row["resource_id"])
        if not resuming:
            for other in self.journal.fixes(states=["running"]):
                other_key = action_for(other["action"]).resource_key(
                    other["region"], other["resource_id"]
                )
                if other["fix_id"] != row["fix_id"] and other_key == key:
                    return (
                        f"{other['kind']} {other['fix_id']} on this resource is half-done: "
                        "run `mlcost fix --resume` first"
                    )
        held = self.journal.acquire_lease(key, row["fix_id"], self.holder)
        if held is not None:
            return f"another run ({held.holder}) is acting on this resource ({held.fix_id})"
        return key, self.holder

    def _mutated(self, fix_id: str) -> bool:
        """Whether the fix itself has begun changing AWS (the deferral's tag does not count:
        a deferred fix is re-checked when it comes due)."""
        return any(
            c["mutating"] and c["step"] not in DEFERRAL_STEPS for c in self.journal.calls(fix_id)
        )

    def _run_fix(self, row: dict[str, Any], *, resuming: bool = False) -> Outcome:
        fix_id = row["fix_id"]
        lease = self._lease(row, resuming)
        if isinstance(lease, str):
            return self._finish(fix_id, "skipped", lease)
        try:
            action = action_for(row["action"])
            finding = finding_from_dict(row["finding"])
            if not self._mutated(fix_id):
                call_id = self.journal.call_started(
                    fix_id, "recheck", "mlcost", "Recheck", {"finding": finding.id}, mutating=False
                )
                try:
                    reason = self._recheck(finding, self._window_start(row))
                except Exception as exc:
                    self.journal.call_finished(call_id, "error", error=describe_error(exc))
                    return self._finish(fix_id, "failed", f"re-check failed: {describe_error(exc)}")
                self.journal.call_finished(
                    call_id, "ok", response={"holds": reason is None, "reason": reason}
                )
                if reason:
                    return self._finish(fix_id, "skipped", reason)
            self.journal.update_fix(fix_id, state="running")
            result = action.apply(self._ctx(fix_id, row["region"], lease), finding)
            if row.get("due_at"):
                self._untag(row)
            return self._finish(
                fix_id, "done", None, before=result["before"], after=result["after"]
            )
        except Skip as exc:
            return self._finish(fix_id, "skipped", str(exc))
        except (ClientError, BotoCoreError, StepFailed) as exc:
            return self._finish(fix_id, "failed", describe_error(exc))
        finally:
            self.journal.release_lease(*lease)

    # ------------------------------------------------------------------ deferred

    def _tag_ops(self, row: dict[str, Any]) -> tuple[str, str]:
        action = action_for(row["action"])
        return action.tag_target(finding_from_dict(row["finding"]))

    def _defer(self, row: dict[str, Any], after: timedelta) -> Outcome:
        due = (self._now() + after).replace(second=0, microsecond=0)
        value = f"{row['action']} {due:%Y-%m-%dT%H:%MZ}"
        service, target = self._tag_ops(row)
        ctx = self._ctx(row["fix_id"], row["region"], None)
        tag = [{"Key": PLANNED_TAG, "Value": value}]
        try:
            if service == "sagemaker":
                ctx.act(
                    "tag-planned-fix", "sagemaker", "AddTags", {"ResourceArn": target, "Tags": tag}
                )
            else:
                ctx.act(
                    "tag-planned-fix", "ec2", "CreateTags", {"Resources": [target], "Tags": tag}
                )
        except (ClientError, BotoCoreError) as exc:
            return self._finish(row["fix_id"], "failed", f"could not tag: {describe_error(exc)}")
        return self._finish(
            row["fix_id"], "deferred", f"planned for {due:%Y-%m-%d %H:%M} UTC", due_at=due
        )

    def _planned_tag(self, row: dict[str, Any]) -> str | None:
        """The resource's planned-fix tag value; ``None`` when it or the resource is gone."""
        service, target = self._tag_ops(row)
        client = self.clients(service, row["region"])
        try:
            if service == "sagemaker":
                tags = client.list_tags(ResourceArn=target).get("Tags", [])
            else:
                tags = client.describe_tags(
                    Filters=[
                        {"Name": "resource-id", "Values": [target]},
                        {"Name": "key", "Values": [PLANNED_TAG]},
                    ]
                ).get("Tags", [])
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        return next((t["Value"] for t in tags if t["Key"] == PLANNED_TAG), None)

    def _untag(self, row: dict[str, Any]) -> None:
        """Remove the planned-fix tag after the deferred fix ran (when the resource remains)."""
        service, target = self._tag_ops(row)
        ctx = self._ctx(row["fix_id"], row["region"], None)
        try:
            if service == "sagemaker":
                ctx.act(
                    "untag-planned-fix",
                    "sagemaker",
                    "DeleteTags",
                    {"ResourceArn": target, "TagKeys": [PLANNED_TAG]},
                )
            else:
                ctx.act(
                    "untag-planned-fix",
                    "ec2",
                    "DeleteTags",
                    {"Resources": [target], "Tags": [{"Key": PLANNED_TAG}]},
                )
        except ClientError:
            pass  # the resource is gone with its tags (a deleted endpoint)

    def run_due_deferred(self) -> list[Outcome]:
        """Deferred fixes: cancelled when the tag was removed, run when due, else waiting."""
        outcomes = []
        for row in self.journal.fixes(states=["deferred"], kind="fix"):
            try:
                tag = self._planned_tag(row)
            except (ClientError, BotoCoreError) as exc:
                outcomes.append(
                    _outcome({**row, "reason": f"could not read its tags: {describe_error(exc)}"})
                )
                continue
            if tag is None:
                outcomes.append(
                    self._finish(row["fix_id"], "cancelled", f"the {PLANNED_TAG} tag was removed")
                )
            elif row["due_at"] > self._now():
                outcomes.append(_outcome(row))
            else:
                outcomes.append(self._run_fix(row))
        return outcomes

    # ------------------------------------------------------------------ resume

    def resume(self) -> list[Outcome]:
        """Finish every fix and undo a killed run left ``running`` or ``planned``."""
        outcomes = []
        for row in self.journal.fixes(states=["running", "planned"]):
            if row["kind"] not in ("fix", "undo"):
                continue  # a schedule pass's action: the next `mlcost schedule run` resumes it
            if row["kind"] == "undo":
                outcomes.append(self._run_undo(row, resuming=True))
            else:
                outcomes.append(self._run_fix(row, resuming=True))
        return outcomes

    # ------------------------------------------------------------------ undo

    def undo(self, fix_id: str) -> Outcome:
        fix = self.journal.fix(fix_id)
        if fix is None or fix["kind"] != "fix":
            raise UserError(
                f"no fix {fix_id!r} in the journal {self.journal.url}", "see `mlcost history`"
            )
        if fix["state"] not in ("done", "failed") or not self.journal.snapshots(fix_id):
            raise UserError(
                f"fix {fix_id} is {fix['state']}: nothing it changed to undo",
                "see `mlcost history`",
            )
        for other in self.journal.fixes(kind="undo"):
            if other["undoes"] == fix_id and other["state"] in ("done", "running", "planned"):
                raise UserError(
                    f"fix {fix_id} is already undone by {other['fix_id']} ({other['state']})",
                    "run `mlcost fix --resume` if that undo was interrupted",
                )
        undo_id = self.journal.create_fix(
            run_id=self.run_id,
            kind="undo",
            undoes=fix_id,
            scan_id=fix["scan_id"],
            finding_id=fix["finding_id"],
            check_id=fix["check_id"],
            action=fix["action"],
            resource_kind=fix["resource_kind"],
            resource_id=fix["resource_id"],
            resource_arn=fix["resource_arn"],
            region=fix["region"],
            params=fix["params"],
        )
        return self._run_undo(self.journal.fix(undo_id))

    def _run_undo(self, row: dict[str, Any], *, resuming: bool = False) -> Outcome:
        undo_id = row["fix_id"]
        fix = self.journal.fix(row["undoes"])
        lease = self._lease(row, resuming)
        if isinstance(lease, str):
            return self._finish(undo_id, "failed", lease)
        try:
            snaps = self.journal.snapshots(fix["fix_id"])
            self.journal.update_fix(undo_id, state="running")
            after = action_for(row["action"]).undo(
                self._ctx(undo_id, row["region"], lease), fix, next(iter(snaps.values()))
            )
            return self._finish(undo_id, "done", None, before=fix.get("after"), after=after)
        except (ClientError, BotoCoreError, StepFailed, Skip) as exc:
            return self._finish(undo_id, "failed", describe_error(exc))
        finally:
            self.journal.release_lease(*lease)

    # ------------------------------------------------------------------ verify

    def verify(self) -> list[tuple[dict[str, Any], str | None]]:
        """Every done fix not undone, with what came back (``None``: the saving holds)."""
        undone = {u["undoes"] for u in self.journal.fixes(kind="undo", states=["done"])}
        report = []
        for fix in self.journal.fixes(kind="fix", states=["done"]):
            if fix["fix_id"] in undone:
                continue
            try:
                message = action_for(fix["action"]).came_back(self.clients, fix)
            except (ClientError, BotoCoreError) as exc:
                message = f"could not check: {describe_error(exc)}"
            report.append((fix, message))
        return report
