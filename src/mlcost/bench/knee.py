"""The knee of a bench run: the highest load at which throughput still follows the load.

Past the knee, more offered load (or more clients) buys queueing, not requests: latency
climbs while req/s stays flat. That is the level to size an endpoint at, and the one whose
cost per 1,000 inferences is worth quoting. The rule is stated so a reader can redo it from
the levels table: going up one level, the achieved req/s must grow by at least
``FOLLOW`` of the relative growth of the load (open loop: of the offered rate; closed
loop: of the client count), and the level must have answered at least one request. The
knee is the last level reached before the first step that fails; with one level, that
level.
"""

from __future__ import annotations

from typing import Any

#: How much of the load's relative growth the throughput must keep to still "follow" it:
#: doubling the load must bring at least 1.5x the requests.
FOLLOW = 0.5


def knee(levels: list[dict[str, Any]]) -> int | None:
    """Index (into ``levels``, in load order as run) of the knee; None when no level
    answered a request."""
    usable = [i for i, lv in enumerate(levels) if lv.get("ok", 0) > 0 and lv["req_per_s"] > 0]
    if not usable:
        return None
    best = usable[0]
    for prev, cur in zip(usable, usable[1:], strict=False):
        load_prev, load_cur = float(levels[prev]["load"]), float(levels[cur]["load"])
        if load_cur <= load_prev:
            break  # levels are run in increasing load; anything else is not a curve
        load_growth = load_cur / load_prev - 1
        rps_growth = float(levels[cur]["req_per_s"]) / float(levels[prev]["req_per_s"]) - 1
        if rps_growth < FOLLOW * load_growth:
            break
        best = cur
    return best
