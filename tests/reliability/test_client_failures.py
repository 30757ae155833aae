"""Every way a sync call can fail becomes the one failure the engine acts on
(docs/protocol.md "Errors"), and nothing a call logs holds a token or a
person's data."""

import gzip
import json
import logging
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from field_app.errors import (
    AuthRevoked,
    BatchTooLarge,
    Offline,
    ProtocolUnsupported,
    RequestRejected,
    ResyncRequired,
    ServerError,
    SyncError,
)
from field_app.sync.client import SyncClient
from field_app.sync.status import SyncState
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.push import Mutation, PushRequest
from shared_models.protocol.tables import TableName
from tests.field_app.sync_fixtures import BASE_URL, Phone

TOKEN = "secret-token-value-0123456789"
Handler = Callable[[httpx.Request], httpx.Response]


def envelope(status: int, code: str, details: dict[str, object] | None = None) -> httpx.Response:
    body = {"error": {"code": code, "message": f"{code} happened", "details": details}}
    return httpx.Response(status, json=body)


def client(handler: Handler) -> SyncClient:
    http = httpx.Client(transport=httpx.MockTransport(handler), base_url=BASE_URL)
    return SyncClient(http, lambda: TOKEN)


def raising(error: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("injected", request=request)

    return handler


def answering(response: httpx.Response) -> Handler:
    return lambda _request: response


TRUNCATED = b'{"changes": [{"table": "cases", "op": "ups'


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (raising(httpx.ConnectError), Offline),
        (raising(httpx.ConnectTimeout), Offline),
        (raising(httpx.ReadTimeout), Offline),
        (raising(httpx.ReadError), Offline),
        (answering(httpx.Response(502, text="Bad Gateway")), Offline),
        (answering(httpx.Response(503, text="Service Unavailable")), Offline),
        (answering(envelope(504, "INTERNAL_ERROR")), Offline),
        (answering(httpx.Response(200, content=TRUNCATED)), Offline),
        (answering(httpx.Response(200, html="<html>Wi-Fi login</html>")), Offline),
        (answering(httpx.Response(403, text="proxy says no")), Offline),
        (answering(envelope(401, "TOKEN_REVOKED")), AuthRevoked),
        (answering(envelope(401, "TOKEN_MISSING")), AuthRevoked),
        (answering(envelope(410, "RESYNC_REQUIRED")), ResyncRequired),
        (answering(envelope(426, "PROTOCOL_UNSUPPORTED")), ProtocolUnsupported),
        (answering(envelope(500, "INTERNAL_ERROR")), ServerError),
        (answering(envelope(400, "CURSOR_INVALID")), RequestRejected),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_pull_failures_map_to_what_the_engine_acts_on(
    handler: Handler, expected: type[SyncError]
) -> None:
    with pytest.raises(expected):
        client(handler).pull("cursor", 100)


def test_batch_too_large_carries_the_server_limits() -> None:
    details = {"max_mutations": 3, "max_bytes": 4096}
    with pytest.raises(BatchTooLarge) as error:
        client(answering(envelope(413, "BATCH_TOO_LARGE", details))).push(push_request())
    assert (error.value.max_mutations, error.value.max_bytes) == (3, 4096)
    assert error.value.code is ErrorCode.BATCH_TOO_LARGE


def test_rejected_request_keeps_code_and_message() -> None:
    with pytest.raises(RequestRejected) as error:
        client(answering(envelope(422, "VALIDATION_FAILED", {"field": "x"}))).me()
    assert (error.value.status, error.value.code) == (422, ErrorCode.VALIDATION_FAILED)
    assert error.value.message == "VALIDATION_FAILED happened"
    assert error.value.details == {"field": "x"}


def test_wrong_password_is_a_rejection_not_a_revoked_token() -> None:
    with pytest.raises(RequestRejected) as error:
        client(answering(envelope(401, "INVALID_CREDENTIALS"))).login(
            "mediator.baijia", "wrong", "device-0001", "phone"
        )
    assert error.value.code is ErrorCode.INVALID_CREDENTIALS


def test_no_token_means_sign_in_without_calling_the_server() -> None:
    calls: list[httpx.Request] = []
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200)),
        base_url=BASE_URL,
    )
    with pytest.raises(AuthRevoked):
        SyncClient(http, lambda: None).pull(None, 10)
    assert calls == []


def push_request() -> PushRequest:
    mutation = Mutation(
        mutation_id=uuid.uuid4(),
        table=TableName.PARTIES,
        record_id=uuid.uuid4(),
        fields={"name": "欧阳娜娜", "phone": "13912345678"},
    )
    return PushRequest(device_id="device-0001", protocol=1, mutations=[mutation])


def test_push_goes_gzip_compressed_and_nothing_personal_or_secret_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return envelope(503, "INTERNAL_ERROR")

    caplog.set_level(logging.DEBUG)
    with pytest.raises(Offline):
        client(handler).push(push_request())
    [request] = seen
    assert request.headers["content-encoding"] == "gzip"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    sent = json.loads(gzip.decompress(request.content))
    assert sent["mutations"][0]["fields"]["name"] == "欧阳娜娜"
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert logged, "the failure is logged"
    for secret in (TOKEN, "欧阳娜娜", "13912345678"):
        assert secret not in logged


def test_blob_patch_with_a_wrong_offset_answers_where_to_continue() -> None:
    headers = {"Upload-Offset": "2000"}
    details = {"offset": 2000, "busy": False}
    conflict = envelope(409, "UPLOAD_OFFSET_MISMATCH", details)
    response = httpx.Response(409, headers=headers, content=conflict.content)
    progress = client(answering(response)).blob_patch("ab" * 32, 1000, 3000, b"x" * 1000)
    assert (progress.offset, progress.complete, progress.busy) == (2000, False, False)


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (envelope(426, "PROTOCOL_UNSUPPORTED"), SyncState.UPDATE_REQUIRED),
        (envelope(500, "INTERNAL_ERROR"), SyncState.FAILED),
        (envelope(422, "VALIDATION_FAILED"), SyncState.FAILED),
        (envelope(401, "TOKEN_REVOKED"), SyncState.NEEDS_LOGIN),
        (httpx.Response(503), SyncState.OFFLINE),
    ],
)
def test_the_engine_tells_the_user_what_a_failure_means(
    answer: httpx.Response, state: SyncState, tmp_path: Path, local_template: Path
) -> None:
    http = httpx.Client(transport=httpx.MockTransport(answering(answer)), base_url=BASE_URL)
    phone = Phone(http, tmp_path / "phone", local_template)
    phone.adopt(TOKEN, {"id": str(uuid.uuid4()), "username": "mediator.baijia"})
    phone.save(
        TableName.CASES,
        {
            "title": "x",
            "category": "other",
            "source": "phone",
            "org_unit_id": str(uuid.uuid4()),
            "opened_at": "2026-11-28T09:00:00+08:00",
        },
    )
    result = phone.sync()
    assert result.outcome is state
    assert phone.engine.status.state is state
    assert phone.engine.status.waiting == 1
    assert phone.engine.status.reason
    assert len(phone.store.outbox.items()) == 1, "a failed push keeps the change"
    phone.close()
