"""long-running-job and long-running-processing-job: a nightly training run at 4x its usual
length and a fine-tune stuck downloading its data for 3 h (both flagged); a long
pre-training run within its own history and a job that began downloading 20 minutes ago
(look-alikes). An embeddings refresh at 6x its usual hour (flagged) and a fresh one (look-alike).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlcost.demo.org import OrgBuilder

CHECK = "long-running-job"
PROCESSING_CHECK = "long-running-processing-job"
HOUR = 1 / 24  # in days


def plant(b: OrgBuilder) -> None:
    region = "us-east-1"
    tags = b.tags("recs", "churn-nightly", "sam@example.com")
    # a nightly job: three runs of ~2 h (managed spot, so training-spot has nothing to say)
    for n, hours in ((1, 2.0), (2, 2.2), (3, 1.9)):
        b.job(
            "training-job",
            region,
            f"churn-nightly-train-{n:04d}",
            "ml.m5.4xlarge",
            2,
            start_days_ago=4 - n,
            hours=hours,
            spot=True,
            billable_hours=hours * 0.4,
            tags=tags,
        )
    # the fourth has been running 9 h: over 2 x the longest run (2.2 h)
    b.job(
        "training-job",
        region,
        "churn-nightly-train-0004",
        "ml.m5.4xlarge",
        2,
        start_days_ago=9 * HOUR,
        hours=24,
        status="InProgress",
        tags=tags,
    )
    b.mark(CHECK, "churn-nightly-train-0004")
    # pre-training: runs of 40 h and 38 h; the current one at 30 h is within its history
    llm = b.tags("nlp", "llm-pretrain", "ana@example.com")
    for n, days_ago in ((1, 12), (2, 7)):
        b.job(
            "training-job",
            region,
            f"llm-pretrain-{n:04d}",
            "ml.m5.12xlarge",
            1,
            start_days_ago=days_ago,
            hours=40 - 2 * (n - 1),
            spot=True,
            billable_hours=16,
            tags=llm,
        )
    b.job(
        "training-job",
        region,
        "llm-pretrain-0003",
        "ml.m5.12xlarge",
        1,
        start_days_ago=30 * HOUR,
        hours=48,
        status="InProgress",
        tags=llm,
    )
    b.mark(CHECK, "llm-pretrain-0003", lookalike=True)
    # stuck downloading its data for 3 h; a sibling started downloading 20 minutes ago
    vision = b.tags("vision", "detr", "lee@example.com", "dev")
    b.job(
        "training-job",
        region,
        "detr-finetune-a",
        "ml.m5.2xlarge",
        1,
        start_days_ago=3.5 * HOUR,
        hours=24,
        status="InProgress",
        secondary_status=("Downloading", 3.0),
        tags=vision,
    )
    b.mark(CHECK, "detr-finetune-a")
    b.job(
        "training-job",
        region,
        "detr-finetune-b",
        "ml.m5.2xlarge",
        1,
        start_days_ago=0.5 * HOUR,
        hours=24,
        status="InProgress",
        secondary_status=("Downloading", 1 / 3),
        tags=vision,
    )
    b.mark(CHECK, "detr-finetune-b", lookalike=True)
    # processing: an embeddings refresh of ~1 h; the fourth at 6 h, the fifth just started
    feat = b.tags("recs", "embeddings", "sam@example.com")
    for n in (1, 2, 3):
        b.job(
            "processing-job",
            region,
            f"embeddings-refresh-{n}",
            "ml.m5.xlarge",
            1,
            start_days_ago=5 - n,
            hours=1.0,
            tags=feat,
        )
    b.job(
        "processing-job",
        region,
        "embeddings-refresh-4",
        "ml.m5.xlarge",
        1,
        start_days_ago=6 * HOUR,
        hours=24,
        status="InProgress",
        tags=feat,
    )
    b.mark(PROCESSING_CHECK, "embeddings-refresh-4")
    b.job(
        "processing-job",
        region,
        "embeddings-refresh-5",
        "ml.m5.xlarge",
        1,
        start_days_ago=0.5 * HOUR,
        hours=24,
        status="InProgress",
        tags=feat,
    )
    b.mark(PROCESSING_CHECK, "embeddings-refresh-5", lookalike=True)
