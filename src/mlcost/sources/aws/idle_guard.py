"""Does a notebook's lifecycle config stop it when idle? guarded, none, or unknown.

The scan reads the scripts; it cannot run them. So it says "guarded" only for scripts it
recognises: the mlcost agent's (its marker line, ``mlcost.agent.lifecycle.MARKER``) and
AWS's sample (auto-stop-idle ``on-start.sh``: ``autostop.py --time N`` scheduled with
cron). A script it cannot read, or one that might stop the instance by means it cannot
check (it mentions stopping, idleness, cron or mlcost, or downloads code to run), is
"unknown" - never "no guard", which would put a wrong finding and a wrong fix in front
of someone. "none" is left for configs with no script, and readable scripts with no sign
of any of that (installing packages, mounting storage).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import math
import re
import zlib
from enum import StrEnum
from typing import Any

from mlcost.agent.lifecycle import MARKER


class Guard(StrEnum):
    GUARDED = "guarded"
    NONE = "none"
    UNKNOWN = "unknown"


_MLCOST = re.compile(rf"^{re.escape(MARKER)}\b", re.M)
_AWS_SAMPLE = (re.compile(r"\bcrontab\b"), re.compile(r"\bautostop\.py\b[^\n]*\s--time\b"))
_MIGHT_STOP = re.compile(
    r"stop[-_]?notebook[-_]?instance|shutdown|poweroff|\bhalt\b|idle|auto-?stop|mlcost"
    r"|\bcron|systemd-run|\bwget\b|\bcurl\b|\bgit\s+clone\b|\baws\s+s3\s+(?:cp|sync)\b",
    re.I,
)


#: The agent's numeric options as a lifecycle script passes them (``--gpu-threshold 5``).
_AGENT_NUMBER = re.compile(
    r"(--(?:idle-minutes|gpu-threshold|cpu-threshold|sample-seconds|publish-seconds))"
    r"[ =]+(\S+)"
)


def _bad_agent_number(text: str) -> str | None:
    """The first agent option in the script whose value is not a finite number, or None.

    Why: a script generated (or edited) with ``--gpu-threshold nan`` carries the marker, but
    the agent refuses to start with it (and an old agent would count a nan-threshold GPU as
    never busy): such a script is no guard."""
    for option, value in _AGENT_NUMBER.findall(text):
        try:
            number = float(value.strip("'\""))
        except ValueError:
            return f"{option} {value}"
        if not math.isfinite(number):
            return f"{option} {value}"
    return None


def classify_script(text: str) -> tuple[Guard, str]:
    """One decoded script: (verdict, why) - the why is for evidence and logs."""
    if _MLCOST.search(text):
        bad = _bad_agent_number(text)
        if bad:
            return Guard.NONE, (
                f"runs the mlcost agent with {bad}, not a finite number: the agent refuses "
                "to start, so nothing stops the instance"
            )
        return Guard.GUARDED, "runs the mlcost agent (its marker line)"
    if all(p.search(text) for p in _AWS_SAMPLE):
        return Guard.GUARDED, "runs AWS's auto-stop-idle sample (autostop.py --time from cron)"
    code = "\n".join(
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )
    if not code:
        return Guard.NONE, "the script has no commands"
    hint = _MIGHT_STOP.search(code)
    if hint:
        return Guard.UNKNOWN, (
            f"a script mlcost does not recognise mentions {hint.group()!r}: it may stop the "
            "instance in a way mlcost cannot check"
        )
    return Guard.NONE, "the script stops nothing (no stop, idle, cron or download in it)"


def classify_config(config: dict[str, Any]) -> tuple[Guard, str]:
    """A DescribeNotebookInstanceLifecycleConfig response: its OnCreate and OnStart scripts
    (base64 ``Content``). Any guarded script guards; else any unknown one makes it unknown."""
    verdicts = []
    for hook in [*config.get("OnCreate", []), *config.get("OnStart", [])]:
        try:
            raw = base64.b64decode(hook.get("Content", ""), validate=True)
        except (binascii.Error, ValueError) as exc:
            verdicts.append((Guard.UNKNOWN, f"a script is not base64: {exc}"))
            continue
        if raw[:2] == b"\x1f\x8b":  # gzipped, as cloud-init takes user data: read what runs
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as exc:
                verdicts.append((Guard.UNKNOWN, f"a gzipped script does not unpack: {exc}"))
                continue
        verdicts.append(classify_script(raw.decode("utf-8", errors="replace")))
    for wanted in (Guard.GUARDED, Guard.UNKNOWN):
        for verdict in verdicts:
            if verdict[0] is wanted:
                return verdict
    return verdicts[0] if verdicts else (Guard.NONE, "the config has no script")


def has_idle_guard(config: dict[str, Any]) -> bool | None:
    """``NotebookInstance.has_idle_guard``: True, False, or None for unknown."""
    verdict, _ = classify_config(config)
    return None if verdict is Guard.UNKNOWN else verdict is Guard.GUARDED
