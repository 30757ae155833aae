"""Reading a subject's correction record on the phone: its events, the
timeline (events and check-ins in time order, each request's state, what
is due, warnings) and the officer's due list.

The due list opens with the subject list, for hundreds of subjects with
years of history: it reads the latest day of each kind from plain columns
(grouped in SQL, for events and visits alike) and decrypts only the few
events whose content a rule reads (``history.history_of`` says which): the
leaves still out, the latest check-up, the rewards and sanctions with their
decisions.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlmodel import Session, col

from field_app.services.records import live, read_rows
from field_app.services.subjects import subject_of
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalSubject, LocalSubjectEvent, LocalVisit
from shared_models.correction.approvals import ApprovalState
from shared_models.correction.due import DueItem, DueKind, due_items
from shared_models.correction.history import (
    EventFacts,
    VisitFacts,
    history_of,
    request_states,
    warning_count,
)
from shared_models.correction.settings import CorrectionSettings
from shared_models.district_time import district_day
from shared_models.domain import SubjectRecord, VisitRecord
from shared_models.domain.event_content import (
    EventContent,
    EventKind,
    HealthReport,
    HealthReportType,
    parse_content,
)
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.domain.subjects import SubjectStatus
from shared_models.domain.visits import CheckinMethod, VisitKind
from shared_models.protocol.tables import TableName

_EVENTS = TableName.SUBJECT_EVENTS


def subject_event_records(store: LocalStore, subject_id: UUID) -> list[SubjectEventRecord]:
    """The subject's live events, oldest first (by day, then as recorded)."""
    query = (
        live(_EVENTS)
        .where(col(LocalSubjectEvent.subject_id) == subject_id)
        .order_by(col(LocalSubjectEvent.occurred_on))
    )
    with store.transaction() as session:
        return read_rows(store, session, _EVENTS, SubjectEventRecord, query)


def event_facts(events: Iterable[SubjectEventRecord]) -> list[EventFacts]:
    return [EventFacts(e.id, e.kind, e.occurred_on, e.request_id, e.content) for e in events]


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: an event or a visit, on its day."""

    day: date
    event: SubjectEventRecord | None = None
    visit: VisitRecord | None = None


@dataclass(frozen=True)
class SubjectTimeline:
    subject: SubjectRecord
    entries: list[TimelineEntry]
    requests: dict[UUID, ApprovalState]
    due: list[DueItem]
    warnings: int


def subject_timeline(
    store: LocalStore, subject_id: UUID, settings: CorrectionSettings, now: datetime
) -> SubjectTimeline | None:
    """Everything about the subject in time order (``now`` on the district's
    clock); ``None`` when the phone holds no such subject."""
    subject = subject_of(store, subject_id)
    if subject is None:
        return None
    zone = _zone(now)
    events = subject_event_records(store, subject_id)
    with store.transaction() as session:
        visits = read_rows(
            store,
            session,
            TableName.VISITS,
            VisitRecord,
            live(TableName.VISITS).where(col(LocalVisit.subject_id) == subject_id),
        )
    facts = event_facts(events)
    seen = [VisitFacts(v.kind, v.method, district_day(v.started_at, zone)) for v in visits]
    entries = [TimelineEntry(e.occurred_on, event=e) for e in events]
    entries += [TimelineEntry(district_day(v.started_at, zone), visit=v) for v in visits]
    entries.sort(key=lambda entry: entry.day)
    return SubjectTimeline(
        subject=subject,
        entries=entries,
        requests=request_states(facts, settings),
        due=due_items(history_of(subject, facts, seen), settings, now.date()),
        warnings=warning_count(facts, settings),
    )


def _zone(now: datetime) -> tzinfo:
    if now.tzinfo is None:
        raise ValueError("now must carry the district's time zone")
    return now.tzinfo


@dataclass(frozen=True)
class SubjectDueList:
    """A subject with everything due, overdue first."""

    subject: SubjectRecord
    due: list[DueItem]
    warnings: int

    @property
    def overdue(self) -> list[DueItem]:
        return [item for item in self.due if item.overdue]

    @property
    def out_on_leave(self) -> bool:
        return any(item.kind is DueKind.LEAVE_RETURN for item in self.due)


def due_list(
    store: LocalStore,
    settings: CorrectionSettings,
    now: datetime,
    officer_id: UUID | None = None,
) -> list[SubjectDueList]:
    """The subjects under supervision (the officer's, or all on the phone)
    with what is due and the warnings given: most overdue first, then the
    soonest due."""
    zone = _zone(now)
    query = live(TableName.SUBJECTS).where(
        col(LocalSubject.status) == SubjectStatus.UNDER_SUPERVISION.value
    )
    if officer_id is not None:
        query = query.where(col(LocalSubject.officer_id) == officer_id)
    with store.transaction() as session:
        subjects = read_rows(store, session, TableName.SUBJECTS, SubjectRecord, query)
        events = _history_events(store, session)
        visits = _latest_visits(session, zone)
    rows = []
    for subject in subjects:
        facts = events.get(subject.id, [])
        history = history_of(subject, facts, visits.get(subject.id, []))
        items = due_items(history, settings, now.date())
        rows.append(SubjectDueList(subject, items, warning_count(facts, settings)))
    rows.sort(key=_urgency)
    return rows


def _urgency(row: SubjectDueList) -> tuple[int, date, str]:
    overdue = row.overdue
    first = overdue[0].due_on if overdue else (row.due[0].due_on if row.due else date.max)
    return (-len(overdue), first, row.subject.name)


_E = LocalSubjectEvent
_LIVE_EVENT = col(_E.deleted).is_(False)


def _latest_visits(session: Session, zone: tzinfo) -> dict[UUID, list[VisitFacts]]:
    """Per subject, the latest check-in or home visit of each kind and method."""
    found: dict[UUID, list[VisitFacts]] = defaultdict(list)
    statement = (
        select(
            col(LocalVisit.subject_id),
            col(LocalVisit.kind),
            col(LocalVisit.method),
            func.max(col(LocalVisit.started_at)),
        )
        .where(
            col(LocalVisit.kind).in_([VisitKind.CHECKIN.value, VisitKind.HOME_VISIT.value]),
            col(LocalVisit.deleted).is_(False),
            col(LocalVisit.subject_id).is_not(None),
        )
        .group_by(col(LocalVisit.subject_id), col(LocalVisit.kind), col(LocalVisit.method))
    )
    for subject_id, kind, method, started_at in session.execute(statement):
        at = started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)
        how = None if method is None else CheckinMethod(method)
        found[subject_id].append(VisitFacts(VisitKind(kind), how, district_day(at, zone)))
    return found


def _history_events(store: LocalStore, session: Session) -> dict[UUID, list[EventFacts]]:
    """Per subject, the events the due list's rules read, from plain columns
    but for a few: the latest of each kind (no content), every departure and
    return, the leaves still out and the latest check-up (decrypted), and
    the rewards and sanctions with their decisions (decrypted, for the
    warnings given). Each query walks an index on (kind, …)."""
    found: dict[UUID, list[EventFacts]] = defaultdict(list)
    latest = (
        select(col(_E.subject_id), col(_E.kind), func.max(col(_E.occurred_on)))
        .where(_LIVE_EVENT, col(_E.kind).in_([EventKind.CONVERSATION, EventKind.HEALTH_REPORT]))
        .group_by(col(_E.subject_id), col(_E.kind))
    )
    for subject_id, kind, day in session.execute(latest):
        found[subject_id].append(EventFacts(uuid4(), EventKind(kind), day, None, None))
    leave_moves = select(
        col(_E.id), col(_E.subject_id), col(_E.kind), col(_E.occurred_on), col(_E.request_id)
    ).where(_LIVE_EVENT, col(_E.kind).in_([EventKind.LEAVE_DEPARTURE, EventKind.LEAVE_RETURN]))
    departed: set[UUID] = set()
    returned: set[UUID] = set()
    for event_id, subject_id, kind, day, request_id in session.execute(leave_moves):
        found[subject_id].append(EventFacts(event_id, EventKind(kind), day, request_id, None))
        (departed if kind == EventKind.LEAVE_DEPARTURE else returned).add(request_id)
    decrypted = _decrypted(store, session, col(_E.id).in_(sorted(departed - returned)))
    decrypted += _decrypted(store, session, col(_E.kind) == EventKind.REWARD_SANCTION)
    sanctions = [e.id for _, e in decrypted if e.kind is EventKind.REWARD_SANCTION]
    if sanctions:
        decrypted += _decrypted(store, session, col(_E.request_id).in_(sanctions))
    decrypted += _latest_checkups(store, session)
    for subject_id, event in decrypted:
        found[subject_id].append(event)
    return found


def _decrypted(store: LocalStore, session: Session, where: Any) -> list[tuple[UUID, EventFacts]]:
    statement = select(
        col(_E.id),
        col(_E.subject_id),
        col(_E.kind),
        col(_E.occurred_on),
        col(_E.request_id),
        col(_E.content),
    ).where(_LIVE_EVENT, where)
    return [
        (
            subject_id,
            EventFacts(
                event_id, EventKind(kind), day, request_id, _content(store, event_id, sealed)
            ),
        )
        for event_id, subject_id, kind, day, request_id, sealed in session.execute(statement)
    ]


def _content(store: LocalStore, event_id: UUID, sealed: str) -> EventContent:
    return parse_content(store.codec.unseal(_EVENTS.value, "content", sealed, event_id))


def _latest_checkups(store: LocalStore, session: Session) -> list[tuple[UUID, EventFacts]]:
    """Per subject on medical parole, the latest check-up: its health
    reports, newest first, decrypted until one is a check-up (usually
    within the last three)."""
    statement = (
        select(col(_E.id), col(_E.subject_id), col(_E.occurred_on), col(_E.content))
        .where(_LIVE_EVENT, col(_E.kind) == EventKind.HEALTH_REPORT)
        .order_by(col(_E.subject_id), col(_E.occurred_on).desc())
    )
    found: list[tuple[UUID, EventFacts]] = []
    done: set[UUID] = set()
    for event_id, subject_id, day, sealed in session.execute(statement):
        if subject_id in done:
            continue
        content = _content(store, event_id, sealed)
        if isinstance(content, HealthReport) and content.report_type is HealthReportType.CHECKUP:
            done.add(subject_id)
            found.append(
                (subject_id, EventFacts(event_id, EventKind.HEALTH_REPORT, day, None, content))
            )
    return found


def open_requests(timeline: SubjectTimeline) -> Sequence[UUID]:
    """The requests of the timeline still waiting for a decision."""
    return [rid for rid, state in timeline.requests.items() if state.waiting_for is not None]
