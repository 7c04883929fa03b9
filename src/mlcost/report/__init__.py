"""Report formats for a :class:`~mlcost.model.ScanResult`: JSON (the stable contract), CSV,
Markdown and a Rich terminal table."""

from mlcost.report.csv_report import to_csv
from mlcost.report.json_report import to_dict, to_json
from mlcost.report.markdown import to_markdown
from mlcost.report.table import render_table
from mlcost.report.totals import totals

__all__ = ["render_table", "to_csv", "to_dict", "to_json", "to_markdown", "totals"]
