"""Thin, typed calls of the sync protocol (docs/protocol.md).

Every failure becomes one exception (defined in ``field_app/errors.py``, so
the screens catch them without importing sync) the engine can decide on without reading
HTTP: ``Offline`` (try again later), ``AuthRevoked`` (ask the user to sign
in), ``ResyncRequired``, ``BatchTooLarge`` (split), ``ProtocolUnsupported``
(update the app), ``ServerError`` (back off) and ``RequestRejected`` (the
server refused this request and said why). A body that cannot be read — cut
off by a dropped link, or a captive portal's HTML page with status 200 — is
``Offline``: no answer arrived, so nothing may be concluded from it.

Nothing here logs a token, a body or a record: only method, path and status.
"""

import gzip
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, JsonValue, ValidationError

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
from shared_models.correction.settings import CorrectionSettings
from shared_models.protocol.auth import LoginRequest, LoginResponse, Me, PasswordChange
from shared_models.protocol.blobs import (
    UPLOAD_LENGTH,
    UPLOAD_OFFSET,
    MissingBlobsRequest,
    MissingBlobsResponse,
)
from shared_models.protocol.errors import ErrorCode, ErrorEnvelope
from shared_models.protocol.pull import PullPage
from shared_models.protocol.push import PushRequest, PushResponse

log = logging.getLogger(__name__)

API = "/api/v1"
TRANSIENT_STATUSES = frozenset({502, 503, 504})
"""Gateway answers: the server (or the way to it) is not there right now."""

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class BlobProgress:
    """How much of a blob the server holds; ``busy`` means another upload of
    the same blob holds it right now, so try again later."""

    offset: int
    complete: bool
    busy: bool = False


TokenProvider = Callable[[], str | None]


class SyncClient:
    """The protocol over an injected ``httpx.Client`` (a real one, or the
    server in-process in tests); ``token_provider`` gives the current token."""

    def __init__(self, http: httpx.Client, token_provider: TokenProvider) -> None:
        self.http = http
        self.token_provider = token_provider

    # -- calls ----------------------------------------------------------------

    def login(
        self, username: str, password: str, device_id: str, device_name: str
    ) -> LoginResponse:
        body = LoginRequest(
            username=username, password=password, device_id=device_id, device_name=device_name
        )
        response = self._send("POST", "/auth/login", json=body.model_dump(mode="json"), auth=False)
        return _parse(response, LoginResponse)

    def change_password(self, old_password: str, new_password: str, token: str) -> None:
        """Change the signed-in user's password with ``token`` (the one a
        sign-in that answered "must change the password" gave, which is not
        stored before the change). The server signs every other device out."""
        body = PasswordChange(old_password=old_password, new_password=new_password)
        self._send("POST", "/auth/password", json=body.model_dump(), token=token, expected=(204,))

    def me(self) -> Me:
        return _parse(self._send("GET", "/me"), Me)

    def push(self, request: PushRequest) -> PushResponse:
        return self.push_encoded(encode_push(request))

    def push_encoded(self, body: bytes) -> PushResponse:
        """Push a body ``encode_push`` made."""
        response = self._send(
            "POST",
            "/sync/push",
            content=body,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        return _parse(response, PushResponse)

    def pull(self, cursor: str | None, limit: int, *, token: str | None = None) -> PullPage:
        """The page after ``cursor``. ``token``, when given, is sent instead of
        asking ``token_provider``: the sync engine fetches the next page from
        another thread while it writes this one, and reading the token takes
        a local transaction that would wait for that write to commit."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return _parse(self._send("GET", "/sync/pull", params=params, token=token), PullPage)

    def correction_settings(self) -> CorrectionSettings:
        """The district's community-correction settings (limits, intervals)."""
        return _parse(self._send("GET", "/correction/settings"), CorrectionSettings)

    def blobs_missing(self, sha256s: list[str]) -> list[str]:
        body = MissingBlobsRequest(sha256=sha256s).model_dump(mode="json")
        response = self._send("POST", "/blobs/missing", json=body)
        return _parse(response, MissingBlobsResponse).missing

    def blob_head(self, sha256: str) -> BlobProgress:
        """Where to resume: 200 = stored completely, 404 = ``Upload-Offset`` bytes held."""
        response = self._send("HEAD", f"/blobs/{sha256}", expected=(200, 404))
        offset = _offset(response)
        if offset is None:
            raise Offline(f"HEAD /blobs answered {response.status_code} without {UPLOAD_OFFSET}")
        return BlobProgress(offset=offset, complete=response.status_code == 200)

    def blob_get(self, sha256: str) -> bytes:
        """A stored blob's bytes (the caller checks they hash to ``sha256``)."""
        return self._send("GET", f"/blobs/{sha256}").content

    def blob_patch(self, sha256: str, offset: int, length: int, chunk: bytes) -> BlobProgress:
        """Append ``chunk`` at ``offset``. A wrong offset (409) or a chunk the
        server saw cut off (400) answers with where to continue instead of failing."""
        response = self._send(
            "PATCH",
            f"/blobs/{sha256}",
            content=chunk,
            headers={
                "Content-Type": "application/offset+octet-stream",
                UPLOAD_OFFSET: str(offset),
                UPLOAD_LENGTH: str(length),
            },
            expected=(201, 204, 400, 409),
        )
        status = response.status_code
        held = _offset(response)
        if status in (201, 204) and held is not None:
            return BlobProgress(offset=held, complete=status == 201)
        if status in (400, 409) and held is not None:
            details = _envelope(response)
            busy = bool(details and details.error.details and details.error.details.get("busy"))
            return BlobProgress(offset=held, complete=False, busy=busy)
        if status in (201, 204):
            raise Offline(f"PATCH /blobs answered {status} without {UPLOAD_OFFSET}")
        raise _failure(response)

    # -- plumbing -------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        expected: tuple[int, ...] = (200,),
        headers: dict[str, str] | None = None,
        token: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if auth:
            token = token or self.token_provider()
            if not token:
                raise AuthRevoked("this device is not signed in")
            all_headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(method, API + path, headers=all_headers, **kwargs)
            # Read here, so a body cut off mid-stream surfaces as a transport error.
            response.read()
        except (httpx.TransportError, httpx.DecodingError) as error:
            log.info("%s %s: no answer (%s)", method, path, type(error).__name__)
            raise Offline(f"{method} {path}: {type(error).__name__}") from None
        log.debug("%s %s -> %s", method, path, response.status_code)
        if response.status_code in expected:
            return response
        raise _failure(response)


def encode_push(request: PushRequest) -> bytes:
    """A push body, gzip-compressed: the uplink is the weak side of a mobile
    link. A function of the request alone, so the sync engine can encode the
    next batch on another thread while one is on its way."""
    return gzip.compress(request.model_dump_json().encode(), compresslevel=6)


def _parse(response: httpx.Response, model: type[Model]) -> Model:
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        raise Offline(f"unreadable {response.status_code} answer") from None


def _envelope(response: httpx.Response) -> ErrorEnvelope | None:
    try:
        return ErrorEnvelope.model_validate_json(response.content)
    except ValidationError:
        return None


def _offset(response: httpx.Response) -> int | None:
    value = response.headers.get(UPLOAD_OFFSET, "")
    return int(value) if value.isdigit() else None


def _int(details: Mapping[str, JsonValue] | None, name: str) -> int | None:
    value = (details or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_DEAD_TOKEN = frozenset({ErrorCode.TOKEN_REVOKED, ErrorCode.TOKEN_MISSING, ErrorCode.TOKEN_EXPIRED})
"""A 401 with one of these: the token no longer works; the user signs in again."""


def _failure(response: httpx.Response) -> SyncError:
    """The failure the engine acts on, for an answer the call did not expect."""
    status = response.status_code
    if status in TRANSIENT_STATUSES:
        return Offline(f"gateway answered {status}")
    envelope = _envelope(response)
    message = envelope.error.message if envelope else f"HTTP {status}"
    if status == 410:
        return ResyncRequired(message)
    if status == 426:
        return ProtocolUnsupported(message)
    if status == 413:
        details = envelope.error.details if envelope else None
        return BatchTooLarge(
            message,
            envelope.error.code if envelope else None,
            _int(details, "max_mutations"),
            _int(details, "max_bytes"),
        )
    if status >= 500:
        return ServerError(status, message)
    if envelope is None:
        if status == 401 and response.request.method == "HEAD":
            # HEAD answers carry no body: a 401 there can only mean the token.
            return AuthRevoked("the server no longer accepts this device's sign-in")
        # A 4xx we cannot read came from something in the way (or was cut off).
        return Offline(f"unreadable {status} answer")
    code = envelope.error.code
    if status == 401 and code in _DEAD_TOKEN:
        return AuthRevoked(message)
    if status == 403 and code is ErrorCode.PASSWORD_CHANGE_REQUIRED:
        # A sign-in after an admin's reset: signing in again leads the user
        # to the change-password screen (``DeviceSession.login``).
        return AuthRevoked(message)
    return RequestRejected(status, code, message, envelope.error.details)
