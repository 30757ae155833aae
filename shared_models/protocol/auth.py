"""Login and the caller's identity."""

from pydantic import BaseModel, ConfigDict, Field

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE
from shared_models.domain.org import OrgUnitRecord, Role
from shared_models.domain.types import RecordId


class LoginRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")
    device_name: str = Field(default="", max_length=200)


class UserProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: RecordId
    username: str
    display_name: str
    role: Role
    org_unit_id: RecordId


class LoginResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str
    user: UserProfile
    district_time_zone: str = Field(default=DEFAULT_DISTRICT_TIME_ZONE, max_length=64)
    """The district's IANA time zone: the device shows every time on this
    clock and counts "today" and "due" by its calendar (older servers send
    none: the default)."""


class Me(BaseModel):
    """The caller, their unit, and every unit whose records they may see."""

    model_config = ConfigDict(extra="forbid")

    user: UserProfile
    org_unit: OrgUnitRecord
    jurisdiction: list[RecordId]
