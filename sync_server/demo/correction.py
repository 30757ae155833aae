"""The correction work of the demo district: community-correction subjects with
their recent check-ins and home visits, at the interval of each subject's
supervision level in the district's settings (the defaults: the demo stores
none)."""

import random
from datetime import date, timedelta

from shared_models.correction.settings import DEFAULT_SETTINGS
from shared_models.domain.people import Gender
from shared_models.domain.subjects import SubjectRecord, SubjectStatus, SupervisionLevel
from shared_models.domain.visits import CheckinMethod, VisitKind, VisitRecord
from sync_server.demo import names
from sync_server.demo.drawer import Drawer
from sync_server.demo.structure import Place, Structure
from sync_server.demo.tables import (
    CHECKIN_METHODS,
    CORRECTION_TYPES,
    LEVELS,
    SUBJECT_STATUSES,
    TERM_MONTHS,
)

CHECKIN_HISTORY_DAYS = 120
"""Check-ins are kept for the last four months of each subject's supervision."""
OVERDUE_EVERY = 8
"""Every 8th subject under supervision has missed its latest check-in."""


class Correction(Drawer):
    """Community-correction subjects with their recent check-ins and home visits."""

    def __init__(self, rng: random.Random, structure: Structure, today: date) -> None:
        super().__init__(rng, structure, today)
        self.subjects: list[SubjectRecord] = []
        self.supervised = 0

    def add_subject(self) -> None:
        rng = self.rng
        office = self.pick(self.offices)
        area = self.pick(office.places[1:])
        home = Place(
            area.unit,
            area.short_name,
            office,
            area.lat + self.uniform(-0.01, 0.01),
            area.lon + self.uniform(-0.01, 0.01),
        )
        person = self.person(20, 68, Gender.MALE if self.random() < 0.85 else Gender.FEMALE)
        correction_type = CORRECTION_TYPES.pick(rng)
        term_days = round(self.pick(TERM_MONTHS[correction_type]) * 30.44)
        status = SUBJECT_STATUSES.pick(rng)
        today = self.today
        if status is SubjectStatus.RELEASED:
            term_end = today - timedelta(days=self.between(1, 365))
            term_start = term_end - timedelta(days=term_days)
            supervised_until = term_end
        else:
            elapsed = self.between(30 if status is SubjectStatus.REVOKED else 1, term_days - 1)
            term_start = today - timedelta(days=elapsed)
            term_end = term_start + timedelta(days=term_days)
            supervised_until = today - timedelta(days=1)
            if status is SubjectStatus.REVOKED:
                supervised_until = today - timedelta(days=self.between(1, elapsed - 14))
        key_person = self.random() < 0.1
        level = SupervisionLevel.STRICT if key_person else LEVELS.pick(rng)
        subject = SubjectRecord(
            id=self.new_id(),
            name=person.name,
            id_number=person.id_number,
            gender=person.gender,
            birth_date=person.birth_date,
            address=self.address(home),
            phone=self.mobile() if self.random() < 0.93 else None,
            correction_type=correction_type,
            term_start=term_start,
            term_end=term_end,
            key_person=key_person,
            supervision_level=level,
            checkin_interval_days=DEFAULT_SETTINGS.intervals(level).checkin_days,
            org_unit_id=office.unit.id,
            officer_id=self.pick(office.officers),
            status=status,
        )
        self.subjects.append(subject)
        self.count += 1
        self._checkins(subject, office.places[0], home, supervised_until)

    def _checkins(
        self, subject: SubjectRecord, office: Place, home: Place, supervised_until: date
    ) -> None:
        rng, today, interval = self.rng, self.today, subject.checkin_interval_days
        if subject.status is SubjectStatus.UNDER_SUPERVISION:
            self.supervised += 1
            can_be_overdue = (today - subject.term_start).days > interval + 1
            if can_be_overdue and self.supervised % OVERDUE_EVERY == 3:
                last = today - timedelta(days=interval + self.between(2, 21))
            else:
                last = today - timedelta(days=self.between(1, interval))
        else:
            last = supervised_until - timedelta(days=self.between(0, 3))
        last = max(last, subject.term_start)
        window_start = max(subject.term_start, last - timedelta(days=CHECKIN_HISTORY_DAYS))
        days: list[date] = []
        day = last
        while day >= window_start:
            days.append(day)
            day -= timedelta(days=interval + self.between(-2, 1))
        if subject.term_start >= window_start and subject.term_start not in days:
            days.append(subject.term_start)
        days.sort()
        released = subject.status is SubjectStatus.RELEASED
        planned: list[VisitRecord] = []
        for day in days:
            if day == subject.term_start:
                method, notes, outcome = CheckinMethod.OFFICE, names.ENTRY_NOTE, "入矫"
            elif released and day == days[-1]:
                method, notes, outcome = CheckinMethod.OFFICE, names.RELEASE_NOTE, "解矫"
            else:
                method = CHECKIN_METHODS.pick(rng)
                notes = self.pick(names.CHECKIN_NOTES)
                outcome = self.pick(names.CHECKIN_OUTCOMES)
            at = office if method is CheckinMethod.OFFICE else None
            if method is CheckinMethod.HOME_VISIT:
                at = home
            planned.append(self._visit(subject, VisitKind.CHECKIN, method, day, at, notes, outcome))
        home_visits = self.between(0, 2) + (1 if subject.key_person else 0)
        span = (last - window_start).days
        for _ in range(home_visits):
            day = window_start + timedelta(days=self.between(0, span))
            notes = self.pick(names.HOME_VISIT_NOTES)
            planned.append(self._visit(subject, VisitKind.HOME_VISIT, None, day, home, notes, ""))
        planned.sort(key=lambda visit: visit.started_at)
        self.visits.extend(planned)
        self.count += len(planned)

    def _visit(
        self,
        subject: SubjectRecord,
        kind: VisitKind,
        method: CheckinMethod | None,
        day: date,
        at: Place | None,
        notes: str,
        outcome: str,
    ) -> VisitRecord:
        start = self.work_time(day)
        lat = lon = accuracy = None
        if at is not None:  # phone and video check-ins have no place to fix
            lat, lon, accuracy = self.fix(at, 0.0005)
        return VisitRecord(
            id=self.new_id(),
            subject_id=subject.id,
            kind=kind,
            method=method,
            started_at=start,
            ended_at=start + timedelta(minutes=self.between(10, 60)),
            lat=lat,
            lon=lon,
            accuracy_m=accuracy,
            notes=notes,
            outcome=outcome,
        )
