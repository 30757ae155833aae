"""A subject's events read together: where each request stands, whether a
new leave request fits beside the others, the due list's ``History``, the
warnings given, the hours done per month. The
phone (from its local tables) and the desk (from the district database)
both read a subject through these, so they agree on every list.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from shared_models.correction.approvals import (
    ApprovalState,
    ApprovalStatus,
    approval_state,
    required_levels,
)
from shared_models.correction.due import History, LeaveOut
from shared_models.correction.leave import LeaveRefusal, LeaveSpan, leave_refusal
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.event_content import (
    Decision,
    EventContent,
    EventKind,
    HealthReport,
    HealthReportType,
    LeaveRequest,
    Measure,
    RewardSanction,
)
from shared_models.domain.subjects import SubjectFields
from shared_models.domain.visits import CheckinMethod, VisitKind


@dataclass(frozen=True)
class EventFacts:
    """What the rules read of one live (not deleted) event."""

    id: UUID
    kind: EventKind
    occurred_on: date
    request_id: UUID | None
    content: EventContent | None
    """``None`` where the reader did not decrypt it: no rule here reads the
    content of that event (``history_of`` says what it reads)."""


@dataclass(frozen=True)
class VisitFacts:
    """A check-in or visit of the subject, on the district's calendar."""

    kind: VisitKind
    method: CheckinMethod | None
    day: date


def decisions_by_request(events: Iterable[EventFacts]) -> dict[UUID, list[Decision]]:
    """Each request's decisions, in the order given."""
    found: dict[UUID, list[Decision]] = {}
    for event in events:
        if isinstance(event.content, Decision) and event.request_id is not None:
            found.setdefault(event.request_id, []).append(event.content)
    return found


def request_states(
    events: Sequence[EventFacts], settings: CorrectionSettings
) -> dict[UUID, ApprovalState]:
    """Where every request among ``events`` stands (events needing no
    approval are left out)."""
    decisions = decisions_by_request(events)
    states: dict[UUID, ApprovalState] = {}
    for event in events:
        if event.content is None:
            continue
        levels = required_levels(event.content, settings)
        if levels:
            states[event.id] = approval_state(levels, decisions.get(event.id, []))
    return states


def live_leaves(
    events: Sequence[EventFacts], settings: CorrectionSettings, leaving_out: UUID | None = None
) -> list[tuple[EventFacts, LeaveRequest]]:
    """The subject's leave requests that are not refused (pending or
    approved): what the limits count; ``leaving_out`` one being changed."""
    states = request_states(events, settings)
    found = []
    for event in events:
        if not isinstance(event.content, LeaveRequest) or event.id == leaving_out:
            continue
        if states[event.id].status is not ApprovalStatus.REFUSED:
            found.append((event, event.content))
    return found


def leave_spans(
    events: Sequence[EventFacts], settings: CorrectionSettings, leaving_out: UUID | None = None
) -> list[LeaveSpan]:
    """The days of the subject's leave that the limits count (``live_leaves``)."""
    return [
        LeaveSpan(leave.start, leave.end) for _, leave in live_leaves(events, settings, leaving_out)
    ]


def leave_request_refusal(
    events: Sequence[EventFacts],
    request: LeaveRequest,
    settings: CorrectionSettings,
    leaving_out: UUID | None = None,
) -> LeaveRefusal | None:
    """Why the subject (with these ``events``) may not file ``request``: the
    one leave check, made by the phone before the subject signs and by the
    server on the push. ``leaving_out``: the request's own id when it is a
    stored one being changed, so it is not counted against itself."""
    others = leave_spans(events, settings, leaving_out)
    return leave_refusal(LeaveSpan(request.start, request.end), others, settings)


def leave_days_left(events: Sequence[EventFacts], settings: CorrectionSettings, year: int) -> int:
    """Days of leave the subject may still ask for in ``year``."""
    taken = sum(span.days_in_year(year) for span in leave_spans(events, settings))
    return max(0, settings.leave_year_max_days - taken)


def warning_count(events: Sequence[EventFacts], settings: CorrectionSettings) -> int:
    """Warnings (警告) given: recorded and not refused."""
    states = request_states(events, settings)
    return sum(
        1
        for event in events
        if isinstance(event.content, RewardSanction)
        and event.content.measure is Measure.WARNING
        and states[event.id].status is not ApprovalStatus.REFUSED
    )


def hours_by_month(events: Iterable[EventFacts], kind: EventKind) -> dict[tuple[int, int], float]:
    """Hours of education or community service per (year, month)."""
    totals: dict[tuple[int, int], float] = {}
    for event in events:
        hours = getattr(event.content, "hours", None)
        if event.kind is kind and hours is not None:
            month = (event.occurred_on.year, event.occurred_on.month)
            totals[month] = totals.get(month, 0.0) + hours
    return totals


def _latest(days: Iterable[date]) -> date | None:
    return max(days, default=None)


def history_of(
    subject: SubjectFields,
    events: Sequence[EventFacts],
    visits: Iterable[VisitFacts],
) -> History:
    """The due list's ``History`` of ``subject``: a check-in is a visit of
    kind ``checkin``; a home visit, or a check-in made at home, counts as a
    visit; a subject is out on a leave they departed on (a departure is
    only recorded on an approved leave) until the return is recorded.

    What it reads (``HISTORY_READS``): the latest event of each kind and
    visit of each kind and method, by day; the content only of check-ups
    (a health report's type) and of leave requests departed on (their last
    day). A reader may pass just those: the phone's due list does, so it
    decrypts a handful of events per subject, not their whole history.
    """
    seen = list(visits)
    departed = {e.request_id for e in events if e.kind is EventKind.LEAVE_DEPARTURE}
    returned = {e.request_id for e in events if e.kind is EventKind.LEAVE_RETURN}
    leaves = tuple(
        LeaveOut(event.id, event.content.end, True, event.id in returned)
        for event in events
        if isinstance(event.content, LeaveRequest) and event.id in departed
    )
    return History(
        level=subject.supervision_level,
        correction_type=subject.correction_type,
        status=subject.status,
        term_start=subject.term_start,
        term_end=subject.term_end,
        enrolled_on=subject.enrolled_on,
        last_checkin=_latest(v.day for v in seen if v.kind is VisitKind.CHECKIN),
        last_visit=_latest(
            v.day
            for v in seen
            if v.kind is VisitKind.HOME_VISIT or v.method is CheckinMethod.HOME_VISIT
        ),
        last_conversation=_latest_of(events, EventKind.CONVERSATION),
        # A check-up is also that month's report.
        last_health_report=_latest_of(events, EventKind.HEALTH_REPORT),
        last_checkup=_latest(
            e.occurred_on
            for e in events
            if isinstance(e.content, HealthReport)
            and e.content.report_type is HealthReportType.CHECKUP
        ),
        leaves=leaves,
    )


def _latest_of(events: Iterable[EventFacts], kind: EventKind) -> date | None:
    return _latest(e.occurred_on for e in events if e.kind is kind)


HISTORY_READS: frozenset[EventKind] = frozenset(
    {
        EventKind.CONVERSATION,
        EventKind.HEALTH_REPORT,
        EventKind.LEAVE_REQUEST,
        EventKind.LEAVE_DEPARTURE,
        EventKind.LEAVE_RETURN,
    }
)
"""The kinds ``history_of`` reads (see there for how much of each)."""
