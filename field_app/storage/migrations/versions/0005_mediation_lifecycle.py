"""the mediation lifecycle: case documents, case numbers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 10:00:00

The same changes the district database makes in its revision 0012: the
forms of a case are rows of ``case_documents`` (``content`` and
``signatures`` hold ciphertext, like every personal field:
``storage/personal.py``), cases gain the number the server gives them, and
the status ``intake`` is now ``accepted`` (the server renames it in its
rows without a new version, so the device renames its own, in the rows
and in unsent changes alike). A case's number, follow-up date and closing
time are the server's now: unsent changes of a case drop them (a creation
sent them empty), or the server would refuse the change.
"""

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("signatures", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_documents_case_id", "case_documents", ["case_id"], unique=False)
    op.create_index("ix_case_documents_version", "case_documents", ["version"], unique=False)
    op.add_column("cases", sa.Column("case_number", sa.String(length=200), nullable=True))
    op.execute("UPDATE cases SET status = 'accepted' WHERE status = 'intake'")
    _clean_unsent_cases(op.get_bind(), context.config.attributes.get("cipher"))


_SERVER_FIELDS = ("case_number", "follow_up_due", "closed_at")


def _clean_unsent_cases(connection: Any, cipher: Any) -> None:
    """Unsent changes of cases: ``intake`` becomes ``accepted``, and fields
    only the server sets now are left out (``outbox.fields`` is the JSON of
    the change, sealed as ``Outbox`` seals it)."""
    rows = connection.exec_driver_sql(
        "SELECT seq, mutation_id, fields FROM outbox WHERE table_name = 'cases'"
    ).fetchall()
    if rows and cipher is None:
        raise RuntimeError(
            "local revision 0005 rewrites unsent changes and needs the data key: "
            "open the data through the app (open_local_data), not bare migrate()"
        )
    updates = []
    for seq, mutation_id, sealed in rows:
        where = f"outbox.{_uuid_text(mutation_id)}"
        fields = json.loads(cipher.decrypt_text(sealed, where))
        cleaned = {name: value for name, value in fields.items() if name not in _SERVER_FIELDS}
        if cleaned.get("status") == "intake":
            cleaned["status"] = "accepted"
        if cleaned != fields:
            plain = json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
            updates.append((cipher.encrypt_text(plain, where), seq))
    if updates:
        connection.exec_driver_sql("UPDATE outbox SET fields = ? WHERE seq = ?", updates)


def _uuid_text(stored: Any) -> str:
    """A stored UUID (32 hex digits in SQLite) in its canonical text form."""
    return str(UUID(hex=str(stored).replace("-", "")))


def downgrade() -> None:
    op.execute("UPDATE cases SET status = 'intake' WHERE status = 'accepted'")
    op.drop_column("cases", "case_number")
    op.drop_index("ix_case_documents_version", table_name="case_documents")
    op.drop_index("ix_case_documents_case_id", table_name="case_documents")
    op.drop_table("case_documents")
