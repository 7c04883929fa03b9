"""endpoint-inference-type: a sparsely called real-time endpoint (planted) and a steadily
called one (look-alike: real-time is the right type for traffic that never stops)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "endpoint-inference-type"


def plant(b: OrgBuilder) -> None:
    use1 = "us-east-1"
    ads = b.tags("ads", "lookalike-audiences", "noor@example.com")
    # a few requests every 13 hours, at every hour of the day in turn: an instance waits
    # 12 hours out of 13 (asynchronous with scale-to-zero carries it)
    sparse = np.zeros_like(b.ts)
    sparse[::13] = 4.0
    b.endpoint(
        use1,
        "ads-sparse-scorer",
        "ml.m5.xlarge",
        1,
        age_days=60,
        invocations=sparse,
        cpu_frac=np.where(sparse > 0, 0.2, 0.02),
        mem_pct=b.flat(20.0, 0.05, 100),
        tags=ads,
    )
    b.mark(CHECK, "ads-sparse-scorer")
    # every hour busy: real-time as deployed is the cheapest that carries it
    b.endpoint(
        use1,
        "search-ranker-steady",
        "ml.c5.2xlarge",
        2,
        age_days=200,
        invocations=b.flat(3000.0, 0.1),
        cpu_frac=b.flat(0.5, 0.1, 1),
        mem_pct=b.flat(45.0, 0.05, 100),
        tags=ads,
    )
    b.mark(CHECK, "search-ranker-steady", lookalike=True)
