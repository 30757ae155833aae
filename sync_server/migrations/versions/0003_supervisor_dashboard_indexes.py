"""supervisor dashboard indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:19:24.850181

The dashboard asks for each subject's latest check-in and for the mediation
sessions and signed agreements of one month; without these indexes each of
those reads the whole visits or agreements table (docs/performance.md,
"Supervisor dashboard"). On PostgreSQL the check-in index also carries the
columns the query filters on, so it is answered from the index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_agreements_signed_at", "agreements", ["signed_at"], unique=False)
    op.create_index("ix_visits_kind_started", "visits", ["kind", "started_at"], unique=False)
    op.create_index(
        "ix_visits_kind_subject_started",
        "visits",
        ["kind", "subject_id", "started_at"],
        unique=False,
        postgresql_include=["deleted", "scope_unit_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_visits_kind_subject_started", table_name="visits")
    op.drop_index("ix_visits_kind_started", table_name="visits")
    op.drop_index("ix_agreements_signed_at", table_name="agreements")
