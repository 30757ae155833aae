"""the check-in index holds only visits of a subject

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:05:00

``ix_visits_kind_subject_started`` serves each subject's latest check-in on
the supervisor dashboard. Most visits are a case's sessions, with no
subject: their entries were upkeep on every insert that no query reads
(one of the six indexes a pushed visit of a case paid for). The dashboard
query asks for ``subject_id IS NOT NULL`` itself, so the partial index
still answers it from the index alone. The name stays, and a downgrade
restores the full index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_visits_kind_subject_started"


def _create(where: sa.TextClause | None) -> None:
    op.create_index(
        _NAME,
        "visits",
        ["kind", "subject_id", "started_at"],
        unique=False,
        postgresql_include=["deleted", "scope_unit_id"],
        postgresql_where=where,
        sqlite_where=where,
    )


def upgrade() -> None:
    op.drop_index(_NAME, table_name="visits")
    _create(sa.text("subject_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index(_NAME, table_name="visits")
    _create(None)
