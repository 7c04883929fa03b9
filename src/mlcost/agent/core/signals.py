"""The value type every signal sampler returns, so the decision logic sees one shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Reading:
    """One signal's state at one sample.

    ``busy`` is None when the signal could not be read: the decision treats that as
    "not idle" (a stop on missing evidence is the worst error the agent can make).
    ``last_active`` is the signal's own record of its last activity (Jupyter's
    ``last_activity``); samplers that only see the present leave it None.
    ``values`` carries numbers for the CloudWatch metrics (e.g. ``gpu_util``);
    ``stamps`` carries per-item activity times (kernels, terminals) so the metrics
    can count items active within a publish interval.
    """

    name: str
    busy: bool | None
    detail: str
    last_active: datetime | None = None
    values: dict[str, float] = field(default_factory=dict)
    stamps: dict[str, list[datetime]] = field(default_factory=dict)
