"""indexes of the mediation statistics: cases by day opened, case documents by kind and day

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 10:30:00

The statistics (``services/supervision/statistics.py``) read one period's
rows of three tables: cases by ``opened_at``, agreements by ``signed_at``
(indexed since 0003) and case documents by ``kind`` and ``recorded_at``.
Without these two indexes every request scanned both tables whole.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_opened_at", "cases", ["opened_at"], unique=False)
    op.create_index(
        "ix_case_documents_kind_recorded_at",
        "case_documents",
        ["kind", "recorded_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_case_documents_kind_recorded_at", table_name="case_documents")
    op.drop_index("ix_cases_opened_at", table_name="cases")
