"""Admin calls: the devices signed in to the district, and revoking one."""

from pydantic import BaseModel, ConfigDict

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
