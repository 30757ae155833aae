"""Any recorded field contact: mediation session, investigation, home visit,
check-in (报到) or follow-up (回访). A visit belongs to exactly one case or
one subject."""

from enum import StrEnum

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.types import (
    STRICT_CONFIG,
    LongText,
    RecordId,
    ShortText,
    UtcDatetime,
    choice,
    moment,
)


class VisitKind(StrEnum):
    MEDIATION_SESSION = "mediation_session"
    INVESTIGATION = "investigation"
    HOME_VISIT = "home_visit"
    CHECKIN = "checkin"
    FOLLOW_UP = "follow_up"


class CheckinMethod(StrEnum):
    OFFICE = "office"
    HOME_VISIT = "home_visit"
    PHONE = "phone"
    VIDEO = "video"


class VisitFields(SQLModel):
    model_config = STRICT_CONFIG

    case_id: RecordId | None = Field(default=None, index=True)
    subject_id: RecordId | None = Field(default=None, index=True)
    kind: VisitKind = choice()
    method: CheckinMethod | None = choice(None)
    started_at: UtcDatetime = moment(...)
    ended_at: UtcDatetime | None = moment()
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    notes: LongText = ""
    outcome: ShortText = ""

    @model_validator(mode="after")
    def _is_consistent(self) -> "VisitFields":
        if (self.case_id is None) == (self.subject_id is None):
            raise ValueError("case_id: a visit belongs to exactly one case or one subject")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat: a location needs both latitude and longitude")
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at: a visit cannot end before it started")
        if self.kind is VisitKind.CHECKIN and self.subject_id is None:
            raise ValueError("subject_id: a check-in is recorded for a subject")
        return self


class VisitRecord(RecordMeta, VisitFields):
    """A visit as pulled by devices."""
