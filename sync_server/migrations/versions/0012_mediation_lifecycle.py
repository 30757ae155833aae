"""the mediation lifecycle: case documents, case numbers

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00

A case's forms (application, acceptance, notices, records, agreement
registrations, follow-ups, closing, archiving, referrals) are rows of one
synced table, ``case_documents``, whose ``content`` holds the form of its
kind. Cases gain the number the server gives at acceptance
(``case_number``), drawn from ``case_number_counters`` (one row per unit
and year). The status ``intake`` is now ``accepted``: devices rename it in
their own data too (local revision 0005), so no version moves. Cases
opened before keep no number until their acceptance is registered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("scope_unit_id", sa.Uuid(), nullable=True),
        sa.Column("scope_officer_id", sa.Uuid(), nullable=True),
        sa.Column("scope_work", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("field_versions", sa.JSON(), nullable=False),
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
    with op.batch_alter_table("case_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_documents_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_documents_scope_unit_id"), ["scope_unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_documents_version"), ["version"], unique=False)
        batch_op.create_index(
            "ix_case_documents_scope_officer_id",
            ["scope_officer_id"],
            unique=False,
            postgresql_where=sa.text("scope_officer_id IS NOT NULL"),
            sqlite_where=sa.text("scope_officer_id IS NOT NULL"),
        )
    op.create_table(
        "case_number_counters",
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org_unit_id", "year"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("case_number", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    op.execute("UPDATE cases SET status = 'accepted' WHERE status = 'intake'")


def downgrade() -> None:
    op.execute("UPDATE cases SET status = 'intake' WHERE status = 'accepted'")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("case_number")
    op.drop_table("case_number_counters")
    with op.batch_alter_table("case_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_case_documents_scope_officer_id")
        batch_op.drop_index(batch_op.f("ix_case_documents_version"))
        batch_op.drop_index(batch_op.f("ix_case_documents_scope_unit_id"))
        batch_op.drop_index(batch_op.f("ix_case_documents_case_id"))
    op.drop_table("case_documents")
