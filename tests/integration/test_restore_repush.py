"""A server restored from a backup gets back what phones sent after the
backup (docs/protocol.md, "After a restore"), on SQLite and PostgreSQL:
phones sync, the district is backed up, phones sync more (edits, new
records, a photo), the database is restored into a new one, and the next
syncs leave the server with everything, once, and no edit lost."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from field_app.services.photos import attach_photo
from field_app.storage.blobs import LocalBlobStore
from shared_models.protocol.tables import TableName
from sync_server.blobs.open import open_blob_store
from sync_server.core.audit import verify_audit
from sync_server.services.backup.run import restore_backup, take_backup
from sync_server.tables import ConflictRow
from tests.district_db import pg_admin, sqlalchemy_url
from tests.factories import case_fields
from tests.field_app.services_fixtures import camera_jpeg
from tests.integration.sync_fixtures import (
    BASE_URL,
    Phone,
    Server,
    migrated_local_template,
    running_server,
)

CASES = TableName.CASES


@pytest.fixture
def restored_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """The new, empty database the backup is restored into."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'district.db'}"
        return
    name = f"lastmile_test_{uuid.uuid4().hex[:16]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield sqlalchemy_url(name)
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connect(phone: Phone, server: Server) -> httpx.Client:
    """Point the phone at ``server`` (the same address, a new process)."""
    http = httpx.Client(transport=server.http._transport, base_url=BASE_URL)
    phone.client.http = http
    return http


def test_phones_resend_what_the_restored_server_lost(
    db_url: str, restored_url: str, tmp_path: Path
) -> None:
    (tmp_path / "template").mkdir()
    template = migrated_local_template(tmp_path / "template")
    backup = tmp_path / "backup"
    clients: list[httpx.Client] = []
    with running_server(db_url, tmp_path / "blobs") as server:
        unit = server.district.baijia.id
        mine = Phone(server.http, tmp_path / "mine", template)
        local = LocalBlobStore(tmp_path / "mine" / "blobs", mine.store.cipher, mine.store)
        mine.engine.blobs = local
        colleague = Phone(server.http, tmp_path / "colleague", template)
        mine.login("mediator.baijia")
        colleague.login("mediator.baijia")
        before = mine.save(CASES, case_fields(unit, title="备份前"))
        theirs = colleague.save(CASES, case_fields(unit, title="同事备份前"))
        assert mine.sync().ok
        assert colleague.sync().ok
        assert mine.sync().ok

        take_backup(server.settings, server.engine, open_blob_store(server.settings), backup)

        mine.save(CASES, {"title": "备份后改的"}, before)
        after = mine.save(CASES, case_fields(unit, title="备份后新建"))
        photo = attach_photo(mine.store, local, "cases", after, camera_jpeg((400, 300)), "现场")
        colleague.save(CASES, {"description": "同事备份后改的"}, theirs)
        assert mine.sync().ok
        assert colleague.sync().ok
        assert mine.sync().ok
        district = server.district
        lost = set(server.live(CASES))
    assert {before, after, theirs} <= lost

    restored_settings = server.settings.model_copy(
        update={"db": restored_url, "blobs": tmp_path / "restored-blobs"}
    )
    report = restore_backup(restored_settings, open_blob_store(restored_settings), backup)
    assert report.problems == []
    with running_server(restored_url, tmp_path / "restored-blobs", district=district) as server:
        assert after not in server.live(CASES)  # the backup predates it
        assert server.live(CASES)[before]["title"] == "备份前"
        for phone in (mine, colleague):
            clients.append(connect(phone, server))
        # Written offline after the restore, before the next sync.
        mine.save(CASES, {"description": "恢复后离线改的"}, before)

        first = mine.sync()
        assert first.ok, first.error
        assert first.resynced
        assert first.resent >= 3
        assert colleague.sync().ok
        assert mine.sync().ok

        live = server.live(CASES)
        assert lost <= set(live)
        assert live[before]["title"] == "备份后改的"
        assert live[before]["description"] == "恢复后离线改的"
        assert live[after]["title"] == "备份后新建"
        assert live[theirs]["description"] == "同事备份后改的"
        assert photo.attachment_id in server.live(TableName.ATTACHMENTS)
        answer = server.http.get(
            f"/api/v1/blobs/{photo.photo.sha256}",
            headers={"Authorization": f"Bearer {mine.token}"},
        )
        assert answer.status_code == 200
        assert answer.content == photo.photo.jpeg
        with Session(server.engine) as session:
            assert session.scalar(select(func.count()).select_from(ConflictRow)) == 0
            assert verify_audit(session) == []
        for phone in (mine, colleague):
            assert phone.store.outbox.items() == []
            local_cases = phone.live(CASES)
            assert {key: local_cases[key]["title"] for key in live} == {
                key: value["title"] for key, value in live.items()
            }
        quiet = mine.sync()
        assert (quiet.ok, quiet.resynced, quiet.resent) == (True, False, 0)
    for client in clients:
        client.close()
    for phone in (mine, colleague):
        phone.close()
