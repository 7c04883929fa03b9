"""The price catalogue: instance specs and hourly prices as dated, sourced data.

Public interface (every caller goes through these):

- :func:`price` -> :class:`PriceQuote` for (instance type, region, usage), or raises
  :class:`Unpriced` with the reason. Never a silent $0.
- :func:`spec` -> :class:`InstanceSpec`, or raises :class:`UnknownInstanceType`.
- :func:`priced_types` -> the instance types priced for a usage in a region (candidates for
  right-sizing).
- :func:`spot_savings` -> :class:`SpotSavings` (EC2 spot evidence; a labelled proxy for
  SageMaker managed spot) or None.
- :func:`catalogue_info` -> sources, dates and counts; :func:`reload` re-reads the files.
"""

from mlcost.pricing.catalogue import (
    InstanceSpec,
    PriceQuote,
    SpotSavings,
    UnknownInstanceType,
    Unpriced,
    catalogue_info,
    price,
    priced_types,
    reload,
    spec,
    spot_savings,
)

__all__ = [
    "InstanceSpec",
    "PriceQuote",
    "SpotSavings",
    "UnknownInstanceType",
    "Unpriced",
    "catalogue_info",
    "price",
    "priced_types",
    "reload",
    "spec",
    "spot_savings",
]
