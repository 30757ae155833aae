"""The server's logs: one JSON object a line, with the request and the user,
and nothing a reader of the logs must not see.

A line carries its time (UTC), level, logger, message, and — inside a
request — the request's id (``X-Request-ID``, made here when the client
sent none or a malformed one) and the signed-in user's id (a UUID, never a
name). Exceptions appear as their type and frames, never their message: a
database error's message may quote a party's name or ID number
(``core/errors.describe`` says the same for the last-resort handler).
What goes into a message is the caller's care: the access line names the
route template (``/api/v1/blobs/{sha256}``), never the path or its query,
and no log call in the server formats a token, a password or a record
(``tests/sync_server/test_log_canaries.py`` greps a whole day's operations
for canaries, ``tests/suite_logs.py`` the lines of every test). Written
with the standard library: a formatter of forty lines needs no dependency
(python-json-logger would add one for the same output).

The request context is one mutable object per request in a context
variable: FastAPI runs synchronous dependencies and routes in worker
threads on a copy of the context, so a value *set* there would be lost to
the middleware's access line, while a field written on the shared object
is seen by both.
"""

import json
import logging
import re
import traceback
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sync_server.core.config import ServerSettings

FIELDS: Final = ("route", "method", "status", "duration_ms", "bytes_in", "bytes_out")
"""The extra fields a log call may add (``log.info(..., extra={...})``);
anything else given as extra is left out of the line."""
_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._-]{8,64}")
QUIET_LOGGERS: Final = {
    "sqlalchemy": logging.WARNING,  # at INFO it echoes statements, at DEBUG their rows
    "httpx": logging.WARNING,  # at INFO it logs every URL it fetches
    "uvicorn.access": logging.WARNING,  # paths with queries; our access line replaces it
    # The object store's client: at DEBUG botocore logs every request's
    # parameters (a photo's bytes) and signed headers; urllib3 every URL.
    "botocore": logging.WARNING,
    "boto3": logging.WARNING,
    "s3transfer": logging.WARNING,
    "urllib3": logging.WARNING,
}


@dataclass(slots=True)
class RequestContext:
    """What the log lines of one request share."""

    request_id: str
    user_id: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("lastmile_request", default=None)


def begin_request(offered_id: str | None) -> RequestContext:
    """Start a request's context: the client's request id if it is a sane
    token, else a new one (a hostile header never reaches the logs)."""
    if offered_id is None or not _REQUEST_ID.fullmatch(offered_id):
        offered_id = uuid.uuid4().hex
    context = RequestContext(offered_id)
    _current.set(context)
    return context


def current_request() -> RequestContext | None:
    return _current.get()


def note_user(user_id: object) -> None:
    """Name the signed-in user (their id) in the current request's log lines."""
    context = _current.get()
    if context is not None:
        context.user_id = str(user_id)


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON (see the module's description)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _current.get()
        if context is not None:
            line["request_id"] = context.request_id
            if context.user_id is not None:
                line["user_id"] = context.user_id
        for name in FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["exception"] = f"{type(error).__module__}.{type(error).__qualname__}"
            line["frames"] = "".join(traceback.format_tb(error.__traceback__))
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(settings: ServerSettings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server and for uvicorn (which
    takes it as ``log_config``, in the supervisor and in every worker)."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if settings.log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "server",
        "stream": "ext://sys.stderr",
    }
    quiet = {name: {"level": logging.getLevelName(level)} for name, level in QUIET_LOGGERS.items()}
    uvicorn = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"server": formatter},
        "handlers": {"server": handler},
        "root": {"handlers": ["server"], "level": settings.log_level},
        "loggers": {
            "uvicorn": {**uvicorn, "level": settings.log_level},
            "uvicorn.error": uvicorn,
            **quiet,
        },
    }
