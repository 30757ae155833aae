"""Photo, signature and document bytes on the device, encrypted at rest.

A blob is named by the SHA-256 of its plaintext, because that is what the
server verifies and what attachment records point at; on disk it is only
ever ciphertext (AES-GCM bound to ``blob.<sha256>``, so a file renamed to
another hash does not decrypt). Files are written atomically (temp file,
fsync, rename): a killed app leaves the old state or the new one, never a
torn blob that would upload with the wrong hash.

``LocalBlobStore`` is also the sync engine's source of blob uploads:
``pending`` / ``read(sha256, offset, size)`` / ``mark_uploaded`` /
``mark_refused`` (a refused blob waits for the user's ``retry``). Thumbnails
are local only (for lists): they are never queued for upload.
"""

import hashlib
import os
import re
import threading
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from field_app.security.cipher import FieldCipher
from field_app.storage.store import LocalStore
from field_app.storage.tables import BlobUpload

BLOB_FOLDER = "blobs"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobNotFoundError(LookupError):
    """No blob with that hash is on this device."""


def _checked(sha256: str) -> str:
    # The hash becomes a file name: only lowercase hex may reach the file system.
    if not _SHA256.fullmatch(sha256):
        raise ValueError("a blob is named by 64 lowercase hex digits (SHA-256)")
    return sha256


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class LocalBlobStore:
    """Encrypted, content-addressed files under ``folder`` plus their upload queue."""

    def __init__(self, folder: Path, cipher: FieldCipher, engine: Engine | LocalStore) -> None:
        self.folder = folder
        self.cipher = cipher
        self.engine = engine.engine if isinstance(engine, LocalStore) else engine
        # An upload reads one blob chunk by chunk: decrypt it once, not per chunk.
        self._last: tuple[str, bytes] | None = None
        self._lock = threading.Lock()

    # -- the app's side ------------------------------------------------------

    def put(self, data: bytes, mime: str, upload: bool = True) -> str:
        """Store ``data``; returns its SHA-256. The file is on disk before the
        upload is queued, so a queued upload always has its bytes."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path(sha256)
        if not path.exists():
            self._write(path, self.cipher.encrypt_bytes(data, f"blob.{sha256}"))
        if upload:
            with Session(self.engine) as session:
                if session.get(BlobUpload, sha256) is None:
                    session.add(BlobUpload(sha256=sha256, size=len(data), mime=mime))
                session.commit()
        return sha256

    def read(self, sha256: str, offset: int = 0, size: int | None = None) -> bytes:
        """The plaintext (or ``size`` bytes of it from ``offset``, for uploads)."""
        plain = self._plaintext(sha256)
        end = len(plain) if size is None else offset + size
        return plain[offset:end]

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put_thumbnail(self, sha256: str, data: bytes) -> None:
        """A small preview of blob ``sha256``, kept on the device only. Not
        synced to disk before returning: a preview lost in a crash is made
        again from the photo, and the save of a visit stays quick."""
        sealed = self.cipher.encrypt_bytes(data, f"thumb.{sha256}")
        self._write(self._thumb_path(sha256), sealed, durable=False)

    def thumbnail(self, sha256: str) -> bytes | None:
        """The preview, or ``None`` if there is none (or it did not survive a crash)."""
        path = self._thumb_path(sha256)
        try:
            return self.cipher.decrypt_bytes(path.read_bytes(), f"thumb.{sha256}")
        except (FileNotFoundError, ValueError):
            return None

    def path(self, sha256: str) -> Path:
        sha256 = _checked(sha256)
        return self.folder / sha256[:2] / f"{sha256}.bin"

    # -- the sync engine's side (its blob source protocol) -------------------

    def pending(self) -> list[tuple[str, int, str]]:
        """Blobs the server may not have yet: ``(sha256, size, mime)``, oldest first."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(col(BlobUpload.sha256), col(BlobUpload.size), col(BlobUpload.mime))
                .where(col(BlobUpload.state) == "pending")
                .order_by(col(BlobUpload.attempts), col(BlobUpload.sha256))
            ).all()
            session.commit()
        return [(sha256, size, mime) for sha256, size, mime in rows]

    def mark_uploaded(self, sha256: str) -> None:
        """The server holds (and has verified) this blob; nothing more to send."""
        with Session(self.engine) as session:
            row = session.get(BlobUpload, _checked(sha256))
            if row is not None:
                row.state = "uploaded"
                row.last_error = None
            session.commit()

    def mark_refused(self, sha256: str, reason: str) -> None:
        """The server refused this blob: keep it, with the reason, until the
        user sends it again (``retry``)."""
        with Session(self.engine) as session:
            row = session.get(BlobUpload, _checked(sha256))
            if row is not None:
                row.state = "refused"
                row.attempts += 1
                row.last_error = reason[:500]
            session.commit()

    def retry(self, sha256: str) -> None:
        """Offer a refused blob to the next sync round again."""
        with Session(self.engine) as session:
            row = session.get(BlobUpload, _checked(sha256))
            if row is not None and row.state == "refused":
                row.state = "pending"
            session.commit()

    # -- internals -----------------------------------------------------------

    def _plaintext(self, sha256: str) -> bytes:
        with self._lock:
            if self._last is not None and self._last[0] == sha256:
                return self._last[1]
        path = self.path(sha256)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(f"blob {sha256} is not on this device") from None
        plain = self.cipher.decrypt_bytes(sealed, f"blob.{sha256}")
        with self._lock:
            self._last = (sha256, plain)
        return plain

    def _thumb_path(self, sha256: str) -> Path:
        sha256 = _checked(sha256)
        return self.folder / "thumbs" / sha256[:2] / f"{sha256}.bin"

    @staticmethod
    def _write(path: Path, sealed: bytes, durable: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with temp.open("wb") as handle:
            handle.write(sealed)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
        if durable:
            _fsync_dir(path.parent)
