"""Blobs on the device: encrypted at rest, content-addressed by the plaintext
hash, written atomically, and uploaded by the sync engine (resumably)."""

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from field_app.security.aead import DataKeyCipher
from field_app.services.attention import refused_blobs
from field_app.services.photos import attach_photo
from field_app.storage.blobs import BlobNotFoundError, LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.sync.blobs import BlobSource
from field_app.sync.status import count_attention
from shared_models.protocol.tables import TableName
from tests.factories import case_fields
from tests.field_app.services_fixtures import camera_jpeg
from tests.integration.sync_fixtures import (
    Phone,
    Server,
    migrated_local_template,
    running_server,
)

DATA = "调解现场照片 — signature bytes ".encode() * 500


@pytest.fixture
def blobs(tmp_path: Path, cipher: DataKeyCipher, store: LocalStore) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", cipher, store)


def test_put_names_the_blob_by_the_plaintext_hash_and_stores_ciphertext(
    blobs: LocalBlobStore, tmp_path: Path
) -> None:
    sha256 = blobs.put(DATA, "image/png")
    assert sha256 == hashlib.sha256(DATA).hexdigest()
    path = tmp_path / "blobs" / sha256[:2] / f"{sha256}.bin"
    assert blobs.path(sha256) == path
    on_disk = path.read_bytes()
    assert DATA[:64] not in on_disk
    assert "调解现场".encode() not in on_disk
    assert blobs.read(sha256) == DATA
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_put_queues_one_upload_per_content(blobs: LocalBlobStore) -> None:
    first = blobs.put(DATA, "image/png")
    again = blobs.put(DATA, "image/png")
    other = blobs.put(b"another blob", "application/pdf")
    assert first == again
    assert sorted(blobs.pending()) == sorted(
        [(first, len(DATA), "image/png"), (other, 12, "application/pdf")]
    )


def test_read_gives_slices_of_the_plaintext_for_resumable_uploads(
    blobs: LocalBlobStore,
) -> None:
    sha256 = blobs.put(DATA, "image/png")
    chunks = [blobs.read(sha256, offset, 1000) for offset in range(0, len(DATA), 1000)]
    assert b"".join(chunks) == DATA
    assert blobs.read(sha256, len(DATA) - 10, 1000) == DATA[-10:]


def test_mark_uploaded_takes_it_off_the_queue_for_good(blobs: LocalBlobStore) -> None:
    sha256 = blobs.put(DATA, "image/png")
    blobs.mark_uploaded(sha256)
    assert blobs.pending() == []
    blobs.put(DATA, "image/png")
    assert blobs.pending() == []
    assert blobs.read(sha256) == DATA


def test_a_blob_moved_to_another_name_or_altered_does_not_decrypt(
    blobs: LocalBlobStore,
) -> None:
    sha_a = blobs.put(b"blob a", "image/png")
    sha_b = blobs.put(b"blob b", "image/png")
    blobs.path(sha_b).write_bytes(blobs.path(sha_a).read_bytes())
    with pytest.raises(ValueError, match="altered"):
        blobs.read(sha_b)
    sealed = bytearray(blobs.path(sha_a).read_bytes())
    sealed[-1] ^= 1
    blobs.path(sha_a).write_bytes(bytes(sealed))
    with pytest.raises(ValueError, match="altered"):
        blobs.read(sha_a)


def test_unknown_or_malformed_names_are_refused(blobs: LocalBlobStore) -> None:
    with pytest.raises(BlobNotFoundError):
        blobs.read("0" * 64)
    for bad in ("../../keystore.json", "A" * 64, "0" * 63):
        with pytest.raises(ValueError, match="SHA-256"):
            blobs.read(bad)


def test_a_failed_write_leaves_no_blob_and_queues_nothing(
    blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        blobs.put(DATA, "image/png")
    assert not blobs.has(hashlib.sha256(DATA).hexdigest())
    assert blobs.pending() == []


def test_thumbnails_are_encrypted_and_never_queued(blobs: LocalBlobStore) -> None:
    sha256 = hashlib.sha256(b"photo").hexdigest()
    blobs.put_thumbnail(sha256, b"tiny preview")
    assert blobs.thumbnail(sha256) == b"tiny preview"
    assert blobs.pending() == []
    assert blobs.thumbnail("1" * 64) is None
    blobs._thumb_path(sha256).write_bytes(b"")  # what a crash may leave: made again later
    assert blobs.thumbnail(sha256) is None


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    with running_server(db_url, tmp_path / "server-blobs") as running:
        yield running


def test_the_sync_engine_uploads_a_photo_from_the_local_blob_store(
    server: Server, tmp_path: Path
) -> None:
    """The store is the engine's BlobSource: the photo reaches the server,
    in small chunks, verified against its hash, and leaves the queue."""
    phone = Phone(
        server.http, tmp_path / "phone", migrated_local_template(tmp_path), chunk_bytes=64_000
    )
    try:
        local = LocalBlobStore(tmp_path / "phone" / "blobs", phone.store.cipher, phone.store)
        source: BlobSource = local  # what mypy checks: the engine's protocol is met
        phone.engine.blobs = source
        phone.login("mediator.baijia")
        case_id = phone.save(TableName.CASES, case_fields(server.district.baijia.id))
        attached = attach_photo(
            phone.store, local, "cases", case_id, camera_jpeg((2000, 1500)), "现场"
        )
        result = phone.sync()
        assert result.ok, result.error
        assert result.uploaded == 1
        assert local.pending() == []
        answer = server.http.get(
            f"/api/v1/blobs/{attached.photo.sha256}",
            headers={"Authorization": f"Bearer {phone.token}"},
        )
        assert answer.status_code == 200
        assert answer.content == attached.photo.jpeg
        assert server.live(TableName.ATTACHMENTS)[attached.attachment_id]["sha256"] == (
            attached.photo.sha256
        )
    finally:
        phone.close()


def test_a_blob_over_quota_waits_for_the_user_with_the_reason(db_url: str, tmp_path: Path) -> None:
    """The server refuses the photo (over quota): the other work syncs, the
    photo is not sent again every round, the user sees why, and "send again"
    offers it to the next round."""
    with running_server(
        db_url, tmp_path / "server-blobs", blob_unreferenced_quota_device_bytes=1000
    ) as server:
        phone = Phone(server.http, tmp_path / "phone", migrated_local_template(tmp_path))
        try:
            local = LocalBlobStore(tmp_path / "phone" / "blobs", phone.store.cipher, phone.store)
            phone.engine.blobs = local
            phone.login("mediator.baijia")
            sha256 = local.put(DATA, "image/png")
            case_id = phone.save(TableName.CASES, case_fields(server.district.baijia.id))

            result = phone.sync()
            assert result.ok, result.error
            assert case_id in server.live(TableName.CASES)
            assert local.pending() == []
            [refused] = refused_blobs(phone.store)
            assert refused.sha256 == sha256
            assert refused.last_error is not None
            assert "quota" in refused.last_error
            assert count_attention(phone.store).needs_attention == 1

            again = phone.sync()
            assert again.ok
            assert again.uploaded == 0
            assert refused_blobs(phone.store)[0].attempts == 1  # not sent again

            local.retry(sha256)
            assert local.pending() == [(sha256, len(DATA), "image/png")]
            assert refused_blobs(phone.store) == []
        finally:
            phone.close()
