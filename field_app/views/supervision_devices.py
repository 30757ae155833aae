"""Devices per user, with their last contact and (for an admin) "Revoke"."""

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.supervision_devices import DevicesViewModel
from field_app.views.supervision_common import WorkspaceView, district_time
from field_app.views.theme import SMALL, TEXT, WARNING, sz
from field_app.views.widgets import badge, label, secondary_button, tid
from shared_models.protocol.admin import DeviceInfo


class DevicesView(WorkspaceView):
    vm: DevicesViewModel
    two_pane = False

    def title(self) -> str:
        return self.ctx.t("screen.devices")

    def _revoke(self, device: DeviceInfo):  # type: ignore[no-untyped-def]
        async def revoke() -> None:
            await self._work(self.vm.revoke, device.device_id)

        def ask(_: ft.Event[ft.Control]) -> None:
            self.ctx.confirm(
                msg("devices.revoke_title"),
                msg("devices.revoke_body", device=device.device_name, user=device.display_name),
                [(msg("devices.revoke"), revoke, True)],
            )

        return ask

    def content(self) -> list[ft.Control]:
        t = self.ctx.t
        parts: list[ft.Control] = [*self.problem()]
        if not self.vm.can_revoke:
            parts.append(label(t("devices.admin_only")))
        for user in self.vm.users:
            parts.append(
                ft.Text(f"{user.name} ({user.username})", size=sz(TEXT), weight=ft.FontWeight.W_600)
            )
            parts += [tid("device-item", self._row(device)) for device in user.devices]
        if not self.vm.users and self.vm.error is None:
            parts.append(self.empty(t("devices.empty")))
        return [tid("device-list", ft.Column(parts, spacing=8))]

    def _row(self, device: DeviceInfo) -> ft.Control:
        t = self.ctx.t
        marks: list[ft.Control] = []
        if device.revoked_at is not None:
            marks.append(badge(t("devices.is_revoked"), ft.Colors.GREY_700))
        elif self.vm.silent(device):
            marks.append(badge(t("dashboard.silent"), WARNING))
        controls: list[ft.Control] = [
            ft.Icon(ft.Icons.PHONE_ANDROID),
            ft.Column(
                [
                    ft.Text(device.device_name, size=sz(TEXT)),
                    label(
                        t(
                            "devices.line",
                            device=device.device_id,
                            when=district_time(device.last_seen_at),
                        ),
                        size=sz(SMALL),
                    ),
                ],
                spacing=2,
                expand=True,
            ),
            *marks,
        ]
        if self.vm.can_revoke and device.revoked_at is None:
            controls.append(
                secondary_button(
                    t("devices.revoke"),
                    self._revoke(device),
                    ft.Icons.BLOCK,
                    "device-revoke",
                    danger=True,
                )
            )
        return ft.Container(
            ft.Row(controls, spacing=12, vertical_alignment=ft.CrossAxisAlignment.CENTER),
            padding=ft.Padding.symmetric(horizontal=12, vertical=8),
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=10,
        )
