"""The one error envelope and the stable error codes.

A code, once published, keeps its meaning forever and is never reused: apps
in the field match on it long after the server has moved on.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, JsonValue


class ErrorCode(StrEnum):
    """Every code the server may answer with; each is documented in docs/protocol.md."""

    VALIDATION_FAILED = "VALIDATION_FAILED"
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOKEN_MISSING = "TOKEN_MISSING"
    TOKEN_REVOKED = "TOKEN_REVOKED"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    DEVICE_OF_ANOTHER_USER = "DEVICE_OF_ANOTHER_USER"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    READ_ONLY_TABLE = "READ_ONLY_TABLE"
    RECORD_SEALED = "RECORD_SEALED"
    RECORD_DELETED = "RECORD_DELETED"
    UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"
    UNKNOWN_TABLE = "UNKNOWN_TABLE"
    STALE_BASE_VERSION = "STALE_BASE_VERSION"
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    PROTOCOL_UNSUPPORTED = "PROTOCOL_UNSUPPORTED"
    CURSOR_INVALID = "CURSOR_INVALID"
    RESYNC_REQUIRED = "RESYNC_REQUIRED"
    HASH_MISMATCH = "HASH_MISMATCH"
    UPLOAD_OFFSET_MISMATCH = "UPLOAD_OFFSET_MISMATCH"
    UNSUPPORTED_MEDIA = "UNSUPPORTED_MEDIA"
    CONFLICT_ALREADY_RESOLVED = "CONFLICT_ALREADY_RESOLVED"
    TRANSFER_REQUIRED = "TRANSFER_REQUIRED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # Community correction (docs/protocol.md, "Community correction").
    LEAVE_LIMIT_EXCEEDED = "LEAVE_LIMIT_EXCEEDED"
    LEAVE_OVERLAPS = "LEAVE_OVERLAPS"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    ALREADY_DECIDED = "ALREADY_DECIDED"
    SUBJECT_CLOSED = "SUBJECT_CLOSED"


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: ErrorCode
    message: str
    details: dict[str, JsonValue] | None = None


class ErrorEnvelope(BaseModel):
    """``{"error": {"code", "message", "details"}}``: every non-2xx body."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorBody


class MutationError(BaseModel):
    """Why one mutation of a push was rejected, naming the field to fix."""

    model_config = ConfigDict(extra="forbid")

    code: ErrorCode
    message: str
    field: str | None = None
