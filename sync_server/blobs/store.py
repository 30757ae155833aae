"""The blob store: content-addressed bytes of photos, signatures and documents.

A blob is named by the lowercase hex SHA-256 of its content and becomes
visible only once its whole content has been received AND hashed to that
name, so a reader never sees half a blob or bytes under the wrong name.

Uploads in progress belong to an *owner* (the uploading user): each owner has
its own partial upload per blob, so nobody can learn from an offset that
someone else is sending the same bytes. Bytes that are already stored are
de-duplicated only after the owner has sent all of them and they hashed to
the name: the store never tells a caller "I have this already" (who may read
which blob is the database's business: ``services/blobs/claims.py``).

``BlobStore`` is the small interface the API uses. Two stores implement it,
chosen by configuration (``blobs/open.py``): ``files.FileBlobStore`` on a
folder (the embedded default) and ``s3.S3BlobStore`` on S3-compatible object
storage. Neither keeps anything in memory between calls, so any number of
server processes may share one store. Names and owners are checked here
(``check_sha256``, ``check_owner``) before either becomes a path or a key.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

SHA256_NAME = re.compile(r"[0-9a-f]{64}")
OWNER_NAME = re.compile(r"[0-9a-f]{32}")


class BlobStoreError(Exception):
    """An upload the store refuses; the API turns each kind into its error code."""


class UploadOffsetError(BlobStoreError):
    """The upload cannot continue at the offset asked for.

    ``held`` is what the store has; ``busy`` says another upload of the same
    blob holds it right now (its offset is moving, so ask again later).
    """

    def __init__(self, held: int, *, busy: bool = False) -> None:
        super().__init__(f"the store holds {held} bytes" + (" and is busy" if busy else ""))
        self.held = held
        self.busy = busy


class HashMismatchError(BlobStoreError):
    """The received content does not hash to the blob's name; it was discarded."""


class ChunkOverrunError(BlobStoreError):
    """A chunk would make the blob longer than the length announced for it."""


@dataclass(frozen=True)
class UploadProgress:
    offset: int
    complete: bool


@dataclass(frozen=True)
class HeldFile:
    """A file of the store as collection sees it: a partial upload (with its
    ``owner``) or a complete blob (``owner`` is empty)."""

    owner: str
    sha256: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class BlobContent:
    """An open, readable blob; the reader closes ``stream``."""

    stream: BinaryIO
    size: int


class BlobUpload(Protocol):
    """One chunk of an upload in progress, holding the blob's upload lock.

    Exactly one of ``finish`` or ``abandon`` ends it and releases the lock.
    """

    @property
    def offset(self) -> int:
        """Bytes held so far, including what this chunk has written."""
        ...

    def write(self, data: bytes) -> None: ...

    def finish(self) -> UploadProgress:
        """Keep the chunk; when the blob is whole, verify and publish it.

        Raises ``HashMismatchError`` (partial discarded) when it does not
        hash to its name.
        """
        ...

    def abandon(self, *, keep: bool) -> None:
        """Stop early: ``keep`` what arrived (a dropped connection) or roll the
        chunk back to where it started (a refused one). Idempotent."""
        ...


class BlobStore(Protocol):
    def stored_size(self, sha256: str) -> int | None:
        """The size of the complete blob, or ``None`` when it is not stored."""
        ...

    def held(self, owner: str, sha256: str) -> int:
        """Bytes of ``owner``'s unfinished upload of the blob (0 when none)."""
        ...

    def begin(self, owner: str, sha256: str, offset: int, length: int) -> BlobUpload:
        """Start receiving a chunk of ``owner``'s upload at ``offset`` of a blob
        of ``length`` bytes. Raises ``UploadOffsetError``."""
        ...

    def open(self, sha256: str) -> BlobContent | None:
        """The complete blob for reading, or ``None``."""
        ...

    def partials(self) -> Iterator[HeldFile]:
        """Every unfinished upload (for expiry)."""
        ...

    def expire_partial(self, owner: str, sha256: str, idle_before: datetime) -> int | None:
        """Remove the upload if nothing was written to it since ``idle_before``
        and no request is writing it now; the bytes freed (``None`` if kept)."""
        ...

    def blobs(self) -> Iterator[HeldFile]:
        """Every complete blob (for collection)."""
        ...

    def delete_blob(
        self, sha256: str, modified_before: datetime, unclaimed: Callable[[], bool]
    ) -> int:
        """Delete the blob if it was last written before ``modified_before`` and
        ``unclaimed()`` (asked while no upload can publish it) says nobody
        needs it; the bytes freed (0 if kept)."""
        ...

    def ready(self) -> None:
        """Raise ``BlobStoreError`` unless the store can be used now (``/readyz``):
        a cheap reachability check, never a scan."""
        ...


def check_sha256(sha256: str) -> str:
    """Refuse anything but a lowercase hex SHA-256: it becomes a file name or an object key."""
    if not SHA256_NAME.fullmatch(sha256):
        raise ValueError("a blob name is 64 lowercase hex digits")
    return sha256


def check_owner(owner: str) -> str:
    """An owner is 32 lowercase hex digits (a user id): it becomes a folder or a key prefix."""
    if not OWNER_NAME.fullmatch(owner):
        raise ValueError("an upload owner is 32 lowercase hex digits")
    return owner
