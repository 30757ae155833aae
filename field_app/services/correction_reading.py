"""Reading a subject's correction record on the phone: its events, the
timeline (events and check-ins in time order, each request's state, what
is due, warnings, hours against the plan) and the officer's due list.

The due list opens with the subject list, for hundreds of subjects with
years of history: it reads the events' plain columns (kind, day, the
request answered) and decrypts the content only of the kinds the rules
read (``history.CONTENT_READ``), and the check-ins' kind, method and time.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from uuid import UUID

from sqlalchemy import select
from sqlmodel import Session, col

from field_app.services.records import live, read_rows
from field_app.services.subjects import subject_of
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalSubject, LocalSubjectEvent, LocalVisit
from shared_models.correction.approvals import ApprovalState
from shared_models.correction.due import DueItem, due_items
from shared_models.correction.history import (
    CONTENT_READ,
    EventFacts,
    VisitFacts,
    history_of,
    hours_by_month,
    request_states,
    warning_count,
)
from shared_models.correction.settings import CorrectionSettings
from shared_models.district_time import district_day
from shared_models.domain import SubjectRecord, VisitRecord
from shared_models.domain.event_content import CorrectionPlan, EventKind, parse_content
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
    education_hours: dict[tuple[int, int], float]
    service_hours: dict[tuple[int, int], float]
    plan: CorrectionPlan | None
    """The latest correction plan: its monthly targets of hours."""


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
    plans = [e.content for e in events if isinstance(e.content, CorrectionPlan)]
    return SubjectTimeline(
        subject=subject,
        entries=entries,
        requests=request_states(facts, settings),
        due=due_items(history_of(subject, facts, seen, settings), settings, now.date()),
        warnings=warning_count(facts, settings),
        education_hours=hours_by_month(facts, EventKind.EDUCATION),
        service_hours=hours_by_month(facts, EventKind.COMMUNITY_SERVICE),
        plan=plans[-1] if plans else None,
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
        return any(item.kind.value == "leave_return" for item in self.due)


def due_list(
    store: LocalStore,
    settings: CorrectionSettings,
    now: datetime,
    officer_id: UUID | None = None,
) -> list[SubjectDueList]:
    """The subjects under supervision (the officer's, or all on the phone)
    with what is due: most overdue first, then the soonest due."""
    zone = _zone(now)
    query = live(TableName.SUBJECTS).where(
        col(LocalSubject.status) == SubjectStatus.UNDER_SUPERVISION.value
    )
    if officer_id is not None:
        query = query.where(col(LocalSubject.officer_id) == officer_id)
    with store.transaction() as session:
        subjects = read_rows(store, session, TableName.SUBJECTS, SubjectRecord, query)
        events = _event_facts_by_subject(store, session)
        visits: dict[UUID, list[VisitFacts]] = defaultdict(list)
        for subject_id, kind, method, started_at in session.execute(
            select(
                col(LocalVisit.subject_id),
                col(LocalVisit.kind),
                col(LocalVisit.method),
                col(LocalVisit.started_at),
            ).where(
                col(LocalVisit.subject_id).is_not(None),
                col(LocalVisit.deleted).is_(False),
                col(LocalVisit.kind).in_([VisitKind.CHECKIN.value, VisitKind.HOME_VISIT.value]),
            )
        ):
            at = started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)
            method_value = None if method is None else CheckinMethod(method)
            visits[subject_id].append(
                VisitFacts(VisitKind(kind), method_value, district_day(at, zone))
            )
    rows = []
    for subject in subjects:
        facts = events.get(subject.id, [])
        history = history_of(subject, facts, visits.get(subject.id, []), settings)
        items = due_items(history, settings, now.date())
        rows.append(SubjectDueList(subject, items, warning_count(facts, settings)))
    rows.sort(key=_urgency)
    return rows


def _urgency(row: SubjectDueList) -> tuple[int, date, str]:
    overdue = row.overdue
    first = overdue[0].due_on if overdue else (row.due[0].due_on if row.due else date.max)
    return (-len(overdue), first, row.subject.name)


def _event_facts_by_subject(store: LocalStore, session: Session) -> dict[UUID, list[EventFacts]]:
    """Every live event's facts, by subject; content decrypted only where
    the rules read it."""
    found: dict[UUID, list[EventFacts]] = defaultdict(list)
    statement = (
        select(
            col(LocalSubjectEvent.id),
            col(LocalSubjectEvent.subject_id),
            col(LocalSubjectEvent.kind),
            col(LocalSubjectEvent.occurred_on),
            col(LocalSubjectEvent.request_id),
            col(LocalSubjectEvent.content),
        )
        .where(col(LocalSubjectEvent.deleted).is_(False))
        .order_by(col(LocalSubjectEvent.occurred_on))
    )
    for event_id, subject_id, kind, day, request_id, sealed in session.execute(statement):
        event_kind = EventKind(kind)
        content = None
        if event_kind in CONTENT_READ:
            content = parse_content(store.codec.unseal(str(_EVENTS), "content", sealed, event_id))
        found[subject_id].append(EventFacts(event_id, event_kind, day, request_id, content))
    return found


def open_requests(timeline: SubjectTimeline) -> Sequence[UUID]:
    """The requests of the timeline still waiting for a decision."""
    return [rid for rid, state in timeline.requests.items() if state.waiting_for is not None]
