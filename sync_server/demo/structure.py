"""The fixed fixture of the demo district: its org units, users and where they sit on the map.

Ids come from names and display names from a fixed stream, so demo logins and
units are the same for every ``seed`` and ``size``.
"""

import uuid
from dataclasses import dataclass

from shared_models.domain.org import OrgUnitKind, OrgUnitRecord, Role, UserRecord
from sync_server.demo import names
from sync_server.demo.names import OfficeSpec
from sync_server.demo.tables import SURNAMES, seeded_rng

DEMO_NAMESPACE = uuid.UUID("5b0f3c8e-2d4a-4f6b-9c1e-7a8d6e4f2b10")
DISTRICT_NAME = "复兴区（演示）"
DEMO_MARK = "（演示）"
FUXING_CENTRE = (36.605, 114.435)


@dataclass(frozen=True)
class DemoUser:
    """A demo login's public profile. Demo users carry no password: the
    caller sets one shared password for all of them."""

    record: UserRecord


@dataclass(frozen=True, eq=False)
class Place:
    """A unit on the map: where its people live and its field work happens."""

    unit: OrgUnitRecord
    short_name: str  # 建设社区, 彭家寨村; for an office its street/township name
    office: "Office"
    lat: float
    lon: float


@dataclass(eq=False)
class Office:
    spec: OfficeSpec
    unit: OrgUnitRecord
    places: list[Place]  # the office itself first, then its committees
    mediators_for: dict[uuid.UUID, list[uuid.UUID]]  # unit id → mediators who may take its cases
    officers: list[uuid.UUID]


@dataclass(frozen=True)
class Structure:
    org_units: list[OrgUnitRecord]
    users: list[DemoUser]
    offices: list[Office]


def stable_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}")


def build_structure() -> Structure:
    """District → 11 offices → 105 committees, and their users."""
    rng = seeded_rng("lastmile-demo-structure")
    taken: set[str] = set()

    def display_name() -> str:
        while True:
            pool = names.GIVEN_MALE if rng.random() < 0.55 else names.GIVEN_FEMALE
            name = SURNAMES.pick(rng) + rng.choice(pool)
            if name not in taken:
                taken.add(name)
                return name

    def unit(
        name: str, kind: OrgUnitKind, parent: OrgUnitRecord | None, code: str, short_name: str
    ) -> OrgUnitRecord:
        parent_id = None if parent is None else parent.id
        return OrgUnitRecord(
            id=stable_id("org-unit", code),
            name=name,
            kind=kind,
            parent_id=parent_id,
            code=code,
            short_name=short_name,  # what case numbers carry: （2026）建设社区人调字第3号
        )

    def user(username: str, role: Role, at: OrgUnitRecord) -> uuid.UUID:
        record = UserRecord(
            id=stable_id("user", username),
            username=username,
            display_name=display_name(),
            role=role,
            org_unit_id=at.id,
        )
        users.append(DemoUser(record))
        return record.id

    district = unit(DISTRICT_NAME, OrgUnitKind.DISTRICT, None, "DEMO-FX", "复兴")
    users: list[DemoUser] = []
    user("admin", Role.ADMIN, district)
    user("supervisor.fuxing", Role.SUPERVISOR, district)
    offices: list[Office] = []
    committees: list[OrgUnitRecord] = []
    for spec in names.OFFICES:
        code = f"DEMO-FX-{spec.key.upper()}"
        office_unit = unit(
            f"{spec.name}司法所{DEMO_MARK}", OrgUnitKind.OFFICE, district, code, spec.name
        )
        office = Office(spec, office_unit, [], {}, [])
        lat = FUXING_CENTRE[0] + rng.uniform(-0.05, 0.05)
        lon = FUXING_CENTRE[1] + rng.uniform(-0.06, 0.06)
        office.places.append(Place(office_unit, spec.name, office, lat, lon))
        for number, short_name in enumerate(spec.committees, start=1):
            committee = unit(
                f"{short_name}人民调解委员会{DEMO_MARK}",
                OrgUnitKind.COMMITTEE,
                office_unit,
                f"{code}-{number:02d}",
                short_name,
            )
            committees.append(committee)
            place_lat, place_lon = lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02)
            office.places.append(Place(committee, short_name, office, place_lat, place_lon))
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
    return Structure(org_units, users, offices)
