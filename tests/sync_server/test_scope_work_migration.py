"""Migration 0009 gives every stored row its line of work (``scope_work``)
from its owner: a check-in, its photo, a review of it and a conflict on the
photo are correction; a case's session and photo, and a conflict on the
case, are mediation. On SQLite and PostgreSQL."""

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command

from sync_server.core.db import make_engine
from sync_server.core.migrate import alembic_config

CHECKIN, SESSION = uuid.uuid4(), uuid.uuid4()
CHECKIN_PHOTO, CASE_PHOTO = uuid.uuid4(), uuid.uuid4()
CHECKIN_REVIEW = uuid.uuid4()
PHOTO_CONFLICT, CASE_CONFLICT = uuid.uuid4(), uuid.uuid4()


def _table(name: str, *columns: str) -> sa.TableClause:
    types: dict[str, Any] = {"field_versions": sa.JSON(), "overwritten_value": sa.JSON()}
    types |= {"current_value": sa.JSON(), "started_at": sa.DateTime(timezone=True)}
    types |= {"deleted": sa.Boolean(), "version": sa.Integer(), "size": sa.Integer()}
    types |= {"overwritten_version": sa.Integer()}
    ids = {"id", "case_id", "subject_id", "owner_id", "target_id", "record_id"}
    return sa.table(
        name,
        *(
            sa.column(c, sa.Uuid() if c in ids else types.get(c, sa.String()))
            for c in ("id", "version", "deleted", "field_versions", *columns)
        ),
    )


def _base(record_id: uuid.UUID) -> dict[str, Any]:
    return {"id": record_id, "version": 1, "deleted": False, "field_versions": {}}


def test_stored_rows_get_the_line_of_work_of_their_owner(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0005")
    engine = make_engine(empty_database)
    visits = _table("visits", "case_id", "subject_id", "kind", "started_at", "notes", "outcome")
    photos = _table(
        "attachments", "owner_table", "owner_id", "kind", "sha256", "size", "mime", "caption"
    )
    reviews = _table("reviews", "target_table", "target_id", "state", "comment")
    conflicts = _table(
        "conflicts",
        "table_name",
        "record_id",
        "field",
        "overwritten_value",
        "current_value",
        "overwritten_version",
        "state",
    )
    at = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    visit = {"kind": "checkin", "started_at": at, "notes": "", "outcome": ""}
    photo = {"kind": "photo", "sha256": "0" * 64, "size": 1, "mime": "image/png", "caption": ""}
    conflict = {"field": "caption", "overwritten_value": "a", "current_value": "b"}
    conflict |= {"overwritten_version": 1, "state": "open"}
    with engine.begin() as connection:
        connection.execute(
            sa.insert(visits),
            [
                {**_base(CHECKIN), **visit, "subject_id": uuid.uuid4(), "case_id": None},
                {**_base(SESSION), **visit, "case_id": uuid.uuid4(), "subject_id": None},
            ],
        )
        connection.execute(
            sa.insert(photos),
            [
                {**_base(CHECKIN_PHOTO), **photo, "owner_table": "visits", "owner_id": CHECKIN},
                {**_base(CASE_PHOTO), **photo, "owner_table": "cases", "owner_id": uuid.uuid4()},
            ],
        )
        connection.execute(
            sa.insert(reviews),
            {
                **_base(CHECKIN_REVIEW),
                "target_table": "visits",
                "target_id": CHECKIN,
                "state": "approved",
                "comment": "",
            },
        )
        connection.execute(
            sa.insert(conflicts),
            [
                {
                    **_base(PHOTO_CONFLICT),
                    **conflict,
                    "table_name": "attachments",
                    "record_id": CHECKIN_PHOTO,
                },
                {
                    **_base(CASE_CONFLICT),
                    **conflict,
                    "table_name": "cases",
                    "record_id": uuid.uuid4(),
                },
            ],
        )

    command.upgrade(config, "head")

    found: dict[uuid.UUID, str] = {}
    with engine.connect() as connection:
        for table in ("visits", "attachments", "reviews", "conflicts"):
            rows = connection.execute(
                sa.select(sa.column("id", sa.Uuid()), sa.column("scope_work")).select_from(
                    sa.table(table)
                )
            )
            found.update({row[0]: row[1] for row in rows})
    engine.dispose()
    assert found == {
        CHECKIN: "correction",
        CHECKIN_PHOTO: "correction",
        CHECKIN_REVIEW: "correction",
        PHOTO_CONFLICT: "correction",
        SESSION: "mediation",
        CASE_PHOTO: "mediation",
        CASE_CONFLICT: "mediation",
    }
