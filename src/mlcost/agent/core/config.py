"""Agent configuration: one dataclass, one argparse parser, one validator.

argparse (not Typer) because the embedded agent runs on a bare python; the Typer
command builds the same dataclass. Every path and endpoint is overridable so that
tests (and unusual hosts) can point the agent at fakes.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

SIGNALS = ("jupyter", "gpu", "cpu", "ssh")
DEFAULT_SIGNALS = ("jupyter", "gpu", "cpu")
TARGETS = ("auto", "notebook", "ec2", "studio", "none")
DEFAULT_METADATA_FILE = "/opt/ml/metadata/resource-metadata.json"
DEFAULT_IMDS_URL = "http://169.254.169.254"


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
    use_boto3: bool = True
    extra_dims: dict[str, str] = field(default_factory=dict)

    @property
    def idle_seconds(self) -> float:
        return self.idle_minutes * 60.0


def validate(cfg: AgentConfig) -> None:
    """Raise ConfigError naming the bad value and what to use instead."""
    if not cfg.idle_minutes > 0:
        raise ConfigError(
            f"--idle-minutes must be a positive number of minutes, got {cfg.idle_minutes}; "
            "use e.g. --idle-minutes 60"
        )
    if not cfg.sample_seconds > 0:
        raise ConfigError(f"--sample-seconds must be > 0, got {cfg.sample_seconds}")
    if not cfg.publish_seconds > 0:
        raise ConfigError(f"--publish-seconds must be > 0, got {cfg.publish_seconds}")
    for name, value in (
        ("--gpu-threshold", cfg.gpu_threshold),
        ("--cpu-threshold", cfg.cpu_threshold),
    ):
        if value < 0:
            raise ConfigError(f"{name} must be >= 0 (percent), got {value}")
    unknown = [s for s in cfg.signals if s not in SIGNALS]
    if unknown or not cfg.signals:
        raise ConfigError(
            f"--signals must be a comma list of {', '.join(SIGNALS)}, got {','.join(cfg.signals) or '(empty)'}"
        )
    if cfg.target not in TARGETS:
        raise ConfigError(f"--target must be one of {', '.join(TARGETS)}, got {cfg.target!r}")


def build_parser() -> argparse.ArgumentParser:
    """The embedded agent's command line (``python3 mlcost-agent.pyz run ...``)."""
    p = argparse.ArgumentParser(prog="mlcost-agent")
    p.add_argument("--idle-minutes", type=float, default=60.0)
    p.add_argument("--sample-seconds", type=float, default=30.0)
    p.add_argument("--publish-seconds", type=float, default=300.0)
    # Option help lives in docs/agent.md and `mlcost agent run --help`: this parser ships
    # in a lifecycle script, where every character counts against SageMaker's 16,384.
    p.add_argument("--gpu-threshold", type=float, default=5.0)
    p.add_argument("--cpu-threshold", type=float, default=25.0)
    p.add_argument("--signals", default=",".join(DEFAULT_SIGNALS))
    p.add_argument("--ssh-ports", default="22")
    p.add_argument("--target", default="auto", choices=TARGETS)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--stop-on-unreadable", action="store_true")
    p.add_argument("--no-publish", action="store_true")
    p.add_argument("--once", action="store_true")
    p.add_argument("--max-samples", type=int, default=0)
    p.add_argument("--jupyter-url", action="append", default=[])
    p.add_argument("--jupyter-token", default=os.environ.get("MLCOST_AGENT_JUPYTER_TOKEN"))
    p.add_argument(
        "--metadata-file",
        default=os.environ.get("MLCOST_AGENT_METADATA_FILE", DEFAULT_METADATA_FILE),
    )
    p.add_argument("--imds-url", default=os.environ.get("MLCOST_AGENT_IMDS_URL", DEFAULT_IMDS_URL))
    p.add_argument("--endpoint-url", default=None)
    p.add_argument("--region", default=None)
    p.add_argument("--no-boto3", action="store_true")
    return p


def from_args(ns: argparse.Namespace) -> AgentConfig:
    """Turn parsed arguments into a config (validation is separate so it can be logged)."""
    return AgentConfig(
        idle_minutes=ns.idle_minutes,
        sample_seconds=ns.sample_seconds,
        publish_seconds=ns.publish_seconds,
        gpu_threshold=ns.gpu_threshold,
        cpu_threshold=ns.cpu_threshold,
        signals=tuple(s.strip() for s in ns.signals.split(",") if s.strip()),
        ssh_ports=tuple(int(x) for x in ns.ssh_ports.split(",") if x.strip()),
        target=ns.target,
        dry_run=ns.dry_run,
        stop_on_unreadable=ns.stop_on_unreadable,
        publish=not ns.no_publish,
        once=ns.once,
        max_samples=ns.max_samples,
        jupyter_urls=tuple(ns.jupyter_url),
        jupyter_token=ns.jupyter_token,
        metadata_file=ns.metadata_file,
        imds_url=ns.imds_url,
        endpoint_url=ns.endpoint_url,
        region=ns.region,
        use_boto3=not ns.no_boto3,
    )
