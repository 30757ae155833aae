"""versions come from a sequence on PostgreSQL, so pushes run side by side

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 07:00:00

On PostgreSQL a push no longer locks the counter row ``sync_state.last_version``
from its first version to its commit: versions are drawn from the sequence
``sync_versions`` and a pull reads no further than the lowest version still
in flight (``sync_server/core/versions.py``, docs/protocol.md). The sequence
continues where the counter stands; from here on the counter row's
``last_version`` is not used on PostgreSQL. SQLite, one writer at a time,
keeps the counter row: nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # AS integer: versions are integer columns; the sequence stops where they would.
    op.execute("CREATE SEQUENCE sync_versions AS integer MINVALUE 0 START WITH 0")
    # is_called = true: last_value is the last version handed out, as a pull reads it.
    op.execute(
        "SELECT setval('sync_versions', "
        "COALESCE((SELECT last_version FROM sync_state WHERE id = 1), 0), true)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "UPDATE sync_state SET last_version = (SELECT last_value FROM sync_versions) WHERE id = 1"
    )
    op.execute("DROP SEQUENCE sync_versions")
