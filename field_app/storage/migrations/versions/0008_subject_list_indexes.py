"""indexes for the officer's subject list

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-07 10:20:00

The subject list (``services/subject_list.py``) reads, per subject, the
last check-in and home visit and the last talk and health report (a
``max`` each), and which leave a subject left on and has not come back
from (a departure with no return answering the same request). Without
these indexes SQLite reads every visit and every event (with their
encrypted notes: tens of megabytes on a phone holding 500 subjects'
histories) each time the list opens; with them each ``max`` is one seek
in an index and no row is read. ``deleted`` is in each index so that the
filter on it needs no row either.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_visits_last_of_kind", "visits", ["kind", "deleted", "subject_id", "started_at"]
    )
    op.create_index(
        "ix_visits_last_of_method",
        "visits",
        ["kind", "method", "deleted", "subject_id", "started_at"],
    )
    op.create_index(
        "ix_subject_events_last_of_kind",
        "subject_events",
        ["kind", "deleted", "subject_id", "occurred_on"],
    )
    op.create_index(
        "ix_subject_events_answers", "subject_events", ["request_id", "kind", "deleted"]
    )


def downgrade() -> None:
    op.drop_index("ix_subject_events_answers", table_name="subject_events")
    op.drop_index("ix_subject_events_last_of_kind", table_name="subject_events")
    op.drop_index("ix_visits_last_of_method", table_name="visits")
    op.drop_index("ix_visits_last_of_kind", table_name="visits")
