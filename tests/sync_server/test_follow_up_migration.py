"""The district database gains the follow-up columns (``visits.agreement_id``,
``visits.obligation_checks``) by migration 0002: visits stored before keep
their data and read as "no agreement, no marks". On SQLite and PostgreSQL."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session

from shared_models.protocol.tables import TableName
from sync_server.core.db import make_engine
from sync_server.core.migrate import alembic_config
from sync_server.services.sync.records import ROWS, row_to_wire

VISIT = uuid.uuid4()
CASE = uuid.uuid4()

_VISITS_0001 = sa.table(
    "visits",
    sa.column("field_versions", sa.JSON()),
    sa.column("case_id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("notes", sa.String()),
    sa.column("outcome", sa.String()),
    sa.column("id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("deleted", sa.Boolean()),
)
"""The visits table as revision 0001 left it (the columns a row needs)."""


def test_visits_stored_before_the_upgrade_read_as_without_marks(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0001")
    engine = make_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(_VISITS_0001).values(
                field_versions={},
                case_id=CASE,
                kind="follow_up",
                started_at=datetime(2026, 11, 28, 1, 30, tzinfo=UTC),
                notes="回访",
                outcome="",
                id=VISIT,
                version=3,
                deleted=False,
            )
        )

    command.upgrade(config, "head")

    with Session(engine) as session:
        row = session.get(ROWS[TableName.VISITS], VISIT)
        assert row is not None
        wire = row_to_wire(TableName.VISITS, row)
    engine.dispose()
    assert (wire["notes"], wire["version"]) == ("回访", 3)
    assert wire["agreement_id"] is None
    assert wire["obligation_checks"] == []
