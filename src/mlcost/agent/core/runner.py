"""The agent loop: sample every signal, decide, log one line, stop or publish.

Everything the loop touches from outside (clock, sleep, samplers, AWS API) is injectable
so tests can run it against a real Jupyter server and moto without waiting an hour.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from . import jupyter, system
from . import target as target_mod
from .aws import SIGNER, AwsApi, Imds
from .config import AgentConfig, ConfigError, build_parser, from_args, validate
from .decision import Decision, IdleTracker
from .gpu import GpuSampler
from .install import install
from .metrics import NAMESPACE, MetricWindow
from .signals import Reading

log = logging.getLogger("mlcost.agent")

if TYPE_CHECKING:  # subscripting collections.abc.Callable at runtime needs python >= 3.9
    Sampler = Callable[[], Reading]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)  # noqa: UP017 - the embedded core also runs on python < 3.11


def build_samplers(cfg: AgentConfig) -> list[tuple[str, Sampler]]:
    """One sampler per enabled signal, in a fixed order for stable log lines."""
    out: list[tuple[str, Sampler]] = []
    if "jupyter" in cfg.signals:

        def jup() -> Reading:
            servers = jupyter.find_servers(cfg.jupyter_urls, cfg.jupyter_token, cfg.metadata_file)
            return jupyter.sample_servers(servers)

        out.append(("jupyter", jup))
    if "terminal" in cfg.signals:
        out.append(("terminal", system.TerminalSampler().sample))
    if "gpu" in cfg.signals:
        out.append(("gpu", GpuSampler(cfg.gpu_threshold).sample))
    if "cpu" in cfg.signals:
        out.append(("cpu", system.CpuSampler(cfg.cpu_threshold).sample))
    if "ssh" in cfg.signals:
        out.append(("ssh", system.SshSampler(cfg.ssh_ports).sample))
    return out


class Agent:
    """One agent process; ``step`` is one sample + decision, ``run`` the loop."""

    def __init__(
        self,
        cfg: AgentConfig,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        samplers: list[tuple[str, Sampler]] | None = None,
        api: AwsApi | None = None,
        target: target_mod.Target | None = None,
    ) -> None:
        self.cfg = cfg
        self.clock = clock
        self.sleep = sleep
        # IMDS: EC2's identity, and the instance role for the stdlib signer (one expression:
        # the bundle folds it to None for a SageMaker build signed by botocore)
        imds = Imds(cfg.imds_url) if SIGNER == "stdlib" or cfg.target in ("ec2", "auto") else None
        self.target = target or target_mod.discover(cfg.target, cfg.metadata_file, imds, cfg.region)
        self.samplers = samplers if samplers is not None else build_samplers(cfg)
        self.api = api
        if self.api is None and self.target.region:
            self.api = AwsApi(self.target.region, cfg.endpoint_url, imds, self.target.kind)
        start = clock()
        self.tracker = IdleTracker(cfg.idle_seconds, start, cfg.stop_on_unreadable)
        self.window = MetricWindow(start)
        self.stopped = False
        self.samples = 0
        log.info(
            "start: target %s; signals %s; idle after %g min; AWS via %s%s",
            self.target.describe(),
            ",".join(n for n, _ in self.samplers),
            cfg.idle_minutes,
            self.api.via if self.api else "(none)",
            "; DRY RUN" if cfg.dry_run else "",
        )

    def _read(self) -> list[Reading]:
        out = []
        for name, fn in self.samplers:
            try:
                out.append(fn())
            except Exception as err:  # a sampler bug must never become a stop
                out.append(Reading(name, None, f"sampler failed: {type(err).__name__}: {err}"))
        return out

    def step(self) -> Decision:
        readings = self._read()
        now = self.clock()
        d = self.tracker.decide(readings, now)
        self.samples += 1
        verdict = (
            "IDLE"
            if d.idle
            else "unreadable"
            if d.blocked
            else "busy"
            if d.any_busy
            else "not-yet-idle"
        )
        log.info("decision=%s idle_for=%ds: %s", verdict, int(d.idle_seconds), d.reason)
        self.window.observe(readings, d, now)
        if d.idle:
            self._stop()
        if (now - self.window.start).total_seconds() >= self.cfg.publish_seconds:
            self.publish(now)
        return d

    def _stop(self) -> None:
        t = self.target
        if t.kind == "none":
            log.error("idle, but not stopping: %s", t.problem)
            return
        if self.cfg.dry_run:
            log.info("idle: dry run, would stop %s", t.describe())
            return
        assert self.api is not None
        try:
            what = target_mod.stop(t, self.api)
        except Exception as err:  # AwsError, or botocore's ClientError from mlcost's Boto3Api
            log.error("idle, but the stop failed (retried next sample): %s", err)
            return
        self.stopped = True
        log.info("idle: stopped via %s: %s", self.api.via, what)

    def publish(self, now: datetime) -> None:
        """Send the window's metrics in one PutMetricData call, then start a new window."""
        window, self.window = self.window, MetricWindow(now)
        if not self.cfg.publish or self.api is None or not self.target.dimensions:
            return
        data = window.metric_data(self.target.dimensions, now)
        if not data:
            return
        try:
            self.api.put_metric_data(NAMESPACE, data)
        except Exception as err:  # metrics are best effort; the decision never depends on them
            log.warning("PutMetricData to %s failed: %s", NAMESPACE, err)

    def run(self) -> None:
        while True:
            self.sleep(self.cfg.sample_seconds)
            self.step()
            done = self.cfg.once or (self.cfg.max_samples and self.samples >= self.cfg.max_samples)
            if self.stopped or done:
                self.publish(self.clock())
                return


def resolve_target(cfg: AgentConfig) -> target_mod.Target:
    """What this agent would stop; ConfigError when it can't tell (unless ``--target none``).

    An agent that cannot stop anything would log "idle, but not stopping" for hours while
    looking installed: refusing at start puts the cause in the one place people look.
    """
    imds = Imds(cfg.imds_url) if cfg.target in ("ec2", "auto") else None
    t = target_mod.discover(cfg.target, cfg.metadata_file, imds, cfg.region)
    if t.kind == "none" and cfg.target != "none":
        raise ConfigError(f"cannot tell what to stop: {t.problem} (or pass --target none)")
    return t


def main(argv: list[str] | None = None) -> int:
    """Entry point of the embedded agent (``run`` or ``install``); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "install":
        return install(args[1:])
    if args and args[0] == "run":
        args = args[1:]
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s mlcost-agent %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    ns = build_parser().parse_args(args)
    try:
        cfg = from_args(ns)
        validate(cfg)
        target = resolve_target(cfg)
        if SIGNER == "botocore" and target.region:  # a stop must not fail hours from now
            import botocore.auth  # noqa: F401
    except (ConfigError, ValueError, ImportError) as err:
        log.error("not running (nothing will be stopped): %s", err)
        return 2
    Agent(cfg, target=target).run()
    return 0
