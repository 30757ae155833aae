"""The officer's subject list, fast: every subject with what is due next,
from a handful of aggregate queries, not from each subject's history.

The list opens many times a day on a phone holding hundreds of subjects
with years of check-ins, visits and events (issue 19: under 100 ms with 500
subjects; ``bench/subject_list_bench.py``). Reading every record and
decrypting it, as a subject's own page does, costs seconds there. So the
list reads:

- of each subject only what the list shows and the due rules need (five
  small personal fields decrypted; level, status and days are plain);
- the day of the last check-in, home visit, talk and health report per
  subject: ``GROUP BY`` over plain columns (covering indexes, local
  migration 0008);
- the content of the few events whose content matters: the check-ups of
  subjects on medical parole, and the leave requests a subject left on and
  has not come back from.

From these it builds the due rules' own ``History`` and asks
``shared_models.correction.due.due_items``, the same rule the subject's
page and the server apply to the whole history
(``shared_models.correction.history.history_of``);
``tests/field_app/test_subject_list.py`` holds the two readings equal.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from sqlmodel import Session

from field_app.storage.store import LocalStore
from shared_models.correction.due import DueItem, DueKind, History, LeaveOut, due_items
from shared_models.correction.settings import CorrectionSettings
from shared_models.district_time import district_day
from shared_models.domain.event_content import (
    EventContent,
    HealthReport,
    HealthReportType,
    LeaveRequest,
)
from shared_models.domain.subjects import CorrectionType, SubjectStatus, SupervisionLevel
from shared_models.protocol.tables import TableName

_SUBJECTS = TableName.SUBJECTS.value
_EVENTS = TableName.SUBJECT_EVENTS.value
_CONTENT: TypeAdapter[EventContent] = TypeAdapter(EventContent)
_CHECKUP_GUESS = 3
"""Health reports read first per subject on medical parole: a check-up
every three months is most often among the last three reports."""

# The device's database is SQLite: ids are stored as 32 hex digits, days as
# ISO text, times as "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC). The list reads the
# driver's values as they are: SQLAlchemy's per-value conversion (a UUID
# object for every id) cost more than the queries themselves.
_SUBJECT_ROWS = """
SELECT id, name, correction_type, term_start, term_end, key_person,
       supervision_level, status, enrolled_on
FROM subjects WHERE NOT deleted {status} {officer}
"""
_LAST = (
    "(SELECT max({at}) FROM {table} "
    "WHERE kind = '{kind}' {more} AND deleted = 0 AND subject_id = s.id)"
)
_LAST_CONTACTS = "SELECT s.id, {} FROM subjects s WHERE NOT s.deleted".format(  # noqa: S608
    ", ".join(
        _LAST.format(at=at, table=table, kind=kind, more=more)
        for at, table, kind, more in (
            ("started_at", "visits", "checkin", ""),
            ("started_at", "visits", "home_visit", ""),
            ("started_at", "visits", "checkin", "AND method = 'home_visit'"),
            ("occurred_on", "subject_events", "conversation", ""),
            ("occurred_on", "subject_events", "health_report", ""),
        )
    )
)
"""Per subject, the last check-in, home visit, check-in at home, talk and
health report: each a ``max`` the covering indexes of local migration 0008
answer with one seek (a ``GROUP BY`` would read every visit's entry)."""
_AWAY = """
SELECT d.request_id FROM subject_events d
WHERE d.kind = 'leave_departure' AND d.deleted = 0 AND d.request_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM subject_events r
                  WHERE r.request_id = d.request_id AND r.kind = 'leave_return' AND r.deleted = 0)
"""
_HEALTH_REPORTS = """
SELECT id, subject_id, occurred_on FROM (
  SELECT id, subject_id, occurred_on,
         row_number() OVER (PARTITION BY subject_id ORDER BY occurred_on DESC) AS newest
  FROM subject_events
  WHERE kind = 'health_report' AND deleted = 0 AND subject_id IN ({marks})
) WHERE newest > ? AND newest <= ? ORDER BY subject_id, occurred_on DESC
"""
_CONTENTS = "SELECT id, subject_id, content FROM subject_events WHERE id IN ({marks})"


@dataclass(frozen=True)
class ListedSubject:
    """One row of the officer's list."""

    id: UUID
    name: str
    correction_type: CorrectionType
    level: SupervisionLevel
    status: SubjectStatus
    key_person: bool
    term_end: date
    last_checkin_at: datetime | None
    due: tuple[DueItem, ...]
    """Everything due, soonest first (``due_items``)."""

    @property
    def next_due(self) -> DueItem | None:
        return self.due[0] if self.due else None

    @property
    def overdue(self) -> bool:
        return any(item.overdue for item in self.due)

    @property
    def leave_overdue(self) -> bool:
        return any(item.kind is DueKind.LEAVE_RETURN and item.overdue for item in self.due)

    @property
    def on_leave(self) -> bool:
        return any(item.kind is DueKind.LEAVE_RETURN for item in self.due)


@dataclass
class _Contacts:
    """The last of each kind of contact of one subject."""

    checkin_at: datetime | None = None
    visit_at: datetime | None = None
    conversation: date | None = None
    health_report: date | None = None
    checkup: date | None = None


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    return list(session.connection().exec_driver_sql(sql, tuple(params)).fetchall())


def _contacts(session: Session, contacts: dict[str, _Contacts]) -> None:
    """The last check-in, home visit (a check-in made at home counts as one,
    as in ``history_of``), talk and health report of each subject."""
    for subject_id, checkin, home, at_home, talk, health in _rows(session, _LAST_CONTACTS):
        found = contacts.get(subject_id)
        if found is None:
            continue
        found.checkin_at = _utc(checkin) if checkin else None
        visits = [_utc(text) for text in (home, at_home) if text]
        found.visit_at = max(visits) if visits else None
        found.conversation = date.fromisoformat(talk) if talk else None
        found.health_report = date.fromisoformat(health) if health else None


def _contents(
    store: LocalStore, session: Session, ids: Sequence[str]
) -> dict[str, tuple[str, Any]]:
    """The subject and content of each event in ``ids`` (decrypted, read by the contract)."""
    found: dict[str, tuple[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        sql = _CONTENTS.format(marks=", ".join("?" * len(chunk)))
        for event_id, subject_id, sealed in _rows(session, sql, chunk):
            plain = store.codec.unseal(_EVENTS, "content", sealed, str(UUID(hex=event_id)))
            found[event_id] = (subject_id, _CONTENT.validate_python(plain))
    return found


def _checkups(
    store: LocalStore, session: Session, contacts: dict[str, _Contacts], medical: list[str]
) -> None:
    """The last check-up of each subject on medical parole. Whether a report
    is a check-up is inside its (encrypted) content: the newest few of each
    subject are read first, and the older ones only for a subject with no
    check-up among them."""
    waiting = list(medical)
    for first, last in ((0, _CHECKUP_GUESS), (_CHECKUP_GUESS, 1_000_000)):
        if not waiting:
            return
        sql = _HEALTH_REPORTS.format(marks=", ".join("?" * len(waiting)))
        reports = _rows(session, sql, [*waiting, first, last])
        contents = _contents(store, session, [event_id for event_id, _, _ in reports])
        for event_id, subject_id, day in reports:
            content = contents[event_id][1]
            found = contacts[subject_id]
            checkup = (
                isinstance(content, HealthReport)
                and content.report_type is HealthReportType.CHECKUP
            )
            if found.checkup is None and checkup:
                found.checkup = date.fromisoformat(day)
        waiting = [subject_id for subject_id in waiting if contacts[subject_id].checkup is None]


def _leaves_out(store: LocalStore, session: Session) -> dict[str, list[LeaveOut]]:
    """Leave a subject left on and has not come back from. A departure is
    only accepted for an approved leave (the server refuses one before the
    approval), so these are approved leaves."""
    away = {request_id for (request_id,) in _rows(session, _AWAY)}
    if not away:
        return {}
    out: dict[str, list[LeaveOut]] = {}
    for event_id, (subject_id, content) in _contents(store, session, sorted(away)).items():
        if isinstance(content, LeaveRequest):
            leave = LeaveOut(UUID(hex=event_id), content.end, departed=True, returned=False)
            out.setdefault(subject_id, []).append(leave)
    return out


def _subjects(
    store: LocalStore, session: Session, include_ended: bool, officer_id: UUID | None
) -> Iterable[tuple[Any, ...]]:
    """Each subject's id (hex), the five personal fields decrypted, and the plain ones."""
    params: list[Any] = []
    status = officer = ""
    if not include_ended:
        status = "AND status = ?"
        params.append(SubjectStatus.UNDER_SUPERVISION.value)
    if officer_id is not None:
        officer = "AND officer_id = ?"
        params.append(officer_id.hex)
    unseal = store.codec.unseal
    for row in _rows(session, _SUBJECT_ROWS.format(status=status, officer=officer), params):
        key = str(UUID(hex=row[0]))
        yield (
            row[0],
            unseal(_SUBJECTS, "name", row[1], key),
            unseal(_SUBJECTS, "correction_type", row[2], key),
            unseal(_SUBJECTS, "term_start", row[3], key),
            unseal(_SUBJECTS, "term_end", row[4], key),
            unseal(_SUBJECTS, "key_person", row[5], key),
            *row[6:],
        )


def subject_listing(
    store: LocalStore,
    now: datetime,
    settings: CorrectionSettings,
    officer_id: UUID | None = None,
    include_ended: bool = False,
) -> list[ListedSubject]:
    """The subjects with what is due, sorted: overdue first, then by the
    day of their next due item; key persons first within a day.

    ``now`` is on the district's clock (``FieldAppCore.now``)."""
    if now.tzinfo is None:
        raise ValueError("now must carry the district's time zone")
    zone, today = now.tzinfo, now.date()
    with store.transaction() as session:
        subjects = list(_subjects(store, session, include_ended, officer_id))
        contacts = {row[0]: _Contacts() for row in subjects}
        _contacts(session, contacts)
        medical = [row[0] for row in subjects if row[2] == CorrectionType.TEMPORARY_OUTSIDE.value]
        _checkups(store, session, contacts, medical)
        leaves = _leaves_out(store, session)
    listed = [_listed(row, contacts[row[0]], leaves, settings, zone, today) for row in subjects]
    listed.sort(key=_order)
    return listed


def _day(moment: datetime | None, zone: tzinfo) -> date | None:
    return district_day(moment, zone) if moment is not None else None


def _listed(
    row: tuple[Any, ...],
    seen: _Contacts,
    leaves: dict[str, list[LeaveOut]],
    settings: CorrectionSettings,
    zone: tzinfo,
    today: date,
) -> ListedSubject:
    subject_id, name, kind, start, end, key_person, level, status, enrolled = row
    history = History(
        level=SupervisionLevel(level),
        correction_type=CorrectionType(kind),
        status=SubjectStatus(status),
        term_start=date.fromisoformat(str(start)),
        term_end=date.fromisoformat(str(end)),
        enrolled_on=date.fromisoformat(enrolled) if enrolled else None,
        last_checkin=_day(seen.checkin_at, zone),
        last_visit=_day(seen.visit_at, zone),
        last_conversation=seen.conversation,
        last_health_report=seen.health_report,
        last_checkup=seen.checkup,
        leaves=tuple(leaves.get(subject_id, ())),
    )
    return ListedSubject(
        id=UUID(hex=subject_id),
        name=str(name),
        correction_type=history.correction_type,
        level=history.level,
        status=history.status,
        key_person=bool(key_person),
        term_end=history.term_end,
        last_checkin_at=seen.checkin_at,
        due=tuple(due_items(history, settings, today)),
    )


def _order(row: ListedSubject) -> tuple[bool, date, bool, str]:
    first = row.next_due
    return (not row.overdue, first.due_on if first else date.max, not row.key_person, row.name)
