"""Taking a backup and restoring one (``lastmile admin backup | restore``;
docs/backup.md says how often, where the copies go and how to practise).

A backup folder holds the database's consistent copy (``database.py``), a
list of every blob (key, size, hash), the blobs themselves when they live in
the folder store (copied through the verified upload path, so a damaged
blob is named, never copied) and ``manifest.json``, written last. Blobs in
object storage stay in their bucket, whose versioning keeps what a deletion
or an overwrite would lose; the list says what the restore must find there.

A restore writes into an empty database only, then checks everything it
can before the servers start again: the record counts of every table
against the manifest, every listed blob served under its name with the
right bytes and size, every stored claim's blob present, and the audit log
(hash chain, MACs, head) under the district's audit key. Last, the
database gets a new sync epoch, so every device that synced after the
backup re-sends what the server lost (docs/protocol.md, "After a restore").
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import Engine, update
from sqlmodel import col, select

from sync_server.blobs.files import FileBlobStore
from sync_server.blobs.s3 import S3BlobStore
from sync_server.blobs.store import BlobStore
from sync_server.core.audit import append_audit, bind_audit_keyring, check_audit
from sync_server.core.audit_key import AuditKeyError, audit_key_path, load_keyring
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, read_session, write_session
from sync_server.core.migrate import upgrade
from sync_server.services.backup import database
from sync_server.services.backup.database import BackupError
from sync_server.services.backup.manifest import (
    BLOB_FOLDER,
    BackupManifest,
    BlobCopy,
    BlobEntry,
    DatabaseCopy,
    file_sha256,
    read_blob_manifest,
    read_manifest,
    write_blob_manifest,
    write_manifest,
)
from sync_server.services.blobs.move import move_blobs, served_hash
from sync_server.tables import BlobClaim, SyncState


def _lastmile_version() -> str:
    try:
        return version("lastmile")
    except PackageNotFoundError:
        return "unknown"


def _key(store: BlobStore, sha256: str) -> str:
    """The blob's key in its store, for the operator who looks for it there."""
    if isinstance(store, S3BlobStore):
        return store.blob_key(sha256)
    if isinstance(store, FileBlobStore):
        return str(store.blob_path(sha256).relative_to(store.root))
    return sha256


def take_backup(
    settings: ServerSettings, engine: Engine, store: BlobStore, folder: Path
) -> BackupManifest:
    """Write a backup of the district into ``folder`` (new or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give each backup a folder of its own")
    folder.mkdir(parents=True, exist_ok=True)
    created_at = datetime.now(UTC)
    facts = database.dump(engine, settings.db, folder)
    copied = settings.blob_store == "files"
    damaged: list[str] = []
    if copied:
        kept = FileBlobStore(folder / BLOB_FOLDER)
        damaged = sorted(move_blobs(store, kept).failed)
        listed = [
            BlobEntry(key=_key(store, b.sha256), sha256=b.sha256, size=b.size) for b in kept.blobs()
        ]
    else:
        listed = [
            BlobEntry(key=_key(store, b.sha256), sha256=b.sha256, size=b.size)
            for b in store.blobs()
        ]
    count, total = write_blob_manifest(folder, sorted(listed, key=lambda entry: entry.sha256))
    manifest = BackupManifest(
        lastmile_version=_lastmile_version(),
        created_at=created_at,
        district_root_unit_id=facts.district_root_unit_id,
        database=DatabaseCopy(
            kind="postgresql" if facts.kind == "postgresql" else "sqlite",
            file=facts.file,
            file_sha256=file_sha256(folder / facts.file),
            schema_revision=facts.schema_revision,
            epoch=facts.epoch,
            sync_epoch=facts.sync_epoch,
            high_water=facts.high_water,
        ),
        records=facts.records,
        audit_entries=facts.audit_entries,
        blobs=BlobCopy(
            store=settings.blob_store, copied=copied, count=count, bytes=total, damaged=damaged
        ),
    )
    write_manifest(folder, manifest)
    return manifest


@dataclass
class RestoreReport:
    """What the restore found; the restore succeeded when ``problems`` is empty."""

    manifest: BackupManifest
    records: int = 0
    blobs_verified: int = 0
    blobs_copied: int = 0
    audit_entries: int = 0
    sync_epoch: str = ""
    problems: list[str] = field(default_factory=list)


def restore_backup(settings: ServerSettings, store: BlobStore, folder: Path) -> RestoreReport:
    """Bring the backup in ``folder`` into the empty database of ``settings``
    and the blob store, then verify it (module docstring)."""
    manifest = read_manifest(folder)
    report = RestoreReport(manifest=manifest)
    copy = folder / manifest.database.file
    if file_sha256(copy) != manifest.database.file_sha256:
        raise BackupError(f"{copy} is not the file the backup wrote (its SHA-256 differs)")
    if not database.is_empty(settings.db):
        raise BackupError("the target database is not empty: restore into a new, empty database")
    database.load(settings.db, folder, manifest.database.kind)
    found = database.counts(settings.db)
    for table, expected in sorted(manifest.records.items()):
        if found.get(table) != expected:
            report.problems.append(
                f"table {table}: {found.get(table)} rows, the backup has {expected}"
            )
    report.records = sum(found.values())
    upgrade(settings.db)  # a backup of an older release comes up to this one's schema
    _restore_blobs(store, folder, manifest, report)
    engine = make_engine(settings.db)
    try:
        _check_claims(engine, folder, report)
        _new_sync_epoch(settings, engine, manifest, report)
    finally:
        engine.dispose()
    return report


def _restore_blobs(
    store: BlobStore, folder: Path, manifest: BackupManifest, report: RestoreReport
) -> None:
    if manifest.blobs.copied:
        moved = move_blobs(FileBlobStore(folder / BLOB_FOLDER), store)
        report.blobs_copied = moved.copied
        report.problems.extend(f"blob {sha}: {why}" for sha, why in sorted(moved.failed.items()))
    for entry in read_blob_manifest(folder):
        if store.stored_size(entry.sha256) != entry.size:
            report.problems.append(
                f"blob {entry.sha256} ({entry.key}): missing or not {entry.size} bytes"
            )
        elif served_hash(store, entry.sha256) != entry.sha256:
            report.problems.append(
                f"blob {entry.sha256} ({entry.key}): its bytes do not hash to its name"
            )
        else:
            report.blobs_verified += 1
    report.problems.extend(
        f"blob {sha256}: damaged when the backup was taken, not in it"
        for sha256 in manifest.blobs.damaged
    )


def _check_claims(engine: Engine, folder: Path, report: RestoreReport) -> None:
    """Every blob a user is recorded to have sent must be in the backup's list."""
    listed = {entry.sha256 for entry in read_blob_manifest(folder)}
    with read_session(engine) as session:
        claimed = set(
            session.exec(
                select(col(BlobClaim.sha256)).where(col(BlobClaim.stored_at).is_not(None))
            ).all()
        )
    report.problems.extend(
        f"blob {sha256}: a user sent it, but the backup does not list it"
        for sha256 in sorted(claimed - listed)
    )


def _new_sync_epoch(
    settings: ServerSettings, engine: Engine, manifest: BackupManifest, report: RestoreReport
) -> None:
    """Verify the audit log under the district's audit key, then give the
    database its new sync epoch and audit the restore (with the key only:
    a restore never creates an audit key)."""
    epoch = uuid.uuid4()
    report.sync_epoch = str(epoch)
    try:
        keyring = load_keyring(audit_key_path(settings))
    except AuditKeyError as missing:
        report.problems.append(
            f"audit key: {missing}; restore the key files from their own backup "
            "(docs/operations.md), then run lastmile admin verify-audit"
        )
        with write_session(engine) as session:
            session.execute(
                update(SyncState).where(col(SyncState.id) == 1).values(sync_epoch=epoch)
            )
        return
    with read_session(engine) as session:
        audit = check_audit(session, keyring)
    report.audit_entries = audit.entries
    report.problems.extend(f"audit log: {problem}" for problem in audit.problems)
    bind_audit_keyring(engine, keyring)
    with write_session(engine) as session:
        session.execute(update(SyncState).where(col(SyncState.id) == 1).values(sync_epoch=epoch))
        append_audit(
            session,
            "database_restored",
            datetime.now(UTC),
            detail={
                "backup_created_at": manifest.created_at.isoformat(),
                "backup_sync_epoch": manifest.database.sync_epoch,
                "backup_high_water": manifest.database.high_water,
                "sync_epoch": str(epoch),
            },
        )
