"""Dispute cases (矛盾纠纷) and the people in them."""

from enum import StrEnum

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.people import IdNumber, Phone
from shared_models.domain.types import (
    STRICT_CONFIG,
    Day,
    LongText,
    RecordId,
    ShortText,
    UtcDatetime,
    choice,
    moment,
)


class CaseCategory(StrEnum):
    NEIGHBOURHOOD = "neighbourhood"
    MARRIAGE_FAMILY = "marriage_family"
    PROPERTY_MANAGEMENT = "property_management"
    DEBT_CONTRACT = "debt_contract"
    LABOUR = "labour"
    DAMAGES = "damages"
    LAND = "land"
    OTHER = "other"


class CaseSource(StrEnum):
    WALK_IN = "walk_in"
    PHONE = "phone"
    WECHAT = "wechat"
    POLICE_REFERRAL = "police_referral"
    COURT_REFERRAL = "court_referral"
    PATROL = "patrol"


class CaseStatus(StrEnum):
    """受理 → 调查 → 调解 → 达成协议 / 调解不成 → 回访 → 结案."""

    INTAKE = "intake"
    INVESTIGATING = "investigating"
    MEDIATING = "mediating"
    AGREED = "agreed"
    FAILED = "failed"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


OPEN_CASE_STATUSES: frozenset[CaseStatus] = frozenset(CaseStatus) - {
    CaseStatus.CLOSED,
    CaseStatus.FAILED,
}


class CaseFields(SQLModel):
    model_config = STRICT_CONFIG

    title: ShortText = Field(min_length=1)
    category: CaseCategory = choice()
    source: CaseSource = choice()
    description: LongText = ""
    status: CaseStatus = choice(CaseStatus.INTAKE)
    org_unit_id: RecordId = Field(index=True)
    mediator_id: RecordId | None = None
    opened_at: UtcDatetime = moment(...)
    closed_at: UtcDatetime | None = moment()
    follow_up_due: Day | None = None

    @model_validator(mode="after")
    def _closing_is_consistent(self) -> "CaseFields":
        if self.status is CaseStatus.CLOSED and self.closed_at is None:
            raise ValueError("closed_at: a closed case needs the time it was closed")
        if self.closed_at is not None and self.closed_at < self.opened_at:
            raise ValueError("closed_at: a case cannot close before it was opened")
        return self


class CaseRecord(RecordMeta, CaseFields):
    """A case as pulled by devices."""


class PartyRole(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    OTHER = "other"


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class PartyFields(SQLModel):
    model_config = STRICT_CONFIG

    case_id: RecordId = Field(index=True)
    role: PartyRole = choice()
    kind: PartyKind = choice(PartyKind.PERSON)
    name: ShortText = Field(min_length=1)
    phone: Phone | None = None
    id_number: IdNumber | None = None
    address: ShortText = ""


class PartyRecord(RecordMeta, PartyFields):
    """A party as pulled by devices."""
