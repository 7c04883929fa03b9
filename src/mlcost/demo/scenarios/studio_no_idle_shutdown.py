"""studio-no-idle-shutdown: Studio domains in eu-west-1.

Planted: a domain whose JupyterLab idle timeout is a day (1,440 min > 480) with a shared
ml.m5.xlarge app running under it; a domain with a good default whose user profile ``ana``
turned JupyterLab idle shutdown off (DISABLED), her ml.g4dn.xlarge app running. Look-alike:
a platform domain with one hour for JupyterLab and Code Editor and a profile that keeps
the default. (The research domain in us-east-1 is planted by ``idle_studio_app``.)
"""

from __future__ import annotations

from mlcost.demo.org import REGIONS, OrgBuilder
from mlcost.demo.scenarios._studio import domain, domain_id, idle_settings, profile, space_app

CHECK = "studio-no-idle-shutdown"

GOOD = {
    "JupyterLabAppSettings": idle_settings(60),
    "CodeEditorAppSettings": idle_settings(60),
}


def plant(b: OrgBuilder) -> None:
    euw1 = REGIONS[1]
    vision = b.tags("vision", "defect-detect", "li@example.com")
    nlp = b.tags("nlp", "support-bot", "ana@example.com")
    platform = b.tags("platform", "studio", "ops@example.com")

    day_long = domain(
        b,
        euw1,
        "vision-studio",
        settings={
            "JupyterLabAppSettings": idle_settings(1440),
            "CodeEditorAppSettings": idle_settings(120),
        },
        tags=vision,
    )
    space_app(
        b, day_long, "vision-shared", None, app_type="JupyterLab", itype="ml.m5.xlarge", age_days=9
    )
    b.mark(CHECK, domain_id(day_long))

    override = domain(b, euw1, "nlp-studio", settings=GOOD, tags=nlp)
    profile(override, "ana", {"JupyterLabAppSettings": idle_settings(None, "DISABLED")})
    profile(override, "bo")
    space_app(
        b, override, "ana-lab", "ana", app_type="JupyterLab", itype="ml.g4dn.xlarge", age_days=4
    )
    b.mark(CHECK, domain_id(override))

    good = domain(b, euw1, "platform-studio", settings=GOOD, tags=platform)
    profile(good, "ops")
    space_app(b, good, "ops-lab", "ops", app_type="CodeEditor", itype="ml.t3.medium", age_days=3)
    b.mark(CHECK, domain_id(good), lookalike=True)
