"""An officer's subjects: sorted by when their next check-in is due
(overdue first, key persons first within a day), and a subject's page with
their check-in history."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.services.attention import unsent_ids
from field_app.services.correction_settings import district_settings
from field_app.services.photo_fetch import previews
from field_app.services.subject_list import ListedSubject, subject_listing
from field_app.services.subjects import SubjectDue, list_subjects, subject_of, subject_visits
from field_app.viewmodels.base import Observable
from field_app.viewmodels.cases import location_text
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain import SubjectRecord, VisitRecord
from shared_models.domain.visits import VisitKind


@dataclass(frozen=True)
class SubjectRow:
    id: UUID
    name: str
    correction_type: Msg
    due: Msg
    due_on: date
    overdue: bool
    key_person: bool
    last_checkin: datetime | None
    due_what: Msg | None = None
    """What is due next (a check-in, a talk, back from leave…); ``None``: a check-in."""
    level: Msg | None = None
    leave: Msg | None = None
    """On leave, or not back from leave in time."""
    leave_overdue: bool = False


def due_text(due_on: date, today: date) -> Msg:
    days = (due_on - today).days
    if days < 0:
        return msg("due.overdue_days", count=-days)
    if days == 0:
        return msg("due.today")
    if days == 1:
        return msg("due.tomorrow")
    return msg("due.in_days", count=days)


def subject_row(item: SubjectDue, today: date) -> SubjectRow:
    return SubjectRow(
        id=item.subject.id,
        name=item.subject.name,
        correction_type=msg(f"subject.type.{item.subject.correction_type.value}"),
        due=due_text(item.due_on, today),
        due_on=item.due_on,
        overdue=item.overdue,
        key_person=item.key_person,
        last_checkin=item.last_checkin_at,
    )


def correction_settings(core: FieldAppCore) -> CorrectionSettings:
    """The district's correction settings as this device last fetched them."""
    return district_settings(core.store)


def listed_row(item: ListedSubject, today: date) -> SubjectRow:
    """A row of the list: the subject and the first thing due (overdue first)."""
    due = next((d for d in item.due if d.overdue), item.next_due)
    leave = None
    if item.leave_overdue:
        leave = msg("corr.leave_overdue")
    elif item.on_leave:
        leave = msg("corr.on_leave")
    return SubjectRow(
        id=item.id,
        name=item.name,
        correction_type=msg(f"subject.type.{item.correction_type.value}"),
        due=due_text(due.due_on, today) if due else msg("corr.due.none"),
        due_on=due.due_on if due else date.max,
        overdue=item.overdue,
        key_person=item.key_person,
        last_checkin=item.last_checkin_at,
        due_what=msg(f"corr.due.{due.kind.value}") if due else None,
        level=msg(f"corr.level.{item.level.value}"),
        leave=leave,
        leave_overdue=item.leave_overdue,
    )


class SubjectListViewModel(Observable):
    def __init__(self, core: FieldAppCore, now: datetime | None = None) -> None:
        super().__init__()
        self.core = core
        self.now = now
        self.search = ""
        self.all_rows: list[SubjectRow] = []
        self.load()

    def load(self) -> None:
        now = self.core.now() if self.now is None else self.now.astimezone(self.core.zone)
        today = now.date()
        listed = subject_listing(self.core.store, now, correction_settings(self.core))
        self.all_rows = [listed_row(item, today) for item in listed]
        self.notify()

    @property
    def rows(self) -> list[SubjectRow]:
        text = self.search.strip()
        if not text:
            return self.all_rows
        return [row for row in self.all_rows if text in row.name]

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.all_rows if row.overdue)

    def set_search(self, text: str) -> None:
        self.search = text
        self.notify()


@dataclass(frozen=True)
class CheckinLine:
    id: UUID
    when: datetime
    method: Msg | None
    kind: Msg
    notes: str
    location: Msg | None
    photos: list[str]
    unsent: bool


class SubjectDetailViewModel(Observable):
    def __init__(self, core: FieldAppCore, subject_id: UUID, now: datetime | None = None) -> None:
        super().__init__()
        self.core = core
        self.subject_id = subject_id
        self.now = now
        self.subject: SubjectRecord | None = None
        self.due: SubjectRow | None = None
        self.history: list[CheckinLine] = []
        self.load()

    def load(self) -> None:
        store = self.core.store
        self.subject = subject_of(store, self.subject_id)
        now = self.core.now() if self.now is None else self.now.astimezone(self.core.zone)
        self.due = next(
            (
                subject_row(item, now.date())
                for item in list_subjects(store, now, include_ended=True)
                if item.subject.id == self.subject_id
            ),
            None,
        )
        unsent = unsent_ids(store)
        visits = subject_visits(store, self.subject_id)
        self.history = [_checkin_line(found.visit, found.photos, unsent) for found in visits]
        self.notify()

    @property
    def found(self) -> bool:
        return self.subject is not None

    def previews(self, hashes: list[str]) -> list[bytes | None]:
        """The photos' previews, ``None`` for one not (yet) on the phone."""
        return previews(self.core.blobs, hashes)

    @property
    def checkins(self) -> list[CheckinLine]:
        return [
            line
            for line in self.history
            if line.kind.key == f"visit.kind.{VisitKind.CHECKIN.value}"
        ]

    @property
    def term(self) -> Msg | None:
        if self.subject is None:
            return None
        return msg("subject.term", start=self.subject.term_start, end=self.subject.term_end)

    @property
    def correction_type(self) -> Msg | None:
        if self.subject is None:
            return None
        return msg(f"subject.type.{self.subject.correction_type.value}")

    @property
    def interval(self) -> Msg | None:
        if self.subject is None:
            return None
        return msg("subject.interval", count=self.subject.checkin_interval_days)


def _checkin_line(visit: VisitRecord, photos: list[str], unsent: set[UUID]) -> CheckinLine:
    return CheckinLine(
        id=visit.id,
        when=visit.started_at,
        method=msg(f"checkin.method.{visit.method.value}") if visit.method else None,
        kind=msg(f"visit.kind.{visit.kind.value}"),
        notes=visit.notes,
        location=location_text(visit.lat, visit.lon, visit.accuracy_m),
        photos=photos,
        unsent=visit.id in unsent,
    )
