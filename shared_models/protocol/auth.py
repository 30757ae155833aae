"""Login, the caller's identity, and the password rule both sides obey."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared_models.district_time import DEFAULT_DISTRICT_TIME_ZONE
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.org import OrgUnitRecord, Role
from shared_models.domain.types import RecordId, Text


class LoginRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    username: Text = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: str = Field(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")
    device_name: Text = Field(default="", max_length=200)


class UserProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: RecordId
    username: str
    display_name: str
    role: Role
    org_unit_id: RecordId


class LoginResponse(BaseModel):
    """``must_change_password``: signed in with a one-time password (an
    admin's reset); the token can do nothing but ``POST /auth/password``.
    The server leaves the field out when it is false, so apps that predate
    it still read every ordinary sign-in."""

    model_config = ConfigDict(extra="forbid")

    token: str
    user: UserProfile
    must_change_password: bool = False
    district_time_zone: str = Field(default=DEFAULT_DISTRICT_TIME_ZONE, max_length=64)
    """The district's IANA time zone: the device shows every time on this
    clock and counts "today" and "due" by its calendar (older servers send
    none: the default)."""
    mediation: MediationSettings = Field(default_factory=MediationSettings)
    """The district's rules of the mediation lifecycle, so the device checks
    a step as the server will (older servers send none: the defaults)."""


class PasswordChange(BaseModel):
    """The signed-in user's new password, proven by the current one."""

    model_config = ConfigDict(strict=True, extra="forbid")

    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5


class PasswordProblem(StrEnum):
    """Why a new password is refused (``details.problem`` of ``PASSWORD_TOO_WEAK``)."""

    TOO_SHORT = "too_short"
    TOO_FEW_CHARACTERS = "too_few_characters"
    CONTAINS_USERNAME = "contains_username"
    SAME_AS_OLD = "same_as_old"


def password_problem(
    password: str, username: str, old_password: str | None = None
) -> PasswordProblem | None:
    """The rule for a password a person chooses: long enough to resist
    online guessing behind the sign-in throttle, not one repeated pattern,
    not the username (the first guess anyone makes). The app checks it
    before sending; the server enforces it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return PasswordProblem.TOO_SHORT
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return PasswordProblem.TOO_FEW_CHARACTERS
    if len(username) >= 3 and username.casefold() in password.casefold():
        return PasswordProblem.CONTAINS_USERNAME
    if old_password is not None and password == old_password:
        return PasswordProblem.SAME_AS_OLD
    return None


class Me(BaseModel):
    """The caller, their unit, and every unit whose records they may see."""

    model_config = ConfigDict(extra="forbid")

    user: UserProfile
    org_unit: OrgUnitRecord
    jurisdiction: list[RecordId]
