"""the district row, org unit details, staff phones

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 07:00:00

A real district starts with ``lastmile admin init`` instead of the demo:
the ``district`` row names its root unit, its clock and whether it is the
demo. Org units gain the short name case numbers are built from, an
address, a contact and ``closed`` (a unit is closed, never deleted: records
point to it). Users gain a work phone, kept for the administration only.

A database seeded before this revision has a district unit but no district
row: it is taken to be the demo's (only ``seed-demo`` could fill one), so
its server keeps generating a missing signing key as before.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNIT_TEXT = ("short_name", "address", "contact_person", "contact_phone")


def upgrade() -> None:
    op.create_table(
        "district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("root_unit_id", sa.Uuid(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("org_units") as batch:
        for name in _UNIT_TEXT:
            batch.add_column(
                sa.Column(name, sa.String(length=200), nullable=False, server_default="")
            )
        batch.add_column(
            sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("phone", sa.String(length=32), nullable=False, server_default="")
        )
    bind = op.get_bind()
    root = bind.execute(
        sa.text("SELECT id FROM org_units WHERE kind = 'district' AND parent_id IS NULL LIMIT 1")
    ).scalar()
    if root is not None:
        district = sa.table(
            "district",
            sa.column("id", sa.Integer()),
            sa.column("root_unit_id", sa.Uuid()),
            sa.column("time_zone", sa.String()),
            sa.column("demo", sa.Boolean()),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        op.bulk_insert(
            district,
            [
                {
                    "id": 1,
                    # SQLite hands the id back as 32 hex digits, PostgreSQL as a UUID.
                    "root_unit_id": UUID(str(root)),
                    "time_zone": "Asia/Shanghai",
                    "demo": True,
                    "created_at": datetime.now(UTC),
                }
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone")
    with op.batch_alter_table("org_units") as batch:
        batch.drop_column("closed")
        for name in reversed(_UNIT_TEXT):
            batch.drop_column(name)
    op.drop_table("district")
