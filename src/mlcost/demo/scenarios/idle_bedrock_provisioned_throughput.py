"""idle-bedrock-provisioned-throughput: a no-commitment Provisioned Throughput nobody has
invoked for three weeks and a six-month commitment idle too (planted: the second says its
commitment bills to the end of its term); look-alike: one invoked every working hour."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from mlcost.demo.org import REGIONS, OrgBuilder, ResourceSpec

CHECK = "idle-bedrock-provisioned-throughput"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0:200k"


def _throughput(
    b: OrgBuilder,
    region: str,
    name: str,
    units: int,
    *,
    age_days: float,
    commitment: str | None,
    ends_in_days: float | None,
    invocations: np.ndarray | None,
    tags: dict[str, str],
) -> None:
    b.resources.append(
        ResourceSpec(
            "bedrock-provisioned-throughput",
            region,
            name,
            "",
            b.ago(age_days),
            units,
            tags=tags,
            state="InService",
            extra={
                "model": MODEL,
                "commitment": commitment,
                "ends": b.now + timedelta(days=ends_in_days) if ends_in_days else None,
                # seeded as AWS/Bedrock Invocations by ModelId once the ARN is known
                # plain lists: the org is compared as data (deterministic builds)
                "invocations": None if invocations is None else [float(v) for v in invocations],
                "hours": [float(t) for t in b.ts],
            },
        )
    )


def plant(b: OrgBuilder) -> None:
    use1 = REGIONS[0]
    nlp = b.tags("nlp", "support-bot", "ana@example.com")
    research = b.tags("research", "llm-eval", "kim@example.com", "dev")
    _throughput(
        b,
        use1,
        "llm-eval-pt",
        1,
        age_days=60,
        commitment=None,
        ends_in_days=None,
        invocations=None,
        tags=research,
    )
    b.mark(CHECK, "llm-eval-pt")
    _throughput(
        b,
        use1,
        "support-bot-pt-6m",
        2,
        age_days=100,
        commitment="SixMonths",
        ends_in_days=82,
        invocations=None,
        tags=nlp,
    )
    b.mark(CHECK, "support-bot-pt-6m")
    _throughput(
        b,
        use1,
        "support-bot-pt",
        1,
        age_days=90,
        commitment=None,
        ends_in_days=None,
        invocations=np.round(b.noisy(b.office(900, 20), 0.2)),
        tags=nlp,
    )
    b.mark(CHECK, "support-bot-pt", lookalike=True)
