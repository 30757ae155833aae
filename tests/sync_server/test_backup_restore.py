"""``lastmile admin backup`` then ``restore`` into a fresh, empty database of
the same kind (SQLite and PostgreSQL): every table's rows, every blob's
hash and the audit log verified; a non-empty target and a changed backup
refused; the restored server has a new sync epoch."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.blobs.files import FileBlobStore
from sync_server.blobs.open import open_blob_store
from sync_server.core.audit import check_audit
from sync_server.core.audit_key import DEFAULT_FILE, load_keyring
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, read_session
from sync_server.core.versions import sync_mark
from sync_server.services.backup.database import counts
from sync_server.services.blobs.move import served_hash
from sync_server.tables import AuditEntry
from tests.blob_stores import S3_SECRET, S3Server, new_bucket
from tests.blob_stores import s3_server as s3_server
from tests.district_db import pg_admin, sqlalchemy_url
from tests.factories import District, case_fields, mutation
from tests.sync_server.test_blob_move import put
from tests.sync_server.test_blobs import attach, content, upload

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch, settings: ServerSettings, tmp_path: Path) -> Path:
    """The district's audit key file, where the commands find it wherever the blobs go."""
    path = tmp_path / DEFAULT_FILE
    monkeypatch.setenv("LASTMILE_AUDIT_KEY", str(path))
    monkeypatch.setenv("LASTMILE_BLOBS", str(settings.blobs))
    return path


@pytest.fixture
def empty_target(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same kind as the district's."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'district.db'}"
        return
    name = f"lastmile_test_{uuid.uuid4().hex[:16]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield sqlalchemy_url(name)
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def a_days_work(client: TestClient, device_for: Any, district: District) -> list[str]:
    """Records, photos and their attachments, and audit entries."""
    device = device_for("mediator.baijia")
    device.push([mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))])
    hashes = []
    for seed in range(3):
        data = content(50_000 + seed, seed=seed)
        sha256 = upload(client, device, data)
        attach(device, district, sha256, len(data))
        hashes.append(sha256)
    return hashes


def test_backup_restores_into_an_empty_database_and_verifies(
    client: TestClient,
    device_for: Any,
    district: District,
    db_url: str,
    engine: Engine,
    settings: ServerSettings,
    keys: Path,
    empty_target: str,
    tmp_path: Path,
) -> None:
    hashes = a_days_work(client, device_for, district)
    backup = tmp_path / "backup-1"
    taken = run("admin", "backup", str(backup), "--db", db_url, "--blobs", str(settings.blobs))
    assert taken.exit_code == 0, taken.output
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["records"] == counts(db_url)
    assert manifest["blobs"]["copied"] is True
    assert manifest["blobs"]["count"] == 3
    assert manifest["database"]["schema_revision"] is not None
    assert manifest["district_root_unit_id"] is not None or "district" not in manifest["records"]
    listed = [json.loads(line) for line in (backup / "blobs.jsonl").read_text().splitlines()]
    assert sorted(entry["sha256"] for entry in listed) == sorted(hashes)

    restored_blobs = tmp_path / "restored" / "blobs"
    args = ("--db", empty_target, "--blobs", str(restored_blobs))
    restored = run("admin", "restore", str(backup), *args)
    assert restored.exit_code == 0, restored.output
    assert "everything the manifest lists is back and verified" in restored.output

    # Every table as the backup had it, plus the restore's own audit entry.
    after = counts(empty_target)
    assert after["audit_log"] == manifest["records"]["audit_log"] + 1
    assert {**after, "audit_log": manifest["records"]["audit_log"]} == manifest["records"]
    store = FileBlobStore(restored_blobs)
    assert sorted(blob.sha256 for blob in store.blobs()) == sorted(hashes)
    assert all(served_hash(store, sha256) == sha256 for sha256 in hashes)
    target = make_engine(empty_target)
    try:
        with read_session(target) as session, read_session(engine) as before:
            assert check_audit(session, load_keyring(keys)).problems == []
            last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()  # type: ignore[union-attr]
            assert last is not None
            assert last.action == "database_restored"
            assert sync_mark(session).epoch != sync_mark(before).epoch
    finally:
        target.dispose()

    again = run("admin", "restore", str(backup), *args)
    assert again.exit_code == 1
    assert "not empty" in again.output


def test_a_changed_or_unfinished_backup_is_refused(
    client: TestClient,
    device_for: Any,
    district: District,
    db_url: str,
    settings: ServerSettings,
    keys: Path,
    empty_target: str,
    tmp_path: Path,
) -> None:
    a_days_work(client, device_for, district)
    backup = tmp_path / "backup-2"
    assert run("admin", "backup", str(backup), "--db", db_url).exit_code == 0
    refused = run("admin", "backup", str(backup), "--db", db_url)
    assert refused.exit_code == 1
    assert "not empty" in refused.output

    manifest = json.loads((backup / "manifest.json").read_text())
    copy = backup / manifest["database"]["file"]
    copy.write_bytes(copy.read_bytes() + b"\0")
    changed = run("admin", "restore", str(backup), "--db", empty_target)
    assert changed.exit_code == 1
    assert "SHA-256 differs" in changed.output
    (backup / "manifest.json").unlink()
    unfinished = run("admin", "restore", str(backup), "--db", empty_target)
    assert unfinished.exit_code == 1
    assert "did not finish" in unfinished.output


def test_a_restore_without_the_audit_key_says_so(
    client: TestClient,
    device_for: Any,
    district: District,
    db_url: str,
    settings: ServerSettings,
    keys: Path,
    empty_target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a_days_work(client, device_for, district)
    backup = tmp_path / "backup-3"
    assert run("admin", "backup", str(backup), "--db", db_url).exit_code == 0
    monkeypatch.setenv("LASTMILE_AUDIT_KEY", str(tmp_path / "nowhere" / DEFAULT_FILE))
    restored = run("admin", "restore", str(backup), "--db", empty_target)
    assert restored.exit_code == 1
    assert "restore the key files" in restored.output
    target = make_engine(empty_target)
    try:
        with read_session(target) as session:
            assert (
                session.scalar(select(func.count()).select_from(AuditEntry))
                == json.loads((backup / "manifest.json").read_text())["records"]["audit_log"]
            )
    finally:
        target.dispose()


def test_object_storage_blobs_are_listed_and_verified_at_restore(
    db_url: str,
    engine: Engine,
    keys: Path,
    empty_target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3_server: S3Server,
) -> None:
    """The bucket keeps the blobs (with versioning); the backup lists them and
    the restore finds each one, its bytes hashing to its name."""
    settings = s3_server.settings(new_bucket())
    for name, value in (
        ("LASTMILE_BLOB_STORE", "s3"),
        ("LASTMILE_S3_ENDPOINT", settings.s3_endpoint),
        ("LASTMILE_S3_BUCKET", settings.s3_bucket),
        ("LASTMILE_S3_REGION", settings.s3_region),
        ("LASTMILE_S3_ACCESS_KEY_ID", settings.s3_access_key_id),
        ("LASTMILE_S3_SECRET_ACCESS_KEY", settings.s3_secret_access_key),
    ):
        monkeypatch.setenv(name, str(value))
    store = open_blob_store(settings)
    kept, lost = (put(store, content(1000 + n, seed=n)) for n in range(2))
    backup = tmp_path / "backup-s3"
    taken = run("admin", "backup", str(backup), "--db", db_url)
    assert taken.exit_code == 0, taken.output
    assert "2 blobs (2001 bytes) listed (the bucket keeps them)" in taken.output
    assert not (backup / "blobs").exists()

    assert store.delete_blob(lost, datetime.now(UTC) + timedelta(days=1), lambda: True)
    restored = run("admin", "restore", str(backup), "--db", empty_target)
    assert restored.exit_code == 1
    assert f"blob {lost} (blobs/{lost}): missing" in restored.output
    assert "1 blobs verified" in restored.output
    assert kept not in restored.output
    assert S3_SECRET not in taken.output + restored.output


def test_a_backup_taken_while_writes_go_on_is_one_moment(
    client: TestClient,
    device_for: Any,
    district: District,
    db_url: str,
    engine: Engine,
    keys: Path,
    empty_target: str,
    tmp_path: Path,
) -> None:
    """Pushes keep landing while the backup runs: the manifest's counts are
    those of the copy itself (one snapshot), so the restore matches them."""
    a_days_work(client, device_for, district)
    device = device_for("mediator.baijia")
    stop = threading.Event()
    pushed: list[int] = []

    def keep_pushing() -> None:
        while not stop.is_set() and len(pushed) < 400:
            fields = case_fields(district.baijia_committee.id)
            device.push([mutation("cases", uuid.uuid4(), fields)])
            pushed.append(1)

    writer = threading.Thread(target=keep_pushing)
    writer.start()
    try:
        while len(pushed) < 3:
            time.sleep(0.01)
        taken = run("admin", "backup", str(tmp_path / "busy"), "--db", db_url)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert taken.exit_code == 0, taken.output
    manifest = json.loads((tmp_path / "busy" / "manifest.json").read_text())
    restored = run("admin", "restore", str(tmp_path / "busy"), "--db", empty_target)
    assert restored.exit_code == 0, restored.output
    after = counts(empty_target)
    assert {**after, "audit_log": after["audit_log"] - 1} == manifest["records"]
    assert counts(db_url)["cases"] >= manifest["records"]["cases"]
