"""Moving a case or a subject to another unit, mediator or officer: a
district decision with a reason (``POST /api/v1/transfers``), never a
field edit in a push."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared_models.domain.types import RecordId, ShortText


class TransferTable(StrEnum):
    CASES = "cases"
    SUBJECTS = "subjects"


class TransferCreate(BaseModel):
    """Move ``record_id`` to ``org_unit_id``; a subject to the officer
    ``officer_id`` (or none), a case to the mediator ``mediator_id`` (or
    none). ``reason`` says why, for the audit chain: the decision, not the
    person's circumstances (no personal data)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    table: TransferTable = Field(strict=False)
    record_id: RecordId
    org_unit_id: RecordId
    officer_id: RecordId | None = None
    mediator_id: RecordId | None = None
    reason: ShortText = Field(min_length=1)


class TransferDone(BaseModel):
    """Where the record is now; ``moved`` counts the records that hang off
    it and moved with it (parties, visits, photos, reviews, conflicts)."""

    table: TransferTable
    record_id: RecordId
    version: int
    org_unit_id: RecordId
    officer_id: RecordId | None = None
    mediator_id: RecordId | None = None
    moved: int
