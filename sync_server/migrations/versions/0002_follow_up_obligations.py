"""follow-up visits mark an agreement's obligations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:00:00

A follow-up visit (回访) names the signed agreement it checks and marks, per
obligation, whether it is honoured. Existing visits get no agreement and an
empty list of marks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "obligation_checks", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
            )
        )
        batch_op.create_index(batch_op.f("ix_visits_agreement_id"), ["agreement_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_agreement_id"))
        batch_op.drop_column("obligation_checks")
        batch_op.drop_column("agreement_id")
