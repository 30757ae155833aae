"""The org hierarchy (district → office → committee) and users' public profile.

Both tables are owned by the server: devices read them, never write them.
"""

from collections.abc import Iterable
from enum import StrEnum
from uuid import UUID

from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.types import STRICT_CONFIG, RecordId, ShortText, choice


class OrgUnitKind(StrEnum):
    DISTRICT = "district"
    OFFICE = "office"
    COMMITTEE = "committee"


class Role(StrEnum):
    MEDIATOR = "mediator"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class OrgUnitFields(SQLModel):
    model_config = STRICT_CONFIG

    name: ShortText = Field(min_length=1)
    kind: OrgUnitKind = choice()
    parent_id: RecordId | None = Field(default=None, index=True)
    code: ShortText = ""


class OrgUnitDetails(SQLModel):
    """What the district's administration keeps about a unit besides its place
    in the tree: the short name case numbers are built from (``（2026）百家人调字
    第3号``), the address and contact printed on papers, and whether the unit
    is closed. A closed unit keeps its row (records point to it) but takes no
    new staff, cases or subjects.

    Devices receive these fields on the wire; the device's table has no
    columns for them, so its codec keeps them in the record's ``extra``
    (``field_app/storage/codec.py``) until a screen needs to query them.
    """

    model_config = STRICT_CONFIG

    short_name: ShortText = ""
    address: ShortText = ""
    contact_person: ShortText = ""
    contact_phone: ShortText = ""
    closed: bool = False


class OrgUnitRecord(RecordMeta, OrgUnitDetails, OrgUnitFields):
    """An org unit as pulled by devices."""


class UserProfileFields(SQLModel):
    """What anyone in the district may know about a user: no contact data, no secrets."""

    model_config = STRICT_CONFIG

    username: ShortText = Field(min_length=1, max_length=64, index=True)
    display_name: ShortText = Field(min_length=1)
    role: Role = choice()
    org_unit_id: RecordId = Field(index=True)
    active: bool = True


class UserRecord(RecordMeta, UserProfileFields):
    """A user's public profile as pulled by devices."""


def units_below(edges: Iterable[tuple[UUID, UUID | None]], root: UUID) -> frozenset[UUID]:
    """``root`` and every unit under it, from (unit, parent) pairs.

    The one tree rule of the district: the server's jurisdiction of a user
    (``sync_server/repositories/scope.py``) and the app's "this unit and
    those below it" (``field_app/services/records.py``) are both this walk,
    each over the units it holds. A unit never counts twice, so a (corrupt)
    cycle ends the walk instead of looping.
    """
    children: dict[UUID | None, list[UUID]] = {}
    for unit, parent in edges:
        children.setdefault(parent, []).append(unit)
    found = {root}
    frontier = [root]
    while frontier:
        unit = frontier.pop()
        for child in children.get(unit, ()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return frozenset(found)
