"""What the app's lower layers raise and the screens catch: the refusals a
save can meet (raised by the local store and the services) and the failures
of a call to the server (raised by ``sync/client.py``, one exception the sync
engine and the screens can decide on without reading HTTP). Here, below every
layer, so a view-model catches them without importing storage or sync (the
app's layers: views → view-models → services → storage).
"""

# The sync failures' names read as the engine's states (``except Offline``), not as errors.
# ruff: noqa: N818

from collections.abc import Mapping

from pydantic import JsonValue

from shared_models.protocol.errors import ErrorCode

SEALED_MESSAGE = "a signed agreement is sealed; record a correction as a new agreement"
"""The server's words for the same refusal (``RECORD_SEALED``)."""


class SaveRejectedError(ValueError):
    """A save the app refuses before anything is written, naming the field."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class AgreementSealedError(SaveRejectedError):
    """A change to a sealed agreement, to an attachment it owns, or a new one."""

    def __init__(self) -> None:
        super().__init__("status", SEALED_MESSAGE)


class StepRefusedError(SaveRejectedError):
    """A lifecycle step the case does not allow now (out of order, or an
    earlier step it needs is missing): the device's answer before the
    server's ``LIFECYCLE_STEP_NOT_ALLOWED`` / ``LIFECYCLE_STEP_MISSING``.
    ``missing`` tells which (the screen offers the missing step)."""

    def __init__(self, field: str | None, message: str, missing: bool) -> None:
        super().__init__(field, message)
        self.missing = missing


class SyncError(Exception):
    """Base of every failure of a sync call."""


class Offline(SyncError):
    """No usable answer: no connection, a timeout, a gateway error or a
    body that was cut off. Retry later; nothing is known about the request."""


class AuthRevoked(SyncError):
    """The device's sign-in is not (or no longer) valid: sign in again."""


class ResyncRequired(SyncError):
    """The pull cursor is too old (or from another database): pull from scratch."""


class BatchTooLarge(SyncError):
    """The push was over the server's limits; send fewer mutations at once."""

    def __init__(
        self, message: str, code: ErrorCode | None, max_mutations: int | None, max_bytes: int | None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.max_mutations = max_mutations
        self.max_bytes = max_bytes


class ProtocolUnsupported(SyncError):
    """The server no longer (or not yet) speaks this app's protocol: update the app."""


class ServerError(SyncError):
    """The server failed (a 5xx other than a gateway error); back off and retry."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"server error {status}: {message}")
        self.status = status


class RequestRejected(SyncError):
    """The server refused this request (a 4xx) and said why."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        details: Mapping[str, JsonValue] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
