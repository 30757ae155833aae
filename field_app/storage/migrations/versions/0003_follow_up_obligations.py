"""follow-up visits mark an agreement's obligations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:00:00

The same columns the district database gains in its revision 0002: a
follow-up visit names the agreement it checks (``agreement_id``) and marks
each obligation honoured or not (``obligation_checks``, a JSON list). Rows
already on the device get no agreement and an empty list, which is what the
server holds for them too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("visits", sa.Column("agreement_id", sa.Uuid(), nullable=True))
    op.add_column(
        "visits",
        sa.Column("obligation_checks", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.create_index("ix_visits_agreement_id", "visits", ["agreement_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_visits_agreement_id", table_name="visits")
    op.drop_column("visits", "obligation_checks")
    op.drop_column("visits", "agreement_id")
