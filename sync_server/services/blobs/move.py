"""Copying every blob from one store to another, every hash verified
(``lastmile admin blobs move``): from the folder to object storage when a
district outgrows one machine, or back.

- Each blob is sent into the target through the target's own upload path
  (``begin``/``write``/``finish``) under the move's own upload owner, so the
  target verifies the bytes against the name before it publishes them, as
  it does for a phone's upload: a damaged source blob is reported, never
  copied.
- Then the target's copy is read back and hashed: a blob counts as moved
  only when the target serves the right bytes. A blob the target already
  serves correctly is counted as present, so running the command again
  after an interruption continues where it stopped; a blob cut off half-way
  resumes from the bytes the target holds.
- Memory is bounded (pieces of ``PIECE_BYTES``), and so is a run
  (``limit`` blobs), so a large store moves in batches during quiet hours.

The source is left as it was: switch the servers to the target
(``blob_store``) and run the command once more before removing the source,
which copies what arrived in between.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sync_server.blobs.store import BlobStore, BlobStoreError, HeldFile, UploadOffsetError

MOVER = "0" * 32
"""The move's upload owner in the target (no user id is all zeros)."""
PIECE_BYTES = 1024 * 1024


@dataclass
class MoveReport:
    """What one run did, for the operator."""

    copied: int = 0
    present: int = 0
    copied_bytes: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    """Blob name → why it was not moved."""
    unfinished: bool = False
    """The run stopped at its limit: run it again."""


def served_hash(store: BlobStore, sha256: str) -> str | None:
    """The SHA-256 of the bytes ``store`` serves under ``sha256`` (``None``: none)."""
    content = store.open(sha256)
    if content is None:
        return None
    digest = hashlib.sha256()
    with content.stream:
        while piece := content.stream.read(PIECE_BYTES):
            digest.update(piece)
    return digest.hexdigest()


def _copy(source: BlobStore, target: BlobStore, blob: HeldFile) -> str | None:
    """Send one blob into the target, resuming what it holds; the reason
    when it could not be sent."""
    held = target.held(MOVER, blob.sha256)
    content = source.open(blob.sha256)
    if content is None:
        return "gone from the source while moving"
    with content.stream:
        if held > content.size:
            held = 0  # an upload of other bytes: the target discards it below
        try:
            upload = target.begin(MOVER, blob.sha256, held, content.size)
        except UploadOffsetError as wrong:
            return "another move is sending it" if wrong.busy else "the target refused the offset"
        try:
            skipped = 0
            while skipped < held:
                skipped += len(content.stream.read(min(PIECE_BYTES, held - skipped)))
            while piece := content.stream.read(PIECE_BYTES):
                upload.write(piece)
        except BaseException:
            upload.abandon(keep=True)
            raise
        try:
            if not upload.finish().complete:
                return "the source held fewer bytes than it listed"
        except BlobStoreError:
            return "the source's bytes do not hash to the name"
    return None


def move_blobs(
    source: BlobStore,
    target: BlobStore,
    limit: int | None = None,
    progress: Callable[[MoveReport], None] | None = None,
) -> MoveReport:
    """Copy every blob of ``source`` that ``target`` does not serve correctly
    (at most ``limit`` copies this run) and verify each one."""
    report = MoveReport()
    for blob in source.blobs():
        if served_hash(target, blob.sha256) == blob.sha256:
            report.present += 1
            continue
        if limit is not None and report.copied + len(report.failed) >= limit:
            report.unfinished = True
            break
        problem = _copy(source, target, blob)
        if problem is None and served_hash(target, blob.sha256) != blob.sha256:
            problem = "the target serves other bytes under this name"
        if problem is None:
            report.copied += 1
            report.copied_bytes += blob.size
        else:
            report.failed[blob.sha256] = problem
        if progress is not None:
            progress(report)
    return report
