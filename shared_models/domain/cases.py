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
    HOUSING_HOMESTEAD = "housing_homestead"  # 房屋宅基地
    LAND_REQUISITION = "land_requisition"  # 征地拆迁
    OTHER = "other"


class CaseSource(StrEnum):
    """Where a case came from: a party's application (in person, by phone,
    through WeChat or online), a hand-over (police, court, government), the
    committee's own screening (排查, ``patrol``) or its own initiative."""

    WALK_IN = "walk_in"
    PHONE = "phone"
    WECHAT = "wechat"
    POLICE_REFERRAL = "police_referral"
    COURT_REFERRAL = "court_referral"
    PATROL = "patrol"
    GOVERNMENT_REFERRAL = "government_referral"
    ONLINE_REQUEST = "online_request"
    OWN_INITIATIVE = "own_initiative"


class CaseStatus(StrEnum):
    """申请 → 受理 (or 不予受理) → 调查 → 调解 → 达成协议 (→ 司法确认 → 回访) or
    调解不成 / 移交 → 结案 → 归档. The steps that move a case, and what each
    needs, are ``case_lifecycle.py``; the server sets this field from them."""

    APPLIED = "applied"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    INVESTIGATING = "investigating"
    MEDIATING = "mediating"
    AGREED = "agreed"
    FAILED = "failed"
    REFERRED = "referred"
    JUDICIAL_CONFIRMATION = "judicial_confirmation"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    ARCHIVED = "archived"


OPEN_CASE_STATUSES: frozenset[CaseStatus] = frozenset(CaseStatus) - {
    CaseStatus.REFUSED,
    CaseStatus.FAILED,
    CaseStatus.REFERRED,
    CaseStatus.CLOSED,
    CaseStatus.ARCHIVED,
}
"""Cases still being worked on (failed, refused and referred ones only wait
for their closing report)."""

INITIAL_CASE_STATUSES: frozenset[CaseStatus] = frozenset({CaseStatus.APPLIED, CaseStatus.ACCEPTED})
"""What a device may create a case as: an application to be decided, or a
case accepted at once (the registration form may follow). Every later
status is the server's, from the case's steps."""


CLOSED_CASE_STATUSES: frozenset[CaseStatus] = frozenset({CaseStatus.CLOSED, CaseStatus.ARCHIVED})


class CaseFields(SQLModel):
    model_config = STRICT_CONFIG

    title: ShortText = Field(min_length=1)
    category: CaseCategory = choice()
    source: CaseSource = choice()
    description: LongText = ""
    status: CaseStatus = choice(CaseStatus.ACCEPTED)
    org_unit_id: RecordId = Field(index=True)
    mediator_id: RecordId | None = None
    opened_at: UtcDatetime = moment(...)
    closed_at: UtcDatetime | None = moment()
    follow_up_due: Day | None = None
    case_number: ShortText | None = None
    """（2026）百家人调字第3号: given by the server when the acceptance is
    recorded (``case_lifecycle.py``); ``None`` until then."""

    @model_validator(mode="after")
    def _closing_is_consistent(self) -> "CaseFields":
        if self.status in CLOSED_CASE_STATUSES and self.closed_at is None:
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
