"""The schedulable kinds, one module each; :data:`KINDS` is the registry a pass iterates."""

from __future__ import annotations

from mlcost.fix.actions.base import Calls
from mlcost.schedule.kinds.base import Member, Observed, Schedulable
from mlcost.schedule.kinds.ec2 import Ec2Instances
from mlcost.schedule.kinds.endpoints import RealTimeEndpoints
from mlcost.schedule.kinds.notebooks import NotebookInstances
from mlcost.schedule.kinds.scaled import AsyncEndpoints, InferenceComponents
from mlcost.schedule.kinds.studio import StudioApps

#: Every schedulable kind, by its name, in the order a pass acts on them: real-time
#: endpoints last, because only their actions wait (minutes each, for a delete or a
#: recreate) and nothing else should wait behind them.
KINDS: dict[str, Schedulable] = {
    k.kind: k
    for k in (
        NotebookInstances(),
        Ec2Instances(),
        StudioApps(),
        AsyncEndpoints(),
        InferenceComponents(),
        RealTimeEndpoints(),
    )
}


def schedule_calls() -> Calls:
    """Every AWS operation a schedule pass may call, from the descriptors."""
    out: set[tuple[str, str]] = set()
    for kind in KINDS.values():
        out |= kind.calls
    return frozenset(out)


__all__ = ["KINDS", "Member", "Observed", "Schedulable", "schedule_calls"]
