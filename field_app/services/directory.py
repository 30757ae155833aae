"""Who and where, from the device's synced copy: the org units and users of
the jurisdiction, for the names the screens show and the units a form offers.
Names only; nothing here is personal beyond a user's display name."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlmodel import col

from field_app.services.records import live, units_below
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalOrgUnit, LocalUser
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.protocol.tables import TableName


@dataclass(frozen=True)
class Unit:
    id: UUID
    name: str
    kind: OrgUnitKind


@dataclass(frozen=True)
class Person:
    id: UUID
    display_name: str
    role: Role


def org_units(store: LocalStore) -> list[Unit]:
    """Every live org unit on the device."""
    with store.transaction() as session:
        rows: list[Any] = list(
            session.scalars(select(LocalOrgUnit).where(col(LocalOrgUnit.deleted).is_(False)))
        )
    return [Unit(row.id, row.name, OrgUnitKind(row.kind)) for row in rows]


def people(store: LocalStore) -> list[Person]:
    """Every live user on the device."""
    with store.transaction() as session:
        rows: list[Any] = list(
            session.scalars(select(LocalUser).where(col(LocalUser.deleted).is_(False)))
        )
    return [Person(row.id, row.display_name, Role(row.role)) for row in rows]


def units_within(store: LocalStore, unit_id: UUID) -> list[Unit]:
    """``unit_id`` and every live unit below it, unsorted."""
    with store.transaction() as session:
        below = units_below(session, unit_id)
        rows: list[Any] = list(
            session.scalars(live(TableName.ORG_UNITS).where(col(LocalOrgUnit.id).in_(below)))
        )
    return [Unit(row.id, row.name, OrgUnitKind(row.kind)) for row in rows]


def unit_kind(store: LocalStore, unit_id: UUID) -> OrgUnitKind | None:
    """What kind of unit ``unit_id`` is, if the device holds it."""
    with store.transaction() as session:
        unit: Any = session.get(LocalOrgUnit, unit_id)
        return None if unit is None else OrgUnitKind(unit.kind)
