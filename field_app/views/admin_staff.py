"""People and accounts: the unit and a search on top, the staff on the
left, the chosen person on the right with what may be done to them (each
a form with a reason), their devices, and a one-time password once."""

from typing import Any
from uuid import UUID

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.admin import Section
from field_app.viewmodels.admin_staff import ROLES, StaffViewModel
from field_app.views.admin_common import AdminView, Field
from field_app.views.supervision_common import district_time, panes
from field_app.views.theme import PRIMARY, SMALL, TEXT, WARNING, sz
from field_app.views.widgets import (
    badge,
    heading,
    label,
    primary_button,
    secondary_button,
    text_field,
    tid,
)
from shared_models.protocol.admin import DeviceInfo
from shared_models.protocol.administration import StaffMember

EVERYONE = ""
ACTION_ICONS = {
    "edit": ft.Icons.EDIT,
    "move": ft.Icons.MOVE_UP,
    "role": ft.Icons.BADGE,
    "reset": ft.Icons.PASSWORD,
    "deactivate": ft.Icons.PERSON_OFF,
    "reactivate": ft.Icons.PERSON,
}
DANGEROUS = frozenset({"deactivate", "reset"})


class StaffView(AdminView):
    vm: StaffViewModel
    section = Section.STAFF

    def __init__(self, ctx: Any, vm: StaffViewModel) -> None:
        super().__init__(ctx, vm)
        self.query = vm.search
        self.search = text_field(
            ctx.t("staff.search"), vm.search, self._query_typed, on_submit=self._search
        )

    # -- events -------------------------------------------------------------------------

    def _query_typed(self, e: ft.Event[ft.TextField]) -> None:
        """Kept as typed; the list follows on *Find* or Enter."""
        self.query = e.control.value or ""

    async def _search(self, _: ft.Event[ft.Control]) -> None:
        await self._work(self.vm.set_search, self.query)

    async def _unit(self, e: ft.Event[ft.Dropdown]) -> None:
        value = e.control.value or EVERYONE
        await self._work(self.vm.set_unit, UUID(value) if value != EVERYONE else None)

    def _open(self, member: StaffMember):  # type: ignore[no-untyped-def]
        async def open_member(_: ft.Event[ft.Control]) -> None:
            await self._work(self.vm.open, member)

        return open_member

    def _action(self, action: str):  # type: ignore[no-untyped-def]
        async def start(_: ft.Event[ft.Control]) -> None:
            self.vm.start_action(action)
            self.ctx.page.update()

        return start

    async def _more(self, _: ft.Event[ft.Control]) -> None:
        await self._work(self.vm.more)

    async def _password_seen(self, _: ft.Event[ft.Control]) -> None:
        self.vm.dismiss_password()
        self.ctx.page.update()

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

    # -- what is shown ------------------------------------------------------------------

    def section_content(self) -> list[ft.Control]:
        return [self._filters(), panes(self.wide, self._list(), self._detail())]

    def _filters(self) -> ft.Control:
        t, vm = self.ctx.t, self.vm
        controls: list[ft.Control] = [
            tid(
                "staff-unit",
                ft.Dropdown(
                    label=t("staff.unit"),
                    value=str(vm.unit_id) if vm.unit_id else EVERYONE,
                    options=[
                        ft.DropdownOption(key=str(key) if key else EVERYONE, text=self.ctx.tr(name))
                        for key, name in vm.unit_choices
                    ],
                    on_select=self._unit,
                    width=320,
                    text_size=sz(TEXT),
                ),
            ),
            ft.Container(tid("staff-search", self.search), width=320),
            secondary_button(t("staff.find"), self._search, ft.Icons.SEARCH, "staff-find"),
        ]
        if vm.can_create:
            controls.append(
                primary_button(
                    t("staff.create"), self._action("create"), ft.Icons.PERSON_ADD, "staff-create"
                )
            )
        return ft.Row(controls, spacing=12, run_spacing=8, wrap=True)

    def _list(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        rows: list[ft.Control] = [label(t("staff.count", shown=len(vm.members), total=vm.total))]
        rows += [tid("staff-item", self._row(member)) for member in vm.members]
        if not vm.members and vm.error is None:
            rows.append(self.empty(t("staff.empty")))
        if vm.has_more:
            rows.append(secondary_button(t("review.more"), self._more, None, "staff-more"))
        stretch = ft.CrossAxisAlignment.STRETCH
        return [tid("staff-list", ft.Column(rows, spacing=4, horizontal_alignment=stretch))]

    def _row(self, member: StaffMember) -> ft.Control:
        t = self.ctx.t
        chosen = self.vm.selected is not None and self.vm.selected.id == member.id
        marks: list[ft.Control] = [badge(t(f"role.{member.role.value}"), PRIMARY)]
        if not member.active:
            marks.append(badge(t("staff.inactive"), ft.Colors.GREY_700))
        elif member.must_change_password:
            marks.append(badge(t("staff.must_change"), WARNING))
        return ft.Container(
            ft.Column(
                [
                    ft.Text(
                        f"{member.display_name} ({member.username})",
                        size=sz(TEXT),
                        weight=ft.FontWeight.W_600,
                    ),
                    label(member.org_unit_name),
                    ft.Row(marks, spacing=6, wrap=True),
                ],
                spacing=3,
            ),
            padding=ft.Padding.symmetric(horizontal=12, vertical=10),
            border_radius=10,
            bgcolor=ft.Colors.with_opacity(0.12, PRIMARY) if chosen else None,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            on_click=self._open(member),
            ink=True,
        )

    def _detail(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        parts: list[ft.Control] = []
        if vm.one_time is not None:
            once = vm.one_time
            parts.append(
                self.one_time_panel(
                    once.display_name, once.username, once.password, self._password_seen
                )
            )
        if vm.form is not None and vm.form.action == "create":
            parts.append(self._form())
            return parts
        member = vm.selected
        if member is None:
            return [*parts, self.empty(t("staff.choose"))]
        parts += self._person(member)
        if vm.form is not None:
            parts.append(self._form())
        else:
            buttons = [
                secondary_button(
                    t(f"staff.action.{action}"),
                    self._action(action),
                    ACTION_ICONS[action],
                    f"staff-{action}",
                    danger=action in DANGEROUS,
                )
                for action in vm.actions(member)
            ]
            if buttons:
                parts.append(ft.Row(buttons, spacing=8, run_spacing=8, wrap=True))
            elif vm.is_me(member):
                parts.append(label(t("staff.yourself")))
        parts.append(self._devices())
        return [tid("staff-detail", ft.Column(parts, spacing=10))]

    def _person(self, member: StaffMember) -> list[ft.Control]:
        t = self.ctx.t
        seen = (
            t("format.when", when=district_time(member.last_seen_at))
            if member.last_seen_at
            else "—"
        )
        lines = [
            t("staff.line.username", username=member.username),
            t("staff.line.role", role=t(f"role.{member.role.value}")),
            t("staff.line.unit", unit=member.org_unit_name),
            t("staff.line.phone", phone=member.phone or "—"),
            t("staff.line.state", state=t("staff.active" if member.active else "staff.inactive")),
            t("staff.line.seen", when=seen, devices=member.devices),
        ]
        controls: list[ft.Control] = [heading(member.display_name)]
        controls += [ft.Text(line, size=sz(TEXT)) for line in lines]
        if member.must_change_password:
            controls.append(label(t("staff.must_change_note"), WARNING))
        return controls

    def _form(self) -> ft.Control:
        t, vm = self.ctx.t, self.vm
        form = vm.form
        assert form is not None
        roles = [(role.value, t(f"role.{role.value}")) for role in ROLES]
        units = vm.place_choices()
        fields = {
            "create": [
                Field("display_name", t("staff.field.display_name")),
                Field("username", t("staff.field.username")),
                Field("role", t("staff.field.role"), choices=roles),
                Field("org_unit_id", t("staff.field.unit"), units=units),
                Field("phone", t("staff.field.phone")),
            ],
            "edit": [
                Field("display_name", t("staff.field.display_name")),
                Field("phone", t("staff.field.phone")),
            ],
            "role": [Field("role", t("staff.field.role"), choices=roles)],
            "move": [Field("org_unit_id", t("staff.field.unit"), units=units)],
        }.get(form.action, [])
        return self.form_panel(form, fields, t(f"staff.action.{form.action}"))

    def _devices(self) -> ft.Control:
        t, vm = self.ctx.t, self.vm
        lines: list[ft.Control] = [
            ft.Text(
                t("staff.devices", count=len(vm.devices)), size=sz(TEXT), weight=ft.FontWeight.W_600
            )
        ]
        for device in vm.devices:
            controls: list[ft.Control] = [
                ft.Icon(ft.Icons.PHONE_ANDROID),
                ft.Column(
                    [
                        ft.Text(device.device_name, size=sz(SMALL)),
                        label(t("format.when", when=district_time(device.last_seen_at))),
                    ],
                    spacing=2,
                    expand=True,
                ),
            ]
            if device.revoked_at is not None:
                controls.append(badge(t("devices.is_revoked"), ft.Colors.GREY_700))
            elif vm.can_revoke:
                controls.append(
                    secondary_button(
                        t("devices.revoke"),
                        self._revoke(device),
                        ft.Icons.BLOCK,
                        "staff-device-revoke",
                        danger=True,
                    )
                )
            lines.append(tid("staff-device", ft.Row(controls, spacing=10)))
        return tid("staff-devices", ft.Column(lines, spacing=6))
