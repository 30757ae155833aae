"""The demo district generator: deterministic, sized as asked, structurally
sound, and every record valid against the shared schemas."""

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel

from shared_models.correction.settings import DEFAULT_SETTINGS
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain import (
    CaseFields,
    OrgUnitFields,
    PartyFields,
    SubjectFields,
    UserProfileFields,
    VisitFields,
)
from shared_models.domain.base import SERVER_OWNED_FIELDS, RecordMeta
from shared_models.domain.case_documents import CaseDocumentRecord
from shared_models.domain.case_lifecycle import (
    MediationSettings,
    facts_of,
    status_after,
    step_of,
    step_problem,
)
from shared_models.domain.case_numbers import parse_case_number
from shared_models.domain.cases import (
    CLOSED_CASE_STATUSES,
    CaseRecord,
    CaseStatus,
    PartyKind,
    PartyRecord,
    PartyRole,
)
from shared_models.domain.org import (
    OrgUnitDetails,
    OrgUnitKind,
    OrgUnitRecord,
    Role,
    UserRecord,
)
from shared_models.domain.people import Gender, resident_id_check_char
from shared_models.domain.subjects import SubjectRecord, SubjectStatus, SupervisionLevel
from shared_models.domain.visits import VisitKind, VisitRecord
from sync_server.demo import DEFAULT_TODAY, DemoDistrict, generate_district

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


class OrgUnitWritten(OrgUnitDetails, OrgUnitFields):
    """What the administration writes of a unit: its place and its details."""


FIELDS_OF: dict[type[RecordMeta], type[SQLModel]] = {
    OrgUnitRecord: OrgUnitWritten,
    UserRecord: UserProfileFields,
    CaseRecord: CaseFields,
    PartyRecord: PartyFields,
    SubjectRecord: SubjectFields,
    VisitRecord: VisitFields,
}


@cache
def district(size: int = 3000, seed: int = 1) -> DemoDistrict:
    """Generated once per (size, seed) for the module; tests only read it."""
    return generate_district(size=size, seed=seed)


def all_records(demo: DemoDistrict) -> list[RecordMeta]:
    users = [user.record for user in demo.users]
    return [*demo.org_units, *users, *demo.cases, *demo.parties, *demo.subjects, *demo.visits]


def units_by_id(demo: DemoDistrict) -> dict[uuid.UUID, OrgUnitRecord]:
    return {unit.id: unit for unit in demo.org_units}


def offices_of(demo: DemoDistrict) -> dict[uuid.UUID, uuid.UUID]:
    """Each office and committee id → the id of its office."""
    offices = {}
    for unit in demo.org_units:
        if unit.kind is OrgUnitKind.OFFICE:
            offices[unit.id] = unit.id
        elif unit.kind is OrgUnitKind.COMMITTEE:
            assert unit.parent_id is not None
            offices[unit.id] = unit.parent_id
    return offices


def users_by_name(demo: DemoDistrict) -> dict[str, UserRecord]:
    return {user.record.username: user.record for user in demo.users}


def assert_id_number(id_number: str, birth_date: date | None = None) -> None:
    assert len(id_number) == 18
    assert resident_id_check_char(id_number[:17]) == id_number[17]
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    assert date(1930, 1, 1) < born < DEFAULT_TODAY - timedelta(days=18 * 365)
    if birth_date is not None:
        assert born == birth_date


def assert_valid_and_linked(demo: DemoDistrict) -> None:
    """Every record re-validates from JSON, and every reference resolves."""
    for record in all_records(demo):
        as_json = record.model_dump(mode="json")
        assert type(record).model_validate(as_json) == record
        # What a device would send: the fields without the server's bookkeeping.
        FIELDS_OF[type(record)].model_validate(
            {name: value for name, value in as_json.items() if name not in SERVER_OWNED_FIELDS}
        )
        assert record.version == 0
        assert record.deleted is False
        assert record.updated_at is None

    ids = [record.id for record in all_records(demo)]
    assert len(ids) == len(set(ids))
    users = {user.record.id: user.record for user in demo.users}
    office_of = offices_of(demo)
    case_ids = {case.id for case in demo.cases}
    subject_ids = {subject.id for subject in demo.subjects}
    for case in demo.cases:
        assert case.mediator_id is not None
        mediator = users[case.mediator_id]
        assert mediator.role is Role.MEDIATOR
        assert office_of[mediator.org_unit_id] == office_of[case.org_unit_id]
        # The mediator's jurisdiction (their unit and below) covers the case.
        assert mediator.org_unit_id in {case.org_unit_id, office_of[case.org_unit_id]}
    for party in demo.parties:
        assert party.case_id in case_ids
    units = units_by_id(demo)
    for subject in demo.subjects:
        assert units[subject.org_unit_id].kind is OrgUnitKind.OFFICE
        assert subject.officer_id is not None
        officer = users[subject.officer_id]
        assert officer.role is Role.OFFICER
        assert officer.org_unit_id == subject.org_unit_id
    for visit in demo.visits:
        if visit.case_id is not None:
            assert visit.case_id in case_ids
        else:
            assert visit.subject_id in subject_ids


def test_same_seed_gives_identical_output() -> None:
    first, second = generate_district(size=800, seed=7), generate_district(size=800, seed=7)
    assert first == second
    dump = [record.model_dump_json() for record in all_records(first)]
    assert dump == [record.model_dump_json() for record in all_records(second)]


def test_different_seed_gives_different_casework_but_the_same_units_and_logins() -> None:
    one, two = district(size=500), district(size=500, seed=2)
    assert one.cases != two.cases
    assert one.subjects != two.subjects
    assert one.org_units == two.org_units == district().org_units
    assert one.users == two.users == district().users


def test_smaller_district_is_a_prefix_of_a_larger_one() -> None:
    small, large = district(size=500), district()
    # Numbers count the unit's acceptances of the year: more cases, other numbers.
    unnumbered = [case.model_copy(update={"case_number": None}) for case in large.cases]
    assert [case.model_copy(update={"case_number": None}) for case in small.cases] == unnumbered[
        : len(small.cases)
    ]
    assert small.subjects == large.subjects[: len(small.subjects)]


@pytest.mark.parametrize("size", [500, 3000, 20000])
def test_size_is_the_number_of_records_within_ten_percent(size: int) -> None:
    demo = district(size=size)
    assert abs(demo.record_count() - size) <= size * 0.1
    count = len(demo.cases) + len(demo.parties) + len(demo.subjects) + len(demo.visits)
    assert demo.record_count() == count


def test_empty_and_negative_sizes() -> None:
    empty = generate_district(size=0)
    assert empty.record_count() == 0
    assert len(empty.org_units) == 117
    with pytest.raises(ValueError, match="size"):
        generate_district(size=-1)


def test_org_structure_is_one_district_eleven_offices_105_committees() -> None:
    demo = district()
    kinds = Counter(unit.kind for unit in demo.org_units)
    assert kinds == {OrgUnitKind.DISTRICT: 1, OrgUnitKind.OFFICE: 11, OrgUnitKind.COMMITTEE: 105}
    seen: dict[uuid.UUID, OrgUnitRecord] = {}
    expected_parent = {
        OrgUnitKind.DISTRICT: None,
        OrgUnitKind.OFFICE: OrgUnitKind.DISTRICT,
        OrgUnitKind.COMMITTEE: OrgUnitKind.OFFICE,
    }
    for unit in demo.org_units:
        if unit.parent_id is None:
            assert expected_parent[unit.kind] is None
        else:
            assert seen[unit.parent_id].kind is expected_parent[unit.kind]  # parent came first
        seen[unit.id] = unit
        assert unit.code.startswith("DEMO-")
        assert "演示" in unit.name
    assert demo.org_units[0].name == "复兴区（演示）"
    office_names = {unit.name for unit in demo.org_units if unit.kind is OrgUnitKind.OFFICE}
    for town in ("百家", "西苑", "石化", "化林路", "彭家寨", "康庄"):
        assert any(name.startswith(town) for name in office_names), town
    assert len({unit.name for unit in demo.org_units}) == 117
    committees_per_office = Counter(
        unit.parent_id for unit in demo.org_units if unit.kind is OrgUnitKind.COMMITTEE
    )
    assert min(committees_per_office.values()) >= 5


def test_required_logins_exist_with_their_roles_and_units() -> None:
    demo = district()
    units = units_by_id(demo)
    users = users_by_name(demo)
    office_of = offices_of(demo)
    district_id = demo.org_units[0].id
    offices = {unit.code: unit.id for unit in demo.org_units if unit.kind is OrgUnitKind.OFFICE}
    for office_key in ("baijia", "xiyuan"):
        office_id = offices[f"DEMO-FX-{office_key.upper()}"]
        for role in (Role.MEDIATOR, Role.OFFICER, Role.SUPERVISOR):
            user = users[f"{role.value}.{office_key}"]
            assert user.role is role
            assert office_of[user.org_unit_id] == office_id
        assert users[f"officer.{office_key}"].org_unit_id == office_id
    assert users["supervisor.fuxing"].role is Role.SUPERVISOR
    assert users["supervisor.fuxing"].org_unit_id == district_id
    assert users["admin"].role is Role.ADMIN
    assert users["admin"].org_unit_id == district_id
    for username in ("mediator.shihua", "officer.kangzhuang", "mediator.baijia.2"):
        assert username in users
    placed = users["mediator.baijia.2"]
    assert units[placed.org_unit_id].kind is OrgUnitKind.COMMITTEE
    assert units[placed.org_unit_id].parent_id == offices["DEMO-FX-BAIJIA"]
    for user in users.values():
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", user.display_name), user.display_name
    assert len({user.display_name for user in users.values()}) == len(users)


def test_every_record_validates_and_every_reference_resolves() -> None:
    assert_valid_and_linked(district())


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), size=st.integers(0, 300))
def test_any_seed_and_size_is_valid_and_linked(seed: int, size: int) -> None:
    assert_valid_and_linked(generate_district(size=size, seed=seed))


def test_people_have_valid_id_numbers_and_mobile_numbers() -> None:
    demo = district()
    people = [party for party in demo.parties if party.kind is PartyKind.PERSON]
    assert sum(party.id_number is not None for party in people) > 0.8 * len(people)
    for party in people:
        if party.id_number is not None:
            assert_id_number(party.id_number)
        if party.phone is not None:
            assert MOBILE.match(party.phone), party.phone
        assert party.address
    for subject in demo.subjects:
        assert_id_number(subject.id_number, subject.birth_date)
        gender_digit = int(subject.id_number[16])
        assert (gender_digit % 2 == 1) == (subject.gender is Gender.MALE)
        if subject.phone is not None:
            assert MOBILE.match(subject.phone)


def test_cases_have_two_or_three_parties_with_an_applicant_and_a_respondent() -> None:
    demo = district()
    roles: dict[uuid.UUID, list[PartyRole]] = {case.id: [] for case in demo.cases}
    for party in demo.parties:
        roles[party.case_id].append(party.role)
    for case_roles in roles.values():
        assert 2 <= len(case_roles) <= 3
        assert PartyRole.APPLICANT in case_roles
        assert PartyRole.RESPONDENT in case_roles
    assert any(party.kind is PartyKind.ORGANISATION for party in demo.parties)


def test_cases_span_the_lifecycle_consistently() -> None:
    demo = district()
    now = datetime(DEFAULT_TODAY.year, DEFAULT_TODAY.month, DEFAULT_TODAY.day, tzinfo=UTC)
    statuses = Counter(case.status for case in demo.cases)
    # The demo signs no written agreement, which judicial confirmation needs.
    assert set(statuses) == set(CaseStatus) - {CaseStatus.JUDICIAL_CONFIRMATION}
    assert statuses[CaseStatus.CLOSED] < 0.9 * len(demo.cases)
    assert len({case.category for case in demo.cases}) >= 7
    assert len({case.source for case in demo.cases}) == 6
    units = units_by_id(demo)
    at_committee = sum(units[case.org_unit_id].kind is OrgUnitKind.COMMITTEE for case in demo.cases)
    assert 0.7 < at_committee / len(demo.cases) < 0.95
    visits_of: dict[uuid.UUID, list[VisitRecord]] = {}
    for visit in demo.visits:
        if visit.case_id is not None:
            visits_of.setdefault(visit.case_id, []).append(visit)
    for case in demo.cases:
        assert now - timedelta(days=740) < case.opened_at < now
        assert (case.closed_at is not None) == (case.status in CLOSED_CASE_STATUSES)
        if case.status is CaseStatus.AGREED:  # a follow-up record set no next date
            assert case.follow_up_due is not None
        if case.status is CaseStatus.CLOSED:
            assert case.closed_at is not None
            assert case.opened_at <= case.closed_at < now
        for visit in visits_of.get(case.id, []):
            assert case.opened_at <= visit.started_at
            assert visit.ended_at is not None
            assert visit.ended_at < now
            assert visit.kind in {
                VisitKind.INVESTIGATION,
                VisitKind.MEDIATION_SESSION,
                VisitKind.FOLLOW_UP,
            }
        if case.status in {CaseStatus.MEDIATING, CaseStatus.AGREED, CaseStatus.FAILED}:
            kinds = {visit.kind for visit in visits_of[case.id]}
            assert VisitKind.MEDIATION_SESSION in kinds
    assert any("电梯" in case.title for case in demo.cases)
    assert any("煤棚" in case.title for case in demo.cases)


def test_subjects_are_supervised_at_offices_with_plausible_terms() -> None:
    demo = district()
    subjects = demo.subjects
    statuses = Counter(subject.status for subject in subjects)
    assert statuses[SubjectStatus.UNDER_SUPERVISION] > 0.7 * len(subjects)
    # About one in ten is a key person: with 70 subjects, 14 (seed 1) is a fair draw.
    assert 0.03 < sum(subject.key_person for subject in subjects) / len(subjects) <= 0.2
    assert {subject.supervision_level for subject in subjects} == set(SupervisionLevel)
    for subject in subjects:  # the interval of the level in the district's settings
        interval = DEFAULT_SETTINGS.intervals(subject.supervision_level).checkin_days
        assert subject.checkin_interval_days == interval
    assert len({subject.correction_type for subject in subjects}) >= 3
    for subject in subjects:
        assert subject.term_start < subject.term_end
        if subject.status is SubjectStatus.UNDER_SUPERVISION:
            assert subject.term_start < DEFAULT_TODAY < subject.term_end
        if subject.status is SubjectStatus.RELEASED:
            assert subject.term_end < DEFAULT_TODAY


def test_check_ins_have_a_method_and_a_location_near_handan() -> None:
    demo = district()
    subject_visits = [visit for visit in demo.visits if visit.subject_id is not None]
    assert {visit.kind for visit in subject_visits} == {VisitKind.CHECKIN, VisitKind.HOME_VISIT}
    for visit in demo.visits:
        if visit.kind is VisitKind.CHECKIN:
            assert visit.method is not None
        if visit.lat is not None and visit.lon is not None:
            assert abs(visit.lat - 36.6) < 0.2
            assert abs(visit.lon - 114.5) < 0.2
            assert visit.accuracy_m is not None
        assert visit.notes
    located = sum(visit.lat is not None for visit in demo.visits)
    assert located > 0.6 * len(demo.visits)


def test_some_subjects_under_supervision_are_overdue_for_check_in() -> None:
    demo = district()
    latest: dict[uuid.UUID, date] = {}
    for visit in demo.visits:
        if visit.kind is VisitKind.CHECKIN and visit.subject_id is not None:
            day = visit.started_at.date()
            latest[visit.subject_id] = max(latest.get(visit.subject_id, day), day)
    supervised = [s for s in demo.subjects if s.status is SubjectStatus.UNDER_SUPERVISION]
    interval = {level: DEFAULT_SETTINGS.intervals(level).checkin_days for level in SupervisionLevel}
    overdue = [
        s
        for s in supervised
        if latest[s.id] + timedelta(days=interval[s.supervision_level]) < DEFAULT_TODAY
    ]
    assert 0 < len(overdue) < 0.3 * len(supervised)


def test_all_times_are_aware_utc() -> None:
    demo = district()
    for record in all_records(demo):
        for name in type(record).model_fields:
            value = getattr(record, name)
            if isinstance(value, datetime):
                assert value.utcoffset() == timedelta(0), (type(record).__name__, name)


def test_today_moves_the_whole_timeline() -> None:
    later = generate_district(size=300, today=date(2030, 6, 1))
    assert all(case.opened_at.year >= 2028 for case in later.cases)
    assert all(case.opened_at < datetime(2030, 6, 1, tzinfo=UTC) for case in later.cases)


def test_case_files_follow_the_lifecycle_and_numbers_have_no_gaps() -> None:
    """Each demo case's forms, in the order they were recorded, are steps the
    lifecycle's rule allows, ending in the case's status; every accepted case
    is numbered, 1 … n per unit and year."""
    demo = district()
    documents: dict[uuid.UUID, list[CaseDocumentRecord]] = {}
    for document in demo.case_documents:
        documents.setdefault(document.case_id, []).append(document)
    parties: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for party in demo.parties:
        parties.setdefault(party.case_id, []).append((party.id, party.name))
    numbers: dict[tuple[uuid.UUID, int], list[int]] = {}
    for case in demo.cases:
        status = CaseStatus.APPLIED
        known: list[tuple[uuid.UUID, CaseDocumentRecord]] = []
        ordered = sorted(documents.get(case.id, []), key=lambda d: d.recorded_at)
        for document in ordered:
            facts = facts_of(status, parties.get(case.id, []), known, [], DEFAULT_ZONE)
            step = step_of(document.kind)
            assert step_problem(step, facts, MediationSettings(), document.content) is None
            status = status_after(status, step)
            known.append((document.id, document))
        assert status is case.status
        accepted = any(document.kind == "acceptance" for _, document in known)
        assert (case.case_number is not None) == accepted
        if case.case_number is not None:
            parsed = parse_case_number(case.case_number)
            assert parsed is not None
            numbers.setdefault((case.org_unit_id, parsed.year), []).append(parsed.number)
    for key, drawn in numbers.items():
        assert sorted(drawn) == list(range(1, len(drawn) + 1))
        assert demo.case_numbers[key] == len(drawn)
