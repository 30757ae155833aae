"""What a backup folder says about itself (``manifest.json``) and about its
blobs (``blobs.jsonl``, one blob a line). ``manifest.json`` is written last:
a folder without it is an interrupted backup, never restored."""

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MANIFEST_FILE = "manifest.json"
BLOB_MANIFEST_FILE = "blobs.jsonl"
BLOB_FOLDER = "blobs"
"""The blobs copied into the backup, laid out as the folder store lays them."""
FORMAT: Literal[1] = 1


class BlobEntry(BaseModel):
    """A blob as the backup found it: its key in the store it came from."""

    model_config = ConfigDict(extra="forbid")

    key: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class DatabaseCopy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["sqlite", "postgresql"]
    file: str
    file_sha256: str
    schema_revision: str | None
    epoch: str
    """The database's own epoch (what the audit key file anchors)."""
    sync_epoch: str
    """The epoch devices knew when the backup was taken."""
    high_water: int
    """The last version handed out: devices' cursors above it are lost."""


class BlobCopy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    store: Literal["files", "s3"]
    copied: bool
    """True: the blobs are in the backup's ``blobs/`` folder, verified as
    copied. False (object storage): the bucket keeps them, with versioning
    (docs/backup.md); the restore verifies each against this list."""
    count: int
    bytes: int
    damaged: list[str] = Field(default_factory=list)
    """Blobs whose bytes did not hash to their name when copied (not in the backup)."""


class BackupManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = FORMAT
    lastmile_version: str
    created_at: datetime
    district_root_unit_id: str | None
    database: DatabaseCopy
    records: dict[str, int]
    audit_entries: int
    blobs: BlobCopy


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while piece := stream.read(1024 * 1024):
            digest.update(piece)
    return digest.hexdigest()


def write_blob_manifest(folder: Path, entries: Iterable[BlobEntry]) -> tuple[int, int]:
    """Write ``blobs.jsonl``; the number of blobs and their bytes."""
    count = total = 0
    with (folder / BLOB_MANIFEST_FILE).open("w", encoding="utf-8") as stream:
        for entry in entries:
            stream.write(entry.model_dump_json() + "\n")
            count += 1
            total += entry.size
    return count, total


def read_blob_manifest(folder: Path) -> Iterator[BlobEntry]:
    with (folder / BLOB_MANIFEST_FILE).open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield BlobEntry.model_validate_json(line)


def write_manifest(folder: Path, manifest: BackupManifest) -> None:
    (folder / MANIFEST_FILE).write_text(
        json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8"
    )


def read_manifest(folder: Path) -> BackupManifest:
    path = folder / MANIFEST_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: not a backup, or one that did not finish")
    return BackupManifest.model_validate_json(path.read_text(encoding="utf-8"))
