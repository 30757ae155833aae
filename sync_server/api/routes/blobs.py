"""Blobs: resumable, content-addressed uploads and scoped downloads
(docs/protocol.md "Blobs", docs/security.md "Blobs").

Any signed-in device may upload, within its quotas: a phone uploads a photo
before or after it pushes the attachment record. Every answer speaks of the
caller's own uploads only, and a blob is served only through an attachment
record the caller may see whose author sent the bytes
(``services/blobs/claims.py``), so knowing a hash reveals nothing.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from shared_models.domain.attachments import MAX_BLOB_BYTES
from shared_models.protocol.blobs import (
    CHUNK_MEDIA_TYPES,
    MAX_CHUNK_BYTES,
    UPLOAD_LENGTH,
    UPLOAD_OFFSET,
    MissingBlobsRequest,
    MissingBlobsResponse,
)
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from sync_server.api.deps import CallerDep, EngineDep, SessionDep, SettingsDep
from sync_server.blobs.open import open_blob_store
from sync_server.blobs.store import (
    BlobStore,
    BlobUpload,
    HashMismatchError,
    UploadOffsetError,
    UploadProgress,
)
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError, error_response
from sync_server.services.accounts.tokens import Caller
from sync_server.services.blobs.claims import (
    QuotaExceededError,
    Quotas,
    readable_mime,
    record_stored,
    reserve_upload,
    stored_by,
    upload_owner,
)

router = APIRouter(prefix="/api/v1", tags=["blobs"])

WRITE_BUFFER_BYTES = 1024 * 1024
"""Received bytes gathered before one write, so a chunk is not a thousand thread hops."""
READ_BYTES = 64 * 1024

BlobHash = Annotated[
    str, PathParam(pattern=r"^[0-9a-f]{64}$", description="lowercase hex SHA-256 of the content")
]
_NOT_FOUND = "no such blob, or not one of your records' attachments"


def get_blob_store(request: Request, settings: SettingsDep) -> BlobStore:
    """The app's store (the settings' ``blob_store``); a test may put another
    one on ``app.state``."""
    store: BlobStore | None = getattr(request.app.state, "blob_store", None)
    if store is None:
        store = open_blob_store(settings)
        request.app.state.blob_store = store
    return store


BlobStoreDep = Annotated[BlobStore, Depends(get_blob_store)]


def _offset_header(offset: int) -> dict[str, str]:
    return {UPLOAD_OFFSET: str(offset), "Cache-Control": "no-store"}


@router.post(
    "/blobs/missing",
    responses={401: {"model": ErrorEnvelope}, 422: {"model": ErrorEnvelope}},
)
def missing_blobs(
    body: MissingBlobsRequest, caller: CallerDep, session: SessionDep
) -> MissingBlobsResponse:
    """Which of these blobs the caller has not sent whole yet, so a device
    uploads only those. Bytes someone else sent count as missing."""
    sent = stored_by(session, caller.user.id, body.sha256)
    return MissingBlobsResponse(missing=[h for h in dict.fromkeys(body.sha256) if h not in sent])


@router.head(
    "/blobs/{sha256}",
    responses={
        200: {"description": "you have sent it whole"},
        401: {"description": "not signed in"},
        404: {"description": f"not sent whole; header {UPLOAD_OFFSET} = your bytes held so far"},
    },
)
def blob_status(
    sha256: BlobHash, caller: CallerDep, session: SessionDep, store: BlobStoreDep
) -> Response:
    """Whether the caller has sent the blob whole, else where to resume their upload."""
    size = stored_by(session, caller.user.id, [sha256]).get(sha256)
    if size is not None:
        return Response(status_code=200, headers={**_offset_header(size), UPLOAD_LENGTH: str(size)})
    held = store.held(upload_owner(caller.user.id), sha256)
    return Response(status_code=404, headers=_offset_header(held))


@router.patch(
    "/blobs/{sha256}",
    status_code=204,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/offset+octet-stream": {
                    "schema": {"type": "string", "format": "binary"}
                }
            },
        }
    },
    responses={
        201: {"description": "the blob is complete and verified (or you had sent it already)"},
        204: {"description": f"chunk kept; header {UPLOAD_OFFSET} = bytes held"},
        400: {"model": ErrorEnvelope, "description": "the chunk was cut off (bytes kept)"},
        401: {"model": ErrorEnvelope},
        403: {"model": ErrorEnvelope, "description": "QUOTA_EXCEEDED: the message says which"},
        409: {"model": ErrorEnvelope, "description": "wrong offset; header has the right one"},
        413: {"model": ErrorEnvelope, "description": "blob or chunk too large"},
        415: {"model": ErrorEnvelope, "description": "send the chunk as raw bytes"},
        422: {"model": ErrorEnvelope, "description": "bad headers, or content ≠ SHA-256"},
    },
)
async def upload_chunk(
    sha256: BlobHash,
    request: Request,
    caller: CallerDep,
    engine: EngineDep,
    settings: SettingsDep,
    store: BlobStoreDep,
    upload_offset: Annotated[int, Header(alias=UPLOAD_OFFSET, ge=0)],
    upload_length: Annotated[int, Header(alias=UPLOAD_LENGTH, ge=1)],
) -> Response:
    """Append one chunk at ``Upload-Offset``; the chunk that completes the blob
    also has it verified and published."""
    allowed = _chunk_allowance(request, upload_offset, upload_length)
    sent = await run_in_threadpool(
        _reserve, engine, caller, Quotas.of(settings), sha256, upload_length
    )
    if sent is not None:
        return Response(status_code=201, headers=_offset_header(sent))
    owner = upload_owner(caller.user.id)
    try:
        upload = await run_in_threadpool(store.begin, owner, sha256, upload_offset, upload_length)
    except UploadOffsetError as wrong:
        raise _offset_conflict(wrong) from None
    progress = await _receive_chunk(request, upload, allowed)
    if progress is None:
        return error_response(
            400,
            ErrorCode.MALFORMED_REQUEST,
            "the chunk was cut off; ask HEAD for the offset and resume",
            headers=_offset_header(upload.offset),
        )
    if not progress.complete:
        return Response(status_code=204, headers=_offset_header(progress.offset))
    await run_in_threadpool(_record_stored, engine, caller, sha256, progress.offset)
    return Response(status_code=201, headers=_offset_header(progress.offset))


def _reserve(
    engine: Engine, caller: Caller, quotas: Quotas, sha256: str, length: int
) -> int | None:
    """The size when the caller has sent this blob already, else ``None`` with
    its bytes reserved in the quotas (403 ``QUOTA_EXCEEDED`` when they do not fit)."""
    now = datetime.now(UTC)
    try:
        with write_session(engine) as session:
            return reserve_upload(
                session, caller.user.id, caller.device_id, sha256, length, quotas, now
            )
    except QuotaExceededError as full:
        raise ApiError(
            403,
            ErrorCode.QUOTA_EXCEEDED,
            full.message,
            {
                "quota": full.quota,
                "limit_bytes": full.limit,
                "used_bytes": full.used,
                "blob_bytes": full.size,
            },
        ) from None


def _chunk_allowance(request: Request, offset: int, length: int) -> int:
    """Refuse what the headers alone show to be wrong, before touching the store;
    return how many body bytes this PATCH may carry."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if media_type not in CHUNK_MEDIA_TYPES or encoding not in ("", "identity"):
        raise ApiError(
            415,
            ErrorCode.UNSUPPORTED_MEDIA,
            "send the chunk as uncompressed Content-Type: application/offset+octet-stream",
        )
    if length > MAX_BLOB_BYTES:
        raise ApiError(
            413,
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"a blob may be at most {MAX_BLOB_BYTES} bytes",
            {"max_bytes": MAX_BLOB_BYTES},
        )
    if offset > length:
        raise ApiError(
            422,
            ErrorCode.VALIDATION_FAILED,
            f"{UPLOAD_OFFSET}: lies beyond {UPLOAD_LENGTH}",
            {"problems": [{"field": UPLOAD_OFFSET, "message": "lies beyond Upload-Length"}]},
        )
    allowed = min(MAX_CHUNK_BYTES, length - offset)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > allowed:
        raise _chunk_too_large(allowed)
    return allowed


def _chunk_too_large(allowed: int) -> ApiError:
    return ApiError(
        413,
        ErrorCode.PAYLOAD_TOO_LARGE,
        f"this chunk may be at most {allowed} bytes (at most {MAX_CHUNK_BYTES} per request, "
        f"and no further than {UPLOAD_LENGTH})",
        {"max_bytes": allowed, "max_chunk_bytes": MAX_CHUNK_BYTES},
    )


def _offset_conflict(wrong: UploadOffsetError) -> ApiError:
    message = (
        "another upload of this blob is in progress; ask HEAD for the offset later"
        if wrong.busy
        else f"the server holds {wrong.held} bytes of this blob; continue from there"
    )
    return ApiError(
        409,
        ErrorCode.UPLOAD_OFFSET_MISMATCH,
        message,
        {"offset": wrong.held, "busy": wrong.busy},
        headers=_offset_header(wrong.held),
    )


async def _receive_chunk(
    request: Request, upload: BlobUpload, allowed: int
) -> UploadProgress | None:
    """Stream the body to the store; ``None`` when the client went away.

    The error paths end the upload without a thread hop: a cancelled request
    cannot await one, and an upload left open would hold its lock forever.
    """
    buffer = bytearray()
    received = 0
    try:
        async for part in request.stream():
            received += len(part)
            if received > allowed:
                raise _chunk_too_large(allowed)
            buffer += part
            if len(buffer) >= WRITE_BUFFER_BYTES:
                await run_in_threadpool(upload.write, bytes(buffer))
                buffer.clear()
        if buffer:
            await run_in_threadpool(upload.write, bytes(buffer))
    except ClientDisconnect:
        # What arrived is kept: resuming continues from it instead of restarting.
        try:
            upload.write(bytes(buffer))
        finally:
            upload.abandon(keep=True)
        return None
    except BaseException:
        upload.abandon(keep=False)
        raise
    try:
        return await run_in_threadpool(upload.finish)
    except HashMismatchError:
        raise ApiError(
            422,
            ErrorCode.HASH_MISMATCH,
            "the uploaded bytes do not match their SHA-256; they were discarded, "
            "upload the blob again from offset 0",
            {"offset": 0},
            headers=_offset_header(0),
        ) from None


def _record_stored(engine: Engine, caller: Caller, sha256: str, size: int) -> None:
    """Written once the blob is durable, so neither the claim nor the audit
    log names a blob that is not there."""
    with write_session(engine) as session:
        record_stored(session, caller.user.id, caller.device_id, sha256, size, datetime.now(UTC))


@router.get(
    "/blobs/{sha256}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
        401: {"model": ErrorEnvelope},
        404: {"model": ErrorEnvelope, "description": "unknown, or not in your jurisdiction"},
    },
)
def download_blob(
    sha256: BlobHash, caller: CallerDep, session: SessionDep, store: BlobStoreDep
) -> StreamingResponse:
    """The bytes, through an attachment record the caller may see whose
    author sent them.

    Unknown, not yet uploaded, out-of-scope blobs and those named only by
    records whose author never sent them get the same 404, so the answer
    tells nothing about records in another jurisdiction.
    """
    mime = readable_mime(session, caller.scope, sha256)
    content = store.open(sha256) if mime is not None else None
    if mime is None or content is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, _NOT_FOUND)
    headers = {
        "Content-Length": str(content.size),
        # Photos and signatures are personal data: no HTTP cache may keep them
        # (the app stores what it needs in its own encrypted store).
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(_chunks(content.stream), media_type=mime, headers=headers)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """Read in the worker thread, closing the file however the response ends."""
    with stream:
        while chunk := stream.read(READ_BYTES):
            yield chunk
