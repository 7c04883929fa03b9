"""`mlcost agent` commands: run the idle agent, print its lifecycle scripts."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from mlcost.agent import lifecycle
from mlcost.agent.core.config import (
    DEFAULT_IMDS_URL,
    DEFAULT_METADATA_FILE,
    DEFAULT_SIGNALS,
    TARGETS,
    AgentConfig,
    ConfigError,
    validate,
)
from mlcost.cli.options import OutputOption, check_output_path, note, write_output
from mlcost.errors import UserError

app = typer.Typer(
    help="On-instance idle agent: stop forgotten notebooks and GPU boxes.", no_args_is_help=True
)


@app.command("run")
def run(
    idle_minutes: float = typer.Option(
        60.0, help="Stop after every signal has been idle this long."
    ),
    sample_seconds: float = typer.Option(30.0, help="Seconds between samples."),
    publish_seconds: float = typer.Option(300.0, help="Seconds between CloudWatch batches."),
    gpu_threshold: float = typer.Option(
        5.0, help="GPU utilisation % at or above which the GPU is busy."
    ),
    cpu_threshold: float = typer.Option(
        25.0,
        help="CPU % of one core (summed over cores, agent excluded) at or above which CPU is busy.",
    ),
    signals: str = typer.Option(
        ",".join(DEFAULT_SIGNALS), help="Comma list of jupyter, terminal, gpu, cpu, ssh."
    ),
    ssh_ports: str = typer.Option(
        "22", help="Ports whose established connections count as ssh activity."
    ),
    target: str = typer.Option("auto", help=f"What to stop: {', '.join(TARGETS)}."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Log the stop instead of calling AWS."),
    stop_on_unreadable: bool = typer.Option(
        False,
        "--stop-on-unreadable",
        help="Count a signal that can't be read as idle (default: never stop).",
    ),
    publish: bool = typer.Option(
        True, "--publish/--no-publish", help="Publish MLCost/Agent metrics."
    ),
    once: bool = typer.Option(False, "--once", help="Take one sample, decide, exit."),
    jupyter_url: Annotated[
        list[str] | None, typer.Option(help="Jupyter base URL (default: discovered).")
    ] = None,
    jupyter_token: str | None = typer.Option(None, envvar="MLCOST_AGENT_JUPYTER_TOKEN"),
    metadata_file: str = typer.Option(DEFAULT_METADATA_FILE, envvar="MLCOST_AGENT_METADATA_FILE"),
    imds_url: str = typer.Option(DEFAULT_IMDS_URL, envvar="MLCOST_AGENT_IMDS_URL"),
    endpoint_url: str | None = typer.Option(
        None, help="AWS endpoint (default: AWS_ENDPOINT_URL or AWS's)."
    ),
    region: str | None = typer.Option(None),
) -> None:
    """Watch Jupyter, GPU, CPU (and optionally SSH) and stop this machine when all are idle."""
    from mlcost.agent.boto3_api import Boto3Api
    from mlcost.agent.core.aws import Imds
    from mlcost.agent.core.runner import Agent, resolve_target

    try:
        cfg = AgentConfig(
            idle_minutes=idle_minutes,
            sample_seconds=sample_seconds,
            publish_seconds=publish_seconds,
            gpu_threshold=gpu_threshold,
            cpu_threshold=cpu_threshold,
            signals=tuple(s.strip() for s in signals.split(",") if s.strip()),
            ssh_ports=_ports(ssh_ports),
            target=target,
            dry_run=dry_run,
            stop_on_unreadable=stop_on_unreadable,
            publish=publish,
            once=once,
            jupyter_urls=tuple(jupyter_url or ()),
            jupyter_token=jupyter_token,
            metadata_file=metadata_file,
            imds_url=imds_url,
            endpoint_url=endpoint_url,
            region=region,
        )
        validate(cfg)
        target = resolve_target(cfg)
    except (ConfigError, ValueError) as err:
        raise UserError(
            f"bad agent configuration: {err}", "nothing was stopped; fix the option and rerun"
        ) from err
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s mlcost-agent %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    api = (
        Boto3Api(target.region, cfg.endpoint_url, Imds(cfg.imds_url), target.kind)
        if target.region
        else None
    )
    Agent(cfg, target=target, api=api).run()


@app.command("lifecycle-config")
def lifecycle_config(
    target: str = typer.Option(
        "notebook", help="notebook (on-start script), ec2 (systemd unit) or studio."
    ),
    idle_minutes: float = typer.Option(60.0),
    gpu_threshold: float = typer.Option(5.0),
    cpu_threshold: float = typer.Option(25.0),
    sample_seconds: float = typer.Option(30.0),
    signals: str | None = typer.Option(
        None, help="Default: jupyter,terminal,gpu,cpu (ec2: gpu,cpu,ssh,terminal)."
    ),
    publish: bool = typer.Option(True, "--publish/--no-publish"),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="The installed agent only logs its stops."
    ),
    stop_on_unreadable: bool = typer.Option(False, "--stop-on-unreadable"),
    print_size: bool = typer.Option(
        False, "--print-size", help="Print the script's size against AWS's limit, not the script."
    ),
    standalone: bool = typer.Option(
        False,
        "--standalone",
        help="Notebook/Studio: sign AWS calls with the agent's own SigV4 instead of the "
        "botocore of SageMaker's python (for images without botocore; a larger script).",
    ),
    output: OutputOption = None,
) -> None:
    """Print a lifecycle script that installs and starts the agent with no network access.

    Notebook and Studio scripts carry the agent as binary data (SageMaker's limit counts
    base64 characters, so text would cost a third more), EC2 user data is gzipped
    (cloud-init gunzips it): redirect them to a file.
    """
    if target not in ("notebook", "ec2", "studio"):
        raise UserError(f"--target must be notebook, ec2 or studio, got {target!r}")
    check_output_path(output)
    cfg = AgentConfig(
        idle_minutes=idle_minutes,
        gpu_threshold=gpu_threshold,
        cpu_threshold=cpu_threshold,
        sample_seconds=sample_seconds,
        signals=tuple(s.strip() for s in (signals or "jupyter").split(",") if s.strip()),
        target=target,
    )
    try:
        validate(cfg)
        args = lifecycle.agent_args(
            target,
            idle_minutes=idle_minutes,
            gpu_threshold=gpu_threshold,
            cpu_threshold=cpu_threshold,
            signals=signals,
            sample_seconds=sample_seconds,
            publish=publish,
            dry_run=dry_run,
            stop_on_unreadable=stop_on_unreadable,
        )
        script = lifecycle.render(target, args, standalone=standalone)
    except (ConfigError, ValueError) as err:
        raise UserError(f"cannot build the lifecycle script: {err}") from err
    if print_size:
        typer.echo(lifecycle.size(target, script).describe())
        return
    if output is not None:
        write_output(output, script)
        note(f"wrote {output} ({len(script)} bytes)")
        return
    if _stdout_is_terminal():
        raise UserError(
            "the script carries the agent as binary data and would garble this terminal",
            f"redirect it: mlcost agent lifecycle-config --target {target} > "
            f"{'user-data.gz' if target == 'ec2' else 'on-start.sh'} (or -o FILE) "
            "(or add --print-size to see its size)",
        )
    out = sys.stdout.buffer
    out.write(script)
    out.flush()


def _ports(raw: str) -> tuple[int, ...]:
    """``--ssh-ports 22,2222`` as port numbers, each 1 to 65535."""
    ports = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 65535:
            raise ConfigError(
                f"--ssh-ports must be a comma list of port numbers 1-65535, got {part!r} in {raw!r}"
            )
        ports.append(int(part))
    return tuple(ports)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
