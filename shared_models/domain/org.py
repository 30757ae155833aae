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


class OrgUnitRecord(RecordMeta, OrgUnitFields):
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
