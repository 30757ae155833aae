"""Any recorded field contact: mediation session, investigation, home visit,
check-in (报到) or follow-up (回访). A visit belongs to exactly one case or
one subject.

A follow-up of a signed agreement names it (``agreement_id``) and marks, per
agreed obligation, whether it is honoured (``obligation_checks``): the
agreement itself is sealed, so what happened afterwards lives on the visits.
"""

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from shared_models.domain.agreements import AgreementFields, AgreementStatus
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

MAX_OBLIGATION_CHECKS = 100


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


class ObligationCheck(BaseModel):
    """At a follow-up: whether obligation ``obligation_index`` (0-based, in
    the order of the agreement's ``obligations``) is honoured."""

    model_config = STRICT_CONFIG

    obligation_index: int = PydanticField(ge=0, lt=MAX_OBLIGATION_CHECKS)
    honoured: bool
    note: ShortText = ""


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
    agreement_id: RecordId | None = Field(default=None, index=True)
    obligation_checks: list[ObligationCheck] = Field(
        default_factory=list, sa_type=JSON, max_length=MAX_OBLIGATION_CHECKS
    )

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
        self._check_follow_up()
        return self

    def _check_follow_up(self) -> None:
        if self.agreement_id is not None:
            if self.kind is not VisitKind.FOLLOW_UP:
                raise ValueError("agreement_id: only a follow-up visit refers to an agreement")
            if self.case_id is None:
                raise ValueError("agreement_id: a follow-up of an agreement belongs to its case")
        if self.obligation_checks and self.agreement_id is None:
            raise ValueError("obligation_checks: name the agreement (agreement_id) they check")
        seen: set[int] = set()
        for check in self.obligation_checks:
            if check.obligation_index in seen:
                raise ValueError(
                    f"obligation_checks: obligation {check.obligation_index + 1} is marked twice"
                )
            seen.add(check.obligation_index)


class VisitRecord(RecordMeta, VisitFields):
    """A visit as pulled by devices."""


def obligation_check_problems(visit: VisitFields, agreement: AgreementFields) -> list[str]:
    """What keeps ``visit``'s obligation marks from applying to ``agreement``
    (the one its ``agreement_id`` names), each as ``"field: what is wrong"``.
    The visit alone cannot know these: they need the agreement."""
    problems: list[str] = []
    if agreement.case_id != visit.case_id:
        problems.append("agreement_id: the agreement belongs to another case")
    if agreement.status is not AgreementStatus.SIGNED:
        problems.append("agreement_id: only a signed agreement's obligations are followed up")
    count = len(agreement.obligations)
    for check in visit.obligation_checks:
        if check.obligation_index >= count:
            problems.append(
                f"obligation_checks: the agreement has {count} obligations, "
                f"not {check.obligation_index + 1}"
            )
    return problems


def latest_obligation_marks(
    visits: Iterable[VisitFields], agreement_id: RecordId
) -> dict[int, tuple[VisitFields, ObligationCheck]]:
    """Per obligation index, the most recent follow-up's mark (by
    ``started_at``) among ``visits`` of agreement ``agreement_id``: what a
    screen shows as "honoured / not honoured as of …"."""
    latest: dict[int, tuple[VisitFields, ObligationCheck]] = {}
    for visit in visits:
        if visit.agreement_id != agreement_id:
            continue
        for check in visit.obligation_checks:
            known = latest.get(check.obligation_index)
            if known is None or known[0].started_at <= visit.started_at:
                latest[check.obligation_index] = (visit, check)
    return latest
