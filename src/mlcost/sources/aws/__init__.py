"""The live AWS source: ``collect_inventory`` reads an account into an Inventory.

Public: :func:`collect_inventory`, :class:`CallCounter` (API calls by operation),
:class:`ProgressSink` (what progress reporting needs), and the kind registry ``REGISTRY``.
"""

from mlcost.sources.aws.api_calls import CallCounter
from mlcost.sources.aws.collector import collect_inventory
from mlcost.sources.aws.kinds import REGISTRY, KindSpec
from mlcost.sources.aws.progress import NullProgress, ProgressSink

__all__ = [
    "REGISTRY",
    "CallCounter",
    "KindSpec",
    "NullProgress",
    "ProgressSink",
    "collect_inventory",
]
