"""The org hierarchy (district → office → committee) and users' public profile.

Both tables are owned by the server: devices read them, never write them.
"""

from enum import StrEnum

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
