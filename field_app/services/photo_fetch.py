"""Photos another device took, fetched when a screen shows them.

A pull brings attachment *records* only: a first sync of a whole office
must not download every photo ever taken. When a case page shows a photo the
phone does not hold, it is fetched (when there is a network), checked
against its SHA-256 — a wrong or cut-off answer is never stored — kept
encrypted like the phone's own photos, and never queued for upload.
"""

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from field_app.errors import SyncError
from field_app.services.photos import PhotoRejectedError, thumbnail_of
from field_app.storage.blobs import LocalBlobStore
from field_app.sync.client import SyncClient

log = logging.getLogger(__name__)


@dataclass
class FetchReport:
    fetched: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    offline: bool = False


def missing_photos(blobs: LocalBlobStore, hashes: Iterable[str]) -> list[str]:
    """The photos of ``hashes`` the phone does not hold (another device took them)."""
    return [sha256 for sha256 in hashes if not blobs.has(sha256)]


def previews(blobs: LocalBlobStore, hashes: Iterable[str]) -> list[bytes | None]:
    """Each photo's preview, ``None`` where the phone holds no photo or preview yet."""
    return [blobs.thumbnail(sha256) if blobs.has(sha256) else None for sha256 in hashes]


def fetch_photos(
    blobs: LocalBlobStore, client: SyncClient, wanted: Iterable[tuple[str, str]]
) -> FetchReport:
    """Fetch each ``(sha256, mime)`` of ``wanted`` the phone does not hold.
    Stops at the first network failure (the rest would fail the same way)."""
    report = FetchReport()
    for sha256, mime in wanted:
        if blobs.has(sha256):
            continue
        try:
            data = client.blob_get(sha256)
        except SyncError as error:
            log.info("photo %s not fetched: %s", sha256[:12], type(error).__name__)
            report.offline = True
            break
        if hashlib.sha256(data).hexdigest() != sha256:
            log.warning("photo %s: the server's bytes do not match; not kept", sha256[:12])
            report.failed.append(sha256)
            continue
        blobs.put(data, mime, upload=False)
        try:
            blobs.put_thumbnail(sha256, thumbnail_of(data))
        except PhotoRejectedError:
            log.info("photo %s kept without a thumbnail (not an image)", sha256[:12])
        report.fetched.append(sha256)
    return report
