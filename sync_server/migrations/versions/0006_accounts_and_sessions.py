"""accounts and sessions: a password that must be changed, and where a token signed in from

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 04:40:00

``users.must_change_password`` is set by an admin's reset: a sign-in with
the one-time password gets a token that can only change it.
``device_tokens.signed_in_from`` is the client address of the sign-in; an
address the account signed in from lately is exempt from the account-wide
sign-in throttle, so an attacker elsewhere cannot lock the user out
(docs/security.md). Existing rows get ``false`` and ``""``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("device_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "signed_in_from",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("device_tokens", schema=None) as batch_op:
        batch_op.drop_column("signed_in_from")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
