"""What each kind of subject event holds: one model per kind, told apart by
its ``kind`` (a Pydantic discriminated union), so a leave request without
a destination or a warning without facts is refused on the phone before it
is saved and on the server before it is stored, naming the field.

Who recorded an event is its ``created_by`` (set by the server, never
forged by a device); its day is the event's ``occurred_on``; signatures
(the subject's on an announcement, a request or an acknowledgement) are
attachments of kind ``signature`` owned by the event.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, Discriminator, Field, ValidationError, model_validator

from shared_models.domain.people import Phone
from shared_models.domain.subjects import SupervisionLevel
from shared_models.domain.types import LAX, STRICT_CONFIG, Day, LongText, RecordId, ShortText
from shared_models.problems import problem_message

MAX_LIST = 50
"""Items of a list in an event (people present, measures, items read)."""
MAX_HOURS = 1000


class EventKind(StrEnum):
    ENTRY_ANNOUNCEMENT = "entry_announcement"  # 入矫宣告
    LEVEL_CHANGE = "level_change"  # 分类管理等级调整 (approved)
    CORRECTION_PLAN = "correction_plan"  # 矫正方案
    PLAN_REVIEW = "plan_review"  # 矫正方案评估调整
    CONVERSATION = "conversation"  # 个别谈话
    HEALTH_REPORT = "health_report"  # 病情复查 / 每月病情报告 (暂予监外执行)
    EDUCATION = "education"  # 教育学习
    COMMUNITY_SERVICE = "community_service"  # 公益活动
    LEAVE_REQUEST = "leave_request"  # 请假外出 (approved)
    LEAVE_DEPARTURE = "leave_departure"  # 离开
    LEAVE_RETURN = "leave_return"  # 返回销假
    RESIDENCE_CHANGE = "residence_change"  # 变更居住地 (approved, then transferred)
    EXIT_ENTRY_FILING = "exit_entry_filing"  # 出入境报备
    REWARD_SANCTION = "reward_sanction"  # 表扬 / 训诫 / 警告 / 提请撤销 (approved)
    RELEASE_ANNOUNCEMENT = "release_announcement"  # 解矫宣告
    DECISION = "decision"  # an approver's decision on a request: written by the server only


class _Content(BaseModel):
    model_config = STRICT_CONFIG


class AnnouncementItem(StrEnum):
    """What is read out at an announcement."""

    JUDGMENT = "judgment"  # 判决书、裁定书、决定书的主要内容
    TERM = "term"  # 矫正期限
    RULES = "rules"  # 应遵守的规定
    RIGHTS = "rights"  # 依法享有的权利
    TEAM = "team"  # 矫正小组人员组成及职责
    CONSEQUENCES = "consequences"  # 违反规定的法律后果
    ASSESSMENT = "assessment"  # 解矫: 矫正期间表现鉴定
    CERTIFICATE = "certificate"  # 解矫: 宣布解除社区矫正, 发放证明书


class EntryAnnouncement(_Content):
    """入矫宣告: where, who was there, what was read. The subject signs."""

    kind: Literal[EventKind.ENTRY_ANNOUNCEMENT] = EventKind.ENTRY_ANNOUNCEMENT
    place: ShortText = Field(min_length=1)
    present: list[ShortText] = Field(default_factory=list, max_length=MAX_LIST)
    items_read: list[Annotated[AnnouncementItem, LAX]] = Field(
        default_factory=list, max_length=MAX_LIST
    )
    notes: LongText = ""


class LevelChange(_Content):
    """A proposed change of supervision level, with the reason; the subject's
    level changes when the office approves (the server applies it)."""

    kind: Literal[EventKind.LEVEL_CHANGE] = EventKind.LEVEL_CHANGE
    from_level: SupervisionLevel = Field(strict=False)
    to_level: SupervisionLevel = Field(strict=False)
    reason: LongText = Field(min_length=1)

    @model_validator(mode="after")
    def _changes(self) -> "LevelChange":
        if self.from_level is self.to_level:
            raise ValueError("to_level: the new level is the current one")
        return self


class CorrectionPlan(_Content):
    """矫正方案: the plan and its measures; monthly targets of education and
    community service hours against which the running totals are shown."""

    kind: Literal[EventKind.CORRECTION_PLAN] = EventKind.CORRECTION_PLAN
    text: LongText = Field(min_length=1)
    measures: list[ShortText] = Field(default_factory=list, max_length=MAX_LIST)
    education_hours_per_month: float = Field(default=0, ge=0, le=MAX_HOURS)
    service_hours_per_month: float = Field(default=0, ge=0, le=MAX_HOURS)


class PlanReview(_Content):
    """A review of the plan the event's ``request_id`` names."""

    kind: Literal[EventKind.PLAN_REVIEW] = EventKind.PLAN_REVIEW
    assessment: LongText = Field(min_length=1)
    changes: LongText = ""


class ConversationMethod(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class Conversation(_Content):
    """个别谈话: the monthly talk."""

    kind: Literal[EventKind.CONVERSATION] = EventKind.CONVERSATION
    method: ConversationMethod = Field(default=ConversationMethod.IN_PERSON, strict=False)
    topic: ShortText = ""
    summary: LongText = Field(min_length=1)


class HealthReportType(StrEnum):
    MONTHLY = "monthly"  # 每月病情报告
    CHECKUP = "checkup"  # 每三个月病情复查


class HealthReport(_Content):
    """A medical-parole subject's (暂予监外执行) monthly report or quarterly check-up."""

    kind: Literal[EventKind.HEALTH_REPORT] = EventKind.HEALTH_REPORT
    report_type: HealthReportType = Field(strict=False)
    hospital: ShortText = ""
    findings: LongText = ""
    still_qualifies: bool | None = None
    """Whether the condition still justifies execution outside prison (a check-up's verdict)."""


class Education(_Content):
    kind: Literal[EventKind.EDUCATION] = EventKind.EDUCATION
    hours: float = Field(gt=0, le=24)
    topic: ShortText = Field(min_length=1)
    place: ShortText = ""


class CommunityService(_Content):
    kind: Literal[EventKind.COMMUNITY_SERVICE] = EventKind.COMMUNITY_SERVICE
    hours: float = Field(gt=0, le=24)
    activity: ShortText = Field(min_length=1)
    place: ShortText = ""


class LeaveReason(StrEnum):
    MEDICAL = "medical"  # 就医
    FAMILY = "family"  # 家庭重大变故（婚丧等）
    WORK = "work"  # 生产经营、学习
    OTHER = "other"


class LeaveRequest(_Content):
    """请假外出: filed by the officer for the subject, who signs; days count
    both ends (``correction/leave.py`` holds the limits and who decides)."""

    kind: Literal[EventKind.LEAVE_REQUEST] = EventKind.LEAVE_REQUEST
    start: Day
    end: Day
    destination: ShortText = Field(min_length=1)
    reason: LeaveReason = Field(strict=False)
    reason_text: LongText = ""
    guarantor: ShortText = Field(min_length=1)
    guarantor_phone: Phone | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "LeaveRequest":
        if self.end < self.start:
            raise ValueError("end: a leave cannot end before it starts")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class LeaveDeparture(_Content):
    """The subject left on the approved leave the event's ``request_id`` names."""

    kind: Literal[EventKind.LEAVE_DEPARTURE] = EventKind.LEAVE_DEPARTURE
    notes: LongText = ""


class LeaveReturn(_Content):
    """The subject reported back (销假) from the leave ``request_id`` names."""

    kind: Literal[EventKind.LEAVE_RETURN] = EventKind.LEAVE_RETURN
    notes: LongText = ""


class ResidenceChange(_Content):
    """变更居住地: applied for a month ahead (``move_on``); the district
    decides on the office's opinion; approved, the record is transferred to
    ``new_unit_id`` (the office of the new residence)."""

    kind: Literal[EventKind.RESIDENCE_CHANGE] = EventKind.RESIDENCE_CHANGE
    new_address: ShortText = Field(min_length=1)
    new_unit_id: RecordId
    move_on: Day
    reason: LongText = Field(min_length=1)


class ExitEntryFiling(_Content):
    """出入境报备: that the filing was made, when (``occurred_on``) and to whom."""

    kind: Literal[EventKind.EXIT_ENTRY_FILING] = EventKind.EXIT_ENTRY_FILING
    filed_with: ShortText = Field(min_length=1)
    reference: ShortText = ""
    notes: LongText = ""


class Measure(StrEnum):
    COMMENDATION = "commendation"  # 表扬
    REPRIMAND = "reprimand"  # 训诫
    WARNING = "warning"  # 警告
    REVOCATION_PROPOSAL = "revocation_proposal"  # 提请撤销缓刑、假释 / 收监执行


class RewardSanction(_Content):
    """A commendation or sanction: the facts, the officer (``created_by``),
    the approver (the decisions), the subject's acknowledgement (the day,
    and their signature as an attachment)."""

    kind: Literal[EventKind.REWARD_SANCTION] = EventKind.REWARD_SANCTION
    measure: Measure = Field(strict=False)
    facts: LongText = Field(min_length=1)
    acknowledged_on: Day | None = None


class ReleaseAnnouncement(_Content):
    """解矫宣告 at term end; the certificate (解除社区矫正证明书) is printed from it."""

    kind: Literal[EventKind.RELEASE_ANNOUNCEMENT] = EventKind.RELEASE_ANNOUNCEMENT
    place: ShortText = Field(min_length=1)
    present: list[ShortText] = Field(default_factory=list, max_length=MAX_LIST)
    items_read: list[Annotated[AnnouncementItem, LAX]] = Field(
        default_factory=list, max_length=MAX_LIST
    )
    certificate_number: ShortText = ""
    assessment: LongText = ""
    to_resettlement: bool = False
    """Handed on to resettlement assistance (安置帮教)."""


class DecisionOutcome(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"


class ApprovalLevel(StrEnum):
    OFFICE = "office"  # 司法所负责人
    DISTRICT = "district"  # 区（县）社区矫正机构


class Decision(_Content):
    """An approver's decision on the request the event's ``request_id``
    names, at ``level``. Written by the server (the desk's decision route),
    never pushed by a device: ``decided_by`` is the supervisor who decided.
    A refusal says why."""

    kind: Literal[EventKind.DECISION] = EventKind.DECISION
    outcome: DecisionOutcome = Field(strict=False)
    level: ApprovalLevel = Field(strict=False)
    comment: LongText = ""
    decided_by: RecordId

    @model_validator(mode="after")
    def _refusal_has_reason(self) -> "Decision":
        if self.outcome is DecisionOutcome.REFUSED and not self.comment.strip():
            raise ValueError("comment: a refusal gives its reason")
        return self


EventContent = Annotated[
    EntryAnnouncement
    | LevelChange
    | CorrectionPlan
    | PlanReview
    | Conversation
    | HealthReport
    | Education
    | CommunityService
    | LeaveRequest
    | LeaveDeparture
    | LeaveReturn
    | ResidenceChange
    | ExitEntryFiling
    | RewardSanction
    | ReleaseAnnouncement
    | Decision,
    Discriminator("kind"),
]
"""An event's content, its model chosen by ``kind``. Validated through
``parse_content`` (by ``kind``), so a problem is named ``content.<field>``
as on every other record, not with the union's tag in the path."""

ANSWERING_KINDS: frozenset[EventKind] = frozenset(
    {
        EventKind.PLAN_REVIEW,
        EventKind.LEAVE_DEPARTURE,
        EventKind.LEAVE_RETURN,
        EventKind.DECISION,
    }
)
"""Kinds that refer to an earlier event of the same subject (``request_id``)."""

ANSWERED_KIND: dict[EventKind, frozenset[EventKind]] = {
    EventKind.PLAN_REVIEW: frozenset({EventKind.CORRECTION_PLAN}),
    EventKind.LEAVE_DEPARTURE: frozenset({EventKind.LEAVE_REQUEST}),
    EventKind.LEAVE_RETURN: frozenset({EventKind.LEAVE_REQUEST}),
    EventKind.DECISION: frozenset(
        {
            EventKind.LEAVE_REQUEST,
            EventKind.LEVEL_CHANGE,
            EventKind.RESIDENCE_CHANGE,
            EventKind.REWARD_SANCTION,
        }
    ),
}
"""What the ``request_id`` of each answering kind may name."""

CONTENT_MODELS: dict[EventKind, type[_Content]] = {
    model.model_fields["kind"].default: model
    for model in (
        EntryAnnouncement,
        LevelChange,
        CorrectionPlan,
        PlanReview,
        Conversation,
        HealthReport,
        Education,
        CommunityService,
        LeaveRequest,
        LeaveDeparture,
        LeaveReturn,
        ResidenceChange,
        ExitEntryFiling,
        RewardSanction,
        ReleaseAnnouncement,
        Decision,
    )
}


_KINDS = frozenset(EventKind)


def parse_content(value: object) -> EventContent:
    """The content model its ``kind`` names, validated (a stored or pulled
    event's ``content``, or a form's). A ``ValidationError`` locates what is
    wrong: ``kind`` when there is no such kind, else the field inside."""
    if isinstance(value, _Content):
        return cast("EventContent", value)  # every _Content is a member of the union
    kind = value.get("kind") if isinstance(value, dict) else None
    model = CONTENT_MODELS[EventKind(kind)] if isinstance(kind, str) and kind in _KINDS else None
    if model is None:
        known = ", ".join(CONTENT_MODELS)
        problem = ValueError(f"{kind!r} is no kind of event; one of {known}")
        item = {"type": "value_error", "loc": ("kind",), "input": kind, "ctx": {"error": problem}}
        raise ValidationError.from_exception_data("EventContent", [item])  # type: ignore[list-item]
    try:
        return cast("EventContent", model.model_validate(value))
    except ValidationError as error:
        raise _located(error, model.__name__) from None


def _located(error: ValidationError, title: str) -> ValidationError:
    """``error`` with a model validator's ``"end: …"`` problems located at
    their field (``content.end``), as a field's own problems are."""
    items: list[Any] = []
    for item in error.errors():
        message = problem_message(item)
        if not item["loc"] and item["type"] == "value_error" and ": " in message:
            field, _, text = message.partition(": ")
            item = {**item, "loc": (field,), "ctx": {"error": ValueError(text)}}
        items.append(item)
    return ValidationError.from_exception_data(title, items)
