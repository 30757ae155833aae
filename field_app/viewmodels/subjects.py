"""An officer's subjects: sorted by what is due (overdue first, key persons
first within a day): a check-in, a visit, a monthly talk, a health report,
the return from leave, the release (``services/subject_list.py``); then
those released (or revoked) whose record is still on the device, so their
page (and the release certificate) can be opened. A subject's own page is
``subject_page.py``."""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.services.correction_settings import district_settings
from field_app.services.subject_list import ListedSubject, subject_listing
from field_app.viewmodels.base import Observable
from field_app.viewmodels.nav import SUPERVISING, Route, Screen
from shared_models.correction.due import DueKind
from shared_models.correction.settings import CorrectionSettings
from shared_models.domain.org import Role
from shared_models.domain.subjects import SubjectStatus


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
    due_kind: DueKind = DueKind.CHECKIN
    open: bool = True
    """Under supervision; a released or revoked subject is listed after the
    others until the district's retention period takes the record away."""

    @property
    def route(self) -> Route:
        """Where a tap on the row in Home's due list leads: the check-in form
        when a check-in is due, else the subject's page."""
        if self.due_kind is DueKind.CHECKIN:
            return Route.to(Screen.CHECKIN, subject=str(self.id))
        return Route.to(Screen.SUBJECT, id=str(self.id))


def due_text(due_on: date, today: date) -> Msg:
    days = (due_on - today).days
    if days < 0:
        return msg("due.overdue_days", count=-days)
    if days == 0:
        return msg("due.today")
    if days == 1:
        return msg("due.tomorrow")
    return msg("due.in_days", count=days)


def correction_settings(core: FieldAppCore) -> CorrectionSettings:
    """The district's correction settings as this device last fetched them."""
    return district_settings(core.store)


def listed_row(item: ListedSubject, today: date) -> SubjectRow:
    """A row of the list: the subject and the first thing due (overdue
    first), or that supervision has ended."""
    if item.status is not SubjectStatus.UNDER_SUPERVISION:
        return SubjectRow(
            id=item.id,
            name=item.name,
            correction_type=msg(f"subject.type.{item.correction_type.value}"),
            due=msg(f"corr.list.closed.{item.status.value}"),
            due_on=date.max,
            overdue=False,
            key_person=item.key_person,
            last_checkin=item.last_checkin_at,
            level=msg(f"corr.level.{item.level.value}"),
            open=False,
        )
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
        due_kind=due.kind if due else DueKind.CHECKIN,
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
        settings = correction_settings(self.core)
        listed = subject_listing(self.core.store, now, settings, include_ended=True)
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

    @property
    def at_desk(self) -> bool:
        """A supervisor: a subject opens as the server's timeline, and no one is enrolled here."""
        return self.core.role in SUPERVISING

    @property
    def detail_screen(self) -> Screen:
        return Screen.DESK_SUBJECT if self.at_desk else Screen.SUBJECT

    @property
    def may_enrol(self) -> bool:
        return self.core.role is Role.OFFICER

    def set_search(self, text: str) -> None:
        self.search = text
        self.notify()
