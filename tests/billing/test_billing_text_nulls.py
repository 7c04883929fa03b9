"""The cheap missing-text test used on every text column equals the trim-based one it replaced.

WHY: ingest tests ``trim`` only on values that could trim to '' or 'NULL' (for speed); a value
it misjudges would turn a real account id into NULL, or keep a padded 'NULL' as text.
"""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcost.billing.convert import text_or_null as _text_or_null

# spaces DuckDB's trim removes, characters it keeps, and the letters of NULL
_ALPHABET = [" ", "\u00a0", "\u3000", "\u2009", "\t", "\n", "\u200b", "N", "U", "L", "a", "é", "!"]
_CON = duckdb.connect()
_NEW = f"SELECT {_text_or_null('x')} FROM (SELECT ?::VARCHAR AS x)"
_OLD = "SELECT CASE WHEN trim(x) IN ('', 'NULL') THEN NULL ELSE x END FROM (SELECT ?::VARCHAR AS x)"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.none(), st.text(alphabet=st.sampled_from(_ALPHABET), max_size=8)))
def test_cheap_missing_text_test_equals_trim(value: str | None) -> None:
    assert _CON.execute(_NEW, [value]).fetchone() == _CON.execute(_OLD, [value]).fetchone()


def test_padded_null_spellings_are_missing() -> None:
    for value in ["", "NULL", "  ", " NULL ", "\u00a0", "\u3000NULL", "NULL\u00a0"]:
        assert _CON.execute(_NEW, [value]).fetchone() == (None,), repr(value)
    for value in ["acct", "\u00a0acct", "NULLx", "\tNULL"]:
        assert _CON.execute(_NEW, [value]).fetchone() == (value,), repr(value)
