"""Lifecycle scripts that install and start the embedded agent with no network access.

- notebook: a SageMaker notebook-instance OnStart script. OnStart runs at every start,
  so the agent is rewritten and restarted each time; where systemd runs, a unit with
  ``Restart=always`` also brings it back after a reboot or a crash, otherwise nohup.
- ec2: user data installing the same systemd unit, gzip-compressed (cloud-init gunzips
  user data before it runs it; ``gunzip -c user-data.gz | sudo bash`` runs it by hand).
- studio: a Studio JupyterLab space lifecycle script (runs at each app start, as the
  space user, inside a container without systemd): nohup.

Scripts are bytes: notebook and Studio scripts carry the agent as raw compressed bytes
(see ``bundle``), the EC2 script as base85 text, gzipped as a whole. Each carries the
agent built for its own target (``bundle.flatten(kind)``). Sizes are checked where AWS
checks them: SageMaker counts the base64 ``Content`` (16,384), EC2 the raw user data
(16,384 bytes); the tests also hold every target to CONTENT_BUDGET base64 characters.

The scripts honour environment variables so a test (or an unusual host) can point them
at a temporary root: MLCOST_AGENT_PREFIX (install dir), MLCOST_AGENT_PYTHON,
MLCOST_AGENT_LOG, MLCOST_AGENT_NO_SYSTEMD, MLCOST_AGENT_SYSTEMD_DIR (unit files),
MLCOST_AGENT_SYSTEMD_RUN (the directory whose presence means systemd runs) and
MLCOST_AGENT_EXTRA_ARGS (appended to the agent's arguments).
"""

from __future__ import annotations

import base64
import gzip
import re
from dataclasses import dataclass

from .bundle import DECODE_BINARY, DECODE_TEXT, HEREDOC_END, binary_payload, text_payload
from .core.config import AgentConfig

_SAFE_ARG = re.compile(r"^[A-Za-z0-9,._:/=-]+$")
#: SageMaker: NotebookInstanceLifecycleHook.Content and StudioLifecycleConfigContent, the
#: base64 text, at most 16,384 characters. EC2: user data at most 16 KB before base64.
SAGEMAKER_CONTENT_LIMIT = 16384
EC2_USER_DATA_LIMIT = 16384
#: The project's own ceiling, in base64 characters, for every target's default script
#: (tests assert it): issue 15's 12,000, room for the agent to grow before AWS's limit.
#: ``--standalone`` scripts carry their own signer and are held to AWS's limits only.
CONTENT_BUDGET = 12000
#: The first comment line of every script: how ``mlcost scan`` recognises the agent.
MARKER = "# mlcost-agent idle guard"

_DEFAULTS = {
    "notebook": {
        "prefix": "/opt/mlcost-agent",
        # AWS's own auto-stop sample runs on JupyterSystemEnv's python for its boto3
        "pythons": "/home/ec2-user/anaconda3/envs/JupyterSystemEnv/bin/python python3",
        "systemd": True,
        "signals": "jupyter,terminal,gpu,cpu",
    },
    "ec2": {
        "prefix": "/opt/mlcost-agent",
        "pythons": "/usr/bin/python3 python3",
        "systemd": True,
        "signals": "gpu,cpu,ssh,terminal",
    },
    "studio": {
        "prefix": "$HOME/.mlcost-agent",
        "pythons": "/opt/conda/bin/python python3",
        "systemd": False,
        "signals": "jupyter,terminal,gpu,cpu",
    },
}

# The bash part only finds a python and unpacks the agent: everything else (systemd unit
# or nohup, stopping a previous agent) is the agent's own ``install`` command, which
# travels compressed (core/install.py). Every byte here counts (raw, then base64).
_TEMPLATE = """#!/bin/bash
{marker} ({kind}).{note}
set -eu
P="${{MLCOST_AGENT_PREFIX:-{prefix}}}"
PY="${{MLCOST_AGENT_PYTHON:-}}"
[ -n "$PY" ] || for c in {pythons}; do "$c" -c "import {probe}" 2>/dev/null && PY=$c && break; done
[ -n "$PY" ] || {{ echo "mlcost-agent: no python with {probe}{need}" >&2; exit 1; }}
mkdir -p "$P"
"$PY" -c "{decode}" "$P/mlcost-agent.py" <<'{end}'
@PAYLOAD@
{end}
exec "$PY" "$P/mlcost-agent.py" install {mode} "$P" {args} ${{MLCOST_AGENT_EXTRA_ARGS:-}}
"""


class ScriptTooLong(ValueError):
    """The rendered script exceeds the limit AWS applies to it."""


@dataclass(frozen=True)
class Size:
    """A script's size as AWS measures it for its target."""

    kind: str
    raw_bytes: int
    base64_chars: int

    @property
    def measured(self) -> tuple[str, int, int]:
        """(what AWS counts, its value, its limit)."""
        if self.kind == "ec2":
            return "user data bytes", self.raw_bytes, EC2_USER_DATA_LIMIT
        return "base64 Content characters", self.base64_chars, SAGEMAKER_CONTENT_LIMIT

    def describe(self) -> str:
        what, value, limit = self.measured
        return (
            f"{self.kind} script: {self.raw_bytes:,} bytes, {self.base64_chars:,} characters "
            f"of base64; AWS limit: {limit:,} {what} ({value:,} used, {limit - value:,} left)"
        )


def size(kind: str, script: bytes) -> Size:
    """The script's raw and base64-encoded sizes (base64 is what SageMaker's API takes)."""
    return Size(kind, len(script), len(base64.b64encode(script)))


def agent_args(
    kind: str,
    idle_minutes: float = 60.0,
    gpu_threshold: float = 5.0,
    cpu_threshold: float = 25.0,
    signals: str | None = None,
    sample_seconds: float = 30.0,
    publish: bool = True,
    dry_run: bool = False,
    stop_on_unreadable: bool = False,
) -> list[str]:
    """The agent's command-line arguments baked into the script.

    Values equal to the agent's own defaults (``AgentConfig``) are left out: the script
    carries its own agent, so they cannot drift apart, and every byte counts.
    """
    d = AgentConfig()
    args = ["--target", kind]
    for option, value, default in (
        ("--idle-minutes", idle_minutes, d.idle_minutes),
        ("--gpu-threshold", gpu_threshold, d.gpu_threshold),
        ("--cpu-threshold", cpu_threshold, d.cpu_threshold),
        ("--sample-seconds", sample_seconds, d.sample_seconds),
    ):
        if value != default:
            args += [option, f"{value:g}"]
    signals = signals or str(_DEFAULTS[kind]["signals"])
    if signals != ",".join(d.signals):
        args += ["--signals", signals]
    if not publish:
        args.append("--no-publish")
    if dry_run:
        args.append("--dry-run")
    if stop_on_unreadable:
        args.append("--stop-on-unreadable")
    return args


def signer_for(kind: str, standalone: bool = False) -> str:
    """The signer a target's script carries: botocore where SageMaker's own python has it
    (notebook, Studio), the agent's stdlib SigV4 for EC2 and for ``standalone`` scripts."""
    return "stdlib" if standalone or kind == "ec2" else "botocore"


def signals_in(args: list[str]) -> frozenset[str]:
    """The signals the agent will run with: ``--signals`` in ``args``, else its default."""
    value = ",".join(AgentConfig().signals)
    for i, arg in enumerate(args[:-1]):
        if arg == "--signals":
            value = args[i + 1]
    return frozenset(w for w in value.split(",") if w)


def render(kind: str, args: list[str], standalone: bool = False) -> bytes:
    """The lifecycle script for ``kind`` (notebook, ec2, studio) running the agent with ``args``.

    The agent inside is built for this target and these signals only (the agent refuses
    others given later through MLCOST_AGENT_EXTRA_ARGS). Notebook and Studio scripts sign
    with the botocore of SageMaker's own python unless ``standalone``.

    Raises ScriptTooLong when AWS would reject it (SageMaker: base64 ``Content`` over
    16,384 characters; EC2: user data over 16 KB).
    """
    if kind not in _DEFAULTS:
        raise ValueError(f"unknown target {kind!r}: use notebook, ec2 or studio")
    d = _DEFAULTS[kind]
    bad = [a for a in args if not _SAFE_ARG.match(a)]
    if bad:
        raise ValueError(
            f"agent arguments must be plain words (letters, digits, ,._:/-), got {bad}"
        )
    binary = kind != "ec2"
    signer = signer_for(kind, standalone)
    botocore = signer == "botocore"
    stub = _TEMPLATE.format(
        probe="botocore" if botocore else "lzma",  # a python that has what the agent needs
        need=": use a --standalone script" if botocore else "",
        marker=MARKER,
        kind=kind,
        note=" Binary: never edit." if binary else "",
        prefix=d["prefix"],
        pythons=d["pythons"],
        mode="systemd" if d["systemd"] else "nohup",
        end=HEREDOC_END,
        decode=DECODE_BINARY if binary else DECODE_TEXT,
        args=" ".join(args),
    )
    before, after = stub.encode().split(b"@PAYLOAD@")
    build = (kind, signals_in(args), signer)
    payload = binary_payload(*build) if binary else text_payload(*build).encode()
    script = before + payload + after
    if not binary:  # cloud-init gunzips user data itself (mtime 0: the same bytes each time)
        script = gzip.compress(script, 9, mtime=0)
    what, value, limit = size(kind, script).measured
    if value > limit:
        raise ScriptTooLong(
            f"the {kind} script is {value:,} {what}, over AWS's {limit:,}; "
            "the embedded agent grew too large"
        )
    return script
