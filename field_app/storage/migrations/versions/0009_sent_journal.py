"""the sent journal and the server's sync epoch

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:30:00

A server restored from a backup has lost what devices sent after the
backup. The device keeps every change the server acknowledged for a while
(``sent_journal``, its fields sealed as they were in the outbox) and the
sync epoch the server last told it (``device_state.server_epoch``): when
the server answers with another epoch, the journal goes back into the outbox
and is sent again (docs/protocol.md, "After a restore"). Devices upgraded to
this revision journal from their next acknowledged change on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sent_journal",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mutation_id", sa.Uuid(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("client_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("mutation_id"),
    )
    with op.batch_alter_table("sent_journal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sent_journal_acknowledged_at"), ["acknowledged_at"], unique=False
        )
    with op.batch_alter_table("device_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("server_epoch", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("device_state", schema=None) as batch_op:
        batch_op.drop_column("server_epoch")
    op.drop_table("sent_journal")
