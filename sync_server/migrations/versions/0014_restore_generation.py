"""a restored database's sync epoch

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 10:20:00

``lastmile admin restore`` gives the restored database a new *sync epoch*
(``sync_state.sync_epoch``): the epoch pull cursors carry and devices are
told (header ``X-LastMile-Epoch``), so every device notices that the server
lost what was written after the backup and sends its share again
(docs/protocol.md, "After a restore"). The database's own ``epoch`` stays
what the audit key file anchors. NULL until the first restore: the sync
epoch is then the database's epoch, so no cursor issued before this
revision is refused.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as table:
        table.add_column(sa.Column("sync_epoch", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as table:
        table.drop_column("sync_epoch")
