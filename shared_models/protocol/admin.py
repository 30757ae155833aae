"""Admin calls: the devices signed in to the district, revoking one, and
the account actions (reset a password, deactivate and reactivate a user)."""

from pydantic import BaseModel, ConfigDict, Field

from shared_models.domain.types import RecordId, UtcDatetime


class DeviceInfo(BaseModel):
    """One device as one user has signed in on it.

    A phone shared by two users appears once per user. ``revoked_at`` is
    empty while any of the device's tokens for that user is still live, so
    an admin sees at a glance which devices can still sync.
    """

    model_config = ConfigDict(extra="forbid")

    device_id: str
    device_name: str
    user_id: RecordId
    username: str
    display_name: str
    org_unit_id: RecordId
    created_at: UtcDatetime
    last_seen_at: UtcDatetime
    revoked_at: UtcDatetime | None = None


class AccountAction(BaseModel):
    """Why an admin acts on an account; the reason goes into the audit chain."""

    model_config = ConfigDict(strict=True, extra="forbid")

    reason: str = Field(min_length=1, max_length=200)


class PasswordReset(BaseModel):
    """A one-time password, shown once, to hand to the user; the first
    sign-in with it must choose a new password."""

    model_config = ConfigDict(extra="forbid")

    one_time_password: str
