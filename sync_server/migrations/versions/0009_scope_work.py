"""every synced row says its line of work (scope_work)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 04:40:00

Reads follow role as well as office: mediators receive only people's
mediation, officers only community correction (``repositories/scope.py``).
A visit, photo, review or conflict belongs to one or the other through its
owner, so, like the other scope columns, the line of work is copied onto
every row. Existing rows get it from their owners here: visits first, then
what hangs off visits.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    "org_units",
    "users",
    "cases",
    "parties",
    "subjects",
    "visits",
    "attachments",
    "agreements",
    "reviews",
    "conflicts",
)


# The statements are built from this module's own table and column names,
# never from input (hence ``noqa: S608``).


def _work_of(kind: str, owner: str) -> str:
    """SQL: the line of work of the record that ``kind`` (a table name
    column) and ``owner`` (an id column) name."""
    return f"""CASE
        WHEN {kind} = 'subjects' THEN 'correction'
        WHEN {kind} = 'visits' THEN COALESCE(
            (SELECT v.scope_work FROM visits v WHERE v.id = {owner}), 'mediation')
        WHEN {kind} = 'attachments' THEN COALESCE(
            (SELECT a.scope_work FROM attachments a WHERE a.id = {owner}), 'mediation')
        WHEN {kind} = 'reviews' THEN COALESCE(
            (SELECT r.scope_work FROM reviews r WHERE r.id = {owner}), 'mediation')
        ELSE 'mediation' END"""  # noqa: S608


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("scope_work", sa.String(length=16), nullable=True))
    for table in ("cases", "parties", "agreements"):
        op.execute(f"UPDATE {table} SET scope_work = 'mediation'")  # noqa: S608
    op.execute("UPDATE subjects SET scope_work = 'correction'")
    op.execute(
        "UPDATE visits SET scope_work = "
        "CASE WHEN subject_id IS NULL THEN 'mediation' ELSE 'correction' END"
    )
    op.execute(f"UPDATE attachments SET scope_work = {_work_of('owner_table', 'owner_id')}")  # noqa: S608
    op.execute(f"UPDATE reviews SET scope_work = {_work_of('target_table', 'target_id')}")  # noqa: S608
    op.execute(f"UPDATE conflicts SET scope_work = {_work_of('table_name', 'record_id')}")  # noqa: S608


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("scope_work")
