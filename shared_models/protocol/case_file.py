"""A case file's completeness as the desk reads it
(``GET /api/v1/cases/{case_id}/file``): what the shared check
(``shared_models.case_file_check``) found, each gap with its Chinese wording
as the printed file has it, so the desk shows the same list the PDF prints."""

from datetime import date

from pydantic import BaseModel, ConfigDict

from shared_models.case_file_check import GapKind
from shared_models.domain.cases import CaseStatus
from shared_models.domain.types import RecordId

_RESPONSE = ConfigDict(extra="forbid")


class CaseFileGap(BaseModel):
    model_config = _RESPONSE

    kind: GapKind
    who: str = ""
    due: date | None = None
    text: str


class CaseFileStatus(BaseModel):
    model_config = _RESPONSE

    case_id: RecordId
    title: str
    case_number: str | None
    status: CaseStatus
    complete: bool
    """Closed, and its file lacks nothing."""
    gaps: list[CaseFileGap]
    documents: int
    """How many documents the printed file holds (the notes included)."""
