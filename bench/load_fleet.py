"""The load bench's district: offices with one mediator per device.

Built straight into the database (no API, not measured). Each call makes a
new district with its own names, so the capacity mode's steps can share one
database without sharing devices' users.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from argon2 import PasswordHasher
from sqlalchemy import Engine

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE
from shared_models.domain.org import OrgUnitKind, OrgUnitRecord, Role, UserRecord
from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.services.administration.district import mark_demo
from sync_server.services.sync.seeding import load_records

PASSWORD = "load-bench-2026"  # noqa: S105  (a throw-away bench database)


@dataclass(frozen=True)
class Seat:
    """A device's user and where it works."""

    username: str
    office: int
    committee_id: UUID


@dataclass
class Fleet:
    """``units[office]``: every unit of that office (the office and its committee)."""

    seats: list[Seat]
    units: list[frozenset[UUID]]

    def office_of_unit(self, unit_id: UUID) -> int | None:
        """The office a unit belongs to; ``None`` for the district itself."""
        for office, units in enumerate(self.units):
            if unit_id in units:
                return office
        return None


def build_fleet(engine: Engine, devices: int, offices: int) -> Fleet:
    """A district of ``offices`` offices (each with a committee) and
    ``devices`` mediators spread over them in turn."""
    tag = uuid.uuid4().hex[:6]
    district = _unit(f"负载区{tag}", OrgUnitKind.DISTRICT, None)
    units = [district]
    committees = []
    for number in range(offices):
        office = _unit(f"负载司法所{tag}-{number}", OrgUnitKind.OFFICE, district.id)
        committee = _unit(f"负载调委会{tag}-{number}", OrgUnitKind.COMMITTEE, office.id)
        units += [office, committee]
        committees.append((office, committee))
    seats = [
        Seat(f"load.{tag}.{index}", index % offices, committees[index % offices][1].id)
        for index in range(devices)
    ]
    users = [
        UserRecord(
            id=uuid.uuid4(),
            username=seat.username,
            display_name=seat.username,
            role=Role.MEDIATOR,
            org_unit_id=committees[seat.office][0].id,
        )
        for seat in seats
    ]
    # Argon2 with the cheapest parameters: sign-in is not what is measured.
    digest = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
    with write_session(engine) as session:
        load_records(session, TableName.ORG_UNITS, units)
        load_records(
            session, TableName.USERS, users, password_hashes={user.id: digest for user in users}
        )
    return Fleet(
        seats=seats,
        units=[frozenset({office.id, committee.id}) for office, committee in committees],
    )


def found_district(engine: Engine) -> None:
    """A throw-away district for ``lastmile server`` to start on: a root unit,
    recorded like the demo's, so the server may generate its key. The fleets
    loaded later hang their own district units beside it."""
    with write_session(engine) as session:
        load_records(session, TableName.ORG_UNITS, [_unit("负载区", OrgUnitKind.DISTRICT, None)])
        mark_demo(session, DEFAULT_DISTRICT_TIME_ZONE, datetime.now(UTC))


def _unit(name: str, kind: OrgUnitKind, parent: UUID | None) -> OrgUnitRecord:
    return OrgUnitRecord(id=uuid.uuid4(), name=name, kind=kind, parent_id=parent)
