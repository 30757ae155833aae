"""Request bodies: gzip-compressed uploads accepted, sizes bounded.

Push is the uplink of a weak mobile connection, so devices may gzip it. The
decompressed size is bounded too, so a small compressed body cannot expand
into an unbounded one.
"""

import json
import zlib
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared_models.protocol.errors import ErrorCode, ErrorEnvelope

_BODY_ERRORS = {
    "400": "the body cannot be decoded (not UTF-8 JSON, or corrupt gzip)",
    "413": "the body is larger than the server accepts",
    "415": "the body is sent in an encoding other than plain or gzip",
}


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, streamed: tuple[tuple[str, str], ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = streamed
        """(method, path prefix) pairs whose routes stream and bound bodies themselves."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], str(scope["path"])
        if any(method == m and path.startswith(prefix) for m, prefix in self.streamed):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", ""):
            await _refuse(send, 415, ErrorCode.UNSUPPORTED_MEDIA, "send bodies plain or gzip")
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            # Refused before reading: a body announced as gigabytes is not waited for.
            await self._too_large(send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
        data = bytes(body)
        if encoding == "gzip":
            try:
                inflater = zlib.decompressobj(wbits=31)
                data = inflater.decompress(data, self.max_bytes + 1)
                if len(data) > self.max_bytes or inflater.unconsumed_tail:
                    await self._too_large(send)
                    return
                if not inflater.eof:
                    # zlib hands back what it could of a cut-off stream without complaint.
                    raise zlib.error("the gzip stream ends early")
            except zlib.error:
                await _refuse(send, 400, ErrorCode.MALFORMED_REQUEST, "the gzip body is corrupt")
                return
            scope = {
                **scope,
                "headers": [
                    (k, v)
                    for k, v in scope["headers"]
                    if k.lower() not in (b"content-encoding", b"content-length")
                ]
                + [(b"content-length", str(len(data)).encode())],
            }
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": data, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await _refuse(
            send,
            413,
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"the request body is larger than {self.max_bytes} bytes; send fewer changes at once",
            {"max_bytes": self.max_bytes},
        )


async def _refuse(
    send: Send, status: int, code: ErrorCode, message: str, details: dict[str, int] | None = None
) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "details": details}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def document_body_errors(app: FastAPI, streamed: tuple[tuple[str, str], ...]) -> None:
    """List the answers every body-carrying operation may give in ``/openapi.json``.

    They come from this middleware and from the framework's body decoding,
    not from any one route, so no route's ``responses`` names them; without
    this the document would contradict what the server does.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in envelope.pop("$defs", {}).items():
            schemas.setdefault(name, schema)
        schemas.setdefault("ErrorEnvelope", envelope)
        reference = {"$ref": "#/components/schemas/ErrorEnvelope"}
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if method.upper() in ("GET", "HEAD", "OPTIONS"):
                    continue
                limited = not any(
                    method.upper() == m and str(path).startswith(prefix) for m, prefix in streamed
                )
                takes_json = "application/json" in operation.get("requestBody", {}).get(
                    "content", {}
                )
                if limited:
                    statuses = list(_BODY_ERRORS)
                elif takes_json:
                    statuses = ["400"]  # the framework cannot decode a non-UTF-8 body
                else:
                    continue
                responses = operation.setdefault("responses", {})
                for status in statuses:
                    description = _BODY_ERRORS[status]
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": reference}},
                        },
                    )
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
