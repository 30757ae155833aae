"""community correction: enrolment particulars and subject events

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00

The same as the district database's revision 0013: subjects gain the
court's particulars (offence, sentence, court, judgment number and day:
ciphertext), the correction team (ciphertext of its JSON), the supervision
level and the days of the entry and release announcements (plain: the due
lists select by them); ``subject_events`` holds each event, its content
ciphertext; the device's state keeps the district's correction settings as
last fetched. Subjects already on the device get the empty values the server
gives them, sealed with the data key the app passes
(``config.attributes["cipher"]``), as revision 0004 does.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEALED_EMPTY = {
    "offence": "",
    "sentence": "",
    "court": "",
    "judgment_number": "",
    "team": "[]",
}
"""New personal columns that hold a value on every row, and the plaintext
the codec seals for the server's empty value (``team``: its JSON)."""


def _seal_existing(connection: Any) -> None:
    rows = connection.exec_driver_sql("SELECT id FROM subjects").fetchall()
    if not rows:
        return
    cipher = context.config.attributes.get("cipher")
    if cipher is None:
        raise RuntimeError(
            "local revision 0006 seals values of stored subjects and needs the data key: "
            "open the data through the app (open_local_data), not bare migrate()"
        )
    for field, plain in _SEALED_EMPTY.items():
        updates = [
            (cipher.encrypt_text(plain, f"subjects.{field}.{UUID(hex=stored_id)}"), stored_id)
            for (stored_id,) in rows
        ]
        connection.exec_driver_sql(
            f'UPDATE subjects SET "{field}" = ? WHERE id = ?',  # noqa: S608
            updates,
        )


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        for name in ("offence", "sentence", "court", "judgment_number"):
            batch.add_column(
                sa.Column(
                    name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
                )
            )
        batch.add_column(sa.Column("decided_on", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "supervision_level", sa.String(length=40), nullable=False, server_default="normal"
            )
        )
        batch.add_column(sa.Column("enrolled_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("released_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("team", sa.Text(), nullable=False, server_default=""))
    _seal_existing(op.get_bind())
    op.create_table(
        "subject_events",
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subject_events") as batch:
        batch.create_index("ix_subject_events_subject_id", ["subject_id"])
        batch.create_index("ix_subject_events_request_id", ["request_id"])
        batch.create_index("ix_subject_events_version", ["version"])
    with op.batch_alter_table("device_state") as batch:
        batch.add_column(sa.Column("correction_settings", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("correction_settings_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("device_state") as batch:
        batch.drop_column("correction_settings_at")
        batch.drop_column("correction_settings")
    op.drop_table("subject_events")
    with op.batch_alter_table("subjects") as batch:
        for name in (
            "team",
            "released_on",
            "enrolled_on",
            "supervision_level",
            "decided_on",
            "judgment_number",
            "court",
            "sentence",
            "offence",
        ):
            batch.drop_column(name)
