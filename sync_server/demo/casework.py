"""The casework of the demo district: cases walked through their lifecycle, with
their parties and visits."""

import random
import uuid
from datetime import date, datetime, timedelta

from shared_models.domain.case_forms import CaseResult, SessionResult
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.cases import CaseRecord, CaseStatus, PartyKind, PartyRecord, PartyRole
from shared_models.domain.visits import VisitKind, VisitRecord
from sync_server.demo import names
from sync_server.demo.case_files import CaseFiles
from sync_server.demo.drawer import Drawer
from sync_server.demo.names import ANY_ADULT, DisputeTemplate
from sync_server.demo.structure import Place, Structure
from sync_server.demo.tables import DISPUTES, OTHER_PARTY_ROLES, SOURCES

CASE_HISTORY_DAYS = 730

_RESULT = {True: SessionResult.AGREED, False: SessionResult.FAILED}
"""The last session's result, by whether the case was agreed."""


class Casework(Drawer):
    """Cases walked through their lifecycle up to ``today``, with parties and visits."""

    def __init__(
        self, rng: random.Random, structure: Structure, today: date, files: CaseFiles
    ) -> None:
        super().__init__(rng, structure, today)
        self.cases: list[CaseRecord] = []
        self.parties: list[PartyRecord] = []
        self.files = files
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
        early = self.files.early_end(age)
        if early is None:
            status, closed_at, follow_up_due = self._lifecycle(
                case_id, place, opened_at, words, mediator_id
            )
        else:
            status, closed_at, follow_up_due = early, None, None
        case = CaseRecord(
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
        self.cases.append(case)
        self._file(case, parties)
        self.parties.extend(parties)
        self.count += 1 + len(parties)

    def _file(self, case: CaseRecord, parties: list[PartyRecord]) -> None:
        """The forms before the lifecycle's: the application, then the
        refusal, or the acceptance (the later forms are recorded on the way)."""
        files, at, by = self.files, case.opened_at, case.mediator_id
        assert by is not None
        if case.status in (CaseStatus.APPLIED, CaseStatus.REFUSED):
            files.apply(case.id, at, by, case.description, parties)
            if case.status is CaseStatus.REFUSED:
                files.refuse(case.id, at + timedelta(days=1), by)
            return
        files.accept(case.id, at, by, case.category, case.source, case.description, parties)
        if case.status is CaseStatus.REFERRED:
            files.refer(case.id, at + timedelta(days=2), by)

    def _parties(
        self, case_id: uuid.UUID, template: DisputeTemplate, place: Place
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
        self, template: DisputeTemplate, place: Place, parties: list[PartyRecord]
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
        self,
        case_id: uuid.UUID,
        place: Place,
        opened_at: datetime,
        words: dict[str, str],
        by: uuid.UUID,
    ) -> tuple[CaseStatus, datetime | None, date | None]:
        """受理 → 调查 → 调解 → 协议/调解不成 → 回访 → 结案 (→ 归档), cut off at ``now``.

        Returns the status reached, the closing time and the follow-up due
        date; the visits that already happened, and their forms, are
        recorded on the way (``case_files.py``: the forms follow the
        lifecycle's rule).
        """
        files = self.files
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

        status, closed_at, due = CaseStatus.ACCEPTED, None, None
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
            files.investigation(case_id, clock, by, self.visits[-1].notes)
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
            result = SessionResult.CONTINUE if not last else _RESULT[agreed]
            files.session(case_id, clock, by, self.visits[-1].notes, result)
            status = CaseStatus.MEDIATING
        if not agreed:
            files.termination(case_id, clock, by)
            status = CaseStatus.FAILED
            closing = after(clock, 1, 10)
            if self.random() < 0.6 and closing < self.now:
                files.close(case_id, closing, by, CaseResult.FAILED, names.OUTCOME_FAILED)
                status, closed_at = self._archived(case_id, closing, by), closing
            return status, closed_at, due
        status = CaseStatus.AGREED
        due = clock.date() + timedelta(days=self.between(15, 45))
        # The first follow-up falls due the district's 30 days after the deadline.
        deadline = due - timedelta(days=MediationSettings().follow_up_days_after_deadline)
        terms = self.visits[-1].outcome
        files.oral_agreement(case_id, clock, by, terms, max(deadline, clock.date()))
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
        files.follow_up(case_id, clock, by, self.visits[-1].outcome)
        status, due = CaseStatus.FOLLOW_UP, None  # no next follow-up was set
        closing = after(clock, 0, 15)
        if closing < self.now:
            files.close(case_id, closing, by, CaseResult.AGREED_ORAL, self.visits[-1].outcome)
            status, closed_at = self._archived(case_id, closing, by), closing
        return status, closed_at, due

    def _archived(self, case_id: uuid.UUID, closed: datetime, by: uuid.UUID) -> CaseStatus:
        """A case closed a season ago is filed in the archive (归档)."""
        filed = closed + timedelta(days=30)
        if filed >= self.now:
            return CaseStatus.CLOSED
        self.files.archive(case_id, filed, by)
        return CaseStatus.ARCHIVED

    def _case_visit(
        self,
        case_id: uuid.UUID,
        place: Place,
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
