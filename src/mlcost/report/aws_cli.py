"""The ``aws`` CLI command that does what a fix does, for people who act by hand.

Why: a reviewer reading ``findings.md`` in a ticket wants the command to run (or to paste
into a runbook), not a Python dict. Only fixes that are one AWS call map to a command; the
others (a new endpoint config; attaching auto-stop, which needs the notebook stopped and the
lifecycle config created first; managed spot on a job's next run) are left to ``mlcost fix``.
Parameter names are the AWS API's (CONTRACTS.md), so ``EndpointName`` is ``--endpoint-name``.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from mlcost.model import Finding

#: fix action -> (service, AWS CLI operation, the params it takes)
_ONE_CALL: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "delete-endpoint": ("sagemaker", "delete-endpoint", ("EndpointName",)),
    "stop-notebook-instance": ("sagemaker", "stop-notebook-instance", ("NotebookInstanceName",)),
    "stop-instances": ("ec2", "stop-instances", ("InstanceIds",)),
}


def _flag(name: str) -> str:
    return "--" + re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(shlex.quote(str(v)) for v in value)
    return shlex.quote(str(value))


def aws_command(finding: Finding) -> str | None:
    """``aws sagemaker delete-endpoint --endpoint-name x --region r``, or None when the fix is
    not one AWS call (or its parameters are missing)."""
    spec = _ONE_CALL.get(finding.fix.action)
    if spec is None:
        return None
    service, operation, names = spec
    params = finding.fix.params
    if not all(params.get(n) for n in names):
        return None
    args = " ".join(f"{_flag(n)} {_value(params[n])}" for n in names)
    return f"aws {service} {operation} {args} --region {shlex.quote(finding.region)}"
