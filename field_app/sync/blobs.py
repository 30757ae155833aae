"""What the sync engine needs from the device's blob store to upload photos,
signatures and documents: which blobs the server still lacks, their bytes
(decrypted, read in chunks so a large file never sits in memory whole), and
a way to say one is safely on the server — or that the server refused it
(over quota, damaged), so it waits for the user instead of being sent again
every round."""

from collections.abc import Sequence
from typing import Protocol


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
