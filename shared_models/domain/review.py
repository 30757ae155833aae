"""A supervisor's verdict on a record, and the server's record of a value
that a later edit overwrote."""

from enum import StrEnum

from pydantic import JsonValue
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.types import (
    MAX_SQL_INTEGER,
    STRICT_CONFIG,
    LongText,
    RecordId,
    ShortText,
    UtcDatetime,
    choice,
    moment,
)


class ReviewTarget(StrEnum):
    CASES = "cases"
    VISITS = "visits"
    AGREEMENTS = "agreements"
    SUBJECTS = "subjects"


class ReviewState(StrEnum):
    APPROVED = "approved"
    NEEDS_CHANGES = "needs_changes"
    REJECTED = "rejected"


class ReviewFields(SQLModel):
    model_config = STRICT_CONFIG

    target_table: ReviewTarget = choice()
    target_id: RecordId = Field(index=True)
    target_version: int | None = Field(default=None, ge=0, le=MAX_SQL_INTEGER)
    state: ReviewState = choice()
    comment: LongText = ""


class ReviewRecord(RecordMeta, ReviewFields):
    """A review as pulled by the devices that own its target."""


class ConflictState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ConflictKeep(StrEnum):
    CURRENT = "current"
    OVERWRITTEN = "overwritten"


class ConflictFields(SQLModel):
    """Written by the server when a mutation overwrote a value that had also
    changed since the device last saw the record."""

    model_config = STRICT_CONFIG

    table_name: ShortText
    record_id: RecordId = Field(index=True)
    field: ShortText
    overwritten_value: JsonValue = Field(default=None, sa_type=JSON)
    current_value: JsonValue = Field(default=None, sa_type=JSON)
    base_version: int | None = Field(default=None, ge=0, le=MAX_SQL_INTEGER)
    overwritten_version: int = Field(default=0, ge=0, le=MAX_SQL_INTEGER)
    mutation_id: RecordId | None = None
    state: ConflictState = choice(ConflictState.OPEN)
    resolution: ConflictKeep | None = choice(None)
    resolved_by: RecordId | None = None
    resolved_at: UtcDatetime | None = moment()


class ConflictRecord(RecordMeta, ConflictFields):
    """A conflict as pulled by the devices that own the record."""
