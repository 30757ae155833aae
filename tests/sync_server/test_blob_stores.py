"""The blob stores themselves, each test on both: the folder
(``FileBlobStore``) and a bucket of a real S3-protocol server
(``S3BlobStore``; ``tests/blob_stores.py``)."""

import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from sync_server.blobs.files import FileBlobStore
from sync_server.blobs.open import open_blob_store
from sync_server.blobs.store import (
    BlobStoreError,
    ChunkOverrunError,
    HashMismatchError,
    UploadOffsetError,
)
from sync_server.core.config import ServerSettings
from tests.blob_stores import S3_KEY_ID, S3_SECRET, S3Server, StoreUnderTest, new_bucket
from tests.blob_stores import s3_server as s3_server
from tests.blob_stores import store_under_test as store_under_test
from tests.sync_server.test_blobs import content, sha

REPO_ROOT = Path(__file__).resolve().parents[2]
OWNER = "0123456789abcdef0123456789abcdef"
"""An upload owner of the store tests (the API uses the user's id)."""


def no_uploads(sut: StoreUnderTest, owner: str = OWNER) -> bool:
    """Nothing of ``owner``'s is left in progress."""
    return not [held for held in sut.store.partials() if held.owner == owner]


def test_store_publishes_a_blob_once_it_is_whole(store_under_test: StoreUnderTest) -> None:
    store = store_under_test.store
    data = content(10_000)
    sha256 = sha(data)
    upload = store.begin(OWNER, sha256, 0, len(data))
    upload.write(data[:4000])
    assert store.held(OWNER, sha256) == 4000
    assert store.stored_size(sha256) is None
    upload.write(data[4000:])
    progress = upload.finish()
    assert (progress.offset, progress.complete) == (len(data), True)

    assert no_uploads(store_under_test)
    assert store.stored_size(sha256) == len(data)
    assert store.held(OWNER, sha256) == 0
    opened = store.open(sha256)
    assert opened is not None
    with opened.stream:
        assert (opened.size, opened.stream.read()) == (len(data), data)
    # The same bytes sent again (by anyone) are received whole, verified,
    # and kept once: the store never answers "I have these already".
    again = store.begin("f" * 32, sha256, 0, len(data))
    again.write(data)
    assert again.finish().complete
    assert no_uploads(store_under_test, "f" * 32)
    assert store.stored_size(sha256) == len(data)
    assert [blob.sha256 for blob in store.blobs()] == [sha256]


def test_file_store_fans_blobs_out(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    data = content(100)
    upload = store.begin(OWNER, sha(data), 0, len(data))
    upload.write(data)
    assert upload.finish().complete
    assert (tmp_path / sha(data)[:2] / sha(data)[2:4] / sha(data)).read_bytes() == data
    assert list((tmp_path / "partial" / OWNER).iterdir()) == []


def test_store_keeps_or_rolls_back_an_unfinished_chunk(store_under_test: StoreUnderTest) -> None:
    store = store_under_test.store
    data = content(1000)
    sha256 = sha(data)
    first = store.begin(OWNER, sha256, 0, 1000)
    first.write(data[:300])
    progress = first.finish()
    assert (progress.offset, progress.complete) == (300, False)

    dropped = store.begin(OWNER, sha256, 300, 1000)
    dropped.write(data[300:500])
    dropped.abandon(keep=True)
    dropped.abandon(keep=False)  # already ended: changes nothing
    assert store.held(OWNER, sha256) == 500

    refused = store.begin(OWNER, sha256, 500, 1000)
    refused.write(data[500:700])
    refused.write(data[700:900])
    refused.abandon(keep=False)
    assert store.held(OWNER, sha256) == 500

    with pytest.raises(UploadOffsetError) as wrong:
        store.begin(OWNER, sha256, 0, 1000)
    assert (wrong.value.held, wrong.value.busy) == (500, False)

    last = store.begin(OWNER, sha256, 500, 1000)
    with pytest.raises(ChunkOverrunError):
        last.write(data[500:] + b"!")
    last.write(data[500:])
    assert last.finish().complete
    opened = store.open(sha256)
    assert opened is not None
    with opened.stream:
        assert opened.stream.read() == data


def test_store_forgets_an_upload_rolled_back_to_nothing(store_under_test: StoreUnderTest) -> None:
    store = store_under_test.store
    sha256 = sha(b"abc")
    upload = store.begin(OWNER, sha256, 0, 3)
    upload.write(b"ab")
    upload.abandon(keep=False)
    assert no_uploads(store_under_test)
    with pytest.raises(UploadOffsetError):
        store.begin(OWNER, sha256, 2, 3)
    assert no_uploads(store_under_test)


def test_store_discards_content_that_does_not_match(store_under_test: StoreUnderTest) -> None:
    store = store_under_test.store
    sha256 = sha(b"expected")
    upload = store.begin(OWNER, sha256, 0, 8)
    upload.write(b"received")
    with pytest.raises(HashMismatchError):
        upload.finish()
    assert store.held(OWNER, sha256) == 0
    assert store.stored_size(sha256) is None
    assert no_uploads(store_under_test)


def test_store_survives_a_crash_before_publishing(
    store_under_test: StoreUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_under_test.store
    data = content(3000)
    sha256 = sha(data)
    upload = store.begin(OWNER, sha256, 0, 3000)
    upload.write(data)

    with monkeypatch.context() as patched:
        store_under_test.power_cut(patched)
        with pytest.raises(OSError, match="simulated crash"):
            upload.finish()
    assert store.stored_size(sha256) is None
    assert store.open(sha256) is None
    assert store.held(OWNER, sha256) == 3000

    retry = store.begin(OWNER, sha256, 3000, 3000)  # the lock was released
    assert retry.finish().complete
    assert store.stored_size(sha256) == 3000


def test_two_stores_on_one_backing_take_turns(store_under_test: StoreUnderTest) -> None:
    one, two = store_under_test.store, store_under_test.another()
    data = content(100)
    sha256 = sha(data)
    upload = one.begin(OWNER, sha256, 0, 100)
    upload.write(data[:40])
    with pytest.raises(UploadOffsetError) as busy:
        two.begin(OWNER, sha256, 0, 100)
    assert (busy.value.held, busy.value.busy) == (40, True)
    upload.write(data[40:])
    assert upload.finish().complete
    assert two.stored_size(sha256) == 100


HOLDER = """
import sys
from tests.blob_stores import store_from_spec

upload = store_from_spec(sys.argv[1]).begin(sys.argv[2], sys.argv[3], 0, 10)
upload.write(b"01234")
print("holding", flush=True)
sys.stdin.readline()
upload.finish()
"""


def test_an_upload_held_by_another_process_is_busy(store_under_test: StoreUnderTest) -> None:
    store = store_under_test.store
    sha256 = sha(b"0123456789")
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, store_under_test.spec, OWNER, sha256],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "holding"
            with pytest.raises(UploadOffsetError) as busy:
                store.begin(OWNER, sha256, 5, 10)
            assert (busy.value.held, busy.value.busy) == (5, True)
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.wait(timeout=30) == 0
        finally:
            if holder.poll() is None:
                holder.kill()
    upload = store.begin(OWNER, sha256, 5, 10)
    upload.write(b"56789")
    assert upload.finish().complete


def test_store_refuses_names_that_are_not_hashes(store_under_test: StoreUnderTest) -> None:
    """A name or owner becomes a path or an object key: nothing but hex gets there."""
    store = store_under_test.store
    for name in ("../../etc/passwd", "A" * 64, "a" * 63, "a" * 63 + "/", "../blobs/" + "a" * 55):
        with pytest.raises(ValueError, match="64 lowercase hex"):
            store.stored_size(name)
        with pytest.raises(ValueError, match="64 lowercase hex"):
            store.begin(OWNER, name, 0, 1)
        with pytest.raises(ValueError, match="64 lowercase hex"):
            store.open(name)
    for owner in ("../../etc", "A" * 32, "a" * 31, "a" * 31 + "/"):
        with pytest.raises(ValueError, match="32 lowercase hex"):
            store.begin(owner, sha(b"1"), 0, 1)
        with pytest.raises(ValueError, match="32 lowercase hex"):
            store.held(owner, sha(b"1"))


def test_store_expires_idle_uploads_of_any_owner(store_under_test: StoreUnderTest) -> None:
    store = store_under_test.store
    idle = store.begin(OWNER, sha(b"idle"), 0, 4)
    idle.write(b"id")
    idle.finish()
    busy = store.begin("f" * 32, sha(b"busy"), 0, 4)
    busy.write(b"bu")
    past = datetime.now(UTC) + timedelta(days=3)
    found = {(held.owner, held.sha256, held.size) for held in store.partials()}
    assert found == {(OWNER, sha(b"idle"), 2), ("f" * 32, sha(b"busy"), 2)}
    recently = datetime.now(UTC) - timedelta(days=1)
    assert store.expire_partial(OWNER, sha(b"idle"), recently) is None  # written since
    assert store.expire_partial(OWNER, sha(b"idle"), past) == 2
    assert store.expire_partial("f" * 32, sha(b"busy"), past) is None  # being written
    assert store.expire_partial(OWNER, sha(b"idle"), past) is None  # gone already
    assert [held.sha256 for held in store.partials()] == [sha(b"busy")]
    busy.abandon(keep=True)


def test_file_store_expires_uploads_of_the_old_layout(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    old_layout = tmp_path / "partial" / sha(b"old")
    old_layout.write_bytes(b"ol")
    assert {(held.owner, held.sha256) for held in store.partials()} == {("", sha(b"old"))}
    assert store.expire_partial("", sha(b"old"), datetime.now(UTC) + timedelta(days=1)) == 2
    assert list(store.partials()) == []


def test_store_deletes_a_blob_only_when_old_and_unclaimed(store_under_test: StoreUnderTest) -> None:
    store = store_under_test.store
    data = content(500)
    upload = store.begin(OWNER, sha(data), 0, len(data))
    upload.write(data)
    assert upload.finish().complete
    later = datetime.now(UTC) + timedelta(days=1)
    asked: list[str] = []

    def unclaimed() -> bool:
        """An upload of the same bytes claimed them just now."""
        asked.append("unclaimed?")
        return False

    assert [blob.sha256 for blob in store.blobs()] == [sha(data)]
    assert store.delete_blob(sha(data), datetime.now(UTC) - timedelta(days=1), lambda: True) == 0
    assert store.delete_blob(sha(data), later, unclaimed) == 0
    assert asked == ["unclaimed?"]  # asked at the last moment, under the lock
    assert store.delete_blob(sha(data), later, lambda: True) == len(data)
    assert store.stored_size(sha(data)) is None
    assert store.delete_blob(sha(data), later, lambda: True) == 0


def test_store_is_ready_when_reachable(store_under_test: StoreUnderTest) -> None:
    store_under_test.store.ready()


def test_object_store_settings_are_checked_and_keep_their_secret(
    s3_server: S3Server, caplog: pytest.LogCaptureFixture
) -> None:
    """A misconfigured store stops the server at start; the credentials show
    in no repr, no error and no log line of a whole upload."""
    with pytest.raises(ValidationError, match="s3_bucket"):
        ServerSettings(blob_store="s3")
    for field, value in (
        ("s3_prefix", "../other-district/"),
        ("s3_prefix", "no-slash"),
        ("s3_bucket", "Bucket_Name"),
        ("s3_endpoint", "ftp://minio"),
        ("s3_endpoint", "https://user:pw@minio"),
    ):
        with pytest.raises(ValidationError, match=field):
            ServerSettings(blob_store="s3", **{"s3_bucket": "lastmile", field: value})
    settings = s3_server.settings(new_bucket())
    store = open_blob_store(settings)
    caplog.set_level(logging.INFO)
    upload = store.begin(OWNER, sha(b"x" * 10), 0, 10)
    upload.write(b"x" * 10)
    assert upload.finish().complete
    missing = open_blob_store(settings.model_copy(update={"s3_bucket": "lastmile-nowhere"}))
    with pytest.raises(BlobStoreError) as unreachable:
        missing.ready()
    shown = repr(settings) + repr(store) + str(unreachable.value) + caplog.text
    assert S3_SECRET not in shown
    assert S3_KEY_ID not in shown


def test_without_conditional_writes_uploads_stay_verified(s3_server: S3Server) -> None:
    """``s3_upload_locks = false``: two requests for one upload are not told
    "busy", and still only bytes that hash to the name are published."""
    store = open_blob_store(s3_server.settings(new_bucket(), s3_upload_locks=False))
    data = content(3000)
    one = store.begin(OWNER, sha(data), 0, 3000)
    two = store.begin(OWNER, sha(data), 0, 3000)
    one.write(data[:1000])
    two.write(b"\0" * 1000)  # the same offset, other bytes
    two.abandon(keep=True)
    one.write(data[1000:])
    with pytest.raises(HashMismatchError):
        one.finish()
    assert store.stored_size(sha(data)) is None
    again = store.begin(OWNER, sha(data), 0, 3000)
    again.write(data)
    assert again.finish().complete
    assert [blob.sha256 for blob in store.blobs()] == [sha(data)]
