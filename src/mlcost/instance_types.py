"""Instance type names, parsed one way for the scan (Python) and for billing (SQL).

WHY one module: a family may hold a dash (``p6-b200.48xlarge``, ``u-6tb1.metal``), and a
split on the last dash or a ``[a-z0-9]+`` family pattern reads ``b200`` or ``6tb1``, so a
p6-b200 bill line lands in another family than the scan's finding on the same instance.
The regular expressions below are the only definition: :func:`parse` applies them in Python,
and the billing SQL (``billing/sql/classify.sql``, ``normalise_focus.sql``) gets them through
:func:`sql_placeholders` (the packaged SQL's ``{instance_type_in_usage_type}`` and
``{instance_family_of_type}``). They are written in the subset that Python's ``re`` and
DuckDB's RE2 read alike, and ``tests/test_instance_types.py`` runs one table through both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: a family: a lower-case letter, then letters and digits, in dash-joined parts (p6-b200, u-6tb1)
_FAMILY = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
#: an instance type, SageMaker's ``ml.`` prefix optional: family, a dot, the size
INSTANCE_TYPE = rf"(?:ml\.)?{_FAMILY}\.[0-9a-z]+"
#: the instance type at the end of an AWS usage type (``USE1-Train:ml.p6-b200.48xlarge``,
#: ``BoxUsage:u-6tb1.metal``, ``USE1-Studio:KernelGateway-ml.m5.large``), group 1. The type
#: starts after the start, a colon or a dash; the leftmost start wins, so a dash inside the
#: family does not cut it (``p6-b200``, not ``b200``)
IN_USAGE_TYPE = rf"(?:^|[:\-])({INSTANCE_TYPE})$"
#: the family of a whole instance type (group 1)
FAMILY_OF_TYPE = rf"^(?:ml\.)?({_FAMILY})\.[0-9a-z]+$"

_IN_USAGE_TYPE = re.compile(IN_USAGE_TYPE)
_FAMILY_OF_TYPE = re.compile(FAMILY_OF_TYPE)


@dataclass(frozen=True, slots=True)
class InstanceType:
    """An instance type's parts: ``ml.p6-b200.48xlarge`` is SageMaker, family ``p6-b200``,
    size ``48xlarge``."""

    name: str
    family: str
    size: str
    sagemaker: bool


def parse(instance_type: str) -> InstanceType | None:
    """The parts of an instance type, or ``None`` for a name that is not one."""
    m = _FAMILY_OF_TYPE.match(instance_type)
    if m is None:
        return None
    family = m.group(1)
    return InstanceType(
        name=instance_type,
        family=family,
        size=instance_type[m.end(1) + 1 :],
        sagemaker=instance_type.startswith("ml."),
    )


def family(instance_type: str) -> str:
    """The family of an instance type (``p6-b200`` of ``ml.p6-b200.48xlarge``); ``""`` when the
    name is not an instance type."""
    parsed = parse(instance_type)
    return parsed.family if parsed else ""


def from_usage_type(usage_type: str) -> str:
    """The instance type an AWS usage type ends in (``ml.p6-b200.48xlarge`` of
    ``USE1-Train:ml.p6-b200.48xlarge``); ``""`` when it names none (``USE2-ServerlessInf:Mem-4GB``)."""
    m = _IN_USAGE_TYPE.search(usage_type)
    return m.group(1) if m else ""


def sql_placeholders() -> dict[str, str]:
    """The packaged SQL's placeholders for these expressions, as SQL string bodies (quotes doubled)."""
    return {
        "{instance_type_in_usage_type}": IN_USAGE_TYPE.replace("'", "''"),
        "{instance_family_of_type}": FAMILY_OF_TYPE.replace("'", "''"),
    }
