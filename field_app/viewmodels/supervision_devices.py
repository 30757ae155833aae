"""Devices per user: which phones are signed in, when each last reached the
server (silent for days is a warning: lost, broken, or work not coming in),
and cutting one off. Only an admin revokes (the server says so too); a
district supervisor sees the list to know whom to ask."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import msg
from field_app.supervision.client import SupervisionClient
from field_app.viewmodels.base import saves_once
from field_app.viewmodels.supervision import WorkspaceModel
from shared_models.domain.org import Role
from shared_models.protocol.admin import DeviceInfo

SILENT_AFTER = timedelta(days=3)
"""The dashboard's threshold too (the server's ``silent_after_days``)."""


@dataclass(frozen=True)
class UserDevices:
    user_id: UUID
    name: str
    username: str
    devices: list[DeviceInfo]


class DevicesViewModel(WorkspaceModel):
    def __init__(
        self,
        core: FieldAppCore,
        client: SupervisionClient | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(core, client)
        self.now = now
        self.users: list[UserDevices] = []

    @property
    def can_revoke(self) -> bool:
        return self.core.role is Role.ADMIN

    def load(self) -> None:
        ok, devices = self._call(self.client.devices)
        if ok and devices is not None:
            grouped: dict[UUID, list[DeviceInfo]] = {}
            for device in devices:
                grouped.setdefault(device.user_id, []).append(device)
            self.users = sorted(
                (
                    UserDevices(
                        user_id,
                        found[0].display_name,
                        found[0].username,
                        sorted(found, key=lambda d: d.last_seen_at, reverse=True),
                    )
                    for user_id, found in grouped.items()
                ),
                key=lambda user: user.name,
            )
        self.notify()

    def silent(self, device: DeviceInfo) -> bool:
        now = self.now or datetime.now(UTC)
        return device.revoked_at is None and now - device.last_seen_at > SILENT_AFTER

    @saves_once
    def revoke(self, device_id: str) -> bool:
        if not self.can_revoke:
            self.error = msg("devices.admin_only")
            self.notify()
            return False
        ok, _ = self._call(lambda: self.client.revoke_device(device_id))
        if ok:
            self.notice = msg("devices.revoked")
            self.load()
        else:
            self.notify()
        return ok
