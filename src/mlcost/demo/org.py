"""A deterministic synthetic ML organisation: the resources and metrics ``mlcost demo`` scans.

Pure data (no AWS, no moto): :func:`build_org` returns resource specs, 21 days of hourly
metric series with daily and weekly rhythm and noise, and an ``expected`` manifest of which
resources each check should flag and which look-alikes it must leave alone. The same
``now`` and ``seed`` give the same org, byte for byte, so demo output and tests are stable.

Metric shapes follow what AWS publishes (docs/CONTRACTS.md): SageMaker ``Invocations`` has
no datapoints in an hour without traffic; endpoint ``CPUUtilization`` / ``GPUUtilization``
are summed over vCPUs / GPUs; EC2 GPU metrics come from the CloudWatch agent's
``nvidia_smi_utilization_gpu`` with one series per GPU.

EC2 instance ids are chosen by AWS (and moto) at launch, so the org names EC2 instances
by their ``Name`` tag; metric dimensions carry that name as a placeholder ``InstanceId``
until :func:`mlcost.demo.seed.seed_org` resolves it (see :meth:`Org.ec2_instance_ids`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from mlcost.pricing import spec

REGIONS = ("us-east-1", "eu-west-1")
WINDOW_DAYS = 21
ROLE_ARN = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-demo"
IMAGE = "763104351884.dkr.ecr.{region}.amazonaws.com/pytorch-inference:2.3.0-gpu-py311"
TRAIN_IMAGE = "763104351884.dkr.ecr.{region}.amazonaws.com/pytorch-training:2.3.0-gpu-py311"

#: GPU model and architecture as nvidia-smi reports them, per EC2 family.
GPU_NAMES = {
    "g5": ("NVIDIA A10G", "Ampere"),
    "g4dn": ("Tesla T4", "Turing"),
    "p3": ("Tesla V100-SXM2-16GB", "Volta"),
}
EC2_GPUS = {"g5.xlarge": 1, "g5.2xlarge": 1, "g4dn.xlarge": 1, "g4dn.2xlarge": 1, "p3.2xlarge": 1}

AUTOSTOP_SCRIPT = """#!/bin/bash
set -e
# Stop the notebook after an hour idle (AWS's sample: amazon-sagemaker-notebook-instance-lifecycle-config-samples/auto-stop-idle)
IDLE_TIME=3600
wget https://raw.githubusercontent.com/aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples/master/scripts/auto-stop-idle/autostop.py
(crontab -l 2>/dev/null; echo "*/5 * * * * /usr/bin/python3 $PWD/autostop.py --time $IDLE_TIME --ignore-connections") | crontab -
"""

CONDA_SCRIPT = """#!/bin/bash
set -e
# Install the team's extra packages into the pytorch kernel (no idle guard).
sudo -u ec2-user -i <<'EOF'
source /home/ec2-user/anaconda3/bin/activate pytorch_p310
pip install --quiet transformers==4.44.2 datasets==2.21.0
EOF
"""


@dataclass(slots=True)
class ResourceSpec:
    """One resource to create. ``kind`` uses the findings contract's resource kinds."""

    kind: str  # notebook-instance | endpoint | training-job | processing-job | transform-job | ec2-instance | capacity-reservation | iam-role | account
    region: str
    name: str
    instance_type: str
    created: datetime
    instance_count: int = 1
    tags: dict[str, str] = field(default_factory=dict)
    #: notebook: InService | Stopped; ec2: running | stopped; job: Completed | Failed
    state: str = ""
    #: kind-specific settings (lifecycle script, async config, job times, spot...)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SeriesSpec:
    """One CloudWatch series: datapoints to bulk-load (one sample each)."""

    region: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    timestamps: list[float]  # epoch seconds
    values: list[float]
    unit: str | None = None


@dataclass(slots=True)
class Org:
    """The organisation to seed, and the manifest a scan of it is judged against.

    Manifest ids are resource names; EC2 instances are named by their ``Name`` tag until
    seeding records their instance ids (:attr:`ec2_instance_ids`); :attr:`expected` gives
    the manifest with AWS ids, as findings name resources.
    """

    now: datetime
    seed: int
    resources: list[ResourceSpec]
    series: list[SeriesSpec]
    #: check id -> resources that check must flag
    flagged: dict[str, set[str]]
    #: check id -> look-alikes (and opted-out resources) that check must NOT flag
    not_flagged: dict[str, set[str]]
    #: check id -> resources that check may flag only with confidence below 0.5
    low_confidence_only: dict[str, set[str]] = field(default_factory=dict)
    #: resources tagged mlcost:skip=true (no check may flag them)
    opted_out: set[str] = field(default_factory=set)
    #: EC2 Name tag -> instance id, filled by :func:`mlcost.demo.seed.seed_org`
    ec2_instance_ids: dict[str, str] = field(default_factory=dict)

    def resolve(self, resource_id: str) -> str:
        """The AWS id of a resource named in the manifest (EC2 names become instance ids)."""
        return self.ec2_instance_ids.get(resource_id, resource_id)

    @property
    def expected(self) -> dict[str, list[tuple[str, str]]]:
        """The manifest as (check, AWS resource id) pairs, sorted.

        Keys: ``flagged`` (must be found), ``not_flagged`` (must not be found),
        ``low_confidence_only`` (may be found with confidence < 0.5) and ``opted_out``
        (``("*", id)``: no check may flag them).
        """

        def pairs(by_check: dict[str, set[str]]) -> list[tuple[str, str]]:
            return sorted((c, self.resolve(r)) for c, ids in by_check.items() for r in ids)

        return {
            "flagged": pairs(self.flagged),
            "not_flagged": pairs(self.not_flagged),
            "low_confidence_only": pairs(self.low_confidence_only),
            "opted_out": sorted(("*", self.resolve(r)) for r in self.opted_out),
        }

    def count(self, kind: str, region: str | None = None) -> int:
        """How many resources of one kind (in one region, or all)."""
        return sum(1 for r in self.resources if r.kind == kind and region in (None, r.region))


class OrgBuilder:
    """Builds the org: shapes (office hours, noise), resources and series, the manifest."""

    def __init__(self, now: datetime, seed: int) -> None:
        self.now = now
        self.rng = np.random.default_rng(seed)
        end = now.replace(minute=0, second=0, microsecond=0)
        self.hours = np.arange(WINDOW_DAYS * 24, 0, -1, dtype=np.float64)
        self.ts = end.timestamp() - self.hours * 3600  # hourly, oldest first, last = end-1h
        dt = [datetime.fromtimestamp(t, UTC) for t in self.ts]
        self.hour = np.array([d.hour for d in dt])
        self.weekday = np.array([d.weekday() for d in dt])
        self.resources: list[ResourceSpec] = []
        self.series: list[SeriesSpec] = []
        self.expected: dict[str, set[str]] = {}
        self.lookalikes: dict[str, set[str]] = {}
        self.low_conf: dict[str, set[str]] = {}
        self.opted_out: set[str] = set()

    # ---------------------------------------------------------------- shapes

    def office(self, peak: float, floor: float = 0.0) -> np.ndarray:
        """Working-hours rhythm: a daytime hump (peak at 14:00 UTC), quiet weekends."""
        day = np.clip(np.sin((self.hour - 8) / 12 * math.pi), 0, None)
        week = np.where(self.weekday < 5, 1.0, 0.25)
        return floor + (peak - floor) * day * week

    def noisy(
        self, base: np.ndarray, rel: float = 0.15, lo: float = 0.0, hi: float | None = None
    ) -> np.ndarray:
        out = base * (1 + self.rng.normal(0, rel, base.shape))
        return np.clip(out, lo, hi if hi is not None else np.inf)

    def flat(self, level: float, rel: float = 0.2, hi: float | None = None) -> np.ndarray:
        return self.noisy(np.full(self.ts.shape, level), rel, 0.0, hi)

    def add_series(
        self,
        region: str,
        ns: str,
        metric: str,
        dims: dict[str, str],
        values: np.ndarray,
        mask: np.ndarray | None = None,
        unit: str | None = None,
        ts: np.ndarray | None = None,
    ) -> None:
        ts = self.ts if ts is None else ts
        if mask is not None:
            ts, values = ts[mask], values[mask]
        self.series.append(
            SeriesSpec(
                region,
                ns,
                metric,
                dict(dims),
                [float(t) for t in ts],
                [round(float(v), 3) for v in values],
                unit,
            )
        )

    def mark(self, check: str, rid: str, *, lookalike: bool = False) -> None:
        (self.lookalikes if lookalike else self.expected).setdefault(check, set()).add(rid)

    def tags(self, team: str, project: str, owner: str, env: str = "prod") -> dict[str, str]:
        return {"team": team, "project": project, "owner": owner, "env": env}

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # ---------------------------------------------------------------- endpoints

    def endpoint(
        self,
        region: str,
        name: str,
        itype: str,
        count: int,
        *,
        age_days: float,
        invocations: np.ndarray | None,
        cpu_frac: np.ndarray,
        gpu_frac: np.ndarray | None = None,
        mem_pct: np.ndarray | None = None,
        gpu_mem_base_pct: float = 22.0,
        tags: dict[str, str],
        is_async: bool = False,
        autoscaling: tuple[int, int] | None = None,
    ) -> None:
        """An endpoint with one variant; utilisation given as a 0..1 fraction per instance.

        GPU memory per GPU is the model's resident share (``gpu_mem_base_pct``) plus the
        working set, which grows with GPU utilisation. ``autoscaling`` (min, max) registers
        an Application Auto Scaling target on the variant.
        """
        extra: dict[str, Any] = {"variant": "AllTraffic"}
        if autoscaling is not None:
            extra["autoscaling"] = autoscaling
        if is_async:
            extra["async_output"] = f"s3://demo-ml-{region}/async-out/{name}/"
        self.resources.append(
            ResourceSpec(
                "endpoint", region, name, itype, self.ago(age_days), count, tags, "InService", extra
            )
        )
        # vCPUs and GPUs from the price catalogue's specs: SageMaker sums utilisation over them
        instance = spec(itype)
        vcpus, gpus = instance.vcpu, instance.gpu_count
        dims = {"EndpointName": name, "VariantName": "AllTraffic"}
        alive = self.ts >= self.ago(age_days).timestamp()
        if invocations is not None:
            # SageMaker publishes nothing in an hour without requests: drop zero hours.
            # Async endpoints publish no Invocations at all: their traffic shows as requests
            # processed per variant and as the queue's backlog per endpoint.
            self.add_series(
                region,
                "AWS/SageMaker",
                "InvocationsProcessed" if is_async else "Invocations",
                dims,
                np.round(invocations),
                (np.round(invocations) > 0) & alive,
                "None",
            )
        if is_async:
            backlog = np.round(invocations) if invocations is not None else self.flat(0.0, 0)
            self.add_series(
                region,
                "AWS/SageMaker",
                "ApproximateBacklogSize",
                {"EndpointName": name},
                backlog,
                alive,
                "None",
            )
        ns = "/aws/sagemaker/Endpoints"
        self.add_series(
            region, ns, "CPUUtilization", dims, cpu_frac * 100 * vcpus, alive, "Percent"
        )
        mem = mem_pct if mem_pct is not None else self.flat(18.0, 0.05, 100)
        self.add_series(region, ns, "MemoryUtilization", dims, mem, alive, "Percent")
        if gpus:
            g = gpu_frac if gpu_frac is not None else self.flat(0.0, 0)
            self.add_series(region, ns, "GPUUtilization", dims, g * 100 * gpus, alive, "Percent")
            self.add_series(
                region,
                ns,
                "GPUMemoryUtilization",
                dims,
                np.clip(g * 100 + gpu_mem_base_pct, 0, 100) * gpus,
                alive,
                "Percent",
            )

    # ---------------------------------------------------------------- notebooks

    def notebook(
        self,
        region: str,
        name: str,
        itype: str,
        *,
        age_days: float,
        state: str,
        script: str | None,
        busy: np.ndarray | None,
        tags: dict[str, str],
    ) -> None:
        extra: dict[str, Any] = {}
        if script is not None:
            extra["lifecycle_config"] = f"{name}-lcc"
            extra["on_start"] = script
        self.resources.append(
            ResourceSpec(
                "notebook-instance", region, name, itype, self.ago(age_days), 1, tags, state, extra
            )
        )
        if busy is not None:
            # The mlcost agent publishes Busy (0/1) and IdleSeconds every 5 minutes
            # (docs/CONTRACTS.md); its idle time runs from the last busy interval (or from
            # the first datapoint: the agent started then).
            ts5 = self.ts[0] + np.arange(len(self.ts) * 12) * 300.0
            busy5 = np.repeat(busy, 12)
            last_busy = np.maximum.accumulate(np.where(busy5 > 0, ts5, ts5[0]))
            for metric, values, unit in (
                ("Busy", busy5, "None"),
                ("IdleSeconds", ts5 - last_busy, "Seconds"),
            ):
                self.add_series(
                    region,
                    "MLCost/Agent",
                    metric,
                    {"NotebookInstanceName": name},
                    values,
                    unit=unit,
                    ts=ts5,
                )

    # ---------------------------------------------------------------- EC2

    def ec2(
        self,
        region: str,
        name: str,
        itype: str,
        *,
        age_days: float,
        state: str,
        cpu: np.ndarray | None,
        gpu: np.ndarray | None,
        tags: dict[str, str],
    ) -> None:
        self.resources.append(
            ResourceSpec(
                "ec2-instance",
                region,
                name,
                itype,
                self.ago(age_days),
                1,
                {"Name": name, **tags},
                state,
                {},
            )
        )
        if cpu is not None:
            self.add_series(
                region, "AWS/EC2", "CPUUtilization", {"InstanceId": name}, cpu, unit="Percent"
            )
        if gpu is not None:
            gname, arch = GPU_NAMES[itype.split(".")[0]]
            for index in range(EC2_GPUS[itype]):
                # CloudWatch agent (nvidia_gpu section) with append_dimensions InstanceId.
                dims = {"InstanceId": name, "index": str(index), "name": gname, "arch": arch}
                self.add_series(
                    region, "CWAgent", "nvidia_smi_utilization_gpu", dims, gpu, unit="Percent"
                )

    # ---------------------------------------------------------------- jobs

    def job(
        self,
        kind: str,
        region: str,
        name: str,
        itype: str,
        count: int,
        *,
        start_days_ago: float,
        hours: float,
        status: str = "Completed",
        spot: bool = False,
        billable_hours: float | None = None,
        tags: dict[str, str],
        image: str | None = None,
        secondary_status: tuple[str, float] | None = None,
    ) -> None:
        start = self.ago(start_days_ago)
        # still running: no end (``hours`` is ignored); secondary_status = (status, hours ago)
        running = status == "InProgress"
        extra: dict[str, Any] = {
            "start": start,
            "end": None if running else start + timedelta(hours=hours),
        }
        if secondary_status is not None:
            extra["secondary_status"] = (
                secondary_status[0],
                self.now - timedelta(hours=secondary_status[1]),
            )
        if image is not None:
            extra["image"] = image  # default: TRAIN_IMAGE (training jobs)
        if kind == "training-job":
            run = int(hours * 3600)
            extra["billable_seconds"] = (
                None
                if running
                else int((billable_hours if billable_hours is not None else hours) * 3600)
            )
            extra["spot"] = spot
            extra["max_runtime"] = max(86400, run)
            if spot:
                extra["max_wait"] = extra["max_runtime"] * 2
                extra["checkpoint_s3_uri"] = f"s3://demo-ml-{region}/checkpoints/{name}/"
            if status == "Failed":
                extra["failure_reason"] = (
                    "AlgorithmError: ExecuteUserScriptError: CUDA out of memory"
                )
        self.resources.append(
            ResourceSpec(kind, region, name, itype, start, count, tags, status, extra)
        )


def build_org(now: datetime, seed: int = 7) -> Org:
    """Build the demo organisation ending at ``now`` (21 days of hourly metrics before it).

    Deterministic: the same ``now`` and ``seed`` give the same resources, series and
    manifest. ``now`` is taken as UTC when naive.
    """
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    b = OrgBuilder(now, seed)
    use1, euw1 = REGIONS
    nlp = b.tags("nlp", "support-bot", "ana@example.com")
    vision = b.tags("vision", "defect-detect", "li@example.com")
    recs = b.tags("recs", "home-feed", "sam@example.com")
    research = b.tags("research", "llm-eval", "kim@example.com", "dev")
    none = np.zeros_like(b.ts)

    # ------------------------------------------------------------ idle endpoints (flag)
    for region, name, itype, count, tags in (
        (use1, "support-bot-g5-staging", "ml.g5.xlarge", 1, nlp),
        (use1, "churn-model-v1", "ml.m5.xlarge", 1, recs),
        (use1, "defect-detect-shadow", "ml.g4dn.xlarge", 2, vision),
        (euw1, "llm-eval-sandbox", "ml.g5.xlarge", 1, research),
    ):
        b.endpoint(
            region,
            name,
            itype,
            count,
            age_days=45,
            invocations=None,
            cpu_frac=b.flat(0.01, 0.3, 1),
            gpu_frac=b.flat(0.0, 0),
            tags=tags,
        )
        b.mark("idle-endpoint", name)
    # opted out: idle, but tagged mlcost:skip=true
    b.endpoint(
        use1,
        "dr-standby-recs",
        "ml.m5.xlarge",
        1,
        age_days=60,
        invocations=None,
        cpu_frac=b.flat(0.01, 0.3, 1),
        tags={**recs, "mlcost:skip": "true"},
    )
    b.opted_out.add("dr-standby-recs")
    b.mark("idle-endpoint", "dr-standby-recs", lookalike=True)

    # ------------------------------------------------------------ idle look-alikes
    nightly = np.where(b.hour == 2, 1800.0, 0.0)
    b.endpoint(
        use1,
        "nightly-scoring",
        "ml.m5.xlarge",
        1,
        age_days=90,
        invocations=b.noisy(nightly, 0.1),
        cpu_frac=np.where(b.hour == 2, 0.7, 0.02),
        tags=recs,
    )
    monday = np.where((b.weekday == 0) & (b.hour >= 9) & (b.hour < 17), 240.0, 0.0)
    b.endpoint(
        use1,
        "weekly-report-ranker",
        "ml.c5.xlarge",
        1,
        age_days=120,
        invocations=b.noisy(monday, 0.1),
        cpu_frac=np.where(monday > 0, 0.4, 0.02),
        tags=recs,
    )
    b.endpoint(
        use1,
        "support-bot-g5-v2",
        "ml.g5.xlarge",
        1,
        # deployed 10 hours ago, clients not switched over yet: under AWS's 24 h idle alarm
        age_days=10 / 24,
        invocations=None,
        cpu_frac=b.flat(0.01, 0.3, 1),
        gpu_frac=b.flat(0.0, 0),
        tags=nlp,
    )
    rare = np.zeros_like(b.ts)
    rare[::71] = 3.0  # a handful of async requests, about every 3 days
    b.endpoint(
        use1,
        "video-captioning-async",
        "ml.g4dn.xlarge",
        1,
        age_days=40,
        invocations=rare,
        cpu_frac=b.flat(0.02, 0.3, 1),
        gpu_frac=np.where(rare > 0, 0.9, 0.0),
        tags=vision,
        is_async=True,
    )
    for n in (
        "nightly-scoring",
        "weekly-report-ranker",
        "support-bot-g5-v2",
        "video-captioning-async",
    ):
        b.mark("idle-endpoint", n, lookalike=True)

    # ------------------------------------------------------------ under-used (flag)
    steady = b.noisy(b.office(900, 250), 0.1)
    for region, name, itype, cpu, gpu, tags in (
        (use1, "support-bot-llm", "ml.g5.12xlarge", 0.03, 0.06, nlp),
        (use1, "defect-detect-prod", "ml.g4dn.12xlarge", 0.04, 0.05, vision),
        (use1, "feature-embedder", "ml.m5.4xlarge", 0.06, None, recs),
        (euw1, "search-reranker-eu", "ml.g5.12xlarge", 0.03, 0.08, recs),
    ):
        b.endpoint(
            region,
            name,
            itype,
            1,
            age_days=75,
            invocations=steady,
            cpu_frac=b.noisy(np.full(b.ts.shape, cpu), 0.25, 0, 1),
            gpu_frac=None if gpu is None else b.noisy(np.full(b.ts.shape, gpu), 0.25, 0, 1),
            mem_pct=b.flat(8.0, 0.05, 100),
            # the model would fit on one GPU of the family: a smaller type is a real option
            gpu_mem_base_pct=3.0,
            tags=tags,
        )
        b.mark("underused-endpoint", name)

    # ------------------------------------------------------------ well used (look-alikes and filler)
    for region, name, itype, count, tags in (
        (use1, "home-feed-ranker", "ml.g5.2xlarge", 2, recs),
        (use1, "support-bot-intent", "ml.m5.2xlarge", 2, nlp),
        (use1, "defect-detect-edge-sync", "ml.c5.xlarge", 1, vision),
        (
            use1,
            "toxicity-filter",
            "ml.c5.large",
            1,
            nlp,
        ),  # ml.t3 cannot host (ProductionVariantInstanceType)
        (euw1, "home-feed-ranker-eu", "ml.g5.2xlarge", 2, recs),
        (euw1, "support-bot-intent-eu", "ml.m5.xlarge", 1, nlp),
        (euw1, "churn-model-v2", "ml.m5.large", 1, recs),
    ):
        load = b.office(0.85, 0.25)
        b.endpoint(
            region,
            name,
            itype,
            count,
            age_days=150,
            invocations=b.noisy(b.office(5000, 800), 0.1),
            cpu_frac=b.noisy(load, 0.1, 0, 1),
            gpu_frac=b.noisy(load, 0.1, 0, 1),
            mem_pct=b.flat(62.0, 0.05, 100),
            tags=tags,
        )
        b.mark("idle-endpoint", name, lookalike=True)
        b.mark("underused-endpoint", name, lookalike=True)

    # ------------------------------------------------------------ notebooks
    working = (b.office(1.0) > 0.3).astype(float)
    for region, name, itype, script, busy, flags, tags in (
        (
            use1,
            "ana-g5-experiments",
            "ml.g5.2xlarge",
            None,
            none,
            ("notebook-no-autostop", "idle-notebook"),
            nlp,
        ),
        (
            use1,
            "li-p3-finetune",
            "ml.p3.2xlarge",
            None,
            none,
            ("notebook-no-autostop", "idle-notebook"),
            vision,
        ),
        (
            euw1,
            "kim-m5-analysis",
            "ml.m5.xlarge",
            None,
            none,
            ("notebook-no-autostop", "idle-notebook"),
            research,
        ),
        (
            use1,
            "sam-t3-eda",
            "ml.t3.medium",
            CONDA_SCRIPT,
            working,
            ("notebook-no-autostop",),
            recs,
        ),
        (use1, "team-nlp-shared", "ml.t3.medium", None, working, ("notebook-no-autostop",), nlp),
    ):
        b.notebook(
            region, name, itype, age_days=60, state="InService", script=script, busy=busy, tags=tags
        )
        for f in flags:
            b.mark(f, name)
        if "idle-notebook" not in flags:
            b.mark("idle-notebook", name, lookalike=True)
    for region, name, itype, busy, tags in (
        (use1, "vision-guarded-g5", "ml.g5.xlarge", working, vision),
        (euw1, "research-guarded-t3", "ml.t3.medium", working, research),
    ):
        b.notebook(
            region,
            name,
            itype,
            age_days=30,
            state="InService",
            script=AUTOSTOP_SCRIPT,
            busy=busy,
            tags=tags,
        )
        b.mark("notebook-no-autostop", name, lookalike=True)
        b.mark("idle-notebook", name, lookalike=True)
    for region, name, itype, tags in (
        (use1, "li-p3-stopped", "ml.p3.2xlarge", vision),
        (euw1, "sam-g5-stopped", "ml.g5.2xlarge", recs),
        (euw1, "old-t3-stopped", "ml.t3.medium", research),
    ):
        b.notebook(
            region, name, itype, age_days=90, state="Stopped", script=None, busy=None, tags=tags
        )
        b.mark("notebook-no-autostop", name, lookalike=True)
        b.mark("idle-notebook", name, lookalike=True)

    # ------------------------------------------------------------ training jobs
    for region, name, itype, count, start, hours, tags in (
        (use1, "support-bot-bert-ft-0412", "ml.p3.2xlarge", 1, 12, 5.5, nlp),
        (use1, "support-bot-llm-sft-0419", "ml.g5.12xlarge", 2, 6, 9.25, nlp),
        (use1, "llm-eval-pretrain-0415", "ml.p4d.24xlarge", 1, 9, 14.0, research),
        (euw1, "defect-detect-yolo-0420", "ml.g5.12xlarge", 1, 5, 3.5, vision),
    ):
        b.job(
            "training-job", region, name, itype, count, start_days_ago=start, hours=hours, tags=tags
        )
        b.mark("training-spot", name)
    b.job(
        "training-job",
        use1,
        "home-feed-twotower-spot",
        "ml.g5.12xlarge",
        2,
        start_days_ago=4,
        hours=6.0,
        spot=True,
        billable_hours=2.1,
        tags=recs,
    )
    b.job(
        "training-job",
        use1,
        "defect-detect-oom-0421",
        "ml.p3.2xlarge",
        1,
        start_days_ago=3,
        hours=2 / 60,
        status="Failed",
        tags=vision,
    )
    b.job(
        "training-job",
        use1,
        "smoke-test-tiny",
        "ml.g4dn.xlarge",
        1,
        start_days_ago=2,
        hours=4 / 60,
        tags=research,
    )
    b.job(
        "training-job",
        euw1,
        "churn-xgb-spot-eu",
        "ml.m5.xlarge",
        1,
        start_days_ago=7,
        hours=1.0,
        spot=True,
        billable_hours=0.4,
        tags=recs,
    )
    for n in (
        "home-feed-twotower-spot",
        "defect-detect-oom-0421",
        "smoke-test-tiny",
        "churn-xgb-spot-eu",
    ):
        b.mark("training-spot", n, lookalike=True)
    # older than the 21-day window: a scan with CreationTimeAfter never sees it
    b.job(
        "training-job",
        use1,
        "support-bot-bert-ft-0301",
        "ml.p3.2xlarge",
        1,
        start_days_ago=40,
        hours=5.0,
        tags=nlp,
    )
    b.mark("training-spot", "support-bot-bert-ft-0301", lookalike=True)

    # ------------------------------------------------------------ processing / transform (ordinary)
    for i in range(8):
        b.job(
            "processing-job",
            use1,
            f"feature-build-{i:02d}",
            "ml.m5.4xlarge",
            1,
            start_days_ago=20 - 2.5 * i,
            hours=1.5,
            tags=recs,
        )
    for i in range(6):
        b.job(
            "processing-job",
            euw1,
            f"eval-report-eu-{i:02d}",
            "ml.m5.xlarge",
            1,
            start_days_ago=19 - 3 * i,
            hours=0.75,
            tags=research,
        )
    b.job(
        "transform-job",
        use1,
        "home-feed-batch-scores",
        "ml.c5.2xlarge",
        2,
        start_days_ago=3,
        hours=2.0,
        tags=recs,
    )
    b.job(
        "transform-job",
        euw1,
        "churn-batch-eu",
        "ml.m5.xlarge",
        1,
        start_days_ago=6,
        hours=1.0,
        tags=recs,
    )

    # ------------------------------------------------------------ EC2
    for region, name, itype, tags in (
        (use1, "gpu-dev-box-ana", "g5.xlarge", nlp),
        (use1, "p3-legacy-trainer", "p3.2xlarge", vision),
        (euw1, "g4dn-demo-box-eu", "g4dn.xlarge", research),
    ):
        b.ec2(
            region,
            name,
            itype,
            age_days=50,
            state="running",
            cpu=b.flat(0.6, 0.4, 100),
            gpu=b.flat(0.0, 0),
            tags=tags,
        )
        b.mark("idle-ec2-gpu", name)
    night = (b.hour < 6).astype(float)
    b.ec2(
        use1,
        "nightly-trainer-g5",
        "g5.2xlarge",
        age_days=80,
        state="running",
        cpu=b.noisy(2 + night * 60, 0.1, 0, 100),
        gpu=b.noisy(night * 95, 0.05, 0, 100),
        tags=research,
    )
    b.mark("idle-ec2-gpu", "nightly-trainer-g5", lookalike=True)
    # no CloudWatch agent: CPU alone says idle, but GPU work would not show in CPU
    b.ec2(
        use1,
        "g4dn-no-agent",
        "g4dn.2xlarge",
        age_days=50,
        state="running",
        cpu=b.flat(0.8, 0.4, 100),
        gpu=None,
        tags=vision,
    )
    b.low_conf.setdefault("idle-ec2-gpu", set()).add("g4dn-no-agent")
    for region, name, itype in (
        (use1, "p3-stopped-archive", "p3.2xlarge"),
        (euw1, "g5-stopped-eu", "g5.xlarge"),
    ):
        b.ec2(region, name, itype, age_days=100, state="stopped", cpu=None, gpu=None, tags=research)
        b.mark("idle-ec2-gpu", name, lookalike=True)
    for region, n in ((use1, 10), (euw1, 8)):
        for i in range(n):
            itype = "t3.medium" if i % 2 else "m5.xlarge"
            team = (recs, nlp, vision)[i % 3]
            name = f"{team['team']}-{itype.split('.')[0]}-{region.split('-')[0]}-{i:02d}"
            b.ec2(
                region,
                name,
                itype,
                age_days=30 + 7 * i,
                state="running",
                cpu=b.noisy(b.office(55, 8), 0.15, 0, 100),
                gpu=None,
                tags=team,
            )

    from mlcost.demo.scenarios import plant_all

    plant_all(b, seed)
    return Org(
        now=now,
        seed=seed,
        resources=b.resources,
        series=b.series,
        flagged=b.expected,
        not_flagged=b.lookalikes,
        low_confidence_only=b.low_conf,
        opted_out=b.opted_out,
    )
