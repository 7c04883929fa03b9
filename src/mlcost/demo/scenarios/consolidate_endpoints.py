"""consolidate-endpoints: two quiet c5 endpoints in eu-west-1 that fit on one instance
(planted, reported on the first by name), and a busy c5 endpoint beside them (look-alike:
it carries its own load and is no part of the group)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "consolidate-endpoints"


def plant(b: OrgBuilder) -> None:
    euw1 = "eu-west-1"
    risk = b.tags("risk", "fraud-rules", "jo@example.com")
    for name, load in (
        ("fraud-rules-card", 0.06),
        ("fraud-rules-wire", 0.05),
        ("fraud-rules-busy", 0.6),
    ):
        b.endpoint(
            euw1,
            name,
            "ml.c5.xlarge",
            1,
            age_days=90,
            invocations=b.noisy(b.office(300.0 * load / 0.05, 30.0), 0.1),
            cpu_frac=b.noisy(b.office(load, load / 3), 0.1, 0, 1),
            mem_pct=b.flat(12.0, 0.05, 100),
            tags=risk,
        )
    b.mark(CHECK, "fraud-rules-card")
    b.mark(CHECK, "fraud-rules-busy", lookalike=True)
