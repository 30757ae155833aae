"""Who may read a blob, quotas and collection (docs/security.md "Blobs"),
through the HTTP API and the ``collect-blobs`` command, on both databases."""

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.blobs.files import FileBlobStore
from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from sync_server.services.blobs.collection import collect_blobs
from sync_server.tables import AuditEntry, BlobClaim
from tests.factories import District, mutation
from tests.sync_server.conftest import Device
from tests.sync_server.test_blobs import attach, content, held, missing, send_chunk, sha, upload

KIB = 1024


def test_the_same_bytes_from_another_user_must_be_sent_again(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    mediator = device_for("mediator.baijia")
    data = content(10_000, seed=3)
    sha256 = upload(client, mediator, data)
    attach(mediator, district, sha256, len(data))

    supervisor = device_for("supervisor.baijia")
    assert missing(client, supervisor, [sha256]) == [sha256]
    assert held(client, supervisor, sha256) == (404, 0)
    nothing = send_chunk(client, supervisor, sha256, 0, len(data), b"")
    assert (nothing.status_code, nothing.headers["Upload-Offset"]) == (204, "0")
    # The supervisor reads it through the mediator's record all the same.
    assert client.get(f"/api/v1/blobs/{sha256}", headers=supervisor.headers).content == data

    assert upload(client, supervisor, data) == sha256
    assert held(client, supervisor, sha256) == (200, len(data))
    with Session(engine) as session:
        claims = session.exec(select(BlobClaim).where(col(BlobClaim.sha256) == sha256)).all()
        assert {str(c.user_id) for c in claims} == {mediator.user["id"], supervisor.user["id"]}
        stored = session.exec(select(AuditEntry).where(AuditEntry.action == "blob_stored")).all()
        assert len(stored) == 2
    # Stored once.
    assert FileBlobStore(client.app.state.blob_store.root).stored_size(sha256) == len(data)  # type: ignore[attr-defined]


def test_a_record_naming_a_hash_its_author_never_sent_opens_nothing(
    client: TestClient, device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    data = content(5000, seed=4)
    sha256 = upload(client, mediator, data)
    # The supervisor of the same office names the hash in a record of their own.
    supervisor = device_for("supervisor.baijia")
    attach(supervisor, district, sha256, len(data))
    answer = client.get(f"/api/v1/blobs/{sha256}", headers=supervisor.headers)
    assert answer.status_code == 404
    # Once the uploader's own record names it, it is readable in its scope.
    attach(mediator, district, sha256, len(data))
    assert client.get(f"/api/v1/blobs/{sha256}", headers=supervisor.headers).content == data


def small_quota_client(engine: Engine, tmp_path: Path, db_url: str) -> TestClient:
    settings = ServerSettings(
        db=db_url,
        blobs=tmp_path / "small",
        blob_unreferenced_quota_device_bytes=100 * KIB,
        blob_unreferenced_quota_user_bytes=110 * KIB,
        blob_daily_quota_device_bytes=400 * KIB,
        blob_daily_quota_user_bytes=1000 * KIB,
    )
    return TestClient(create_app(settings, engine))


def test_quotas_refuse_with_a_message_and_free_up_when_records_use_the_bytes(
    engine: Engine, district: District, tmp_path: Path, db_url: str
) -> None:
    with small_quota_client(engine, tmp_path, db_url) as client:
        phone = Device(client, "mediator.baijia", "quota-phone")
        first = content(60 * KIB, seed=10)
        second = content(60 * KIB, seed=11)
        # Chunks of one upload reserve its length once.
        sha1 = sha(first)
        assert send_chunk(client, phone, sha1, 0, len(first), first[:KIB]).status_code == 204
        assert send_chunk(client, phone, sha1, KIB, len(first), first[KIB:]).status_code == 201

        refused = send_chunk(client, phone, sha(second), 0, len(second), second)
        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["code"] == "QUOTA_EXCEEDED"
        assert error["details"] == {
            "quota": "device_unreferenced",
            "limit_bytes": 100 * KIB,
            "used_bytes": 60 * KIB,
            "blob_bytes": 60 * KIB,
        }
        assert "no record uses" in error["message"]
        assert held(client, phone, sha(second)) == (404, 0)

        attach(phone, district, sha1, len(first))
        assert upload(client, phone, second) == sha(second)

        other_phone = Device(client, "mediator.baijia", "quota-phone-2")
        third = content(60 * KIB, seed=12)
        refused = send_chunk(client, other_phone, sha(third), 0, len(third), third)
        assert refused.json()["error"]["details"]["quota"] == "user_unreferenced"

        attach(phone, district, sha(second), len(second))
        for seed in range(20, 30):
            data = content(60 * KIB, seed=seed)
            answer = send_chunk(client, phone, sha(data), 0, len(data), data)
            if answer.status_code != 201:
                break
            attach(phone, district, sha(data), len(data))
        assert answer.json()["error"]["details"]["quota"] == "device_daily"
        assert "24 hours" in answer.json()["error"]["message"]


def test_collection_expires_idle_uploads_and_unneeded_blobs(
    client: TestClient,
    device_for: Any,
    district: District,
    engine: Engine,
    settings: ServerSettings,
) -> None:
    phone = device_for("mediator.baijia")
    partial = content(20_000, seed=30)
    assert (
        send_chunk(client, phone, sha(partial), 0, len(partial), partial[:5000]).status_code == 204
    )
    kept, unused = content(3000, seed=31), content(3000, seed=32)
    deleted = content(3000, seed=33)
    for data in (kept, unused, deleted):
        upload(client, phone, data)
    attach(phone, district, sha(kept), len(kept))
    attachment_id, version = attach(phone, district, sha(deleted), len(deleted))
    [gone] = phone.push([mutation("attachments", attachment_id, op="delete", base_version=version)])
    assert gone["status"] == "applied"
    store = FileBlobStore(settings.blobs)

    soon = collect_blobs(engine, store, settings, datetime.now(UTC) + timedelta(hours=1))
    assert (soon.expired_uploads, soon.released_claims, soon.deleted) == (0, 0, [])

    # A deleted record keeps its blob for the grace period after the deletion.
    later = datetime.now(UTC) + timedelta(days=settings.blob_grace_days + 1)
    _age(settings.blobs, days=settings.blob_grace_days + 2)
    done = collect_blobs(engine, store, settings, later)
    assert (done.expired_uploads, done.expired_bytes) == (1, 5000)
    assert sorted(done.deleted) == sorted([sha(unused), sha(deleted)])
    assert held(client, phone, sha(partial)) == (404, 0)
    assert missing(client, phone, [sha(kept), sha(unused)]) == [sha(unused)]
    assert client.get(f"/api/v1/blobs/{sha(kept)}", headers=phone.headers).content == kept
    # A collected blob can be sent again.
    assert upload(client, phone, unused) == sha(unused)


def _age(root: Path, days: int) -> None:
    """Make every file of the store look ``days`` older (the grace period runs
    on the files' times as well as on the database's)."""
    past = time.time() - days * 86_400
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def test_an_upload_being_written_is_not_expired(settings: ServerSettings, engine: Engine) -> None:
    store = FileBlobStore(settings.blobs)
    owner = uuid.uuid4().hex
    data = content(1000, seed=40)
    writing = store.begin(owner, sha(data), 0, len(data))
    writing.write(data[:500])
    _age(settings.blobs, days=10)
    done = collect_blobs(engine, store, settings, datetime.now(UTC) + timedelta(days=10))
    assert done.expired_uploads == 0
    writing.write(data[500:])
    assert writing.finish().complete


def test_collect_blobs_command_reports_and_audits(
    client: TestClient, device_for: Any, db_url: str, engine: Engine, settings: ServerSettings
) -> None:
    phone = device_for("mediator.baijia")
    upload(client, phone, content(2000, seed=50))
    result = CliRunner().invoke(
        app,
        ["admin", "collect-blobs", "--db", db_url, "--blobs", str(settings.blobs)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "deleted 0 blobs" in result.output
    with Session(engine) as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "blobs_collected"))
        assert entry.detail["deleted"] == []
