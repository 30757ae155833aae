"""One error envelope for every failure the API reports."""

import logging
import traceback
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import JsonValue
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared_models.problems import field_and_message
from shared_models.protocol.errors import ErrorBody, ErrorCode, ErrorEnvelope

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raised anywhere below a route to answer with the error envelope."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        details: dict[str, JsonValue] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def printable(text: str) -> str:
    """``text`` with what UTF-8 cannot spell (lone surrogates, which JSON
    escapes can carry in) written as escapes: an answer quoting a hostile
    field name must still be encodable."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    details: dict[str, JsonValue] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorEnvelope(error=ErrorBody(code=code, message=message, details=details))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


_STATUS_CODES = {
    401: ErrorCode.TOKEN_MISSING,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.MALFORMED_REQUEST,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA,
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.details, error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems: list[JsonValue] = []
        for item in error.errors()[:20]:
            field, text = field_and_message(item, skip=1)  # the location's first part is "body"
            problems.append({"field": printable(field or "") or None, "message": printable(text)})
        first = problems[0] if problems else {}
        where = first.get("field") if isinstance(first, dict) else None
        what = first.get("message") if isinstance(first, dict) else "invalid request"
        message = f"{where}: {what}" if where else str(what)
        return error_response(422, ErrorCode.VALIDATION_FAILED, message, {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, ErrorCode.MALFORMED_REQUEST)
        return error_response(error.status_code, code, str(error.detail), headers=error.headers)


_UNEXPECTED = "the server failed; the request can be retried"


class LastResortMiddleware:
    """Answers any exception no handler took with the error envelope (500),
    and logs it without its message.

    The framework's own last handler answers and then raises the exception
    again for the server to log: uvicorn then logs it whole — a database
    error's message and the parameters of the failed statement, a party's
    name and phone among them — and closes the connection, so the device's
    next request meets a reset. Here the exception ends: the log gets where
    it happened (type, database error code, the frames), never what it said,
    and the connection stays open. An exception after the answer began (a
    stream cut in the middle) ends the answer early, as a dropped connection
    would: the client sees a body that ends early, never a complete one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:  # the last resort: anything any route let through
            log.error(
                "unhandled %s in %s %s\n%s",
                describe(error),
                scope.get("method", ""),
                scope.get("path", ""),
                "".join(traceback.format_tb(error.__traceback__)),
            )
            if not started:
                await error_response(500, ErrorCode.INTERNAL_ERROR, _UNEXPECTED)(
                    scope, receive, send
                )


def describe(error: BaseException) -> str:
    """An exception's type and, for a database error, the driver's error
    type and SQLSTATE: enough to find the cause, without the message, which
    may quote the values of the failed statement."""
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    original = getattr(error, "orig", None)
    if original is not None:
        name += f" ({type(original).__qualname__}"
        sqlstate = getattr(original, "sqlstate", None)
        name += f", SQLSTATE {sqlstate})" if sqlstate else ")"
    return name
