"""The standard forms of a people's mediation case (调解卷宗), one content
model per kind of ``case_documents`` record (``case_documents.py``).

Each form holds the fields its paper form has (WORKFLOWS.md §1). The kind
is the discriminator: ``{"kind": "termination", "ended_on": …}`` validates
as ``TerminationForm`` and nothing else, so a form of one kind can never
carry another's fields. Signatures and fingerprints are not here: every
document keeps them in its own ``signatures`` list (the agreement's
``SignatureRef``), and photos (evidence, identity proofs, the court's
ruling) are attachments owned by the document.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import InitErrorDetails

from shared_models.domain.agreements import Obligation
from shared_models.domain.cases import CaseCategory, CaseSource, PartyKind, PartyRole
from shared_models.domain.people import Gender, Phone
from shared_models.domain.types import (
    LAX,
    STRICT_CONFIG,
    Day,
    LongText,
    RecordId,
    ShortText,
    UtcDatetime,
)
from shared_models.domain.visits import MAX_OBLIGATION_CHECKS, ObligationCheck

MAX_LIST = 50
"""Most people, statements or remedies one form lists."""


class CaseDocumentKind(StrEnum):
    """The forms of a case file; each is also a step of the lifecycle
    (``case_lifecycle.CaseStep``)."""

    APPLICATION = "application"  # 人民调解申请书
    ACCEPTANCE = "acceptance"  # 受理登记表
    REFUSAL = "refusal"  # 不予受理
    RIGHTS_NOTICE = "rights_notice"  # 权利义务告知书, one per party
    INVESTIGATION = "investigation"  # 调查记录
    MEDIATION_SESSION = "mediation_session"  # 调解记录
    ORAL_AGREEMENT = "oral_agreement"  # 口头协议登记表
    TERMINATION = "termination"  # 调解不成 / 终止
    JUDICIAL_APPLICATION = "judicial_application"  # 司法确认申请
    JUDICIAL_RULING = "judicial_ruling"  # 司法确认裁定 (photo attached)
    FOLLOW_UP = "follow_up"  # 回访记录
    CLOSING_REPORT = "closing_report"  # 结案报告表
    ARCHIVAL = "archival"  # 立卷归档
    REFERRAL_OUT = "referral_out"  # 移交 (to another body)
    REFERRAL_IN = "referral_in"  # 移交 (received from another body)


class _Form(BaseModel):
    model_config = STRICT_CONFIG


Names = Annotated[list[ShortText], Field(max_length=MAX_LIST)]


class PartyParticulars(_Form):
    """A party as the application form lists them (申请人 / 被申请人)."""

    party_id: RecordId | None = None
    role: Annotated[PartyRole, LAX]
    kind: Annotated[PartyKind, LAX] = PartyKind.PERSON
    name: ShortText = Field(min_length=1)
    gender: Annotated[Gender, LAX] | None = None
    ethnicity: ShortText = ""
    age: int | None = Field(default=None, ge=0, le=150)
    occupation: ShortText = ""
    phone: Phone | None = None
    address: ShortText = ""


class ApplicationForm(_Form):
    """人民调解申请书: who applies against whom, what happened, what is asked.
    Signed by the applicants (on screen or a fingerprint photo)."""

    kind: Literal["application"] = "application"
    applied_on: Day
    parties: list[PartyParticulars] = Field(min_length=1, max_length=MAX_LIST)
    account: LongText = Field(min_length=1)
    request: LongText = Field(min_length=1)


class AcceptanceForm(_Form):
    """受理登记表: the dispute as registered. Recording it is what gives the
    case its number (``case_lifecycle.format_case_number``)."""

    kind: Literal["acceptance"] = "acceptance"
    accepted_on: Day
    dispute_type: Annotated[CaseCategory, LAX]
    source: Annotated[CaseSource, LAX]
    source_detail: ShortText = ""
    """Who handed it over or asked (the police station, the court, the
    government office, the screening round, the resident's request)."""
    parties_consent: bool = False
    summary: LongText = ""
    registrar: ShortText = ""


class RefusalReason(StrEnum):
    BEFORE_COURT = "before_court"  # already before a court or an arbitration body
    OUTSIDE_REMIT = "outside_remit"  # not a dispute people's mediation may take
    PARTY_DECLINES = "party_declines"  # a party does not agree to mediation
    OTHER = "other"


class RefusalForm(_Form):
    """不予受理, with the reason the applicant was told."""

    kind: Literal["refusal"] = "refusal"
    refused_on: Day
    reason: Annotated[RefusalReason, LAX]
    explanation: LongText = Field(min_length=1)


class RightsNoticeForm(_Form):
    """权利义务告知书, acknowledged by one party (their signature or fingerprint
    in the document's ``signatures``); the identity proof seen is a photo
    attached to the document."""

    kind: Literal["rights_notice"] = "rights_notice"
    party_id: RecordId
    party_name: ShortText = Field(min_length=1)
    notified_on: Day
    identity_checked: bool = False


class Statement(_Form):
    """One person heard in an investigation and what they said."""

    name: ShortText = Field(min_length=1)
    party_id: RecordId | None = None
    relation: ShortText = ""
    statement: LongText = Field(min_length=1)


class InvestigationForm(_Form):
    """调查记录: who was asked, what they said; evidence photos are attached."""

    kind: Literal["investigation"] = "investigation"
    investigated_at: UtcDatetime
    place: ShortText = ""
    investigators: Names = Field(default_factory=list)
    statements: list[Statement] = Field(min_length=1, max_length=MAX_LIST)
    findings: LongText = ""


class SessionResult(StrEnum):
    AGREED = "agreed"
    CONTINUE = "continue"  # another session is needed
    FAILED = "failed"


class MediationSessionForm(_Form):
    """调解记录: date, place, who was present, what was said, the result."""

    kind: Literal["mediation_session"] = "mediation_session"
    held_at: UtcDatetime
    place: ShortText = ""
    mediators: Names = Field(default_factory=list)
    present: Names = Field(min_length=1)
    account: LongText = Field(min_length=1)
    result: Annotated[SessionResult, LAX]
    result_note: LongText = ""


class OralAgreementForm(_Form):
    """口头协议登记表: a simple matter agreed by word, registered by the mediator."""

    kind: Literal["oral_agreement"] = "oral_agreement"
    agreed_on: Day
    present: Names = Field(min_length=1)
    terms: LongText = Field(min_length=1)
    obligations: list[Obligation] = Field(default_factory=list, max_length=MAX_OBLIGATION_CHECKS)
    performance_deadline: Day | None = None


class TerminationReason(StrEnum):
    NO_AGREEMENT = "no_agreement"  # 调解不成
    PARTY_WITHDREW = "party_withdrew"  # a party withdrew or refused to go on
    WENT_TO_COURT = "went_to_court"  # a party sued or applied for arbitration
    OTHER = "other"


class Remedy(StrEnum):
    LITIGATION = "litigation"
    ARBITRATION = "arbitration"
    ADMINISTRATIVE = "administrative"
    OTHER = "other"


class TerminationForm(_Form):
    """调解不成 / 终止: why, and the remedies the parties were told of."""

    kind: Literal["termination"] = "termination"
    ended_on: Day
    reason: Annotated[TerminationReason, LAX]
    explanation: LongText = ""
    remedies_told: list[Annotated[Remedy, LAX]] = Field(min_length=1, max_length=len(Remedy))


class JudicialApplicationForm(_Form):
    """司法确认申请: the parties' joint application to the court about a
    written agreement (within the district's window after it takes effect)."""

    kind: Literal["judicial_application"] = "judicial_application"
    agreement_id: RecordId
    applied_on: Day
    court: ShortText = Field(min_length=1)
    applicants: Names = Field(min_length=1)


class RulingOutcome(StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class JudicialRulingForm(_Form):
    """司法确认裁定: the court's ruling (its photo is attached)."""

    kind: Literal["judicial_ruling"] = "judicial_ruling"
    agreement_id: RecordId
    ruled_on: Day
    court: ShortText = Field(min_length=1)
    ruling_number: ShortText = ""
    outcome: Annotated[RulingOutcome, LAX]


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    PARTLY = "partly"
    DISSATISFIED = "dissatisfied"


class FollowUpForm(_Form):
    """回访记录: per obligation of the agreement (a signed written agreement's
    id, or the id of the oral agreement's registration), whether it is
    performed; satisfaction; signs of the dispute flaring up; the next date."""

    kind: Literal["follow_up"] = "follow_up"
    visited_on: Day
    agreement_id: RecordId | None = None
    visitor: ShortText = Field(min_length=1)
    visited: Names = Field(min_length=1)
    obligation_checks: list[ObligationCheck] = Field(
        default_factory=list, max_length=MAX_OBLIGATION_CHECKS
    )
    satisfaction: Annotated[Satisfaction, LAX]
    flare_up: bool = False
    findings: LongText = ""
    next_follow_up: Day | None = None


class CaseResult(StrEnum):
    AGREED_WRITTEN = "agreed_written"
    AGREED_ORAL = "agreed_oral"
    FAILED = "failed"
    REFUSED = "refused"
    REFERRED = "referred"


class Performance(StrEnum):
    PERFORMED = "performed"
    PARTLY = "partly"
    NOT_PERFORMED = "not_performed"
    NOT_APPLICABLE = "not_applicable"


class ClosingReportForm(_Form):
    """结案报告表: the result and a short account; the case's number,
    committee, mediator, dates and parties are printed from the case."""

    kind: Literal["closing_report"] = "closing_report"
    closed_on: Day
    result: Annotated[CaseResult, LAX]
    performance: Annotated[Performance, LAX] = Performance.NOT_APPLICABLE
    summary: LongText = Field(min_length=1)


class Retention(StrEnum):
    PERMANENT = "permanent"  # 永久
    LONG = "long"  # 长期
    SHORT = "short"  # 短期


class ArchivalForm(_Form):
    """立卷归档: who filed the case file, when, for how long, where."""

    kind: Literal["archival"] = "archival"
    archived_on: Day
    filed_by: ShortText = Field(min_length=1)
    retention: Annotated[Retention, LAX]
    volume: ShortText = ""
    location: ShortText = ""


class Body(StrEnum):
    """Who hands a case over, or receives one."""

    POLICE = "police"
    COURT = "court"
    PETITION_OFFICE = "petition_office"
    GOVERNMENT = "government"
    COMMITTEE = "committee"
    OTHER = "other"


class ReferralOutForm(_Form):
    """移交 (out): the case goes to another body; this case ends here."""

    kind: Literal["referral_out"] = "referral_out"
    referred_on: Day
    receiving_kind: Annotated[Body, LAX]
    receiving_body: ShortText = Field(min_length=1)
    reason: LongText = Field(min_length=1)


class ReferralInForm(_Form):
    """移交 (in): where a received case came from, and their reference."""

    kind: Literal["referral_in"] = "referral_in"
    received_on: Day
    from_kind: Annotated[Body, LAX]
    from_body: ShortText = Field(min_length=1)
    reference: ShortText = ""
    reason: LongText = ""


_KINDS = frozenset(CaseDocumentKind)
_KIND_PROBLEMS = frozenset({"union_tag_invalid", "union_tag_not_found"})
"""Problems of the form's ``kind`` itself, which pydantic names by the form."""


def _named_without_kind(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate by kind, naming problems by the path of the value alone:
    pydantic puts the chosen kind into the location
    (``termination.remedies_told``), a step that is in no one's data."""
    try:
        return handler(value)
    except ValidationError as error:
        details: list[InitErrorDetails] = []
        for item in error.errors():
            location = item["loc"]
            if location and location[0] in _KINDS:
                location = location[1:]
            elif item["type"] in _KIND_PROBLEMS:
                location = (*location, "kind")
            detail = InitErrorDetails(type=item["type"], loc=location, input=item["input"])
            if "ctx" in item:
                detail["ctx"] = item["ctx"]
            details.append(detail)
        raise ValidationError.from_exception_data(error.title, details) from None


CaseForm = Annotated[
    ApplicationForm
    | AcceptanceForm
    | RefusalForm
    | RightsNoticeForm
    | InvestigationForm
    | MediationSessionForm
    | OralAgreementForm
    | TerminationForm
    | JudicialApplicationForm
    | JudicialRulingForm
    | FollowUpForm
    | ClosingReportForm
    | ArchivalForm
    | ReferralOutForm
    | ReferralInForm,
    Discriminator("kind"),
    WrapValidator(_named_without_kind),
]
"""A form's content: which model is chosen by its ``kind``. A problem is
named by where its value is (``content.remedies_told``), as everywhere."""
