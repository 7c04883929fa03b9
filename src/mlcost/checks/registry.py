"""The check registry: a check is an id, a resource kind, what it reads, defaults, a docstring
and a pure function.

A check never calls AWS. It receives one resource, the inventory (for its metric series and
the window) and its settings, and returns zero or more findings. It declares what it reads
(``needs``: metric labels; ``statuses``: the resource statuses it can judge), and the live
source reads exactly the union of what the selected checks declare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from mlcost.errors import UserError
from mlcost.model import Finding, Inventory, MetricLabel, Resource, ResourceKind

CheckFn = Callable[[Resource, Inventory, dict[str, Any]], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    kind: ResourceKind
    fn: CheckFn
    defaults: dict[str, Any] = field(default_factory=dict)
    #: Metric labels the check reads.
    needs: frozenset[MetricLabel] = frozenset()
    #: Resource statuses the check can find anything in; None: every status.
    statuses: frozenset[str] | None = None

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip()

    @property
    def schema(self) -> type[BaseModel]:
        """The check's settings as a pydantic model: one typed field per default."""
        return settings_schema(self.id, self.defaults)

    def settings(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults with ``overrides``, each checked against its type: a bad or unknown
        setting is a UserError before any AWS call, never a crash inside a check."""
        try:
            model = self.schema.model_validate({**self.defaults, **(overrides or {})})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise UserError(
                f"bad setting(s) for check {self.id!r}: {problems}",
                "its settings are: "
                + ", ".join(f"{k} (default {v!r})" for k, v in sorted(self.defaults.items())),
            ) from None
        return model.model_dump()

    def run(
        self, resource: Resource, inventory: Inventory, overrides: dict[str, Any] | None = None
    ) -> list[Finding]:
        return list(self.fn(resource, inventory, self.settings(overrides)))


REGISTRY: dict[str, Check] = {}

_SCHEMAS: dict[str, type[BaseModel]] = {}


def _field_type(default: Any) -> Any:
    """The type a setting takes, from its default (a ``None`` default is an optional number)."""
    if default is None:
        return float | None
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    return type(default)


def settings_schema(check_id: str, defaults: dict[str, Any]) -> type[BaseModel]:
    """A pydantic model of a check's settings derived from its defaults (strict about names,
    ints accept whole numbers only, floats accept ints)."""
    schema = _SCHEMAS.get(check_id)
    if schema is None:
        fields: dict[str, Any] = {k: (_field_type(v), v) for k, v in defaults.items()}
        schema = create_model(  # type: ignore[call-overload]
            f"Settings_{check_id.replace('-', '_')}",
            __config__=ConfigDict(extra="forbid"),
            **fields,
        )
        _SCHEMAS[check_id] = schema
    return schema


def check(
    check_id: str,
    kind: ResourceKind,
    *,
    needs: Iterable[MetricLabel] = (),
    statuses: Iterable[str] | None = None,
    **defaults: Any,
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``check_id`` with what it reads and its defaults."""

    def register(fn: CheckFn) -> CheckFn:
        if check_id in REGISTRY:
            raise ValueError(f"check {check_id!r} registered twice")
        REGISTRY[check_id] = Check(
            check_id,
            kind,
            fn,
            dict(defaults),
            frozenset(MetricLabel(n) for n in needs),
            None if statuses is None else frozenset(statuses),
        )
        return fn

    return register
