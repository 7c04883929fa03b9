"""Query functions over the shipped price snapshot (interface first; data loading to follow)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mlcost.model import Usage


class UnknownInstanceType(LookupError):
    """The instance type is not in the catalogue's specs."""


class Unpriced(LookupError):
    """No price (list or labelled substitution) exists for this type, region and usage."""


@dataclass(frozen=True, slots=True)
class InstanceSpec:
    instance_type: str  # as given: "ml.g5.xlarge" or "g5.xlarge"
    vcpu: int
    memory_gib: Decimal
    gpu_count: int = 0
    gpu_model: str | None = None
    gpu_memory_gib: Decimal = Decimal(0)  # total over all GPUs
    accelerator: str | None = None  # "nvidia" | "neuron" | None

    @property
    def family(self) -> str:
        return self.instance_type.removeprefix("ml.").split(".")[0]


@dataclass(frozen=True, slots=True)
class PriceQuote:
    instance_type: str
    region: str
    usage: Usage
    usd_per_hour: Decimal
    source: str  # e.g. "AWS pricing-page feed sagemaker-instances-studionotebook.json"
    date: str  # ISO date the price was published or in force
    #: "list": the price AWS publishes for exactly this usage; "substitution": the same type
    #: and region from another component (see ``substituted_from``), labelled as such.
    basis: str = "list"
    substituted_from: Usage | None = None
    confidence: float = 1.0

    def evidence(self) -> dict[str, object]:
        """The price as a finding's evidence shows it."""
        out: dict[str, object] = {
            "usd_per_hour": str(self.usd_per_hour),
            "usage": str(self.usage),
            "source": self.source,
            "date": self.date,
            "basis": self.basis,
        }
        if self.substituted_from is not None:
            out["substituted_from"] = str(self.substituted_from)
        return out


def price(instance_type: str, region: str, usage: Usage) -> PriceQuote:
    raise NotImplementedError


def spec(instance_type: str) -> InstanceSpec:
    raise NotImplementedError


def priced_types(region: str, usage: Usage) -> list[str]:
    raise NotImplementedError


def catalogue_info() -> dict[str, object]:
    raise NotImplementedError
