"""The Lambda entry point: one schedule pass per EventBridge tick (see ``template.py``).

Why the settings come from the environment: the template writes the validated schedules
(``MLCOST_SCHEDULES``, JSON), the regions, the journal's URL and whether to apply; a pass
needs nothing from the event. An endpoint recreate may still be waiting when Lambda's 15
minutes end: the process is then stopped with its journal row ``running``, and the next pass
resumes it from its keyed steps (the wait's own limit is longer than a Lambda on purpose, so it
never marks such a row failed).
"""

from __future__ import annotations

import json
import os
from typing import Any

from mlcost.fix.context import Clients
from mlcost.fix.waiters import Waiter
from mlcost.journal import journal
from mlcost.schedule.model import parse_schedules
from mlcost.schedule.report import report_dict
from mlcost.schedule.run import SchedulePass


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one pass and return its report (also in the function's log)."""
    schedules = parse_schedules(
        json.loads(os.environ["MLCOST_SCHEDULES"]), origin="MLCOST_SCHEDULES"
    )
    regions = [
        r.strip()
        for r in os.environ.get("MLCOST_REGIONS", os.environ.get("AWS_REGION", "")).split(",")
        if r.strip()
    ]
    apply = os.environ.get("MLCOST_SCHEDULE_APPLY", "false").lower() == "true"
    waiter = Waiter()
    with journal(None) as j:
        report = SchedulePass(schedules, regions, Clients(), j, apply=apply, waiter=waiter).run()
    out = report_dict(report)
    print(json.dumps(out, default=str))
    return out
