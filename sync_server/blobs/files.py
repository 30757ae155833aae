"""``FileBlobStore``: the blob store on a local (or shared) folder, the
embedded default (``store.py`` has the interface and its rules).

Uploads of one hash are serialised by an exclusive, non-blocking ``flock`` on
the partial file itself (per open file, so it excludes other threads as well
as other processes; the shared folder must be a local file system or one
with working ``flock``).

Layout under the root::

    ab/cd/abcd…           complete blobs, fanned out by the first two byte pairs
    partial/<owner>/abcd… uploads in progress; bytes held = file size
    .collect.lock         taken shared to publish, exclusive to delete a blob

Collection (``services/blobs/collection.py``) removes abandoned partial files
and blobs no one needs; the lock file keeps it from deleting a blob in the
instant an upload of the same bytes finds it there.
"""

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from shared_models.domain.attachments import MAX_BLOB_BYTES
from sync_server.blobs.store import (
    OWNER_NAME,
    SHA256_NAME,
    BlobContent,
    BlobStoreError,
    ChunkOverrunError,
    HashMismatchError,
    HeldFile,
    UploadOffsetError,
    UploadProgress,
    check_owner,
    check_sha256,
)

_READ_BYTES = 1024 * 1024


def _modified(stat: os.stat_result) -> datetime:
    return datetime.fromtimestamp(stat.st_mtime, UTC)


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` survive a power loss."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileBlobStore:
    """``BlobStore`` on a local (or shared) folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.partial_dir = root / "partial"
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        self._collect_lock = root / ".collect.lock"

    def blob_path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def partial_path(self, owner: str, sha256: str) -> Path:
        return self.partial_dir / check_owner(owner) / check_sha256(sha256)

    def stored_size(self, sha256: str) -> int | None:
        try:
            return self.blob_path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def ready(self) -> None:
        if not (self.partial_dir.is_dir() and os.access(self.root, os.W_OK | os.X_OK)):
            raise BlobStoreError(
                f"the blob folder {self.root} is missing or not writable by this account "
                "(LASTMILE_BLOBS)"
            )

    def held(self, owner: str, sha256: str) -> int:
        try:
            return self.partial_path(owner, sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def open(self, sha256: str) -> BlobContent | None:
        try:
            stream = self.blob_path(sha256).open("rb")
        except FileNotFoundError:
            return None
        return BlobContent(stream=stream, size=os.fstat(stream.fileno()).st_size)

    def begin(self, owner: str, sha256: str, offset: int, length: int) -> "FileUpload":
        if not 1 <= length <= MAX_BLOB_BYTES or not 0 <= offset <= length:
            raise ValueError(f"offset {offset} and length {length} do not describe a blob")
        path = self.partial_path(owner, sha256)
        path.parent.mkdir(exist_ok=True)
        fd = self._lock_partial(path)
        try:
            held = os.fstat(fd).st_size
            if held != offset:
                if held == 0:
                    os.unlink(path)
                raise UploadOffsetError(held)
        except BaseException:
            os.close(fd)
            raise
        return FileUpload(self, path, sha256, fd, offset, length)

    def _lock_partial(self, path: Path, *, create: bool = True) -> int:
        """Open and lock the partial file that is linked at ``path`` now
        (``FileNotFoundError`` when there is none and ``create`` is false).

        A finished or discarded upload unlinks its partial while holding the
        lock, so a lock won on a file no longer linked there is worthless:
        start again with the file that is.
        """
        flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
        while True:
            fd = os.open(path, flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held = os.fstat(fd).st_size
                os.close(fd)
                raise UploadOffsetError(held, busy=True) from None
            try:
                linked = os.stat(path)
            except FileNotFoundError:
                os.close(fd)
                continue
            mine = os.fstat(fd)
            if (linked.st_dev, linked.st_ino) == (mine.st_dev, mine.st_ino):
                return fd
            os.close(fd)

    @contextmanager
    def _collection_lock(self, kind: int) -> Iterator[None]:
        fd = os.open(self._collect_lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, kind)
            yield
        finally:
            os.close(fd)

    def publish(self, path: Path, sha256: str, fd: int) -> None:
        """Move a verified partial into place so it is whole even after a crash:
        its bytes reach the disk before its name, and the name before the answer.
        Bytes stored already (someone else's upload) are kept once: the
        partial, now proven to be the same bytes, is dropped."""
        target = self.blob_path(sha256)
        with self._collection_lock(fcntl.LOCK_SH):
            if target.exists():
                os.unlink(path)
                _fsync_dir(path.parent)
                return
            os.fsync(fd)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            for folder in (target.parent, target.parent.parent, self.root, path.parent):
                _fsync_dir(folder)

    # -- collection -------------------------------------------------------------

    def partials(self) -> Iterator[HeldFile]:
        """Also the unowned ``partial/<sha>`` files of stores from before
        uploads had owners (owner ``""``): nobody resumes those any more."""
        for entry in self.partial_dir.iterdir():
            if entry.is_dir() and OWNER_NAME.fullmatch(entry.name):
                paths, owner = list(entry.iterdir()), entry.name
            elif entry.is_file():
                paths, owner = [entry], ""
            else:
                continue
            for path in paths:
                if not SHA256_NAME.fullmatch(path.name):
                    continue
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                yield HeldFile(owner, path.name, stat.st_size, _modified(stat))

    def expire_partial(self, owner: str, sha256: str, idle_before: datetime) -> int | None:
        if owner:
            path = self.partial_path(owner, sha256)
        else:
            path = self.partial_dir / check_sha256(sha256)
        try:
            fd = self._lock_partial(path, create=False)
        except UploadOffsetError:
            return None  # a request is writing it right now: not abandoned
        except FileNotFoundError:
            return None  # finished or expired since it was listed
        try:
            stat = os.fstat(fd)
            if _modified(stat) >= idle_before:
                return None
            os.unlink(path)
            return stat.st_size
        finally:
            os.close(fd)

    def blobs(self) -> Iterator[HeldFile]:
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if not SHA256_NAME.fullmatch(path.name):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            yield HeldFile("", path.name, stat.st_size, _modified(stat))

    def delete_blob(
        self, sha256: str, modified_before: datetime, unclaimed: Callable[[], bool]
    ) -> int:
        path = self.blob_path(sha256)
        with self._collection_lock(fcntl.LOCK_EX):
            try:
                stat = path.stat()
            except FileNotFoundError:
                return 0
            if _modified(stat) >= modified_before or not unclaimed():
                return 0
            os.unlink(path)
            _fsync_dir(path.parent)
            return stat.st_size


class FileUpload:
    """``BlobUpload`` for ``FileBlobStore``: appends to the locked partial file."""

    def __init__(
        self, store: FileBlobStore, path: Path, sha256: str, fd: int, offset: int, length: int
    ):
        self._store = store
        self._path = path
        self._sha256 = sha256
        self._fd: int | None = fd
        self._start = offset
        self._offset = offset
        self._length = length

    @property
    def offset(self) -> int:
        return self._offset

    def _open_fd(self) -> int:
        if self._fd is None:
            raise RuntimeError("this upload has ended")
        return self._fd

    def write(self, data: bytes) -> None:
        fd = self._open_fd()
        if self._offset + len(data) > self._length:
            raise ChunkOverrunError(f"the blob is {self._length} bytes long")
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
            self._offset += written

    def finish(self) -> UploadProgress:
        fd = self._open_fd()
        try:
            if self._offset < self._length:
                return UploadProgress(offset=self._offset, complete=False)
            if self._content_hash(fd) != self._sha256:
                os.unlink(self._path)
                raise HashMismatchError("the content does not match its SHA-256")
            self._store.publish(self._path, self._sha256, fd)
            return UploadProgress(offset=self._offset, complete=True)
        finally:
            self._release()

    def abandon(self, *, keep: bool) -> None:
        if self._fd is None:
            return
        try:
            if not keep:
                os.ftruncate(self._fd, self._start)
                self._offset = self._start
            if self._offset == 0:
                os.unlink(self._path)
        finally:
            self._release()

    def _content_hash(self, fd: int) -> str:
        digest = hashlib.sha256()
        position = 0
        while chunk := os.pread(fd, _READ_BYTES, position):
            digest.update(chunk)
            position += len(chunk)
        return digest.hexdigest()

    def _release(self) -> None:
        """Closing the descriptor drops the lock."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
