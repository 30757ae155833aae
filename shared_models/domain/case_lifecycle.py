"""The life of a mediation case as one rule both sides obey.

A case moves forward only, one recorded step at a time: each step is a
document of ``case_documents`` (its form, ``case_forms.py``) or the sealing
of a written agreement. ``step_problem`` says whether a step may be recorded
given what the case already holds (``CaseFacts``); ``status_after`` is the
status it leaves the case in. The device asks before it saves (and shows
``next_steps`` on the case page); the server asks again for every pushed
step and refuses one that is out of order or skips what it needs
(docs/protocol.md, ``LIFECYCLE_STEP_NOT_ALLOWED`` / ``LIFECYCLE_STEP_MISSING``),
then writes the case's ``status`` and ``follow_up_due`` from the same
functions, so a case's status is never something a device asserts.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from shared_models.district_time import district_day
from shared_models.domain.agreements import AgreementFields, AgreementStatus
from shared_models.domain.case_documents import CaseDocumentFields
from shared_models.domain.case_forms import (
    CaseDocumentKind,
    FollowUpForm,
    JudicialApplicationForm,
    JudicialRulingForm,
    OralAgreementForm,
    RightsNoticeForm,
)
from shared_models.domain.cases import CaseStatus
from shared_models.domain.types import STRICT_CONFIG, ShortText


class MediationSettings(BaseModel):
    """The district's rules of the lifecycle (WORKFLOWS.md: local rules are
    settings). The server reads them from its settings
    (``LASTMILE_MEDIATION_*``) and tells devices at sign-in."""

    model_config = STRICT_CONFIG

    follow_up_days_after_deadline: int = Field(default=30, ge=0, le=365)
    """The first 回访 is due this many days after the agreement's
    performance deadline (or after the agreement, when it sets none)."""
    judicial_window_days: int = Field(default=30, ge=1, le=365)
    """Days after a written agreement takes effect in which the parties may
    apply for judicial confirmation (People's Mediation Law art. 33)."""
    follow_up_required_to_close: bool = True
    """An agreed case closes only after at least one follow-up record."""
    file_retention: ShortText = "长期"
    """The retention period (保管期限) a case file's cover states unless its
    archival form says (``shared_models.case_file``)."""


class CaseStep(StrEnum):
    """Every step of the lifecycle: the document kinds, and the sealing of a
    written agreement (which lives in ``agreements``)."""

    APPLICATION = "application"
    ACCEPTANCE = "acceptance"
    REFUSAL = "refusal"
    REFERRAL_IN = "referral_in"
    RIGHTS_NOTICE = "rights_notice"
    INVESTIGATION = "investigation"
    MEDIATION_SESSION = "mediation_session"
    WRITTEN_AGREEMENT = "written_agreement"
    ORAL_AGREEMENT = "oral_agreement"
    TERMINATION = "termination"
    REFERRAL_OUT = "referral_out"
    JUDICIAL_APPLICATION = "judicial_application"
    JUDICIAL_RULING = "judicial_ruling"
    FOLLOW_UP = "follow_up"
    CLOSING_REPORT = "closing_report"
    ARCHIVAL = "archival"


def step_of(kind: CaseDocumentKind) -> CaseStep:
    """The step a document of ``kind`` records (same names)."""
    return CaseStep(kind.value)


_S = CaseStatus
BEFORE_DECISION = frozenset({_S.APPLIED})
ACTIVE = frozenset({_S.ACCEPTED, _S.INVESTIGATING, _S.MEDIATING})
"""Accepted and not yet resolved: investigation and mediation go on."""
AFTER_AGREEMENT = frozenset({_S.AGREED, _S.JUDICIAL_CONFIRMATION, _S.FOLLOW_UP})
ENDED = frozenset({_S.REFUSED, _S.FAILED, _S.REFERRED})
"""Resolved without agreement: only the closing report is left."""
PARTIES_EDITABLE = BEFORE_DECISION | ACTIVE
"""Parties are added and edited until the case is agreed (the agreement
sealed or the oral one registered), ended or closed."""

_RANK: dict[CaseStatus, int] = {
    _S.APPLIED: 0,
    _S.ACCEPTED: 1,
    _S.INVESTIGATING: 2,
    _S.MEDIATING: 3,
    _S.AGREED: 4,
    _S.REFUSED: 4,
    _S.FAILED: 4,
    _S.REFERRED: 4,
    _S.JUDICIAL_CONFIRMATION: 5,
    _S.FOLLOW_UP: 6,
    _S.CLOSED: 7,
    _S.ARCHIVED: 8,
}
"""How far along a status is; a step never moves a case back."""


@dataclass(frozen=True)
class StepRule:
    """From which statuses a step may be recorded, the status it moves the
    case to (``None``: it stays), and whether a case has it once only."""

    allowed_from: frozenset[CaseStatus]
    moves_to: CaseStatus | None = None
    once: bool = False


RULES: dict[CaseStep, StepRule] = {
    CaseStep.APPLICATION: StepRule(BEFORE_DECISION | ACTIVE, once=True),
    CaseStep.REFERRAL_IN: StepRule(BEFORE_DECISION | ACTIVE, once=True),
    # Cases opened before the lifecycle existed are accepted without a
    # registration form: they may still record it, once.
    CaseStep.ACCEPTANCE: StepRule(BEFORE_DECISION | ACTIVE, _S.ACCEPTED, once=True),
    CaseStep.REFUSAL: StepRule(BEFORE_DECISION, _S.REFUSED, once=True),
    CaseStep.RIGHTS_NOTICE: StepRule(ACTIVE),
    CaseStep.INVESTIGATION: StepRule(ACTIVE, _S.INVESTIGATING),
    CaseStep.MEDIATION_SESSION: StepRule(ACTIVE, _S.MEDIATING),
    # A correction of a sealed agreement is also a written agreement: it is
    # recorded after the agreement (``step_problem`` asks for supersedes_id).
    CaseStep.WRITTEN_AGREEMENT: StepRule(frozenset({_S.MEDIATING}) | AFTER_AGREEMENT, _S.AGREED),
    CaseStep.ORAL_AGREEMENT: StepRule(frozenset({_S.MEDIATING}), _S.AGREED, once=True),
    CaseStep.TERMINATION: StepRule(ACTIVE, _S.FAILED, once=True),
    CaseStep.REFERRAL_OUT: StepRule(BEFORE_DECISION | ACTIVE, _S.REFERRED, once=True),
    CaseStep.JUDICIAL_APPLICATION: StepRule(AFTER_AGREEMENT, _S.JUDICIAL_CONFIRMATION),
    CaseStep.JUDICIAL_RULING: StepRule(AFTER_AGREEMENT),
    CaseStep.FOLLOW_UP: StepRule(AFTER_AGREEMENT, _S.FOLLOW_UP),
    CaseStep.CLOSING_REPORT: StepRule(AFTER_AGREEMENT | ENDED, _S.CLOSED, once=True),
    CaseStep.ARCHIVAL: StepRule(frozenset({_S.CLOSED}), _S.ARCHIVED, once=True),
}


class ProblemKind(StrEnum):
    NOT_ALLOWED = "not_allowed"  # not at this stage: out of order, once only, ended
    MISSING = "missing"  # an earlier step it needs is not recorded
    INVALID = "invalid"  # the form names what is not of this case


@dataclass(frozen=True)
class StepProblem:
    """Why a step cannot be recorded: ``field`` is what to fix, as
    ``"field: message"`` problems are named everywhere."""

    kind: ProblemKind
    field: str
    message: str


@dataclass(frozen=True)
class CaseFacts:
    """What a case holds that its steps depend on: built by ``facts_of``
    from its live records, the same way on the device and on the server."""

    status: CaseStatus
    parties: dict[UUID, str] = field(default_factory=dict)
    """Live parties: id → name (for messages)."""
    noticed: frozenset[UUID] = frozenset()
    """Parties who acknowledged the rights-and-duties notice."""
    steps: Counter[CaseStep] = field(default_factory=Counter)
    written_agreements: dict[UUID, int] = field(default_factory=dict)
    """Signed written agreements: id → number of obligations."""
    oral_agreements: dict[UUID, int] = field(default_factory=dict)
    """Oral agreement registrations: document id → number of obligations."""
    written_on: dict[UUID, date] = field(default_factory=dict)
    """Signed written agreements: id → the day it took effect (was sealed)."""
    judicial_applied_on: dict[UUID, date] = field(default_factory=dict)
    """Agreements whose judicial confirmation was applied for → the first
    application's day (``judicial_window``)."""
    agreed_on: date | None = None
    performance_deadline: date | None = None
    follow_ups: tuple[tuple[date, date | None], ...] = ()
    """(visited_on, next_follow_up) of each follow-up record, in date order."""

    @property
    def judicial_applications(self) -> frozenset[UUID]:
        """Agreements whose judicial confirmation was applied for."""
        return frozenset(self.judicial_applied_on)


def facts_of(
    status: CaseStatus,
    parties: Iterable[tuple[UUID, str]],
    documents: Iterable[tuple[UUID, CaseDocumentFields]],
    agreements: Iterable[tuple[UUID, AgreementFields]],
    zone: tzinfo,
) -> CaseFacts:
    """The facts of a case from its live parties (id, name), documents and
    agreements (id, record); ``zone`` is the district's, whose calendar the
    agreement's day is on."""
    steps: Counter[CaseStep] = Counter()
    noticed: set[UUID] = set()
    oral: dict[UUID, int] = {}
    applied: dict[UUID, date] = {}
    follow_ups: list[tuple[date, date | None]] = []
    agreed_days: list[date] = []
    deadlines: list[date] = []
    for document_id, document in documents:
        form = document.content
        steps[step_of(document.kind)] += 1
        if isinstance(form, RightsNoticeForm):
            noticed.add(form.party_id)
        elif isinstance(form, OralAgreementForm):
            oral[document_id] = len(form.obligations)
            agreed_days.append(form.agreed_on)
            if form.performance_deadline is not None:
                deadlines.append(form.performance_deadline)
        elif isinstance(form, JudicialApplicationForm):
            first = applied.get(form.agreement_id, form.applied_on)
            applied[form.agreement_id] = min(first, form.applied_on)
        elif isinstance(form, FollowUpForm):
            follow_ups.append((form.visited_on, form.next_follow_up))
    written: dict[UUID, int] = {}
    written_on: dict[UUID, date] = {}
    for agreement_id, agreement in agreements:
        if agreement.status is not AgreementStatus.SIGNED or agreement.signed_at is None:
            continue
        steps[CaseStep.WRITTEN_AGREEMENT] += 1
        written[agreement_id] = len(agreement.obligations)
        written_on[agreement_id] = district_day(agreement.signed_at, zone)
        agreed_days.append(written_on[agreement_id])
        if agreement.performance_deadline is not None:
            deadlines.append(agreement.performance_deadline)
    return CaseFacts(
        status=status,
        parties=dict(parties),
        noticed=frozenset(noticed),
        steps=steps,
        written_agreements=written,
        oral_agreements=oral,
        written_on=written_on,
        judicial_applied_on=applied,
        agreed_on=min(agreed_days, default=None),
        performance_deadline=max(deadlines, default=None),
        follow_ups=tuple(sorted(follow_ups, key=lambda pair: pair[0])),
    )


def step_problem(
    step: CaseStep, facts: CaseFacts, settings: MediationSettings, form: Any = None
) -> StepProblem | None:
    """Why ``step`` cannot be recorded now, or ``None`` when it can.
    ``form`` is what is being recorded (a document's form, or the
    ``AgreementFields`` being sealed); without it only the case's stage is
    checked (what ``next_steps`` shows)."""
    rule = RULES[step]
    if facts.status not in rule.allowed_from:
        return StepProblem(
            ProblemKind.NOT_ALLOWED,
            "kind",
            f"a {step} cannot be recorded while the case is {facts.status}",
        )
    if rule.once and facts.steps[step]:
        return StepProblem(ProblemKind.NOT_ALLOWED, "kind", f"the case already has its {step}")
    missing = _missing(step, facts, settings, form)
    if missing is not None:
        return missing
    return None if form is None else form_problem(form, facts)


def _missing(
    step: CaseStep, facts: CaseFacts, settings: MediationSettings, form: Any
) -> StepProblem | None:
    """What an earlier step ``step`` needs is not recorded."""
    if step is CaseStep.MEDIATION_SESSION:
        if not facts.parties:
            return StepProblem(
                ProblemKind.MISSING, "parties", "record the parties before mediating"
            )
        unnoticed = sorted(name for pid, name in facts.parties.items() if pid not in facts.noticed)
        if unnoticed:
            return StepProblem(
                ProblemKind.MISSING,
                "rights_notice",
                "the rights and duties notice is not acknowledged by " + ", ".join(unnoticed),
            )
    if (
        step is CaseStep.WRITTEN_AGREEMENT
        and facts.status in AFTER_AGREEMENT
        and getattr(form, "supersedes_id", None) is None
    ):
        return StepProblem(
            ProblemKind.NOT_ALLOWED,
            "supersedes_id",
            "the case is agreed already: a new written agreement corrects the sealed one",
        )
    if step is CaseStep.JUDICIAL_APPLICATION and not facts.written_agreements:
        return StepProblem(
            ProblemKind.MISSING,
            "agreement_id",
            "judicial confirmation is applied for with a signed written agreement",
        )
    if step is CaseStep.JUDICIAL_RULING and not facts.judicial_applications:
        return StepProblem(
            ProblemKind.MISSING, "judicial_application", "record the application to the court first"
        )
    if (
        step is CaseStep.CLOSING_REPORT
        and facts.status in AFTER_AGREEMENT
        and settings.follow_up_required_to_close
        and not facts.follow_ups
    ):
        return StepProblem(
            ProblemKind.MISSING, "follow_up", "an agreed case is closed after a follow-up visit"
        )
    return None


def form_problem(form: Any, facts: CaseFacts) -> StepProblem | None:
    """What a form names that is not of this case (a new form, or an edit
    of a recorded one): checked on every write of a document."""
    if isinstance(form, RightsNoticeForm) and form.party_id not in facts.parties:
        return _invalid("content.party_id", "names no party of this case")
    if isinstance(form, JudicialApplicationForm) and (
        form.agreement_id not in facts.written_agreements
    ):
        return _invalid("content.agreement_id", "names no signed written agreement of this case")
    applied = facts.judicial_applications
    if isinstance(form, JudicialRulingForm) and form.agreement_id not in applied:
        return _invalid("content.agreement_id", "names no agreement applied for confirmation")
    if isinstance(form, FollowUpForm):
        return _follow_up_problem(form, facts)
    return None


def _follow_up_problem(form: FollowUpForm, facts: CaseFacts) -> StepProblem | None:
    if form.agreement_id is None:
        if form.obligation_checks:
            return _invalid("content.agreement_id", "name the agreement the marks check")
        return None
    count = facts.written_agreements.get(form.agreement_id)
    if count is None:
        count = facts.oral_agreements.get(form.agreement_id)
    if count is None:
        return _invalid("content.agreement_id", "names no agreement of this case")
    for check in form.obligation_checks:
        if check.obligation_index >= count:
            return _invalid(
                "content.obligation_checks",
                f"the agreement has {count} obligations, not {check.obligation_index + 1}",
            )
    return None


def _invalid(field_name: str, message: str) -> StepProblem:
    return StepProblem(ProblemKind.INVALID, field_name, message)


def status_after(status: CaseStatus, step: CaseStep) -> CaseStatus:
    """The status a case is in once ``step`` is recorded (forward only:
    an investigation during mediation leaves the case mediating)."""
    target = RULES[step].moves_to
    if target is None or _RANK[target] <= _RANK[status]:
        return status
    return target


@dataclass(frozen=True)
class StepOption:
    """A step the case page offers, with what it still needs (``None``: ready)."""

    step: CaseStep
    problem: StepProblem | None


def next_steps(facts: CaseFacts, settings: MediationSettings) -> list[StepOption]:
    """The steps that may come next at the case's stage, in the order of the
    lifecycle, each with what is missing for it: what the case page shows."""
    options = []
    for step in CaseStep:
        problem = step_problem(step, facts, settings)
        if problem is None or problem.kind is ProblemKind.MISSING:
            options.append(StepOption(step, problem))
    return options


def follow_up_due(facts: CaseFacts, settings: MediationSettings) -> date | None:
    """When the next 回访 is due: the date the latest follow-up set, or (before
    the first) the performance deadline plus the district's days (the
    agreement's own day when it sets no deadline); ``None`` unless agreed."""
    if facts.status not in AFTER_AGREEMENT:
        return None
    if facts.follow_ups:
        return facts.follow_ups[-1][1]
    base = facts.performance_deadline or facts.agreed_on
    if base is None:
        return None
    return base + timedelta(days=settings.follow_up_days_after_deadline)
