"""Small, explicit test data: a two-office district with one user per role,
and builders for the records and mutations tests push."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from sqlalchemy import Engine

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE, DEFAULT_ZONE, district_day
from shared_models.domain.org import OrgUnitKind, OrgUnitRecord, Role, UserRecord
from shared_models.domain.people import resident_id_check_char
from shared_models.protocol.tables import TableName

PASSWORD = "demo-pass-2026"
DEVICE = "device-0001"


def district_today() -> date:
    """Today on the district's calendar, the one phones, desk and server
    count "due" and "today" in. ``date.today()`` is the host's day, which in
    UTC is yesterday in Beijing for eight hours of every day."""
    return district_day(datetime.now(UTC), DEFAULT_ZONE)


def _unit(name: str, kind: OrgUnitKind, parent: OrgUnitRecord | None) -> OrgUnitRecord:
    return OrgUnitRecord(
        id=uuid.uuid4(), name=name, kind=kind, parent_id=parent.id if parent else None
    )


@dataclass
class District:
    district: OrgUnitRecord
    baijia: OrgUnitRecord
    xiyuan: OrgUnitRecord
    baijia_committee: OrgUnitRecord
    xiyuan_committee: OrgUnitRecord
    users: dict[str, UserRecord]

    def user(self, username: str) -> UserRecord:
        return self.users[username]


def build_district() -> District:
    district = _unit("复兴区", OrgUnitKind.DISTRICT, None)
    baijia = _unit("百家街道司法所", OrgUnitKind.OFFICE, district)
    xiyuan = _unit("西苑街道司法所", OrgUnitKind.OFFICE, district)
    baijia_committee = _unit("百家村调委会", OrgUnitKind.COMMITTEE, baijia)
    xiyuan_committee = _unit("西苑社区调委会", OrgUnitKind.COMMITTEE, xiyuan)
    users: dict[str, UserRecord] = {}
    for username, role, unit in [
        ("mediator.baijia", Role.MEDIATOR, baijia),
        ("officer.baijia", Role.OFFICER, baijia),
        ("officer2.baijia", Role.OFFICER, baijia),
        ("supervisor.baijia", Role.SUPERVISOR, baijia),
        ("mediator.xiyuan", Role.MEDIATOR, xiyuan),
        ("officer.xiyuan", Role.OFFICER, xiyuan),
        ("supervisor.xiyuan", Role.SUPERVISOR, xiyuan),
        ("supervisor.fuxing", Role.SUPERVISOR, district),
        ("admin", Role.ADMIN, district),
    ]:
        users[username] = UserRecord(
            id=uuid.uuid4(),
            username=username,
            display_name=username,
            role=role,
            org_unit_id=unit.id,
        )
    return District(district, baijia, xiyuan, baijia_committee, xiyuan_committee, users)


_HASH_CACHE: dict[str, str] = {}


def _password_hashes(users: list[UserRecord]) -> dict[UUID, str]:
    """Argon2 is slow on purpose; tests hash their password once, with the
    cheapest parameters (verification reads them from the hash)."""
    if PASSWORD not in _HASH_CACHE:
        _HASH_CACHE[PASSWORD] = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
    return {user.id: _HASH_CACHE[PASSWORD] for user in users}


def load_district(engine: Engine) -> District:
    """The district into a server database."""
    # Imported here: the app's tests use the record builders below where the
    # server's packages are not installed (tests/sides.py).
    from sync_server.core.db import write_session
    from sync_server.services.administration.district import mark_demo
    from sync_server.services.sync.seeding import load_records

    district = build_district()
    units = [
        district.district,
        district.baijia,
        district.xiyuan,
        district.baijia_committee,
        district.xiyuan_committee,
    ]
    users = list(district.users.values())
    with write_session(engine) as session:
        load_records(session, TableName.ORG_UNITS, units)
        load_records(session, TableName.USERS, users, password_hashes=_password_hashes(users))
        # Like the demo, the test district may generate its signing key.
        mark_demo(session, DEFAULT_DISTRICT_TIME_ZONE, datetime.now(UTC))
    return district


def id_number(birth: date = date(1970, 5, 17), serial: str = "123") -> str:
    first17 = f"130404{birth:%Y%m%d}{serial}"
    return first17 + resident_id_check_char(first17)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def case_fields(unit_id: UUID, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "煤棚损坏纠纷",
        "category": "neighbourhood",
        "source": "walk_in",
        "description": "邻居翻修时损坏了煤棚",
        "org_unit_id": str(unit_id),
        "opened_at": "2026-11-20T09:00:00+08:00",
    }
    fields.update(overrides)
    return fields


def subject_fields(unit_id: UUID, officer_id: UUID | None, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "王某",
        "id_number": id_number(),
        "correction_type": "suspended_sentence",
        "term_start": "2026-01-01",
        "term_end": "2027-12-31",
        "org_unit_id": str(unit_id),
        "officer_id": str(officer_id) if officer_id else None,
    }
    fields.update(overrides)
    return fields


def visit_fields(
    *, case_id: UUID | None = None, subject_id: UUID | None = None, **overrides: Any
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "checkin" if subject_id else "mediation_session",
        "started_at": "2026-11-28T09:30:00+08:00",
        "notes": "本人到所报到，状态良好",
    }
    if case_id:
        fields["case_id"] = str(case_id)
    if subject_id:
        fields["subject_id"] = str(subject_id)
        fields["method"] = "office"
    fields.update(overrides)
    return fields


def mutation(
    table: str,
    record_id: UUID,
    fields: dict[str, Any] | None = None,
    *,
    base_version: int | None = None,
    op: str = "upsert",
    mutation_id: UUID | None = None,
) -> dict[str, Any]:
    return {
        "mutation_id": str(mutation_id or uuid.uuid4()),
        "table": table,
        "record_id": str(record_id),
        "op": op,
        "base_version": base_version,
        "fields": fields or {},
        "client_time": now_iso(),
    }


def party_fields(case_id: UUID, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "case_id": str(case_id),
        "role": "applicant",
        "name": "李某",
        "phone": "13800138000",
        "id_number": id_number(serial="456"),
        "address": "百家村3号",
    }
    fields.update(overrides)
    return fields
