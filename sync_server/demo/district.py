"""The demo district 复兴区（演示）: deterministic synthetic records.

Pure Python, no database I/O: ``lastmile admin seed-demo`` loads the result,
tests and benchmarks use it directly.

The org units and users are a fixed fixture: their ids come from names and
their display names from a fixed stream, so demo logins and units are the
same for every ``seed`` and ``size``. The casework (cases, parties, their
visits) and the correction work (subjects, check-ins, home visits) are drawn
from two streams seeded by ``seed``, each generated until its share of
``size`` is used up; a smaller district is therefore a prefix of a larger
one with the same seed.
"""

import gc
import random
import uuid
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

from shared_models.domain.cases import (
    CaseRecord,
    CaseSource,
    CaseStatus,
    PartyKind,
    PartyRecord,
    PartyRole,
)
from shared_models.domain.org import OrgUnitKind, OrgUnitRecord, Role, UserRecord
from shared_models.domain.people import Gender, resident_id_check_char
from shared_models.domain.subjects import CorrectionType, SubjectRecord, SubjectStatus
from shared_models.domain.visits import CheckinMethod, VisitKind, VisitRecord
from sync_server.demo import names
from sync_server.demo.names import ANY_ADULT, DisputeTemplate, OfficeSpec

DEFAULT_TODAY = date(2026, 11, 1)
DEMO_NAMESPACE = uuid.UUID("5b0f3c8e-2d4a-4f6b-9c1e-7a8d6e4f2b10")
DISTRICT_NAME = "复兴区（演示）"
DEMO_MARK = "（演示）"

CASEWORK_SHARE = 0.7
"""Share of ``size`` spent on cases, their parties and visits; the rest is correction work."""
CASE_HISTORY_DAYS = 730
CHECKIN_HISTORY_DAYS = 120
"""Check-ins are kept for the last four months of each subject's supervision."""
OVERDUE_EVERY = 8
"""Every 8th subject under supervision has missed its latest check-in."""
FUXING_CENTRE = (36.605, 114.435)

T = TypeVar("T")


def _rng(key: str) -> random.Random:
    # Synthetic demo data, never secrets; str seeds are hashed with SHA-512,
    # so streams do not depend on PYTHONHASHSEED.
    return random.Random(key)  # noqa: S311


class _Weighted(Generic[T]):
    """A weighted pool that picks with one ``random()`` call."""

    def __init__(self, pairs: Sequence[tuple[T, int]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cumulative = list(accumulate(weight for _, weight in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self._items[bisect(self._cumulative, rng.random() * self._total)]


SURNAMES = _Weighted(names.SURNAMES)
AREA_CODES = _Weighted(names.AREA_CODES)
DISPUTES = _Weighted([(template, template.weight) for template in names.DISPUTES])
SOURCES = _Weighted(
    [
        (CaseSource.WALK_IN, 35),
        (CaseSource.PATROL, 18),
        (CaseSource.PHONE, 15),
        (CaseSource.WECHAT, 15),
        (CaseSource.POLICE_REFERRAL, 12),
        (CaseSource.COURT_REFERRAL, 5),
    ]
)
CORRECTION_TYPES = _Weighted(
    [
        (CorrectionType.SUSPENDED_SENTENCE, 75),
        (CorrectionType.PAROLE, 12),
        (CorrectionType.TEMPORARY_OUTSIDE, 8),
        (CorrectionType.CONTROL, 5),
    ]
)
TERM_MONTHS: dict[CorrectionType, tuple[int, ...]] = {
    CorrectionType.SUSPENDED_SENTENCE: (12, 12, 18, 24, 24, 36, 36, 48, 60),
    CorrectionType.PAROLE: (6, 8, 10, 12, 18, 24, 36),
    CorrectionType.TEMPORARY_OUTSIDE: (6, 12, 12, 24),
    CorrectionType.CONTROL: (3, 6, 12, 24),
}
SUBJECT_STATUSES = _Weighted(
    [
        (SubjectStatus.UNDER_SUPERVISION, 85),
        (SubjectStatus.RELEASED, 12),
        (SubjectStatus.REVOKED, 3),
    ]
)
INTERVALS = _Weighted([(7, 30), (14, 40), (30, 30)])
CHECKIN_METHODS = _Weighted(
    [
        (CheckinMethod.OFFICE, 55),
        (CheckinMethod.PHONE, 20),
        (CheckinMethod.VIDEO, 15),
        (CheckinMethod.HOME_VISIT, 10),
    ]
)
OTHER_PARTY_ROLES = _Weighted(
    [(PartyRole.OTHER, 6), (PartyRole.APPLICANT, 2), (PartyRole.RESPONDENT, 2)]
)


@dataclass(frozen=True)
class DemoUser:
    """A demo login's public profile. Demo users carry no password: the
    caller sets one shared password for all of them."""

    record: UserRecord


@dataclass(frozen=True)
class DemoDistrict:
    """Everything ``generate_district`` builds; ``org_units`` lists parents before children."""

    org_units: list[OrgUnitRecord]
    users: list[DemoUser]
    cases: list[CaseRecord]
    parties: list[PartyRecord]
    subjects: list[SubjectRecord]
    visits: list[VisitRecord]

    def record_count(self) -> int:
        """The synthetic records that ``size`` asked for (units and users not counted)."""
        return len(self.cases) + len(self.parties) + len(self.subjects) + len(self.visits)


@dataclass(frozen=True, eq=False)
class _Place:
    """A unit on the map: where its people live and its field work happens."""

    unit: OrgUnitRecord
    short_name: str  # 建设社区, 彭家寨村; for an office its street/township name
    office: "_Office"
    lat: float
    lon: float


@dataclass(eq=False)
class _Office:
    spec: OfficeSpec
    unit: OrgUnitRecord
    places: list[_Place]  # the office itself first, then its committees
    mediators_for: dict[uuid.UUID, list[uuid.UUID]]  # unit id → mediators who may take its cases
    officers: list[uuid.UUID]


@dataclass(frozen=True)
class _Structure:
    org_units: list[OrgUnitRecord]
    users: list[DemoUser]
    offices: list[_Office]


def _stable_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}")


def _build_structure() -> _Structure:
    """District → 11 offices → 105 committees, and their users."""
    rng = _rng("lastmile-demo-structure")
    taken: set[str] = set()

    def display_name() -> str:
        while True:
            pool = names.GIVEN_MALE if rng.random() < 0.55 else names.GIVEN_FEMALE
            name = SURNAMES.pick(rng) + rng.choice(pool)
            if name not in taken:
                taken.add(name)
                return name

    def unit(
        name: str, kind: OrgUnitKind, parent: OrgUnitRecord | None, code: str
    ) -> OrgUnitRecord:
        parent_id = None if parent is None else parent.id
        return OrgUnitRecord(
            id=_stable_id("org-unit", code), name=name, kind=kind, parent_id=parent_id, code=code
        )

    def user(username: str, role: Role, at: OrgUnitRecord) -> uuid.UUID:
        record = UserRecord(
            id=_stable_id("user", username),
            username=username,
            display_name=display_name(),
            role=role,
            org_unit_id=at.id,
        )
        users.append(DemoUser(record))
        return record.id

    district = unit(DISTRICT_NAME, OrgUnitKind.DISTRICT, None, "DEMO-FX")
    users: list[DemoUser] = []
    user("admin", Role.ADMIN, district)
    user("supervisor.fuxing", Role.SUPERVISOR, district)
    offices: list[_Office] = []
    committees: list[OrgUnitRecord] = []
    for spec in names.OFFICES:
        code = f"DEMO-FX-{spec.key.upper()}"
        office_unit = unit(f"{spec.name}司法所{DEMO_MARK}", OrgUnitKind.OFFICE, district, code)
        office = _Office(spec, office_unit, [], {}, [])
        lat = FUXING_CENTRE[0] + rng.uniform(-0.05, 0.05)
        lon = FUXING_CENTRE[1] + rng.uniform(-0.06, 0.06)
        office.places.append(_Place(office_unit, spec.name, office, lat, lon))
        for number, short_name in enumerate(spec.committees, start=1):
            committee = unit(
                f"{short_name}人民调解委员会{DEMO_MARK}",
                OrgUnitKind.COMMITTEE,
                office_unit,
                f"{code}-{number:02d}",
            )
            committees.append(committee)
            place_lat, place_lon = lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02)
            office.places.append(_Place(committee, short_name, office, place_lat, place_lon))
        user(f"supervisor.{spec.key}", Role.SUPERVISOR, office_unit)
        office_mediators = [user(f"mediator.{spec.key}", Role.MEDIATOR, office_unit)]
        office.officers.append(user(f"officer.{spec.key}", Role.OFFICER, office_unit))
        office.officers.append(user(f"officer.{spec.key}.2", Role.OFFICER, office_unit))
        for place in office.places:
            office.mediators_for[place.unit.id] = list(office_mediators)
        # Numbered mediators sit at the first committees (gold-medal mediators' rooms).
        for number, place in enumerate(office.places[1 : 3 + len(spec.committees) // 5], start=2):
            mediator = user(f"mediator.{spec.key}.{number}", Role.MEDIATOR, place.unit)
            office.mediators_for[place.unit.id].append(mediator)
        offices.append(office)
    org_units = [district, *(office.unit for office in offices), *committees]
    return _Structure(org_units, users, offices)


@dataclass(frozen=True)
class _Person:
    name: str
    gender: Gender
    birth_date: date
    id_number: str


class _Drawer:
    """Draws people, places and times from one seeded stream."""

    def __init__(self, rng: random.Random, structure: _Structure, today: date) -> None:
        self.rng = rng
        self.today = today
        self.now = datetime(today.year, today.month, today.day, tzinfo=UTC)  # 08:00 in Handan
        self.offices = structure.offices
        self.visits: list[VisitRecord] = []
        self.count = 0
        # random() is an order of magnitude cheaper than randint()/choice(),
        # and 100,000 records take millions of draws.
        self.random = rng.random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def person(self, min_age: int, max_age: int, gender: Gender | None = None) -> _Person:
        rng = self.rng
        if gender is None:
            gender = Gender.MALE if self.random() < 0.5 else Gender.FEMALE
        male = gender is Gender.MALE
        name = SURNAMES.pick(rng) + self.pick(names.GIVEN_MALE if male else names.GIVEN_FEMALE)
        birth = self.today - timedelta(days=self.between(min_age * 366, max_age * 365 + 364))
        # The 17th digit is odd for men and even for women (GB 11643).
        order = self.below(100) * 10 + self.below(5) * 2 + (1 if male else 0)
        first17 = (
            f"{AREA_CODES.pick(rng)}{birth.year:04d}{birth.month:02d}{birth.day:02d}{order:03d}"
        )
        return _Person(name, gender, birth, first17 + resident_id_check_char(first17))

    def mobile(self) -> str:
        return self.pick(names.MOBILE_PREFIXES) + f"{self.below(10**8):08d}"

    def address(self, place: _Place) -> str:
        office = place.office
        if place.unit.kind is OrgUnitKind.OFFICE:  # people of an office live in its committees
            place = self.pick(office.places[1:])
        prefix = f"河北省邯郸市复兴区{office.spec.name}{place.short_name}"
        if office.spec.township:
            return f"{prefix}{self.pick(names.LANES)}{self.between(1, 160)}号"
        return (
            f"{prefix}{self.pick(names.ESTATES)}{self.between(1, 24)}号楼"
            f"{self.between(1, 4)}单元{self.between(1, 7)}0{self.between(1, 3)}室"
        )

    def work_time(self, day: date) -> datetime:
        """A time in working hours (08:00–19:00 Handan time) on ``day``, in UTC."""
        minutes = self.between(0, 11 * 60)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes)

    def fix(self, place: _Place, spread: float) -> tuple[float, float, float]:
        """A GPS fix near ``place``: latitude, longitude, accuracy in metres."""
        accuracy = self.uniform(4.0, 35.0) if self.random() < 0.9 else self.uniform(60.0, 400.0)
        lat = place.lat + self.uniform(-spread, spread)
        lon = place.lon + self.uniform(-spread, spread)
        return round(lat, 6), round(lon, 6), round(accuracy, 1)


class _Casework(_Drawer):
    """Cases walked through their lifecycle up to ``today``, with parties and visits."""

    def __init__(self, rng: random.Random, structure: _Structure, today: date) -> None:
        super().__init__(rng, structure, today)
        self.cases: list[CaseRecord] = []
        self.parties: list[PartyRecord] = []
        self.committees = [place for office in self.offices for place in office.places[1:]]

    def add_case(self) -> None:
        rng = self.rng
        if self.random() < 0.85:
            place = self.pick(self.committees)
        else:
            place = self.pick(self.offices).places[0]
        mediator_id = self.pick(place.office.mediators_for[place.unit.id])
        template = DISPUTES.pick(rng)
        case_id = self.new_id()
        parties = self._parties(case_id, template, place)
        words = self._words(template, place, parties)
        # More cases lately: the committees took the app up over the two years.
        age = 1 + int(CASE_HISTORY_DAYS * self.random() ** 2)
        opened_at = self.work_time(self.today - timedelta(days=age))
        status, closed_at, follow_up_due = self._lifecycle(case_id, place, opened_at, words)
        self.cases.append(
            CaseRecord(
                id=case_id,
                title=template.title.format_map(words),
                category=template.category,
                source=SOURCES.pick(rng),
                description=template.description.format_map(words),
                status=status,
                org_unit_id=place.unit.id,
                mediator_id=mediator_id,
                opened_at=opened_at,
                closed_at=closed_at,
                follow_up_due=follow_up_due,
            )
        )
        self.parties.extend(parties)
        self.count += 1 + len(parties)

    def _parties(
        self, case_id: uuid.UUID, template: DisputeTemplate, place: _Place
    ) -> list[PartyRecord]:
        rng = self.rng
        roles = [PartyRole.APPLICANT, PartyRole.RESPONDENT]
        if self.random() < 0.35:
            roles.append(OTHER_PARTY_ROLES.pick(rng))
        parties = []
        for index, role in enumerate(roles):
            if index == 1 and template.organisations:
                parties.append(
                    PartyRecord(
                        id=self.new_id(),
                        case_id=case_id,
                        role=role,
                        kind=PartyKind.ORGANISATION,
                        name=self.pick(template.organisations),
                        phone=f"0310-{self.between(2_000_000, 8_999_999)}",
                        address=self.address(place),
                    )
                )
                continue
            profile = {0: template.applicant, 1: template.respondent}.get(index) or ANY_ADULT
            person = self.person(profile.min_age, profile.max_age, profile.gender)
            known = self.random() < (0.97 if role is PartyRole.APPLICANT else 0.85)
            parties.append(
                PartyRecord(
                    id=self.new_id(),
                    case_id=case_id,
                    role=role,
                    name=person.name,
                    phone=self.mobile() if self.random() < 0.95 else None,
                    id_number=person.id_number if known else None,
                    address=self.address(place if self.random() < 0.8 else place.office.places[0]),
                )
            )
        return parties

    def _words(
        self, template: DisputeTemplate, place: _Place, parties: list[PartyRecord]
    ) -> dict[str, str]:
        low, high = template.amount
        return {
            "a": parties[0].name,
            "b": parties[1].name,
            "org": parties[1].name,
            "place": place.short_name,
            "estate": self.pick(names.ESTATES),
            "building": str(self.between(1, 24)),
            "floors": str(self.pick((5, 6, 6, 7))),
            "road": self.pick(names.ROADS),
            "trade": self.pick(names.TRADES),
            "amount": str(self.between(low // 100, high // 100) * 100),
            "months": str(self.between(3, 18)),
            "days": str(self.pick((30, 45, 60, 90))),
            "width": str(self.between(15, 80)),
            "workers": str(self.between(3, 12)),
            "mu": str(self.between(3, 20)),
        }

    def _lifecycle(
        self, case_id: uuid.UUID, place: _Place, opened_at: datetime, words: dict[str, str]
    ) -> tuple[CaseStatus, datetime | None, date | None]:
        """受理 → 调查 → 调解 → 协议/调解不成 → 回访 → 结案, cut off at ``now``.

        Returns the status reached, the closing time and the follow-up due
        date; the visits that already happened are recorded on the way.
        """
        slow = self.uniform(3.0, 8.0) if self.random() < 0.15 else 1.0  # stalled cases

        def after(clock: datetime, low: int, high: int) -> datetime:
            days = round(self.between(low, high) * slow)
            if days == 0:
                return clock + timedelta(minutes=self.between(20, 180))
            return self.work_time(clock.date() + timedelta(days=days))

        def visit(
            kind: VisitKind, start: datetime, notes: str, outcome: str = "", spread: float = 0.004
        ) -> datetime:
            """Records the visit if it is over by ``now``; returns when it ended.
            ``spread`` (degrees) is how far from the unit's centre it happens."""
            end = start + timedelta(minutes=self.between(20, 120))
            if end < self.now:
                text = notes.format_map(words)
                self._case_visit(case_id, place, kind, start, end, text, outcome, spread)
            return end

        status, closed_at, due = CaseStatus.INTAKE, None, None
        on_the_spot = self.random() < 0.25  # mediated where the dispute was reported
        sessions = 1 if on_the_spot else self.pick((1, 1, 2, 2, 3))
        agreed = on_the_spot or self.random() < 0.85
        clock = opened_at
        if not on_the_spot:
            clock = visit(
                VisitKind.INVESTIGATION,
                after(clock, 0, 3),
                self.pick(names.INVESTIGATION_NOTES),
            )
            if clock >= self.now:
                return status, closed_at, due
            status = CaseStatus.INVESTIGATING
        for number in range(1, sessions + 1):
            start = after(clock, 0, 0) if on_the_spot else after(clock, 1 if number == 1 else 2, 10)
            last = number == sessions
            if not last:
                outcome = self.pick(names.SESSION_CONTINUED)
            elif agreed:
                outcome = names.OUTCOME_AGREED_ORAL if on_the_spot else names.OUTCOME_AGREED
            else:
                outcome = names.OUTCOME_FAILED
            if on_the_spot:
                notes, spread = self.pick(names.SPOT_NOTES), 0.004
            else:  # in the committee's mediation room
                notes, spread = self.pick(names.SESSION_NOTES), 0.0005
            clock = visit(VisitKind.MEDIATION_SESSION, start, notes, outcome, spread)
            if clock >= self.now:
                return status, closed_at, due
            status = CaseStatus.MEDIATING
        if not agreed:
            status = CaseStatus.FAILED
            closing = after(clock, 1, 10)
            if self.random() < 0.6 and closing < self.now:
                status, closed_at = CaseStatus.CLOSED, closing
            return status, closed_at, due
        status = CaseStatus.AGREED
        due = clock.date() + timedelta(days=self.between(15, 45))
        start = self.work_time(due + timedelta(days=round(self.between(-5, 12) * slow)))
        start = max(start, clock + timedelta(hours=1))
        clock = visit(
            VisitKind.FOLLOW_UP,
            start,
            self.pick(names.FOLLOW_UP_NOTES),
            self.pick(names.FOLLOW_UP_OUTCOMES),
        )
        if clock >= self.now:
            return status, closed_at, due
        status = CaseStatus.FOLLOW_UP
        closing = after(clock, 0, 15)
        if closing < self.now:
            status, closed_at = CaseStatus.CLOSED, closing
        return status, closed_at, due

    def _case_visit(
        self,
        case_id: uuid.UUID,
        place: _Place,
        kind: VisitKind,
        start: datetime,
        end: datetime,
        notes: str,
        outcome: str,
        spread: float,
    ) -> None:
        lat = lon = accuracy = None
        if self.random() < 0.92:  # the rest were recorded indoors without a fix
            lat, lon, accuracy = self.fix(place, spread)
        self.visits.append(
            VisitRecord(
                id=self.new_id(),
                case_id=case_id,
                kind=kind,
                started_at=start,
                ended_at=end,
                lat=lat,
                lon=lon,
                accuracy_m=accuracy,
                notes=notes,
                outcome=outcome,
            )
        )
        self.count += 1


class _Correction(_Drawer):
    """Community-correction subjects with their recent check-ins and home visits."""

    def __init__(self, rng: random.Random, structure: _Structure, today: date) -> None:
        super().__init__(rng, structure, today)
        self.subjects: list[SubjectRecord] = []
        self.supervised = 0

    def add_subject(self) -> None:
        rng = self.rng
        office = self.pick(self.offices)
        area = self.pick(office.places[1:])
        home = _Place(
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
        interval = 7 if key_person else INTERVALS.pick(rng)
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
            checkin_interval_days=interval,
            org_unit_id=office.unit.id,
            officer_id=self.pick(office.officers),
            status=status,
        )
        self.subjects.append(subject)
        self.count += 1
        self._checkins(subject, office.places[0], home, supervised_until)

    def _checkins(
        self, subject: SubjectRecord, office: _Place, home: _Place, supervised_until: date
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
        at: _Place | None,
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


def generate_district(size: int = 3000, seed: int = 1, today: date | None = None) -> DemoDistrict:
    """Build the demo district with about ``size`` cases, parties, subjects
    and visits (within a few records), as they stand on ``today``.

    The same ``seed``, ``size`` and ``today`` give identical output; units
    and users are the same for every seed and size. No database I/O.
    """
    if size < 0:
        raise ValueError("size: the number of records cannot be negative")
    today = DEFAULT_TODAY if today is None else today
    # The records hold no reference cycles; collecting while millions of
    # objects are allocated would only rescan them (a third of the run time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(size, seed, today)
    finally:
        if collecting:
            gc.enable()


def _generate(size: int, seed: int, today: date) -> DemoDistrict:
    structure = _build_structure()
    casework_budget = round(size * CASEWORK_SHARE)
    casework = _Casework(_rng(f"lastmile-demo:{seed}:casework"), structure, today)
    while casework.count < casework_budget:
        casework.add_case()
    correction = _Correction(_rng(f"lastmile-demo:{seed}:correction"), structure, today)
    while correction.count < size - casework_budget:
        correction.add_subject()
    return DemoDistrict(
        org_units=structure.org_units,
        users=structure.users,
        cases=casework.cases,
        parties=casework.parties,
        subjects=correction.subjects,
        visits=casework.visits + correction.visits,
    )
