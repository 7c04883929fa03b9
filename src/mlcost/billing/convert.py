"""SQL that casts an export's raw columns to their canonical types, and checks they convert.

WHY apart from ingest: one conversion serves the typed select, the validation counts and the
duplicate sample's canonical values, so a CSV (all text) and a parquet (typed) copy of one bill
give the same values; keeping it in one module keeps it one.
"""

from __future__ import annotations

from mlcost.billing.formats import COLUMNS, Format, Kind
from mlcost.errors import UserError


def lit(s: str) -> str:
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    """A quoted SQL identifier."""
    return '"' + s.replace('"', '""') + '"'


def missing_as_null(expr: str) -> str:
    """Text with the spellings exports use for "no value" ('', blanks, 'NULL') as SQL NULL.

    WHY: CSV reading already maps '' and NULL to NULL, but string-typed parquet (and a CSV
    field holding only blanks) arrives as text, and casting '' to a number fails.
    """
    return f"NULLIF(NULLIF(trim({expr}), ''), 'NULL')"


def text_or_null(q: str) -> str:
    """Text with '', 'NULL' and those padded with blanks as SQL NULL, otherwise unchanged.

    Same result as ``CASE WHEN trim(q) IN ('', 'NULL') ...``, but trims only a value that
    could trim to '' or 'NULL': one whose first character is not printable ASCII (DuckDB's
    trim removes spaces and Unicode space separators such as U+00A0, never a printable ASCII
    character), or one that starts with 'NULL'. WHY: trimming every string of every text
    column cost 0.6 s per 10M-line parquet file (bench/billing_scale.py); ``ord`` reads one
    character, and almost no value is padded.
    """
    could_trim = f"(ord({q}) NOT BETWEEN 33 AND 126 OR prefix({q}, 'NULL'))"
    return (
        f"CASE WHEN {q} = '' OR {q} = 'NULL' OR ({could_trim} AND trim({q}) IN ('', 'NULL')) "
        f"THEN NULL ELSE {q} END"
    )


def text_to(kind: Kind, expr: str, check: bool = False) -> str:
    """SQL that converts a text value to ``kind``; ``check`` gives the TRY_ form (NULL if bad)."""
    cast = "TRY_CAST" if check else "CAST"
    v = missing_as_null(expr)
    if kind is Kind.TIME:
        # CUR writes 'YYYY-MM-DDTHH:MM:SS.mmmZ', FOCUS samples 'YYYY-MM-DD HH:MM:SS' and other
        # tools '...+02:00': read as TIMESTAMPTZ (a value without offset is UTC, the
        # connection's TimeZone) and store the UTC wall time, so offsets are not dropped
        return f"CAST({cast}({v} AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)"
    if kind is Kind.MAP:
        return f"{cast}({cast}({v} AS JSON) AS MAP(VARCHAR, VARCHAR))"
    return f"{cast}({v} AS {kind.value})"


def as_kind(kind: Kind, q: str, dtype: str, check: bool = False) -> str:
    """SQL converting column ``q`` (DuckDB type ``dtype``: text, or already ``kind``'s type)
    to ``kind``; ``check`` gives NULL instead of an error where a value does not convert."""
    if kind is Kind.TEXT:
        # '' and 'NULL' as NULL, as the CSV reader has them
        return text_or_null(q) if is_text(dtype) else f"CAST({q} AS VARCHAR)"
    if is_text(dtype):
        return text_to(kind, q, check=check)
    if kind is Kind.TIME and dtype.upper().startswith("TIMESTAMP WITH"):
        return f"CAST(timezone('UTC', {q}) AS TIMESTAMP)"
    return f"{'TRY_CAST' if check else 'CAST'}({q} AS {kind.value})"


def canonical(fmt: Format, types: dict[str, str], col: str) -> str:
    """A column's value in its canonical type (NULL where it does not convert).

    WHY: the same bill as CSV (all text) and as parquet (typed) must give the same values.
    """
    return as_kind(COLUMNS[fmt].get(col, Kind.TEXT), ident(col), types[col], check=True)


def is_text(dtype: str) -> bool:
    return dtype.upper() == "VARCHAR"


def is_tag_list(dtype: str) -> bool:
    """A list of key/value structs: how some FOCUS writers store the Tags map in parquet."""
    t = dtype.upper().replace(" ", "").replace('"', "")
    return t.startswith("STRUCT(KEY") and ",VALUE" in t and t.endswith(")[]")


def typed_select(
    fmt: Format, types: dict[str, str], label: str
) -> tuple[str, list[tuple[str, str, str]]]:
    """SELECT list casting each known column to its kind, plus checks (column, check SQL, expected)."""
    items: list[str] = []
    checks: list[tuple[str, str, str]] = []
    for col, kind in COLUMNS[fmt].items():
        q = ident(col)
        if col not in types:
            items.append(f"CAST(NULL AS {kind.value}) AS {q}")
            continue
        dtype = types[col]
        if kind is Kind.MAP and is_tag_list(dtype):
            expr = f"CAST(map_from_entries({q}) AS MAP(VARCHAR, VARCHAR))"
        elif kind is Kind.MAP and not (is_text(dtype) or dtype.upper().startswith("MAP")):
            raise UserError(
                f"{label}: column {col!r} has type {dtype}, expected a map of strings, "
                "a list of {key, value} structs, or JSON text",
                "re-export the file with tags as a map or JSON; nothing was loaded",
            )
        else:
            expr = as_kind(kind, q, dtype)
        if kind is not Kind.TEXT and is_text(dtype):
            present = f"{missing_as_null(q)} IS NOT NULL"
            checks.append(
                (col, f"{present} AND {text_to(kind, q, check=True)} IS NULL", kind.name.lower())
            )
        items.append(f"{expr} AS {q}")
    return ", ".join(items), checks


def tag_key(raw: str) -> str | None:
    """The tag key a one-tag-per-column name stands for; ``None`` for other columns.

    Legacy CUR CSV: ``resourceTags/user:team`` -> ``team``. Legacy CUR in Athena's parquet
    layout (snake_case, so detected as CUR 2.0): ``resource_tags_user_team`` -> ``user_team``,
    the spelling CUR 2.0's ``resource_tags`` map uses.
    """
    if raw.startswith("resourceTags/"):
        return raw.split("/", 1)[1].removeprefix("user:")
    if raw.startswith("resource_tags_"):
        return raw.removeprefix("resource_tags_")
    return None


def column_tags(types: dict[str, str], raw_names: dict[str, str]) -> tuple[str, str, list[str]]:
    """(extra SELECT items, tag-map expression, the tag columns) for tags stored one column
    per key.

    Keys come from the raw header names (``raw_names``), not DuckDB's, which renames a column
    that differs from another only in case (tag keys are case-sensitive in AWS).
    """
    tag_cols = [c for c in types if tag_key(raw_names.get(c, c)) is not None]
    if not tag_cols:
        return "", "MAP {}", []
    extra = "".join(
        f", CASE WHEN trim(CAST(raw.{ident(c)} AS VARCHAR)) IN ('', 'NULL') THEN NULL "
        f"ELSE CAST(raw.{ident(c)} AS VARCHAR) END AS {ident(c)}"
        for c in tag_cols
    )
    entries = ", ".join(
        f"{{'key': {lit(tag_key(raw_names.get(c, c)) or c)}, 'value': {ident(c)}}}"
        for c in tag_cols
    )
    # drop empty tags so a key is present only where the resource carried it
    tags = f"map_from_entries(list_filter([{entries}], lambda e: e.value IS NOT NULL))"
    return extra, tags, tag_cols
