"""``lastmile admin blobs move``: every blob from the folder to a bucket of a
real S3-protocol server and back, every hash verified, resumable, bounded."""

import hashlib
import random
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.blobs.files import FileBlobStore
from sync_server.blobs.open import open_blob_store
from sync_server.blobs.s3 import S3BlobStore
from sync_server.blobs.store import BlobStore
from sync_server.services.blobs.move import MOVER, move_blobs
from tests.blob_stores import S3_KEY_ID, S3_REGION, S3_SECRET, S3Server, new_bucket
from tests.blob_stores import s3_server as s3_server

runner = CliRunner()
OWNER = "ab" * 16


def put(store: BlobStore, data: bytes) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    upload = store.begin(OWNER, sha256, 0, len(data))
    upload.write(data)
    assert upload.finish().complete
    return sha256


def served(store: BlobStore, sha256: str) -> bytes:
    content = store.open(sha256)
    assert content is not None
    with content.stream:
        data: bytes = content.stream.read()
    return data


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> S3BlobStore:
    """The endpoint and keys in the environment, as an operator sets them;
    an empty bucket."""
    monkeypatch.setenv("LASTMILE_S3_ENDPOINT", s3_server.endpoint)
    monkeypatch.setenv("LASTMILE_S3_REGION", S3_REGION)
    monkeypatch.setenv("LASTMILE_S3_ACCESS_KEY_ID", S3_KEY_ID)
    monkeypatch.setenv("LASTMILE_S3_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("LASTMILE_DB", f"sqlite:///{tmp_path / 'unused.db'}")
    store = open_blob_store(s3_server.settings(new_bucket(), s3_prefix="district-7/"))
    assert isinstance(store, S3BlobStore)
    return store


def move(source: str, target: str, *more: str) -> Any:
    return runner.invoke(app, ["admin", "blobs", "move", "--from", source, "--to", target, *more])


def test_move_copies_verifies_resumes_and_reports(s3_env: S3BlobStore, tmp_path: Path) -> None:
    folder = FileBlobStore(tmp_path / "blobs")
    blobs = [random.Random(n).randbytes(n * 700_001 % 3_000_000 + 1) for n in range(5)]
    hashes = [put(folder, data) for data in blobs]
    bucket = f"s3://{s3_env.bucket}/{s3_env.prefix}"

    # An earlier run was cut off half-way through one blob.
    half = s3_env.begin(MOVER, hashes[0], 0, len(blobs[0]))
    half.write(blobs[0][: len(blobs[0]) // 2])
    half.abandon(keep=True)

    first = move(str(tmp_path / "blobs"), bucket, "--max-blobs", "2")
    assert first.exit_code == 3, first.output
    assert "2 copied" in first.output
    rest = move(str(tmp_path / "blobs"), bucket)
    assert rest.exit_code == 0, rest.output
    assert "3 copied" in rest.output
    assert "2 already there and verified, 0 failed" in rest.output
    for sha256, data in zip(hashes, blobs, strict=True):
        assert served(s3_env, sha256) == data
    assert list(s3_env.partials()) == []
    assert S3_SECRET not in first.output + rest.output

    again = move(str(tmp_path / "blobs"), bucket)
    assert again.exit_code == 0
    assert "0 copied (0 bytes), 5 already there and verified, 0 failed" in again.output

    back = move(bucket, str(tmp_path / "back"))
    assert back.exit_code == 0, back.output
    assert sorted(blob.sha256 for blob in FileBlobStore(tmp_path / "back").blobs()) == sorted(
        hashes
    )


def test_a_damaged_blob_is_reported_never_copied(s3_env: S3BlobStore, tmp_path: Path) -> None:
    folder = FileBlobStore(tmp_path / "blobs")
    good = put(folder, b"good bytes")
    bad = put(folder, b"bytes that will rot")
    folder.blob_path(bad).write_bytes(b"bytes that did rot!")

    report = move_blobs(folder, s3_env)
    assert (report.copied, report.present) == (1, 0)
    assert report.failed == {bad: "the source's bytes do not hash to the name"}
    assert served(s3_env, good) == b"good bytes"
    assert s3_env.stored_size(bad) is None

    result = move(str(tmp_path / "blobs"), f"s3://{s3_env.bucket}/{s3_env.prefix}")
    assert result.exit_code == 1
    assert f"FAILED {bad}" in result.output


def test_move_refuses_hostile_locations(s3_env: S3BlobStore, tmp_path: Path) -> None:
    """A bucket or prefix is checked before it names anything."""
    for target in ("s3://../x", "s3://Bucket_Name/", "s3://bucket/../../", "s3://bucket/a/../"):
        result = move(str(tmp_path / "blobs"), target)
        assert result.exit_code == 2, (target, result.output)
