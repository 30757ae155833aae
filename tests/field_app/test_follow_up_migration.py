"""The follow-up columns (``visits.agreement_id``, ``visits.obligation_checks``)
arrive on a device by migration: visits saved before keep their data and
read as "no agreement, no marks" (the district side:
tests/sync_server/test_follow_up_migration.py)."""

import os
import uuid
from pathlib import Path

from sqlalchemy import text

from field_app.security.aead import DataKeyCipher
from field_app.storage.db import DATABASE_FILE, make_local_engine, migrate
from field_app.storage.store import LocalStore
from shared_models.protocol.tables import TableName

VISIT = uuid.uuid4()
CASE = uuid.uuid4()
SQLITE_TIME = "2026-11-28 01:30:00.000000"


def test_a_device_upgrade_keeps_visits_and_gives_them_no_marks(tmp_path: Path) -> None:
    engine = make_local_engine(tmp_path / DATABASE_FILE)
    migrate(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO visits (extra, case_id, kind, started_at, notes, outcome, id, "
                "version, deleted) VALUES ('{}', :case, 'follow_up', :at, '回访', '', :id, 3, 0)"
            ),
            {"case": CASE.hex, "at": SQLITE_TIME, "id": VISIT.hex},
        )

    cipher = DataKeyCipher(os.urandom(32))
    migrate(engine, cipher=cipher)  # through 0004, which encrypts the notes with the key

    visit = LocalStore(engine, cipher).records.get(TableName.VISITS, VISIT)
    assert visit is not None
    assert (visit["notes"], visit["version"]) == ("回访", 3)
    assert visit["agreement_id"] is None
    assert visit["obligation_checks"] == []
    engine.dispose()
