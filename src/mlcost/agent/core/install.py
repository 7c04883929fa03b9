"""Install and start the agent on this machine: what a lifecycle script does once it has
unpacked the agent (``python3 mlcost-agent.py install MODE DIR [agent options]``).

This is python, not bash, because the lifecycle script's own text is paid for twice
against AWS's size limit (raw, then base64) while this module travels compressed with
the rest of the agent. MODE ``systemd`` writes a unit with ``Restart=always`` (so the agent
comes back after a crash or reboot) where systemd runs, else falls back to ``nohup``: a
background process in its own session, which outlives the lifecycle script.
Exit code 2 from the agent means "will not run" (a bad option, or nothing it can tell to
stop): systemd must not restart it every 30 seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .config import BUILD_TARGET

UNIT = (  # no [Unit] Description: `systemctl status mlcost-agent` names it well enough
    "[Service]\nExecStart={}\nRestart=always\nRestartSec=30\nRestartPreventExitStatus=2\n"
    "[Install]\nWantedBy=multi-user.target\n"
)


def _stop_previous(pid_file: str) -> None:
    """Stop the agent a previous start left running (only if that pid is still ours)."""
    try:
        with open(pid_file) as fh:
            pid = int(fh.read())
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            if b"mlcost-agent" in fh.read():
                os.kill(pid, 15)
    except (OSError, ValueError):
        pass


def install(argv: list[str]) -> int:
    """Start the agent; ``argv`` is MODE DIR followed by the agent's own options.

    Without systemd the agent logs to DIR/agent.log (or $MLCOST_AGENT_LOG)."""
    mode, prefix, *args = argv
    log = os.environ.get("MLCOST_AGENT_LOG") or os.path.join(prefix, "agent.log")
    cmd = [sys.executable, os.path.join(prefix, "mlcost-agent.py"), "run", *args]
    with open(os.path.join(prefix, "command"), "w") as fh:
        fh.write(" ".join(cmd) + "\n")
    pid_file = os.path.join(prefix, "agent.pid")
    _stop_previous(pid_file)
    env = os.environ.get
    if (
        BUILD_TARGET != "studio"  # no systemd in Studio; first: the bundle folds `False and`
        and mode == "systemd"
        and not env("MLCOST_AGENT_NO_SYSTEMD")
        and os.path.isdir(env("MLCOST_AGENT_SYSTEMD_RUN", "/run/systemd/system"))
        and shutil.which("systemctl")
    ):
        unit = os.path.join(
            env("MLCOST_AGENT_SYSTEMD_DIR", "/etc/systemd/system"), "mlcost-agent.service"
        )
        with open(unit, "w") as fh:
            fh.write(UNIT.format(" ".join(cmd)))
        for step in ("daemon-reload", "enable mlcost-agent", "restart mlcost-agent"):
            subprocess.run(["systemctl", *step.split()], check=True)
        print(f"mlcost-agent: started {unit}")
        return 0
    os.makedirs(os.path.dirname(log) or ".", exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    with open(pid_file, "w") as fh:
        fh.write(f"{proc.pid}\n")
    print(f"mlcost-agent: started pid {proc.pid} (log {log})")
    return 0
