"""An app upgrade migrates the device's database in place: records and the
unsynced outbox written by the previous version survive, and search works
for them (the index is rebuilt with the data key the migration lacks)."""

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from field_app.security.aead import DataKeyCipher
from field_app.services import search
from field_app.services.session import open_local_data
from field_app.storage.db import DATABASE_FILE, MIGRATIONS, make_local_engine, migrate
from field_app.storage.personal import context
from shared_models.protocol.tables import TableName
from tests.factories import case_fields

UNIT = uuid.uuid4()
CASE, PARTY, MUTATION = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


def _write_as_version_1(folder: Path, cipher: DataKeyCipher) -> None:
    """Rows exactly as the first release (schema 0001, no search index) wrote them."""
    engine = make_local_engine(folder / DATABASE_FILE)
    migrate(engine, "0001")
    opened = datetime(2026, 11, 20, 1, 0).strftime(SQLITE_TIME)
    queued = datetime(2026, 11, 28, 1, 30).strftime(SQLITE_TIME)
    # As version 1 queued a new case: every field, the server's included.
    outbox_fields = {
        **case_fields(UNIT),
        "title": "煤棚损坏纠纷",
        "status": "intake",
        "follow_up_due": None,
        "closed_at": None,
    }
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (extra, title, category, source, description, status, "
                "org_unit_id, opened_at, id, version, deleted) VALUES ('{}', :title, "
                "'neighbourhood', 'walk_in', :description, 'intake', :unit, :opened, :id, 0, 0)"
            ),
            {
                "title": "煤棚损坏纠纷",
                "description": "邻居翻修时损坏了煤棚",
                "unit": UNIT.hex,
                "opened": opened,
                "id": CASE.hex,
            },
        )
        connection.execute(
            text(
                "INSERT INTO parties (extra, case_id, role, kind, name, address, id, version, "
                "deleted) VALUES ('{}', :case, 'applicant', 'person', :name, :address, :id, 7, 0)"
            ),
            {
                "case": CASE.hex,
                "name": cipher.encrypt_text("张三丰", context("parties", "name", PARTY)),
                "address": cipher.encrypt_text("百家村3号", context("parties", "address", PARTY)),
                "id": PARTY.hex,
            },
        )
        connection.execute(
            text(
                "INSERT INTO outbox (mutation_id, table_name, record_id, op, fields, "
                "client_time, state, attempts) VALUES (:mutation, 'cases', :record, 'upsert', "
                ":fields, :queued, 'pending', 0)"
            ),
            {
                "mutation": MUTATION.hex,
                "record": CASE.hex,
                "fields": cipher.encrypt_text(
                    json.dumps(outbox_fields, ensure_ascii=False), f"outbox.{MUTATION}"
                ),
                "queued": queued,
            },
        )
        connection.execute(
            text(
                "INSERT INTO device_state (id, device_id, server_url, cursor, needs_login) "
                "VALUES (1, 'dev-from-version-1', 'https://district.example', 'c-41', 0)"
            )
        )
    engine.dispose()


def _head() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_upgrade_keeps_records_and_outbox_and_search_finds_old_records(tmp_path: Path) -> None:
    cipher = DataKeyCipher(os.urandom(32))
    _write_as_version_1(tmp_path, cipher)

    data = open_local_data(tmp_path, cipher)  # what the app does at every start
    store = data.store
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == _head()

    case = store.records.get(TableName.CASES, CASE)
    assert case is not None
    assert (case["title"], case["status"], case["org_unit_id"]) == (
        "煤棚损坏纠纷",
        "accepted",  # revision 0005: intake is accepted
        str(UNIT),
    )
    party = store.records.get(TableName.PARTIES, PARTY)
    assert party is not None
    assert (party["name"], party["address"], party["version"]) == ("张三丰", "百家村3号", 7)
    [queued] = store.outbox.items()
    assert (queued.mutation_id, queued.record_id, queued.state) == (MUTATION, CASE, "pending")
    assert queued.fields["title"] == "煤棚损坏纠纷"
    # Revision 0005: the unsent case is accepted, and sends no field the server sets.
    assert queued.fields["status"] == "accepted"
    assert not {"follow_up_due", "closed_at", "case_number"} & set(queued.fields)
    assert queued.client_time.replace(tzinfo=UTC) == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    state = store.device.read()
    assert (state.device_id, state.cursor) == ("dev-from-version-1", "c-41")

    assert [h.record_id for h in search.search(store, "翻修")] == [CASE]
    assert [h.record_id for h in search.search(store, "三丰")] == [PARTY]
    # Revision 0004 encrypted what version 1 wrote in clear, and the purge
    # after the upgrade left no old page of it in the file or the WAL.
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob(f"{DATABASE_FILE}*"))
    for plain in ("煤棚损坏纠纷", "邻居翻修时损坏了煤棚", "翻修", "煤棚"):
        for encoding in ("utf-8", "utf-16-le"):
            assert plain.encode(encoding) not in on_disk, plain
    assert b"neighbourhood" in on_disk  # the scan does see the file

    # The upgraded store goes on as usual: a new edit queues behind the old one.
    store.records.save(TableName.CASES, CASE, {"status": "mediating"})
    [folded] = store.outbox.items()
    assert folded.mutation_id == MUTATION
    assert folded.fields["status"] == "mediating"
    store.engine.dispose()

    reopened = open_local_data(tmp_path, cipher)  # no upgrade this time: no rebuild needed
    assert [h.record_id for h in search.search(reopened.store, "煤棚")] == [CASE]
    reopened.store.engine.dispose()


def test_the_encrypting_revision_refuses_to_run_without_the_data_key(tmp_path: Path) -> None:
    """Bare ``migrate`` (no key) must not leave plain values behind as if done."""
    _write_as_version_1(tmp_path, DataKeyCipher(os.urandom(32)))
    engine = make_local_engine(tmp_path / DATABASE_FILE)
    try:
        with pytest.raises(RuntimeError, match="needs the data key"):
            migrate(engine)
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0003"
    finally:
        engine.dispose()
