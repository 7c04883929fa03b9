"""Agent configuration: one dataclass, one argparse parser, one validator.

argparse (not Typer) because the embedded agent runs on a bare python; the Typer
command builds the same dataclass. Every path and endpoint is overridable so that
tests (and unusual hosts) can point the agent at fakes.
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass

SIGNALS = ("jupyter", "terminal", "gpu", "cpu", "ssh")
DEFAULT_SIGNALS = ("jupyter", "terminal", "gpu", "cpu")
TARGETS = ("auto", "notebook", "ec2", "studio", "none")
DEFAULT_METADATA_FILE = "/opt/ml/metadata/resource-metadata.json"
DEFAULT_IMDS_URL = "http://169.254.169.254"
#: The target this copy of the agent was built for: ``bundle`` sets it (a lifecycle
#: script's agent), ``auto`` where it was not (``mlcost agent run``, the tests).
BUILD_TARGET = "auto"


class ConfigError(ValueError):
    """A configuration value the agent refuses to run with (it never stops on one)."""


@dataclass
class AgentConfig:
    """What the agent watches, when it calls the machine idle, and what it stops."""

    idle_minutes: float = 60.0
    sample_seconds: float = 30.0
    publish_seconds: float = 300.0
    gpu_threshold: float = 5.0
    cpu_threshold: float = 25.0
    signals: tuple[str, ...] = DEFAULT_SIGNALS
    ssh_ports: tuple[int, ...] = (22,)
    target: str = "auto"
    dry_run: bool = False
    stop_on_unreadable: bool = False
    publish: bool = True
    once: bool = False
    max_samples: int = 0
    jupyter_urls: tuple[str, ...] = ()
    jupyter_token: str | None = None
    metadata_file: str = DEFAULT_METADATA_FILE
    imds_url: str = DEFAULT_IMDS_URL
    endpoint_url: str | None = None
    region: str | None = None

    @property
    def idle_seconds(self) -> float:
        return self.idle_minutes * 60.0


def validate(cfg: AgentConfig) -> None:
    """Raise ConfigError naming the bad value and what to use instead.

    Every number must be finite: ``nan`` compares false with everything, so a ``nan``
    threshold would make a signal never busy and the agent stop a machine in use.
    """
    for name, value, zero_ok, high in (
        ("--idle-minutes", cfg.idle_minutes, False, 1e6),
        ("--sample-seconds", cfg.sample_seconds, False, 86400),
        ("--publish-seconds", cfg.publish_seconds, False, 86400),
        ("--gpu-threshold", cfg.gpu_threshold, True, 100),
        ("--cpu-threshold", cfg.cpu_threshold, True, 1e5),
    ):
        if not (math.isfinite(value) and (value >= 0 if zero_ok else value > 0) and value <= high):
            low = ">= 0" if zero_ok else "> 0"
            raise ConfigError(f"{name} must be a finite number {low} and <= {high:g}, got {value}")
    unknown = [s for s in cfg.signals if s not in SIGNALS]
    if unknown or not cfg.signals:
        raise ConfigError(
            f"--signals must be a comma list of {', '.join(SIGNALS)}, got {','.join(cfg.signals) or '(empty)'}"
        )
    if cfg.target not in TARGETS:
        raise ConfigError(f"--target must be one of {', '.join(TARGETS)}, got {cfg.target!r}")


def _words(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _ports(value: str) -> tuple[int, ...]:
    return tuple(int(v) for v in _words(value))


def build_parser() -> argparse.ArgumentParser:
    """The embedded agent's command line (``python3 mlcost-agent.py run ...``).

    Each option's ``dest`` is an AgentConfig field, so ``from_args`` is one call. Option
    help lives in docs/agent.md and `mlcost agent run --help`: this parser ships in a
    lifecycle script, where every byte counts against AWS's limit.
    """
    p = argparse.ArgumentParser(prog="mlcost-agent")
    d = AgentConfig()
    for name in (
        "idle_minutes",
        "sample_seconds",
        "publish_seconds",
        "gpu_threshold",
        "cpu_threshold",
    ):
        p.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(d, name))
    for name in ("dry_run", "stop_on_unreadable", "once"):
        p.add_argument("--" + name.replace("_", "-"), action="store_true")
    p.add_argument("--signals", type=_words, default=d.signals)
    p.add_argument("--ssh-ports", type=_ports, default=d.ssh_ports)
    p.add_argument("--target", default=d.target, choices=TARGETS)
    p.add_argument("--no-publish", dest="publish", action="store_false")
    p.add_argument("--max-samples", type=int, default=0)
    p.add_argument("--jupyter-url", dest="jupyter_urls", action="append", default=[])
    env = os.environ.get
    p.add_argument("--jupyter-token", default=env("MLCOST_AGENT_JUPYTER_TOKEN"))
    p.add_argument("--metadata-file", default=env("MLCOST_AGENT_METADATA_FILE", d.metadata_file))
    p.add_argument("--imds-url", default=env("MLCOST_AGENT_IMDS_URL", d.imds_url))
    p.add_argument("--endpoint-url")
    p.add_argument("--region")
    return p


def from_args(ns: argparse.Namespace) -> AgentConfig:
    """Turn parsed arguments into a config (validation is separate so it can be logged)."""
    return AgentConfig(**ns.__dict__)  # not vars(): it makes python-minifier rename nothing
