"""Persons under community correction (社区矫正对象): the record an
officer enrols (入矫) from the court's decision, and its correction team.

What happens to a subject afterwards (announcements, plans, talks, leave,
sanctions, release) is a ``subject_events`` record each
(``domain/subject_events.py``); the subject keeps only what the due lists
and the screens select by: its status, supervision level and dates.
"""

from enum import StrEnum

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.people import Gender, IdNumber, Phone
from shared_models.domain.types import STRICT_CONFIG, Day, RecordId, ShortText, choice

MAX_TEAM_MEMBERS = 20


class CorrectionType(StrEnum):
    CONTROL = "control"  # 管制
    SUSPENDED_SENTENCE = "suspended_sentence"  # 缓刑
    PAROLE = "parole"  # 假释
    TEMPORARY_OUTSIDE = "temporary_outside"  # 暂予监外执行


class SubjectStatus(StrEnum):
    UNDER_SUPERVISION = "under_supervision"
    RELEASED = "released"  # 解矫
    REVOKED = "revoked"  # returned to prison


class SupervisionLevel(StrEnum):
    """分类管理: how closely a subject is supervised; it sets the check-in
    and visit intervals (``correction/settings.py``)."""

    STRICT = "strict"  # 严管
    NORMAL = "normal"  # 普管
    LENIENT = "lenient"  # 宽管


class TeamRole(StrEnum):
    """A member's place in the correction team (矫正小组)."""

    OFFICER = "officer"  # 司法所工作人员
    COMMUNITY = "community"  # 村（居）委会人员
    FAMILY = "family"  # 家庭成员、监护人
    WORKPLACE = "workplace"  # 所在单位、学校人员
    VOLUNTEER = "volunteer"  # 社会工作者、志愿者
    OTHER = "other"


class TeamMember(BaseModel):
    """One member of a subject's correction team. ``user_id``: the member
    is a LastMile user (an officer of the office), else a person outside."""

    model_config = STRICT_CONFIG

    name: ShortText = PydanticField(min_length=1)
    role: TeamRole = PydanticField(strict=False)
    gender: Gender = PydanticField(default=Gender.UNSPECIFIED, strict=False)
    phone: Phone | None = None
    user_id: RecordId | None = None


class SubjectFields(SQLModel):
    model_config = STRICT_CONFIG

    name: ShortText = Field(min_length=1)
    id_number: IdNumber
    gender: Gender = choice(Gender.UNSPECIFIED)
    birth_date: Day | None = None
    address: ShortText = ""
    phone: Phone | None = None
    correction_type: CorrectionType = choice()
    term_start: Day
    term_end: Day
    key_person: bool = False
    checkin_interval_days: int = Field(default=7, ge=1, le=90)
    org_unit_id: RecordId = Field(index=True)
    officer_id: RecordId | None = Field(default=None, index=True)
    status: SubjectStatus = choice(SubjectStatus.UNDER_SUPERVISION)
    # Enrolment (入矫): the court's decision, as the officer copies it.
    offence: ShortText = ""
    sentence: ShortText = ""
    """The original sentence as the judgment words it (有期徒刑三年，缓刑四年)."""
    court: ShortText = ""
    judgment_number: ShortText = ""
    decided_on: Day | None = None
    supervision_level: SupervisionLevel = choice(SupervisionLevel.NORMAL)
    enrolled_on: Day | None = None
    """The day of the entry announcement (入矫宣告)."""
    released_on: Day | None = None
    """The day of the release announcement (解矫宣告)."""
    team: list[TeamMember] = Field(default_factory=list, sa_type=JSON, max_length=MAX_TEAM_MEMBERS)

    @model_validator(mode="after")
    def _term_is_ordered(self) -> "SubjectFields":
        if self.term_end < self.term_start:
            raise ValueError("term_end: the term cannot end before it starts")
        released, enrolled = self.released_on, self.enrolled_on
        if released is not None and enrolled is not None and released < enrolled:
            raise ValueError("released_on: a subject is released after the enrolment")
        return self


class SubjectRecord(RecordMeta, SubjectFields):
    """A subject as pulled by devices."""
