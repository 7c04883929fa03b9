"""idle-studio-app: Studio apps left running in a research domain with no idle shutdown.

Planted: a JupyterLab app the mlcost agent has seen idle for 19 days (ml.g5.xlarge), and a
Code Editor app whose last real user activity was 6 days ago (ml.m5.xlarge, no agent).
Look-alikes: a JupyterLab app busy in office hours by the agent, an app whose activity
timestamp is only the health check's refresh (nothing says it is idle). The domain itself has no idle shutdown, so
``studio-no-idle-shutdown`` flags it too: that is why the apps were left running.
"""

from __future__ import annotations

import numpy as np

from mlcost.demo.org import REGIONS, OrgBuilder
from mlcost.demo.scenarios._studio import domain, domain_id, profile, space_app

CHECK = "idle-studio-app"


def plant(b: OrgBuilder) -> None:
    use1 = REGIONS[0]
    research = b.tags("research", "llm-eval", "kim@example.com", "dev")
    spec = domain(b, use1, "research-studio", settings={}, tags=research)
    for name in ("ana", "li", "sam", "kim"):
        profile(spec, name)
    idle_lab = space_app(
        b,
        spec,
        "ana-lab",
        "ana",
        app_type="JupyterLab",
        itype="ml.g5.xlarge",
        age_days=25,
        busy=np.where(b.ts < b.ago(19).timestamp(), 1.0, 0.0),
    )
    b.mark(CHECK, idle_lab)
    stale_editor = space_app(
        b,
        spec,
        "li-code",
        "li",
        app_type="CodeEditor",
        itype="ml.m5.xlarge",
        age_days=30,
        activity_days_ago=6,
    )
    b.mark(CHECK, stale_editor)
    busy_lab = space_app(
        b,
        spec,
        "sam-lab",
        "sam",
        app_type="JupyterLab",
        itype="ml.g5.2xlarge",
        age_days=40,
        busy=(b.office(1.0) > 0.3).astype(float),
    )
    b.mark(CHECK, busy_lab, lookalike=True)
    unknown = space_app(
        b, spec, "kim-lab", "kim", app_type="JupyterLab", itype="ml.m5.large", age_days=15
    )
    b.mark(CHECK, unknown, lookalike=True)
    b.mark("studio-no-idle-shutdown", domain_id(spec))
