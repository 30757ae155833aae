"""One error envelope for every failure the API reports."""

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import JsonValue
from starlette.exceptions import HTTPException as StarletteHTTPException

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
        problems: list[JsonValue] = [
            {
                "field": ".".join(str(part) for part in item.get("loc", ())[1:]) or None,
                "message": str(item.get("msg", "")),
            }
            for item in error.errors()[:20]
        ]
        first = problems[0] if problems else {}
        where = first.get("field") if isinstance(first, dict) else None
        what = first.get("message") if isinstance(first, dict) else "invalid request"
        message = f"{where}: {what}" if where else str(what)
        return error_response(422, ErrorCode.VALIDATION_FAILED, message, {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, ErrorCode.MALFORMED_REQUEST)
        return error_response(error.status_code, code, str(error.detail), headers=error.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=error)
        return error_response(
            500, ErrorCode.INTERNAL_ERROR, "the server failed; the request can be retried"
        )
