"""What a schedule can start and stop: one small descriptor per schedulable kind
(``mlcost.schedule.kinds``: notebooks, ec2, studio, endpoints, scaled).

A descriptor says how to list its resources in a region (with their tags, AWS status and what
they bill), how AWS's status maps to running / stopped / transitional, how to stop and start
one through a :class:`~mlcost.fix.context.FixContext` (so every call is journaled and keyed),
and every AWS operation it may call (``calls``: the deploy template's IAM role is derived
from them, as ``mlcost policy self`` is).

Why stops and starts do not wait (notebooks, EC2, Studio apps, async scaling): a pass acts on
many resources within a Lambda's 15 minutes; the next pass confirms that each change held.
Real-time endpoints are the exception: they are deleted and recreated by the fix framework's
``delete-endpoint`` action (snapshot, delete, and its undo), whose recreate must wait for the
endpoint to be InService before it can put its autoscaling back.
"""

from mlcost.schedule.kinds import KINDS, Member, Observed, Schedulable, schedule_calls

__all__ = ["KINDS", "Member", "Observed", "Schedulable", "schedule_calls"]
