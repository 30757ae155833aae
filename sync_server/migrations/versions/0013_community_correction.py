"""community correction: enrolment particulars, subject events, the district's settings

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00

Subjects gain what enrolment (入矫) copies from the court's decision (the
offence, the sentence, the court and judgment, the decision's day), the
supervision level (严管 / 普管 / 宽管; existing subjects are 普管), the days
of the entry and release announcements and the correction team.
``subject_events`` holds everything that happens to a subject afterwards,
one row per event, scoped like its subject. The district row gains the
correction settings (``NULL``: the defaults).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBJECT_TEXT = ("offence", "sentence", "court", "judgment_number")
_SUBJECT_DAYS = ("decided_on", "enrolled_on", "released_on")


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        for name in _SUBJECT_TEXT:
            batch.add_column(
                sa.Column(
                    name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
                )
            )
        for name in _SUBJECT_DAYS:
            batch.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "supervision_level", sa.String(length=40), nullable=False, server_default="normal"
            )
        )
        batch.add_column(sa.Column("team", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "subject_events",
        sa.Column("scope_unit_id", sa.Uuid(), nullable=True),
        sa.Column("scope_officer_id", sa.Uuid(), nullable=True),
        sa.Column("scope_work", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("field_versions", sa.JSON(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subject_events") as batch:
        batch.create_index("ix_subject_events_scope_unit_id", ["scope_unit_id"])
        batch.create_index("ix_subject_events_subject_id", ["subject_id"])
        batch.create_index("ix_subject_events_version", ["version"])
        batch.create_index("ix_subject_events_kind_occurred_on", ["kind", "occurred_on"])
        for name in ("request_id", "scope_officer_id"):
            batch.create_index(
                f"ix_subject_events_{name}",
                [name],
                postgresql_where=sa.column(name).is_not(None),
                sqlite_where=sa.column(name).is_not(None),
            )
    with op.batch_alter_table("district") as batch:
        batch.add_column(sa.Column("correction_settings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("district") as batch:
        batch.drop_column("correction_settings")
    op.drop_table("subject_events")
    with op.batch_alter_table("subjects") as batch:
        for name in ("team", "supervision_level", *_SUBJECT_DAYS, *_SUBJECT_TEXT):
            batch.drop_column(name)
