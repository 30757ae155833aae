"""The desk's community-correction API (``/api/v1/correction/…``): the
district's settings, the requests waiting for a supervisor's decision, the
decision itself, and a subject's timeline. Officers' phones record events
through the ordinary push; decisions reach them through the ordinary pull.
"""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared_models.correction.approvals import ApprovalStatus
from shared_models.correction.due import DueItem
from shared_models.domain.event_content import ApprovalLevel, DecisionOutcome
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.domain.subjects import SubjectRecord
from shared_models.domain.types import LongText, RecordId
from shared_models.domain.visits import VisitRecord


class DecisionCreate(BaseModel):
    """``POST /api/v1/correction/requests/{event_id}/decision``: approve or
    refuse at the level the request waits for (the caller's). A refusal
    gives its reason in ``comment``."""

    model_config = ConfigDict(strict=True, extra="forbid")

    outcome: DecisionOutcome = Field(strict=False)
    comment: LongText = ""

    @model_validator(mode="after")
    def _refusal_has_reason(self) -> "DecisionCreate":
        if self.outcome is DecisionOutcome.REFUSED and not self.comment.strip():
            raise ValueError("comment: a refusal gives its reason")
        return self


class WaitingRequest(BaseModel):
    """A request waiting for the caller's decision, with what the desk
    shows beside it: the subject's name and office, the decisions so far
    (the office's opinion, for the district), the leave's length."""

    model_config = ConfigDict(extra="forbid")

    request: SubjectEventRecord
    subject_id: RecordId
    subject_name: str
    org_unit_id: RecordId
    officer_id: RecordId | None
    waiting_for: ApprovalLevel
    decisions: list[SubjectEventRecord]
    leave_days: int | None = None


class WaitingList(BaseModel):
    """``GET /api/v1/correction/requests/waiting``: oldest first."""

    model_config = ConfigDict(extra="forbid")

    requests: list[WaitingRequest]


class DecisionDone(BaseModel):
    """The decision as stored (a ``subject_events`` record the officer's
    phone pulls) and where the request stands now."""

    model_config = ConfigDict(extra="forbid")

    decision: SubjectEventRecord
    status: ApprovalStatus
    waiting_for: ApprovalLevel | None = None


class RequestState(BaseModel):
    """A request of the timeline and where it stands."""

    model_config = ConfigDict(extra="forbid")

    request_id: RecordId
    status: ApprovalStatus
    waiting_for: ApprovalLevel | None = None


class Timeline(BaseModel):
    """``GET /api/v1/correction/subjects/{subject_id}/timeline``: the
    subject, every event and check-in or visit (oldest first), the state
    of each request, what is due, the warnings given so far."""

    model_config = ConfigDict(extra="forbid")

    subject: SubjectRecord
    events: list[SubjectEventRecord]
    visits: list[VisitRecord]
    requests: list[RequestState]
    due: list[DueItem]
    warnings: int
