"""A subject's timeline as lines to show: every event, check-in and visit in
time order (newest first), each request with where it stands and its
decisions folded in, and what is due next.

The phone builds it from its own copy; the desk from the server's answer
(``shared_models.protocol.correction.Timeline``): both hand the same
records to ``timeline_lines`` and ``due_lines``, so the two pages say the
same thing in the same words.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from enum import StrEnum
from uuid import UUID

from field_app.i18n import Msg, msg
from field_app.viewmodels.event_forms import PRINTED_KINDS, SIGNED_KINDS
from field_app.viewmodels.subjects import due_text
from shared_models.correction.approvals import ApprovalState, ApprovalStatus
from shared_models.correction.due import DueItem, DueKind
from shared_models.correction.history import EventFacts, hours_by_month
from shared_models.district_time import district_day
from shared_models.domain.event_content import (
    CommunityService,
    Conversation,
    CorrectionPlan,
    Decision,
    Education,
    EntryAnnouncement,
    EventKind,
    ExitEntryFiling,
    HealthReport,
    LeaveDeparture,
    LeaveRequest,
    LeaveReturn,
    LevelChange,
    PlanReview,
    ReleaseAnnouncement,
    ResidenceChange,
    RewardSanction,
)
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.domain.visits import VisitKind, VisitRecord

Part = Msg | str


class Tone(StrEnum):
    """How a line's state is coloured."""

    PLAIN = "plain"
    DONE = "done"
    WAITING = "waiting"
    REFUSED = "refused"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class TimelineLine:
    id: UUID
    day: date
    kind: Msg
    summary: tuple[Part, ...]
    """Short facts, shown joined by " · " (where, how long, how many hours)."""
    detail: str
    """The long text (notes, facts, the plan), as typed."""
    status: Msg | None = None
    tone: Tone = Tone.PLAIN
    decisions: tuple[Msg, ...] = ()
    event_kind: EventKind | None = None
    """``None`` for a check-in or visit."""
    unsent: bool = False
    needs_signature: bool = False
    signed: bool = False
    printable: bool = False
    may_depart: bool = False
    may_return: bool = False
    photos: tuple[str, ...] = ()
    """A visit's photos (SHA-256), shown as thumbnails."""


@dataclass(frozen=True)
class HoursLine:
    """Education or community service: this month's hours, the plan's
    monthly target (``None`` without a plan) and the running total."""

    what: Msg
    done: float
    planned: float | None
    total: float


@dataclass(frozen=True)
class DueLine:
    kind: DueKind
    what: Msg
    when: Msg
    due_on: date
    overdue: bool
    request_id: UUID | None = None


def event_summary(content: object) -> tuple[tuple[Part, ...], str]:
    """The short facts and the long text of an event's content."""
    match content:
        case EntryAnnouncement() | ReleaseAnnouncement():
            parts: tuple[Part, ...] = (content.place, *content.present[:3])
            return parts, getattr(content, "notes", "") or getattr(content, "assessment", "")
        case LevelChange():
            return (
                msg(f"corr.level.{content.from_level.value}"),
                msg(f"corr.level.{content.to_level.value}"),
            ), content.reason
        case CorrectionPlan():
            return tuple(content.measures[:3]), content.text
        case PlanReview():
            return (), content.assessment + (f"\n{content.changes}" if content.changes else "")
        case Conversation():
            return (
                msg(f"corr.conversation.{content.method.value}"),
                content.topic,
            ), content.summary
        case HealthReport():
            return (msg(f"corr.health.{content.report_type.value}"), content.hospital), (
                content.findings
            )
        case Education():
            return (content.topic, _hours(content.hours), content.place), ""
        case CommunityService():
            return (content.activity, _hours(content.hours), content.place), ""
        case LeaveRequest():
            return (
                content.destination,
                msg("corr.leave.dates", start=content.start, end=content.end),
                msg("corr.approvals.days", count=content.days),
                msg(f"corr.leave_reason.{content.reason.value}"),
            ), content.reason_text
        case LeaveDeparture() | LeaveReturn():
            return (), content.notes
        case ResidenceChange():
            return (content.new_address, content.move_on.isoformat()), content.reason
        case ExitEntryFiling():
            return (content.filed_with, content.reference), content.notes
        case RewardSanction():
            return (msg(f"corr.measure.{content.measure.value}"),), content.facts
        case _:
            return (), ""


def _hours(hours: float) -> str:
    return f"{hours:g} h"


def _decision_line(decision: SubjectEventRecord, names: Mapping[UUID, str]) -> Msg:
    """Who decided (the level, and the approver's name where this device
    knows it), what and when, with the comment."""
    content = decision.content
    assert isinstance(content, Decision)
    level = msg(f"corr.approval_level.{content.level.value}")
    name = names.get(content.decided_by)
    if name:
        level = msg("corr.decision.level_named", level=level, name=name)
    line = msg(
        "corr.decision.line",
        outcome=msg(f"corr.outcome.{content.outcome.value}"),
        level=level,
        day=decision.occurred_on,
    )
    if content.comment:
        return msg("corr.decision.with_comment", line=line, comment=content.comment)
    return line


def _status(state: ApprovalState | None) -> tuple[Msg | None, Tone]:
    if state is None or state.status is ApprovalStatus.NOT_NEEDED:
        return None, Tone.PLAIN
    if state.status is ApprovalStatus.PENDING:
        level = msg(f"corr.approval_level.{(state.waiting_for or 'office')}")
        return msg("corr.approval.pending", level=level), Tone.WAITING
    if state.status is ApprovalStatus.APPROVED:
        return msg("corr.approval.approved"), Tone.DONE
    return msg("corr.approval.refused"), Tone.REFUSED


def timeline_lines(
    events: Iterable[SubjectEventRecord],
    visits: Iterable[VisitRecord],
    states: Mapping[UUID, ApprovalState],
    signed: set[UUID] | None,
    unsent: set[UUID],
    today: date,
    zone: tzinfo,
    photos: Mapping[UUID, list[str]] | None = None,
    names: Mapping[UUID, str] | None = None,
) -> list[TimelineLine]:
    """Every event (decisions folded into their requests) and every visit,
    newest first. ``signed``: the events whose subject has signed (``None``
    where signatures are not known: the desk). ``names``: users' names by
    id, to name the approver of each decision."""
    events = list(events)
    decisions: dict[UUID, list[SubjectEventRecord]] = {}
    departed: set[UUID] = set()
    returned: set[UUID] = set()
    for event in events:
        if event.request_id is None:
            continue
        if event.kind is EventKind.DECISION:
            decisions.setdefault(event.request_id, []).append(event)
        elif event.kind is EventKind.LEAVE_DEPARTURE:
            departed.add(event.request_id)
        elif event.kind is EventKind.LEAVE_RETURN:
            returned.add(event.request_id)
    lines: list[TimelineLine] = []
    for event in events:
        if event.kind is EventKind.DECISION:
            continue
        summary, detail = event_summary(event.content)
        state = states.get(event.id)
        status, tone = _status(state)
        may_depart = may_return = False
        if isinstance(event.content, LeaveRequest) and state is not None:
            approved = state.status is ApprovalStatus.APPROVED
            may_depart = approved and event.id not in departed
            may_return = event.id in departed and event.id not in returned
            if may_return and today > event.content.end:
                status, tone = msg("corr.leave_overdue"), Tone.OVERDUE
            elif may_return:
                status = msg("corr.on_leave")
        lines.append(
            TimelineLine(
                id=event.id,
                day=event.occurred_on,
                kind=msg(f"corr.kind.{event.kind.value}"),
                summary=tuple(part for part in summary if part),
                detail=detail,
                status=status,
                tone=tone,
                decisions=tuple(
                    _decision_line(d, names or {})
                    for d in sorted(decisions.get(event.id, []), key=_day)
                ),
                event_kind=event.kind,
                unsent=event.id in unsent,
                needs_signature=signed is not None and event.kind in SIGNED_KINDS,
                signed=signed is not None and event.id in signed,
                printable=event.kind in PRINTED_KINDS,
                may_depart=may_depart,
                may_return=may_return,
            )
        )
    for visit in visits:
        kind = (
            msg(f"checkin.method.{visit.method.value}")
            if visit.kind is VisitKind.CHECKIN and visit.method
            else msg(f"visit.kind.{visit.kind.value}")
        )
        lines.append(
            TimelineLine(
                id=visit.id,
                day=district_day(visit.started_at, zone),
                kind=kind,
                summary=(msg("format.when", when=visit.started_at),),
                detail=visit.notes,
                unsent=visit.id in unsent,
                photos=tuple((photos or {}).get(visit.id, ())),
            )
        )
    # Newest first; on one day, the later recorded first (events come oldest first).
    order = {id(line): index for index, line in enumerate(lines)}
    lines.sort(key=lambda line: (line.day, order[id(line)]), reverse=True)
    return lines


def _day(event: SubjectEventRecord) -> date:
    return event.occurred_on


def due_lines(items: Iterable[DueItem], today: date) -> list[DueLine]:
    """What is due, soonest first, in words."""
    return [
        DueLine(
            kind=item.kind,
            what=msg(f"corr.due.{item.kind.value}"),
            when=due_text(item.due_on, today),
            due_on=item.due_on,
            overdue=item.overdue,
            request_id=item.request_id,
        )
        for item in items
    ]


def hours_lines(events: Sequence[SubjectEventRecord], month: tuple[int, int]) -> list[HoursLine]:
    """Education and community service in ``month`` (year, month) against
    the latest plan's monthly targets, with the totals so far: the phone's
    page and the desk's say the same."""
    facts = [EventFacts(e.id, e.kind, e.occurred_on, e.request_id, e.content) for e in events]
    plans = [e.content for e in events if isinstance(e.content, CorrectionPlan)]
    plan = plans[-1] if plans else None
    lines = []
    for kind, planned in (
        (EventKind.EDUCATION, plan.education_hours_per_month if plan else None),
        (EventKind.COMMUNITY_SERVICE, plan.service_hours_per_month if plan else None),
    ):
        by_month = hours_by_month(facts, kind)
        lines.append(
            HoursLine(
                msg(f"corr.kind.{kind.value}"),
                by_month.get(month, 0.0),
                planned or None,
                sum(by_month.values()),
            )
        )
    return lines
