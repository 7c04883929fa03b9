"""A recorded scan's findings, for `mlcost serve` to filter, sort and page in SQL.

Revision ID: 0003_findings
Revises: 0002_bench_runs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_findings"
down_revision = "0002_bench_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("scan_id", sa.String(40), sa.ForeignKey("scans.scan_id"), primary_key=True),
        sa.Column("finding_id", sa.String(40), primary_key=True),
        sa.Column("check_id", sa.String(64), nullable=False),
        sa.Column("resource_kind", sa.String(40), nullable=False),
        sa.Column("resource_id", sa.String(256), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("risk", sa.String(16), nullable=False),
        sa.Column("monthly_cost_usd", sa.Numeric(14, 2), nullable=True),
        sa.Column("monthly_savings_usd", sa.Numeric(14, 2), nullable=True),
        sa.Column("finding", sa.JSON, nullable=False),
        sa.Column("series", sa.JSON, nullable=False),
    )
    op.create_index("ix_findings_scan_savings", "findings", ["scan_id", "monthly_savings_usd"])
    op.create_index(
        "ix_findings_scan_filters",
        "findings",
        [
            "scan_id",
            "check_id",
            "region",
            "account_id",
            "resource_kind",
            "confidence",
            "monthly_savings_usd",
        ],
    )
    op.create_index("ix_findings_resource", "findings", ["resource_id"])


def downgrade() -> None:
    op.drop_index("ix_findings_resource", "findings")
    op.drop_index("ix_findings_scan_filters", "findings")
    op.drop_index("ix_findings_scan_savings", "findings")
    op.drop_table("findings")
