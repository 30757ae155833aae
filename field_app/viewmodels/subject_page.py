"""A subject's page on the officer's phone: who, under which level and
term, what is due next (overdue in red: a check-in, a talk, a return from
leave), the warnings given, education and community-service hours this
month against the plan, and the timeline — every event, check-in and visit
in time order, newest first, each request with its decisions — with what
can be done from it: record something, file leave, the subject signs, mark
a departure or a return, print an announcement or the release certificate.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.errors import SaveRejectedError
from field_app.i18n import Msg, msg
from field_app.services.attention import unsent_ids
from field_app.services.correction_documents import (
    Printed,
    announcement_pdf,
    release_certificate_pdf,
)
from field_app.services.correction_files import attachments_of
from field_app.services.correction_reading import SubjectTimeline, subject_timeline
from field_app.services.directory import people
from field_app.services.photo_fetch import previews
from field_app.services.subjects import subject_visits
from field_app.viewmodels.base import Observable
from field_app.viewmodels.cases import location_text
from field_app.viewmodels.event_forms import RECORDED_ON_THE_PAGE
from field_app.viewmodels.subjects import SubjectRow, correction_settings, due_text
from field_app.viewmodels.timeline import (
    DueLine,
    HoursLine,
    TimelineLine,
    due_lines,
    hours_lines,
    timeline_lines,
)
from shared_models.correction.team import team_warnings
from shared_models.domain import SubjectRecord, VisitRecord
from shared_models.domain.attachments import AttachmentKind
from shared_models.domain.event_content import EventKind
from shared_models.domain.subjects import SubjectStatus
from shared_models.domain.visits import VisitKind

TIMELINE_PAGE = 30
"""Cards shown at first (older ones on request): a page that opens at once."""


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
        self.timeline: SubjectTimeline | None = None
        self.due: SubjectRow | None = None
        self.due_items: list[DueLine] = []
        self.lines: list[TimelineLine] = []
        self.history: list[CheckinLine] = []
        self.shown = TIMELINE_PAGE
        self.error: Msg | None = None
        self.load()

    def _now(self) -> datetime:
        return self.core.now() if self.now is None else self.now.astimezone(self.core.zone)

    def load(self) -> None:
        store, now = self.core.store, self._now()
        today = now.date()
        self.timeline = subject_timeline(
            store, self.subject_id, correction_settings(self.core), now
        )
        self.subject = self.timeline.subject if self.timeline else None
        unsent = unsent_ids(store)
        visits = subject_visits(store, self.subject_id)
        self.history = [_checkin_line(found.visit, found.photos, unsent) for found in visits]
        timeline = self.timeline
        if timeline is None:
            self.notify()
            return
        self.due_items = due_lines(timeline.due, today)
        events = [entry.event for entry in timeline.entries if entry.event is not None]
        signed = {
            attachment.owner_id
            for attachment in attachments_of(
                store, [event.id for event in events], AttachmentKind.SIGNATURE
            )
        }
        self.lines = timeline_lines(
            events,
            [found.visit for found in visits],
            timeline.requests,
            signed,
            unsent,
            today,
            self.core.zone,
            {found.visit.id: found.photos for found in visits},
            {person.id: person.display_name for person in people(store)},
        )
        first = next(
            (d for d in timeline.due if d.overdue), timeline.due[0] if timeline.due else None
        )
        subject = timeline.subject
        self.due = (
            SubjectRow(
                id=subject.id,
                name=subject.name,
                correction_type=msg(f"subject.type.{subject.correction_type.value}"),
                due=due_text(first.due_on, today),
                due_on=first.due_on,
                overdue=any(d.overdue for d in timeline.due),
                key_person=subject.key_person,
                last_checkin=visits[0].visit.started_at if visits else None,
                due_what=msg(f"corr.due.{first.kind.value}"),
            )
            if first is not None
            else None
        )
        self.notify()

    # -- what the page shows -------------------------------------------------------------

    @property
    def found(self) -> bool:
        return self.subject is not None

    @property
    def open(self) -> bool:
        return self.subject is not None and self.subject.status is SubjectStatus.UNDER_SUPERVISION

    @property
    def shown_lines(self) -> list[TimelineLine]:
        return self.lines[: self.shown]

    @property
    def older(self) -> int:
        return max(0, len(self.lines) - self.shown)

    def show_older(self) -> None:
        self.shown += TIMELINE_PAGE
        self.notify()

    @property
    def level(self) -> Msg | None:
        if self.subject is None:
            return None
        return msg(
            "corr.subject.level", level=msg(f"corr.level.{self.subject.supervision_level.value}")
        )

    @property
    def enrolment(self) -> Msg | None:
        subject = self.subject
        if subject is None:
            return None
        if subject.released_on is not None:
            return msg("corr.subject.released", day=subject.released_on)
        if subject.enrolled_on is not None:
            return msg("corr.subject.enrolled", day=subject.enrolled_on)
        return msg("corr.subject.not_enrolled")

    @property
    def team_warnings(self) -> list[Msg]:
        if self.subject is None:
            return []
        return [msg(f"corr.team.{warning.value}") for warning in team_warnings(self.subject)]

    @property
    def warnings(self) -> int:
        return self.timeline.warnings if self.timeline else 0

    @property
    def hours(self) -> list[HoursLine]:
        """Education and community service this month, against the plan."""
        timeline = self.timeline
        if timeline is None:
            return []
        events = [entry.event for entry in timeline.entries if entry.event is not None]
        return hours_lines(events, (self._now().year, self._now().month))

    @property
    def can_record(self) -> list[EventKind]:
        """What the officer may record from the page: the entry announcement
        first until it is held, the release announcement at term end."""
        subject = self.subject
        if subject is None or not self.open:
            return []
        kinds = list(RECORDED_ON_THE_PAGE)
        if subject.enrolled_on is None:
            kinds.insert(0, EventKind.ENTRY_ANNOUNCEMENT)
        if subject.term_end <= self._now().date() or any(
            line.kind.value == "release" for line in self.due_items
        ):
            kinds.insert(0, EventKind.RELEASE_ANNOUNCEMENT)
        return kinds

    @property
    def correction_type(self) -> Msg | None:
        if self.subject is None:
            return None
        return msg(f"subject.type.{self.subject.correction_type.value}")

    @property
    def term(self) -> Msg | None:
        if self.subject is None:
            return None
        return msg("subject.term", start=self.subject.term_start, end=self.subject.term_end)

    @property
    def checkins(self) -> list[CheckinLine]:
        return [
            line
            for line in self.history
            if line.kind.key == f"visit.kind.{VisitKind.CHECKIN.value}"
        ]

    def previews(self, hashes: list[str]) -> list[bytes | None]:
        """The photos' previews, ``None`` for one not (yet) on the phone."""
        return previews(self.core.blobs, hashes)

    # -- printing --------------------------------------------------------------------------

    def announcement(self, event_id: UUID) -> Printed | None:
        """The announcement's record as a PDF (made here, offline)."""
        core = self.core
        return self._print(lambda: announcement_pdf(core.store, core.blobs, event_id, core.zone))

    def certificate(self, event_id: UUID) -> Printed | None:
        """The release certificate as a PDF (made here, offline)."""
        return self._print(lambda: release_certificate_pdf(self.core.store, event_id))

    def _print(self, make: Callable[[], Printed]) -> Printed | None:
        try:
            printed = make()
        except SaveRejectedError as refused:
            self.error = msg("error.check_form", detail=refused.message)
            self.notify()
            return None
        self.error = None
        return printed


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
