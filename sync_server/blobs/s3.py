"""``S3BlobStore``: the blob store on S3-compatible object storage (MinIO,
the object stores of government clouds), for deployments whose servers share
no folder (``store.py`` has the interface and its rules; docs/backup.md how
to configure it).

Every key is made here from a checked SHA-256 and owner under the configured
prefix, never from anything else a client sent. Layout under the prefix::

    blobs/<sha256>                            complete, verified blobs
    uploads/<owner>/<sha256>/part-<offset>    an upload in progress: one object
                                              per write, held = the unbroken run
                                              of parts from offset 0
    uploads/<owner>/<sha256>/lock             that upload's lock (below)
    collecting/<sha256>                       a collection deleting this blob now

Resumable uploads keep working because every write lands as its own object
before it is acknowledged: a dropped connection keeps what arrived, a
refused chunk deletes only its own parts, and a later request (from any
server process) finds the held bytes by listing. When the last byte arrives
the parts are read back in order, hashed and, only if they hash to the
name, written as the blob; so nothing half-received or mis-named is ever
readable, whatever else happened to the parts.

The upload lock is an object created with a conditional write
(``If-None-Match: *``); a second request for the same upload finds it and
is told "busy". A lock older than ``LOCK_LEASE`` (a crashed server's) is
taken over with ``If-Match`` on its ETag. Stores without conditional writes
run with ``s3_upload_locks = false``: concurrent requests for one upload
are then not told "busy", and still never publish bytes that did not hash.

Collection against publication: a collection writes ``collecting/<sha>``,
then asks the database whether anyone claims the blob, then deletes; an
upload, whose claim is in the database before its bytes arrive, waits for
no ``collecting/<sha>`` before it writes the blob (it always writes it, even
when the same bytes are there). Either the collection sees the claim, or the
upload writes the blob after the deletion.
"""

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from tempfile import SpooledTemporaryFile
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared_models.domain.attachments import MAX_BLOB_BYTES
from sync_server.blobs.s3_problems import error_code, s3_problem
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

LOCK_LEASE = timedelta(minutes=15)
"""A lock this old belongs to a server that died mid-chunk (a chunk is at
most 8 MiB; at 50 KB/s that is under three minutes)."""
COLLECT_MARK_STALE = timedelta(seconds=60)
"""A collection's mark this old is a collection that died between its steps."""
_SPOOL_BYTES = 4 * 1024 * 1024
_READ_BYTES = 1024 * 1024
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CONDITION_FAILED = frozenset({"412", "PreconditionFailed", "ConditionalRequestConflict"})
_UNSUPPORTED = frozenset({"501", "NotImplemented"})


@dataclass(frozen=True)
class _Part:
    offset: int
    size: int
    key: str
    modified: datetime


def _held(parts: list[_Part]) -> tuple[int, list[_Part]]:
    """The bytes held (the unbroken run of parts from offset 0) and that run."""
    held, run = 0, []
    for part in sorted(parts, key=lambda p: (p.offset, -p.size)):
        if part.offset == held and part.size > 0:
            run.append(part)
            held += part.size
    return held, run


class S3BlobStore:
    """``BlobStore`` on one bucket (and key prefix) of an S3-compatible store.

    ``client`` is a boto3 S3 client (``blobs/open.py`` makes it from the
    settings); it is thread-safe, so one store serves every request.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        locks: bool = True,
        bucket_setting: str = "LASTMILE_S3_BUCKET",
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.locks = locks
        self.bucket_setting = bucket_setting
        """Where the bucket's name came from, for the operator's messages."""

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    # -- keys: the only place they are made -------------------------------------------

    def blob_key(self, sha256: str) -> str:
        return f"{self.prefix}blobs/{check_sha256(sha256)}"

    def upload_prefix(self, owner: str, sha256: str) -> str:
        return f"{self.prefix}uploads/{check_owner(owner)}/{check_sha256(sha256)}/"

    def _part_key(self, owner: str, sha256: str, offset: int) -> str:
        return f"{self.upload_prefix(owner, sha256)}part-{offset:010d}"

    def _collect_key(self, sha256: str) -> str:
        return f"{self.prefix}collecting/{check_sha256(sha256)}"

    # -- reading ----------------------------------------------------------------------

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error_code(error) in _MISSING:
                return None
            raise
        return head

    def stored_size(self, sha256: str) -> int | None:
        head = self._head(self.blob_key(sha256))
        return None if head is None else int(head["ContentLength"])

    def open(self, sha256: str) -> BlobContent | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.blob_key(sha256))
        except ClientError as error:
            if error_code(error) in _MISSING:
                return None
            raise
        return BlobContent(stream=answer["Body"], size=int(answer["ContentLength"]))

    def ready(self) -> None:
        """Whether the bucket can be used; else ``BlobStoreError`` with one
        line that names the setting to fix (``s3_problem``)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as error:
            raise BlobStoreError(
                s3_problem(error, self.client, self.bucket, self.bucket_setting)
            ) from None

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    # -- uploads ----------------------------------------------------------------------

    def _parts(self, owner: str, sha256: str) -> list[_Part]:
        base = self.upload_prefix(owner, sha256) + "part-"
        parts = []
        for item in self._list(base):
            offset = item["Key"][len(base) :]
            if offset.isdigit():
                parts.append(
                    _Part(int(offset), int(item["Size"]), item["Key"], item["LastModified"])
                )
        return parts

    def held(self, owner: str, sha256: str) -> int:
        return _held(self._parts(owner, sha256))[0]

    def begin(self, owner: str, sha256: str, offset: int, length: int) -> "S3Upload":
        if not 1 <= length <= MAX_BLOB_BYTES or not 0 <= offset <= length:
            raise ValueError(f"offset {offset} and length {length} do not describe a blob")
        lock = self._lock(owner, sha256)
        try:
            held = self.held(owner, sha256)
            if held != offset:
                raise UploadOffsetError(held)
        except BaseException:
            self._unlock(owner, sha256, lock)
            raise
        return S3Upload(self, owner, sha256, offset, length, lock)

    def _lock(self, owner: str, sha256: str) -> str | None:
        """Take the upload's lock (its ETag), or raise ``UploadOffsetError(busy)``."""
        if not self.locks:
            return None
        key = self.upload_prefix(owner, sha256) + "lock"
        try:
            return str(self._put(key, uuid.uuid4().bytes, IfNoneMatch="*")["ETag"])
        except ClientError as error:
            if error_code(error) in _UNSUPPORTED:
                raise BlobStoreError(
                    "the object store refuses conditional writes: set s3_upload_locks "
                    "to false (docs/backup.md)"
                ) from None
            if error_code(error) not in _CONDITION_FAILED:
                raise
        current = self._head(key)
        if current is not None and _age(current) >= LOCK_LEASE:
            try:
                taken = self._put(key, uuid.uuid4().bytes, IfMatch=current["ETag"])
                return str(taken["ETag"])
            except ClientError as error:
                if error_code(error) not in _CONDITION_FAILED | _MISSING:
                    raise
        raise UploadOffsetError(self.held(owner, sha256), busy=True)

    def _unlock(self, owner: str, sha256: str, lock: str | None) -> None:
        if lock is None:
            return
        key = self.upload_prefix(owner, sha256) + "lock"
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key, IfMatch=lock)
        except ClientError as error:
            if error_code(error) in _UNSUPPORTED:
                # A store with conditional writes but not conditional deletes:
                # the lock is this upload's unless it outlived its lease.
                self.client.delete_object(Bucket=self.bucket, Key=key)
            elif error_code(error) not in _CONDITION_FAILED | _MISSING:
                raise

    def _put(self, key: str, body: Any, **conditions: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.put_object(
            Bucket=self.bucket, Key=key, Body=body, **conditions
        )
        return answer

    def _delete_parts(self, parts: list[_Part]) -> None:
        for part in parts:
            self.client.delete_object(Bucket=self.bucket, Key=part.key)

    def publish(self, sha256: str, content: Any) -> None:
        """Write the verified ``content`` as the blob, once no collection is
        deleting it (module docstring); written even when the same bytes
        are there, so a deletion racing this upload cannot win."""
        mark = self._collect_key(sha256)
        deadline = time.monotonic() + COLLECT_MARK_STALE.total_seconds()
        while (found := self._head(mark)) is not None and _age(found) < COLLECT_MARK_STALE:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        content.seek(0)
        self.client.put_object(Bucket=self.bucket, Key=self.blob_key(sha256), Body=content)

    # -- collection -------------------------------------------------------------------

    def partials(self) -> Iterator[HeldFile]:
        uploads: dict[tuple[str, str], list[_Part]] = {}
        base = f"{self.prefix}uploads/"
        for item in self._list(base):
            owner, _, rest = item["Key"][len(base) :].partition("/")
            sha256, _, name = rest.partition("/")
            offset = name.removeprefix("part-")
            if OWNER_NAME.fullmatch(owner) and SHA256_NAME.fullmatch(sha256) and offset.isdigit():
                part = _Part(int(offset), int(item["Size"]), item["Key"], item["LastModified"])
                uploads.setdefault((owner, sha256), []).append(part)
        for (owner, sha256), parts in uploads.items():
            held = _held(parts)[0]
            yield HeldFile(owner, sha256, held, max(part.modified for part in parts))

    def expire_partial(self, owner: str, sha256: str, idle_before: datetime) -> int | None:
        if not owner:
            return None  # folders of the file store's first layout only
        try:
            lock = self._lock(owner, sha256)
        except UploadOffsetError:
            return None  # a request is writing it right now: not abandoned
        try:
            parts = self._parts(owner, sha256)
            if not parts or max(part.modified for part in parts) >= idle_before:
                return None
            self._delete_parts(parts)
            return _held(parts)[0]
        finally:
            self._unlock(owner, sha256, lock)

    def blobs(self) -> Iterator[HeldFile]:
        base = f"{self.prefix}blobs/"
        for item in self._list(base):
            name = item["Key"][len(base) :]
            if SHA256_NAME.fullmatch(name):
                yield HeldFile("", name, int(item["Size"]), item["LastModified"])

    def delete_blob(
        self, sha256: str, modified_before: datetime, unclaimed: Callable[[], bool]
    ) -> int:
        key, mark = self.blob_key(sha256), self._collect_key(sha256)
        head = self._head(key)
        if head is None or head["LastModified"] >= modified_before:
            return 0
        self._put(mark, uuid.uuid4().bytes)
        try:
            if not unclaimed():
                return 0
            head = self._head(key)
            if head is None or head["LastModified"] >= modified_before:
                return 0  # published again since it was listed
            self.client.delete_object(Bucket=self.bucket, Key=key)
            return int(head["ContentLength"])
        finally:
            self.client.delete_object(Bucket=self.bucket, Key=mark)


def _age(head: dict[str, Any]) -> timedelta:
    """How old an object is by the object store's own clock (the answer's
    ``Date``), so a server whose clock is off neither steals nor keeps a lock."""
    date = head.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    now = parsedate_to_datetime(date) if date else datetime.now(UTC)
    modified: datetime = head["LastModified"]
    return now - modified


class S3Upload:
    """``BlobUpload`` for ``S3BlobStore``: each write is one part object."""

    def __init__(
        self,
        store: S3BlobStore,
        owner: str,
        sha256: str,
        offset: int,
        length: int,
        lock: str | None,
    ) -> None:
        self._store = store
        self._owner = owner
        self._sha256 = sha256
        self._start = offset
        self._offset = offset
        self._length = length
        self._lock = lock
        self._written: list[str] = []
        self._ended = False

    @property
    def offset(self) -> int:
        return self._offset

    def write(self, data: bytes) -> None:
        if self._ended:
            raise RuntimeError("this upload has ended")
        if self._offset + len(data) > self._length:
            raise ChunkOverrunError(f"the blob is {self._length} bytes long")
        if not data:
            return
        key = self._store._part_key(self._owner, self._sha256, self._offset)
        self._store._put(key, data)
        self._written.append(key)
        self._offset += len(data)

    def finish(self) -> UploadProgress:
        if self._ended:
            raise RuntimeError("this upload has ended")
        try:
            if self._offset < self._length:
                return UploadProgress(offset=self._offset, complete=False)
            return self._publish()
        finally:
            self._release()

    def _publish(self) -> UploadProgress:
        store = self._store
        parts = store._parts(self._owner, self._sha256)
        held, run = _held(parts)
        if held != self._length:
            # Another request rewrote parts under this one (uploads without locks).
            return UploadProgress(offset=held, complete=False)
        digest = hashlib.sha256()
        with SpooledTemporaryFile(max_size=_SPOOL_BYTES) as content:
            for part in run:
                body = store.client.get_object(Bucket=store.bucket, Key=part.key)["Body"]
                with body:
                    while chunk := body.read(_READ_BYTES):
                        digest.update(chunk)
                        content.write(chunk)
            if digest.hexdigest() != self._sha256:
                store._delete_parts(parts)
                raise HashMismatchError("the content does not match its SHA-256")
            store.publish(self._sha256, content)
        store._delete_parts(parts)
        return UploadProgress(offset=self._length, complete=True)

    def abandon(self, *, keep: bool) -> None:
        if self._ended:
            return
        try:
            store = self._store
            if not keep:
                for key in self._written:
                    store.client.delete_object(Bucket=store.bucket, Key=key)
                self._offset = self._start
            if self._offset == 0:
                store._delete_parts(store._parts(self._owner, self._sha256))
        finally:
            self._release()

    def _release(self) -> None:
        if not self._ended:
            self._ended = True
            self._store._unlock(self._owner, self._sha256, self._lock)
