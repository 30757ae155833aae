"""``lastmile admin backup | restore``: a backup that restores, and a restore
that proves it (``services/backup/``; docs/backup.md)."""

from pathlib import Path
from typing import Annotated

import typer

from sync_server.blobs.open import StoreUnusableError, open_blob_store, usable_store
from sync_server.blobs.store import BlobStore
from sync_server.cli import DbOption, settings_for
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine
from sync_server.services.backup.database import BackupError
from sync_server.services.backup.run import restore_backup, take_backup

FolderArgument = Annotated[Path, typer.Argument(help="the backup's folder", file_okay=False)]
BlobsOption = Annotated[
    Path | None, typer.Option(help="folder of the blob store (when blob_store is files)")
]


def _store(settings: ServerSettings, refusal: str) -> BlobStore:
    """The configured blob store, or exit 1 with one line naming the setting to fix."""
    try:
        return usable_store(lambda: open_blob_store(settings))
    except StoreUnusableError as problem:
        typer.echo(f"{refusal}: {problem}", err=True)
        raise typer.Exit(code=1) from None


def backup_command(folder: FolderArgument, db: DbOption = None, blobs: BlobsOption = None) -> None:
    """Write a consistent backup into a new folder: the database (pg_dump in
    one snapshot, or SQLite's online backup), every blob's key, size and
    hash, the blobs themselves from the folder store, and a manifest. Safe
    while the servers run. Exit 1 if a blob was damaged (named; the backup is
    still written)."""
    settings = settings_for(db, blobs=blobs)
    store = _store(settings, "no backup")
    engine = make_engine(settings.db)  # reads only: no audit key needed
    try:
        manifest = take_backup(settings, engine, store, folder)
    except BackupError as refused:
        typer.echo(f"no backup: {refused}", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    records = sum(manifest.records.values())
    kept = "copied" if manifest.blobs.copied else "listed (the bucket keeps them)"
    typer.echo(
        f"backup in {folder}: {manifest.database.kind} schema {manifest.database.schema_revision}, "
        f"{records} rows, {manifest.audit_entries} audit entries, "
        f"{manifest.blobs.count} blobs ({manifest.blobs.bytes} bytes) {kept}"
    )
    for sha256 in manifest.blobs.damaged:
        typer.echo(
            f"DAMAGED blob {sha256}: its bytes do not hash to its name; not backed up", err=True
        )
    if manifest.blobs.damaged:
        raise typer.Exit(code=1)


def restore_command(folder: FolderArgument, db: DbOption = None, blobs: BlobsOption = None) -> None:
    """Restore a backup into an EMPTY database (create it first; a database
    with any table is refused) and the configured blob store, then verify:
    record counts, every blob's hash, the audit log. Devices that synced
    after the backup re-send what it lacks. Exit 1 on any problem."""
    settings = settings_for(db, blobs=blobs)
    store = _store(settings, "not restored")
    try:
        report = restore_backup(settings, store, folder)
    except (BackupError, FileNotFoundError, ValueError) as refused:
        typer.echo(f"not restored: {refused}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"restored the backup of {report.manifest.created_at.isoformat()}: {report.records} rows, "
        f"{report.blobs_verified} blobs verified ({report.blobs_copied} copied in), "
        f"audit log of {report.audit_entries} entries checked; new sync epoch {report.sync_epoch}"
    )
    for problem in report.problems:
        typer.echo(f"PROBLEM: {problem}", err=True)
    if report.problems:
        raise typer.Exit(code=1)
    typer.echo("everything the manifest lists is back and verified")


def register(admin: typer.Typer) -> None:
    """Add ``lastmile admin backup`` and ``restore``."""
    admin.command("backup")(backup_command)
    admin.command("restore")(restore_command)
