"""Push and pull: the heart of the protocol (docs/protocol.md)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import JsonValue
from sqlmodel import Session

from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.pull import DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PullPage
from shared_models.protocol.push import PushRequest, PushResponse
from shared_models.protocol.version import SUPPORTED_PROTOCOLS, SYNC_EPOCH_HEADER
from sync_server.api.deps import (
    CallerDep,
    EngineDep,
    ScopeCacheDep,
    SessionDep,
    SettingsDep,
    TokenDigestDep,
    read_caller,
)
from sync_server.api.validated_body import ValidatedBodyRoute
from sync_server.core.audit import append_audit
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, retrying_races, write_session
from sync_server.core.district_key import district_key
from sync_server.core.errors import ApiError
from sync_server.core.logs import note_user
from sync_server.core.metrics import MUTATIONS
from sync_server.core.versions import sync_mark
from sync_server.services.accounts.tokens import Caller, find_caller, touch_token
from sync_server.services.sync.pull import PullRefusedError, pull_page
from sync_server.services.sync.push import PushSummary, apply_push

router = APIRouter(prefix="/api/v1/sync", tags=["sync"], route_class=ValidatedBodyRoute)

_PULL_REFUSALS = {ErrorCode.CURSOR_INVALID: 400, ErrorCode.RESYNC_REQUIRED: 410}


@router.post(
    "/push",
    response_model=PushResponse,
    responses={
        401: {"model": ErrorEnvelope},
        410: {"model": ErrorEnvelope, "description": "restored since: re-send, pull afresh"},
        413: {"model": ErrorEnvelope, "description": "batch over the stated limits"},
        422: {"model": ErrorEnvelope},
        426: {"model": ErrorEnvelope, "description": "protocol version not served"},
    },
)
def push(
    body: PushRequest,
    digest: TokenDigestDep,
    scopes: ScopeCacheDep,
    engine: EngineDep,
    settings: SettingsDep,
    device_epoch: Annotated[str | None, Header(alias=SYNC_EPOCH_HEADER, max_length=64)] = None,
) -> Response:
    """Apply a device's mutations in order, one result each, in one transaction.

    The caller is authenticated inside that transaction (``find_caller``):
    one connection and one transaction per push, where a separate read for
    the token would cost a second of each on every batch.

    The answer is serialised here: returned as a model, FastAPI would dump
    it to Python objects, validate those again and only then write JSON."""
    if not body.mutations:
        # A device with nothing to send still pushes first; that writes nothing.
        with read_session(engine) as session:
            caller = read_caller(session, digest, scopes, engine, settings)
            epoch = _check_epoch(session, device_epoch)
        _check_push(body, caller, settings)
        return _json(PushResponse(results=[], server_time=datetime.now(UTC)), epoch)

    epochs: list[str] = []
    summaries: list[PushSummary] = []

    def transaction() -> PushResponse:
        with write_session(engine) as session:
            caller, stale = find_caller(session, digest, scopes, settings)
            note_user(caller.user.id)
            epochs.append(_check_epoch(session, device_epoch))
            _check_push(body, caller, settings)
            if stale:
                touch_token(session, caller.token_hash)
            now = datetime.now(UTC)
            response, summary = apply_push(
                session,
                caller.scope,
                caller.device_id,
                body,
                now,
                signer=district_key(settings),
                mediation=settings.mediation,
            )
            append_audit(
                session,
                "push",
                now,
                actor_id=caller.user.id,
                device_id=caller.device_id,
                detail={"statuses": summary.by_status, "tables": summary.by_table},
            )
        summaries.append(summary)
        return response

    # Pushes run side by side; one that raced another over the same records
    # runs again, and then finds the other's results (duplicates) or rows.
    response = retrying_races(transaction)
    for outcome, count in summaries[-1].by_status.items():
        MUTATIONS.labels(outcome).inc(count)
    return _json(response, epochs[-1])


def _check_epoch(session: Session, device_epoch: str | None) -> str:
    """The server's sync epoch; a push from a device that knows another one
    (the server was restored from a backup since) is refused before anything
    is applied: the device re-queues what it sent since and pulls afresh."""
    epoch = str(sync_mark(session).epoch)
    if device_epoch is not None and device_epoch != epoch:
        raise ApiError(
            410,
            ErrorCode.RESYNC_REQUIRED,
            "the server was restored from a backup: send again what you sent since, "
            "then pull without a cursor",
            {"epoch": epoch},
            headers={SYNC_EPOCH_HEADER: epoch},
        )
    return epoch


def _check_push(body: PushRequest, caller: Caller, settings: ServerSettings) -> None:
    """Refuse a push this server will not apply: an unknown protocol, too many
    mutations, or another device's token. Raised inside a push's write
    transaction, the refusal rolls back the last-seen time too."""
    if body.protocol not in SUPPORTED_PROTOCOLS:
        raise ApiError(
            426,
            ErrorCode.PROTOCOL_UNSUPPORTED,
            "this app speaks an older or newer protocol than the server; update the app",
            {"supported": list[JsonValue](sorted(SUPPORTED_PROTOCOLS))},
        )
    if len(body.mutations) > settings.max_push_mutations:
        raise ApiError(
            413,
            ErrorCode.BATCH_TOO_LARGE,
            f"send at most {settings.max_push_mutations} mutations per push",
            {"max_mutations": settings.max_push_mutations, "max_bytes": settings.max_push_bytes},
        )
    if body.device_id != caller.device_id:
        raise ApiError(
            422,
            ErrorCode.VALIDATION_FAILED,
            "device_id: does not match the device this token was issued to",
        )


def _json(response: PushResponse, epoch: str) -> Response:
    body = PushResponse.__pydantic_serializer__.to_json(response)  # model_dump_json, as bytes
    return Response(body, media_type="application/json", headers={SYNC_EPOCH_HEADER: epoch})


@router.get(
    "/pull",
    response_model=PullPage,
    responses={
        400: {"model": ErrorEnvelope, "description": "cursor not issued by this server"},
        401: {"model": ErrorEnvelope},
        410: {"model": ErrorEnvelope, "description": "resync required"},
    },
)
def pull(
    caller: CallerDep,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> Response:
    """The next page of changes in the caller's jurisdiction after ``cursor``."""
    try:
        page = pull_page(session, caller.scope, cursor, limit)
    except PullRefusedError as refused:
        epoch = {SYNC_EPOCH_HEADER: str(sync_mark(session).epoch)}
        raise ApiError(
            _PULL_REFUSALS[refused.code], refused.code, refused.message, headers=epoch
        ) from None
    headers = {SYNC_EPOCH_HEADER: page.epoch}
    if page.streamed:
        return StreamingResponse(page.chunks(), media_type="application/json", headers=headers)
    return Response(page.to_json(), media_type="application/json", headers=headers)
