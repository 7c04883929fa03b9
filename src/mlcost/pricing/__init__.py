"""The price catalogue: instance specs and hourly prices as dated, sourced data.

Public interface (every caller goes through these):

- :func:`price` -> :class:`PriceQuote` for (instance type, region, usage), or raises
  :class:`Unpriced` with the reason. Never a silent $0.
- :func:`spec` -> :class:`InstanceSpec`, or raises :class:`UnknownInstanceType`.
- :func:`priced_types` -> the instance types priced for a usage in a region (candidates for
  right-sizing).
"""

from mlcost.pricing.catalogue import (
    InstanceSpec,
    PriceQuote,
    UnknownInstanceType,
    Unpriced,
    catalogue_info,
    price,
    priced_types,
    spec,
)

__all__ = [
    "InstanceSpec",
    "PriceQuote",
    "UnknownInstanceType",
    "Unpriced",
    "catalogue_info",
    "price",
    "priced_types",
    "spec",
]
