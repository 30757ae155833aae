"""the audit log is keyed with a MAC whose key the database does not hold

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 04:10:00

Every audit entry gets the id of the audit key it was keyed with and its
HMAC-SHA-256 (``sync_server/core/audit.py``); the counter row gets the same
for the head, so a truncated log shows too. Rows written before this
revision keep NULL in both: they stay covered by the hash chain, which the
first keyed entry extends (the key file records where keying began).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("key_id", sa.String(length=16), nullable=True))
    op.add_column("audit_log", sa.Column("mac", sa.String(length=64), nullable=True))
    op.add_column("sync_state", sa.Column("audit_head_key_id", sa.String(length=16), nullable=True))
    op.add_column("sync_state", sa.Column("audit_head_mac", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("audit_head_mac")
        batch.drop_column("audit_head_key_id")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("mac")
        batch.drop_column("key_id")
