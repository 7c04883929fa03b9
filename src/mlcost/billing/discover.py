"""Turn what the user names (files or export folders) into the billing files to ingest.

AWS Data Exports deliver one export as many parts in a folder tree
(``data/BILLING_PERIOD=2024-01/...-00001.snappy.parquet``) beside manifests; a user points
at the folder, not at each part.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

#: File endings ingest reads; manifests and metadata beside the parts are skipped.
EXPORT_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".csv.zip")


def is_export_part(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and name.endswith(EXPORT_SUFFIXES) and "manifest" not in name


def export_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders expanded to their export parts (recursively, sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if is_export_part(p)))
        else:
            out.append(path)
    return out
