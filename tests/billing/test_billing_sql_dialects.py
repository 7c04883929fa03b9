"""The report queries compile for Athena (Trino) and Spark with SQLGlot (no engine needed)."""

from __future__ import annotations

from mlcost.billing import report
from mlcost.billing.spark import transpile


def test_queries_compile_for_athena() -> None:
    for section, _ in report.SECTIONS:
        sql = transpile(report.query_text(section, "team"), "trino")
        assert "line_items" in sql
    assert "ELEMENT_AT(c.tags, 'team')" in transpile(report.query_text("by_tag", "team"), "trino")


def test_spark_keeps_map_subscript() -> None:
    # Spark's map subscript returns NULL for a missing key (ELEMENT_AT would fail under ANSI)
    assert "c.tags['team']" in transpile(report.query_text("by_tag", "team"), "spark")
