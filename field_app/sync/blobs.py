"""Uploading photos, signatures and documents in a sync round, and what that
needs from the device's blob store: which blobs the server still lacks, their
bytes (decrypted, read in chunks so a large file never sits in memory
whole), and a way to say one is safely on the server — or that the server
refused it (over quota, damaged), so it waits for the user instead of being
sent again every round."""

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from field_app.errors import BatchTooLarge, RequestRejected
from field_app.sync.client import SyncClient

log = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024
"""One PATCH: small enough to get through a weak link, large enough to be few."""
MISSING_QUERY_SIZE = 1000


class BlobSource(Protocol):
    def pending(self) -> Sequence[tuple[str, int, str]]:
        """``(sha256, size, mime)`` of every blob not yet known to be on the server."""
        ...

    def read(self, sha256: str, offset: int, size: int) -> bytes:
        """Up to ``size`` plaintext bytes of the blob from ``offset``."""
        ...

    def mark_uploaded(self, sha256: str) -> None:
        """The server holds the whole blob (verified against its hash)."""
        ...

    def mark_refused(self, sha256: str, reason: str) -> None:
        """The server refused the blob; ``reason`` is its message, for the user.
        It is not offered again until the user asks (``retry``)."""
        ...


class NoBlobs:
    """A ``BlobSource`` with nothing to upload (a device without attachments yet)."""

    def pending(self) -> Sequence[tuple[str, int, str]]:
        return []

    def read(self, sha256: str, offset: int, size: int) -> bytes:
        raise KeyError(sha256)

    def mark_uploaded(self, sha256: str) -> None:
        raise KeyError(sha256)

    def mark_refused(self, sha256: str, reason: str) -> None:
        raise KeyError(sha256)


def upload_blobs(
    client: SyncClient,
    blobs: BlobSource,
    chunk_bytes: int,
    progress: Callable[[int, int], None],
) -> int:
    """Upload every pending blob the server lacks, resumably; returns how many
    are now on the server. ``progress(done, total)`` after each."""
    pending = list(blobs.pending())
    if not pending:
        return 0
    missing: set[str] = set()
    hashes = [sha for sha, _, _ in pending]
    for start in range(0, len(hashes), MISSING_QUERY_SIZE):
        missing.update(client.blobs_missing(hashes[start : start + MISSING_QUERY_SIZE]))
    progress(0, len(pending))
    uploaded = 0
    for done, (sha256, size, _mime) in enumerate(pending, start=1):
        if sha256 not in missing or _upload_blob(client, blobs, chunk_bytes, sha256, size):
            blobs.mark_uploaded(sha256)
            uploaded += 1
        progress(done, len(pending))
    return uploaded


def _upload_blob(
    client: SyncClient, blobs: BlobSource, chunk_bytes: int, sha256: str, size: int
) -> bool:
    """Upload from wherever the server's copy ends; ``True`` once complete.
    ``False`` leaves the blob for a later round (busy), or for the user
    when the server refused it (over quota, too large, damaged): sending
    it again every round would never succeed and would hide the reason."""
    try:
        progress = client.blob_head(sha256)
        stalled = 0
        while not progress.complete:
            if progress.busy or progress.offset >= size or stalled > 2:
                log.info("blob upload paused at %d of %d bytes", progress.offset, size)
                return False
            offset = progress.offset
            chunk = blobs.read(sha256, offset, min(chunk_bytes, size - offset))
            progress = client.blob_patch(sha256, offset, size, chunk)
            stalled = stalled + 1 if progress.offset <= offset else 0
    except (RequestRejected, BatchTooLarge) as refused:
        # QUOTA_EXCEEDED, PAYLOAD_TOO_LARGE or HASH_MISMATCH (a damaged
        # local copy). The other blobs and the pull must not wait for it.
        log.warning("blob upload refused: %s", refused.code)
        reason = refused.message if isinstance(refused, RequestRejected) else str(refused)
        blobs.mark_refused(sha256, reason)
        return False
    return True
