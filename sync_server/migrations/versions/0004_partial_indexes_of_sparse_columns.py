"""index sparse columns only where set

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:40:00

Most visits are a case's sessions: no subject, no agreement, no officer;
``scope_officer_id`` is NULL on every table except on an officer's
subjects and what hangs off them. The full indexes held an entry for each
NULL, upkeep on every insert that no query reads (a fifth of an INSERT of
20,000 such visits, a seventh of writing them by COPY as a push does):
the server looks these columns up by value only, which implies ``IS NOT
NULL``, so the partial indexes still serve it. The names stay, and a
downgrade restores the full indexes as they were.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SPARSE: tuple[tuple[str, str], ...] = (
    ("agreements", "scope_officer_id"),
    ("attachments", "scope_officer_id"),
    ("cases", "scope_officer_id"),
    ("conflicts", "scope_officer_id"),
    ("org_units", "scope_officer_id"),
    ("parties", "scope_officer_id"),
    ("reviews", "scope_officer_id"),
    ("subjects", "scope_officer_id"),
    ("users", "scope_officer_id"),
    ("visits", "agreement_id"),
    ("visits", "scope_officer_id"),
    ("visits", "subject_id"),
)
"""(table, column) of each index that now leaves out the rows without a value."""


def _replace(table: str, column: str, partial: bool) -> None:
    name = f"ix_{table}_{column}"
    op.drop_index(name, table_name=table)
    where = sa.text(f"{column} IS NOT NULL") if partial else None
    op.create_index(name, table, [column], postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    for table, column in _SPARSE:
        _replace(table, column, partial=True)


def downgrade() -> None:
    for table, column in _SPARSE:
        _replace(table, column, partial=False)
