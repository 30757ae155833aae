"""Pushes that try to write past the caller's role and jurisdiction: tables
the role may not write, fields the server owns, records of the other line of
work, records created in or moved to another office, subjects assigned to
another office's officer, and references to another office's records.

Every try must come back ``rejected`` with a code and the field it is about,
and leave nothing behind. Each role pushes from its own office ("own") and
aims at the other office ("other"); district-wide roles have no other
office, so only the tries that no one may make apply to them. Run on the
district of ``tests/sync_server/jurisdiction_scenario.py``, on SQLite and
PostgreSQL.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest

from shared_models.protocol.tables import TableName
from sync_server.core.db import read_session
from sync_server.services.sync.records import ROWS
from tests.attack.tally import Attack
from tests.case_forms import acceptance, document
from tests.factories import case_fields, id_number, mutation, party_fields, subject_fields
from tests.factories import visit_fields as make_visit
from tests.sync_server.jurisdiction_scenario import (
    BACKENDS,
    DISTRICT_WIDE,
    ROLES,
    SUPERVISORY,
    WRITES,
    Scenario,
    attachment_fields,
    png,
    scenario_on,
    talk_fields,
)


@pytest.fixture(scope="module", params=BACKENDS)
def scenario(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    yield from scenario_on(request, tmp_path_factory.mktemp("escalation"))


@dataclass(frozen=True)
class Office:
    """One office of the scenario as the pushes aim at it."""

    case: str
    subject: str
    agreement: str
    committee: UUID
    office: UUID
    mediator: UUID
    officer: UUID


def _offices(s: Scenario) -> tuple[Office, Office]:
    d = s.district
    baijia = Office(
        "case",
        "subject",
        "agreement",
        d.baijia_committee.id,
        d.baijia.id,
        d.user("mediator.baijia").id,
        d.user("officer.baijia").id,
    )
    xiyuan = Office(
        "xiyuan_case",
        "xiyuan_subject",
        "xiyuan_agreement",
        d.xiyuan_committee.id,
        d.xiyuan.id,
        d.user("mediator.xiyuan").id,
        d.user("officer.xiyuan").id,
    )
    return baijia, xiyuan


def _own_and_other(s: Scenario, username: str) -> tuple[Office, Office]:
    baijia, xiyuan = _offices(s)
    return (xiyuan, baijia) if username.endswith(".xiyuan") else (baijia, xiyuan)


_SERVER_OWNED = (
    "id",
    "version",
    "updated_at",
    "deleted",
    "created_by",
    "scope_unit_id",
    "scope_officer_id",
    "scope_work",
    "field_versions",
)


def _stored(s: Scenario, table: str, record_id: UUID) -> Any:
    with read_session(s.engine) as session:
        return session.get(ROWS[TableName(table)], record_id)


def _refused(
    s: Scenario, attack: Attack, username: str, what: str, item: dict[str, Any]
) -> dict[str, Any]:
    """Push ``item`` as ``username``: a violation unless it is rejected naming a field."""
    [result] = s.device(username).push([item])
    attack.tried()
    if result["status"] != "rejected":
        attack.violation(f"{username}: {what}: {result['status']}")
    elif not result["error"].get("field"):
        attack.violation(f"{username}: {what}: {result['error']['code']} names no field")
    return result


def _refused_create(
    s: Scenario, attack: Attack, username: str, what: str, table: str, fields: dict[str, Any]
) -> None:
    record_id = uuid.uuid4()
    _refused(s, attack, username, what, mutation(table, record_id, fields))
    attack.tried()
    if _stored(s, table, record_id) is not None:
        attack.violation(f"{username}: {what}: the record was stored")


def _subject(unit: UUID, officer: UUID | None) -> dict[str, Any]:
    return subject_fields(
        unit, officer, id_number=id_number(serial=f"{uuid.uuid4().int % 900 + 100}")
    )


@pytest.mark.parametrize("username", ROLES)
def test_tables_and_fields_a_role_may_not_write(
    scenario: Scenario, username: str, attack: Attack
) -> None:
    s = scenario
    own, _ = _own_and_other(s, username)
    minimal: dict[TableName, dict[str, Any]] = {
        TableName.ORG_UNITS: {"name": "伪造", "kind": "office"},
        TableName.USERS: {"username": "x", "display_name": "x", "role": "admin"},
        TableName.CONFLICTS: {"table_name": "cases", "record_id": str(uuid.uuid4()), "field": "x"},
        TableName.CASES: case_fields(own.committee),
        TableName.PARTIES: party_fields(s.ids[own.case]),
        TableName.SUBJECTS: _subject(own.office, own.officer),
        TableName.AGREEMENTS: {"case_id": str(s.ids[own.case]), "facts": "草稿"},
        TableName.REVIEWS: {
            "target_table": "cases",
            "target_id": str(s.ids[own.case]),
            "state": "approved",
        },
        TableName.SUBJECT_EVENTS: talk_fields(s.ids[own.subject]),
    }
    for table, fields in minimal.items():
        if table not in WRITES[username]:
            _refused_create(s, attack, username, f"create in {table}", table, fields)
    # Fields the server owns, on a table the role writes.
    writable = TableName.CASES if TableName.CASES in WRITES[username] else TableName.SUBJECTS
    for name in _SERVER_OWNED:
        value: Any = {
            "id": str(uuid.uuid4()),
            "version": 10**6,
            "updated_at": "2026-01-01T00:00:00Z",
            "deleted": False,
            "created_by": str(s.district.user("admin").id),
            "field_versions": {},
        }.get(name, str(own.office))
        fields = {**minimal[writable], name: value}
        _refused_create(s, attack, username, f"{writable} with {name}", writable, fields)
    if TableName.AGREEMENTS in WRITES[username]:
        fields = {**minimal[TableName.AGREEMENTS], "countersignature": "forged"}
        _refused_create(s, attack, username, "agreement countersignature", "agreements", fields)


LINE_WORKERS = [username for username in ROLES if username not in SUPERVISORY]
"""The roles with one line of work (supervisors and admins work on both)."""


@pytest.mark.parametrize("username", LINE_WORKERS)
def test_the_other_line_of_work(scenario: Scenario, username: str, attack: Attack) -> None:
    """Mediators never write subjects or check-ins; officers never write cases."""
    s = scenario
    own, _ = _own_and_other(s, username)
    photo = png((10, 20, 30))
    if username.startswith("mediator."):
        subject = s.ids[own.subject]
        tries = [
            ("create a subject", "subjects", _subject(own.office, None)),
            ("check in a subject", "visits", make_visit(subject_id=subject)),
            ("photo of a subject", "attachments", attachment_fields("subjects", subject, photo)),
            ("a talk with a subject", "subject_events", talk_fields(subject)),
        ]
        if own.case == "case":
            checkin = s.ids["checkin"]
            tries.append(
                ("photo of a check-in", "attachments", attachment_fields("visits", checkin, photo))
            )
            version = s.versions(["checkin"])["checkin"]
            _refused(
                s,
                attack,
                username,
                "edit a check-in",
                mutation("visits", checkin, {"notes": "改"}, base_version=version),
            )
    else:
        assert username.startswith("officer."), username
        case = s.ids[own.case]
        tries = [
            ("create a case", "cases", case_fields(own.committee)),
            ("party of a case", "parties", party_fields(case)),
            ("session of a case", "visits", make_visit(case_id=case)),
            ("photo of a case", "attachments", attachment_fields("cases", case, photo)),
            ("agreement of a case", "agreements", {"case_id": str(case), "facts": "x"}),
            ("form of a case", "case_documents", document(case, acceptance())),
        ]
    for what, table, fields in tries:
        _refused_create(s, attack, username, what, table, fields)


def _fresh(s: Scenario, table: str, fields: dict[str, Any]) -> tuple[UUID, int]:
    """A record created by the admin, for one role to try to move."""
    record_id = uuid.uuid4()
    [result] = s.device("admin").push([mutation(table, record_id, fields)])
    assert result["status"] == "applied", result
    return record_id, int(result["version"])


@pytest.mark.parametrize("username", ROLES)
def test_moves_and_assignments_are_not_field_edits(
    scenario: Scenario, username: str, attack: Attack
) -> None:
    """No one moves a case or a subject to another office or officer by a
    push, not even a district supervisor: that is a transfer."""
    s = scenario
    own, other = _own_and_other(s, username)
    officer2 = s.district.user("officer2.baijia").id
    case_id, case_version = _fresh(s, "cases", case_fields(own.committee))
    subject_id, subject_version = _fresh(s, "subjects", _subject(own.office, own.officer))
    moves = [
        ("cases", case_id, case_version, "org_unit_id", own.committee, other.committee),
        ("subjects", subject_id, subject_version, "org_unit_id", own.office, other.office),
        ("subjects", subject_id, subject_version, "officer_id", own.officer, other.officer),
    ]
    if own.case == "case":
        moves.append(("subjects", subject_id, subject_version, "officer_id", own.officer, officer2))
    for table, record_id, version, name, before, after in moves:
        what = f"move a {table[:-1]}: {name}"
        item = mutation(table, record_id, {name: str(after)}, base_version=version)
        _refused(s, attack, username, what, item)
        attack.check(
            getattr(_stored(s, table, record_id), name) == before,
            f"{username}: {what}: the record moved",
        )
    # Created in the own office, but handed to someone of the other office
    # or the other line of work.
    assignments = [
        ("subject for another office's officer", "subjects", _subject(own.office, other.officer)),
        (
            "case for another office's mediator",
            "cases",
            case_fields(own.committee, mediator_id=str(other.mediator)),
        ),
        (
            "case mediated by an officer",
            "cases",
            case_fields(own.committee, mediator_id=str(own.officer)),
        ),
        (
            "agreement for another office's mediator",
            "agreements",
            {"case_id": str(s.ids[own.case]), "mediator_id": str(other.mediator)},
        ),
    ]
    if username not in DISTRICT_WIDE:
        assignments += [
            ("case in another office", "cases", case_fields(other.committee)),
            ("subject in another office", "subjects", _subject(other.office, other.officer)),
        ]
    for what, table, fields in assignments:
        _refused_create(s, attack, username, what, table, fields)


@pytest.mark.parametrize("username", ROLES)
def test_references_to_another_offices_records(
    scenario: Scenario, username: str, attack: Attack
) -> None:
    s = scenario
    own, other = _own_and_other(s, username)
    ids = s.ids
    photo = png((40, 50, 60))
    # Whoever may write agreements: a correction must name an agreement of its own case.
    tries = [
        (
            "agreement correcting another case's agreement",
            "agreements",
            {
                "case_id": str(ids[own.case]),
                "facts": "更正",
                "supersedes_id": str(ids[other.agreement]),
            },
        )
    ]
    if username not in DISTRICT_WIDE:
        tries += [
            ("party of another office's case", "parties", party_fields(ids[other.case])),
            ("session of another office's case", "visits", make_visit(case_id=ids[other.case])),
            (
                "check-in of another office's subject",
                "visits",
                make_visit(subject_id=ids[other.subject]),
            ),
            (
                "photo of another office's case",
                "attachments",
                attachment_fields("cases", ids[other.case], photo),
            ),
            (
                "agreement of another office's case",
                "agreements",
                {"case_id": str(ids[other.case]), "facts": "x"},
            ),
            (
                "form of another office's case",
                "case_documents",
                document(ids[other.case], acceptance()),
            ),
            (
                "review of another office's case",
                "reviews",
                {"target_table": "cases", "target_id": str(ids[other.case]), "state": "approved"},
            ),
            (
                "follow-up of another office's agreement",
                "visits",
                make_visit(
                    case_id=ids[own.case], kind="follow_up", agreement_id=str(ids[other.agreement])
                ),
            ),
        ]
    for what, table, fields in tries:
        _refused_create(s, attack, username, what, table, fields)
