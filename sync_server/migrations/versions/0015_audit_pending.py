"""audit entries are chained after their transaction commits

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 10:30:00

A write no longer extends the audit chain inside its own transaction, where
every push queued on the counter row ``sync_state`` from its audit entry to
its commit. It writes its entry to ``audit_pending`` (keyed with the audit
key), and a short chaining step moves pending entries into ``audit_log``
after the write commits (``sync_server/core/audit_chain.py``,
docs/security.md). A chained entry keeps the id it was written with
(``entry_id``, covered by its hash, unique), so a pending entry copied and
written again is refused. Entries chained before this revision keep NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("entry_id", sa.Uuid(), nullable=True))
    op.create_index("ux_audit_log_entry_id", "audit_log", ["entry_id"], unique=True)
    op.create_table(
        "audit_pending",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("device_id", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    # Pending entries are chained by the code of this revision only: chain
    # them (any write does) before downgrading, or they are lost here.
    op.drop_table("audit_pending")
    op.drop_index("ux_audit_log_entry_id", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("entry_id")
