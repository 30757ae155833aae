"""full-text search index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:20:00

Search over non-personal text (case titles, descriptions, visit notes) and,
through blind tokens, over encrypted names. Text is tokenised by the app
(Chinese as single characters and pairs), so the index needs no language
support from SQLite beyond FTS5.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "table_name UNINDEXED, record_id UNINDEXED, body, blind, tokenize='unicode61')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE search_index")
