"""Zipped exports (legacy CUR is delivered as ``.csv.zip``): each member loaded as the archive's rows."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from mlcost.errors import UserError

if TYPE_CHECKING:
    from mlcost.billing.ingest import Staged

#: loads one extracted member: (connection, file, file_id, label for errors) -> what it found
StageFile = Callable[[duckdb.DuckDBPyConnection, Path, int, str], "Staged"]

#: what a zip archive's members may be (legacy CUR is delivered as .csv.zip)
MEMBERS = (".csv", ".csv.gz", ".parquet")


def stage_zip(
    con: duckdb.DuckDBPyConnection, path: Path, file_id: int, stage_file: StageFile
) -> list[Staged]:
    """Ingest every export file inside a zip archive, as rows of the archive itself; what
    each member held, in order.

    WHY extract: DuckDB reads no zip members without an extension that may not be installed.
    Members are written under generated names in a private temp dir (a member called
    ``../x`` cannot escape it) and removed afterwards; errors name ``archive!member``.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise UserError(
            f"{path}: not a readable zip archive ({err})", "re-download the export"
        ) from err
    with archive, tempfile.TemporaryDirectory(prefix="mlcost-zip-") as tmp:
        members = [
            m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(MEMBERS)
        ]
        if not members:
            raise UserError(
                f"{path}: the zip archive holds no .csv, .csv.gz or .parquet file",
                "unzip it and check what it contains; nothing was loaded",
            )
        parts: list[Staged] = []
        for i, m in enumerate(members):
            suffix = next(s for s in MEMBERS if m.filename.lower().endswith(s))
            part = Path(tmp) / f"member-{i}{suffix}"
            with archive.open(m) as src, part.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            parts.append(stage_file(con, part, file_id, f"{path}!{m.filename}"))
            part.unlink()
        return parts
