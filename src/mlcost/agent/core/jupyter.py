"""Jupyter signal: kernels, sessions and terminals read from the server's REST API.

The server's URL and token are found where Jupyter records them (``jpserver-*.json`` in
the runtime directories), falling back to SageMaker's fixed endpoints: notebook
instances serve https on 8443 without a token, Studio JupyterLab spaces serve
``http://127.0.0.1:8888/jupyterlab/default/``. Kernel ``last_activity`` and
``execution_state`` are maintained by the server from the kernel's iopub channel, so
work started from any client (browser, VS Code, ``jupyter console``) is seen.
"""

from __future__ import annotations

import glob
import json
import os
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone

from .config import BUILD_TARGET
from .signals import Reading

BUSY_STATES = ("busy", "starting")


@dataclass(frozen=True)
class Server:
    """One Jupyter server the agent reads: base URL ending in '/' and its token."""

    url: str
    token: str | None
    source: str


def runtime_dirs() -> list[str]:
    """Every runtime directory a Jupyter server of this host may have written to.

    The agent usually runs as root while Jupyter runs as ec2-user (notebook instances)
    or sagemaker-user (Studio), so every home is searched; the agent's own
    JUPYTER_DATA_DIR or XDG_DATA_HOME say nothing of where another user's server writes.
    """
    env = os.environ.get("JUPYTER_RUNTIME_DIR")
    dirs = [env] if env else []
    if not (env and os.environ.get("MLCOST_AGENT_ONLY_ENV_RUNTIME_DIR")):  # tests: only env
        dirs += sorted(glob.glob("/home/*/.local/share/jupyter/runtime"))
        dirs += ["/root/.local/share/jupyter/runtime"]
    return dirs


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # no pid recorded: let the HTTP call decide
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_servers(cfg_urls: tuple[str, ...], token: str | None, metadata_file: str) -> list[Server]:
    """Servers to watch: explicit URLs, else live runtime files, else SageMaker defaults."""
    if cfg_urls:
        return [Server(_slash(u), token, "--jupyter-url") for u in cfg_urls]
    found: dict[str, Server] = {}
    for d in runtime_dirs():
        for path in sorted(
            glob.glob(os.path.join(d, "jpserver-*.json"))
            + glob.glob(os.path.join(d, "nbserver-*.json"))
        ):
            try:
                with open(path) as fh:
                    info = json.load(fh)
            except (OSError, ValueError):
                continue
            if not _pid_alive(info.get("pid")) or not info.get("url"):
                continue
            # A server bound to all interfaces records 0.0.0.0 / [::]: reach it on loopback.
            url = (
                _slash(info["url"])
                .replace("//0.0.0.0:", "//127.0.0.1:")
                .replace("//[::]:", "//127.0.0.1:")
            )
            base = info.get("base_url") or "/"
            if not url.rstrip("/").endswith(base.rstrip("/")):
                url = _slash(url.rstrip("/") + base)
            found.setdefault(url, Server(url, token or info.get("token") or None, path))
    if found:
        return list(found.values())
    if not os.path.exists(metadata_file):
        return []
    # the build's target decides; only an agent built for no target reads the metadata
    if BUILD_TARGET == "notebook" or (BUILD_TARGET == "auto" and not _in_studio(metadata_file)):
        return [Server("https://127.0.0.1:8443/", token, "notebook-instance default")]
    return [Server("http://127.0.0.1:8888/jupyterlab/default/", token, "studio default")]


def _in_studio(metadata_file: str) -> bool:
    """SageMaker's metadata file names a Studio domain (DomainId) in Studio apps only."""
    try:
        with open(metadata_file) as fh:
            return bool(json.load(fh).get("DomainId"))
    except (OSError, ValueError, AttributeError):
        return False


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _get(server: Server, path: str, timeout: float = 5.0) -> object:
    req = urllib.request.Request(server.url + path)
    if server.token:
        req.add_header("Authorization", f"token {server.token}")
    ctx = None
    if server.url.startswith("https://"):
        # Local servers use self-signed certificates (SageMaker's on 8443 does); PEP 476
        # names this function as the way to opt out of verification.
        ctx = ssl._create_unverified_context()
    with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
        return json.loads(resp.read().decode("utf-8"))


def parse_time(value: object) -> datetime | None:
    """Jupyter's ISO-8601 UTC timestamps ('2026-11-25T14:50:01.123Z') as aware datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)  # noqa: UP017 - the embedded core also runs on python < 3.11


def sample_servers(servers: list[Server]) -> Reading:
    """Read every server; any server that can't be read makes the signal unreadable."""
    if not servers:
        return Reading(
            "jupyter",
            None,
            "no Jupyter server (no live jpserver-*.json in "
            + ", ".join(runtime_dirs())
            + ") - pass --jupyter-url or drop jupyter from --signals",
        )
    kernel_stamps: list[datetime] = []
    terminal_stamps: list[datetime] = []
    busy_ids: list[str] = []
    n_kernels = n_terms = n_sessions = n_conns = 0
    for server in servers:
        try:
            kernels = _get(server, "api/kernels")
            sessions = _get(server, "api/sessions")
        except urllib.error.HTTPError as err:
            hint = " (wrong or missing token?)" if err.code in (401, 403) else ""
            return Reading(
                "jupyter", None, f"Jupyter at {server.url} answered HTTP {err.code}{hint}"
            )
        except (OSError, ValueError) as err:
            return Reading("jupyter", None, f"Jupyter at {server.url} unreachable: {err}")
        try:
            terminals = _get(server, "api/terminals")
        except urllib.error.HTTPError as err:
            if err.code != 404:  # 404: terminals disabled on this server, so there are none
                return Reading(
                    "jupyter", None, f"Jupyter terminals at {server.url} answered HTTP {err.code}"
                )
            terminals = []
        except (OSError, ValueError) as err:
            return Reading("jupyter", None, f"Jupyter at {server.url} unreachable: {err}")
        if not isinstance(kernels, list) or not isinstance(terminals, list):
            return Reading("jupyter", None, f"Jupyter at {server.url} returned an unexpected body")
        n_sessions += len(sessions) if isinstance(sessions, list) else 0
        for k in kernels:
            n_kernels += 1
            n_conns += int(k.get("connections") or 0)
            t = parse_time(k.get("last_activity"))
            if k.get("execution_state") in BUSY_STATES:
                busy_ids.append(str(k.get("id", "?"))[:8])
                t = datetime.now(timezone.utc)  # noqa: UP017 - the embedded core also runs on python < 3.11
            if t:
                kernel_stamps.append(t)
        for term in terminals:
            n_terms += 1
            t = parse_time(term.get("last_activity"))
            if t:
                terminal_stamps.append(t)
    stamps = kernel_stamps + terminal_stamps
    last = max(stamps) if stamps else None
    detail = (
        f"{n_kernels} kernel(s), {len(busy_ids)} busy"
        + (f" [{','.join(busy_ids)}]" if busy_ids else "")
        + f", {n_conns} connection(s), {n_sessions} session(s), {n_terms} terminal(s)"
    )
    return Reading(
        "jupyter",
        bool(busy_ids),
        detail,
        last_active=last,
        values={"busy_kernels_now": float(len(busy_ids))},
        stamps={"kernels": kernel_stamps, "terminals": terminal_stamps},
    )
