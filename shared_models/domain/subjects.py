"""Persons under community correction (社区矫正对象)."""

from enum import StrEnum

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.people import Gender, IdNumber, Phone
from shared_models.domain.types import STRICT_CONFIG, Day, RecordId, ShortText, choice


class CorrectionType(StrEnum):
    CONTROL = "control"  # 管制
    SUSPENDED_SENTENCE = "suspended_sentence"  # 缓刑
    PAROLE = "parole"  # 假释
    TEMPORARY_OUTSIDE = "temporary_outside"  # 暂予监外执行


class SubjectStatus(StrEnum):
    UNDER_SUPERVISION = "under_supervision"
    RELEASED = "released"  # 解矫
    REVOKED = "revoked"  # returned to prison


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

    @model_validator(mode="after")
    def _term_is_ordered(self) -> "SubjectFields":
        if self.term_end < self.term_start:
            raise ValueError("term_end: the term cannot end before it starts")
        return self


class SubjectRecord(RecordMeta, SubjectFields):
    """A subject as pulled by devices."""
