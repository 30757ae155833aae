"""The organisation: the tree on the left (indented: offices under the
district, committees under their office), the chosen unit on the right
with its details and what may be done to it, each a form with a reason."""

import flet as ft

from field_app.viewmodels.admin import Section
from field_app.viewmodels.admin_org import OrgTreeViewModel, TreeRow
from field_app.views.admin_common import AdminView, Field
from field_app.views.supervision_common import panes
from field_app.views.theme import PRIMARY, TEXT, sz
from field_app.views.widgets import badge, heading, label, secondary_button, tid
from shared_models.domain.org import OrgUnitKind
from shared_models.protocol.administration import OrgUnitAdmin

KIND_ICONS = {
    OrgUnitKind.DISTRICT: ft.Icons.ACCOUNT_BALANCE,
    OrgUnitKind.OFFICE: ft.Icons.BUSINESS,
    OrgUnitKind.COMMITTEE: ft.Icons.GROUPS,
}
ACTION_ICONS = {
    "create": ft.Icons.ADD,
    "edit": ft.Icons.EDIT,
    "move": ft.Icons.MOVE_UP,
    "close": ft.Icons.BLOCK,
    "reopen": ft.Icons.LOCK_OPEN,
}
INDENT = 28


class OrgTreeView(AdminView):
    vm: OrgTreeViewModel
    section = Section.ORG

    def _open(self, unit: OrgUnitAdmin):  # type: ignore[no-untyped-def]
        async def open_unit(_: ft.Event[ft.Control]) -> None:
            self.vm.open(unit)
            self.ctx.page.update()

        return open_unit

    def _action(self, action: str):  # type: ignore[no-untyped-def]
        async def start(_: ft.Event[ft.Control]) -> None:
            self.vm.start_action(action)
            self.ctx.page.update()

        return start

    async def _closed(self, e: ft.Event[ft.Checkbox]) -> None:
        self.vm.set_show_closed(bool(e.control.value))
        self.ctx.page.update()

    def section_content(self) -> list[ft.Control]:
        t = self.ctx.t
        toggle = tid(
            "org-show-closed",
            ft.Checkbox(
                label=t("org.show_closed"),
                value=self.vm.show_closed,
                on_change=self._closed,
                label_style=ft.TextStyle(size=sz(TEXT)),
            ),
        )
        if not self.vm.rights.shape_tree:
            note: list[ft.Control] = [label(t("org.read_only"))]
        else:
            note = []
        return [*note, toggle, panes(self.wide, self._tree(), self._detail())]

    def _tree(self) -> list[ft.Control]:
        rows: list[ft.Control] = [tid("org-unit", self._row(row)) for row in self.vm.rows]
        if not rows and self.vm.error is None:
            rows.append(self.empty(self.ctx.t("org.empty")))
        stretch = ft.CrossAxisAlignment.STRETCH
        return [tid("org-tree", ft.Column(rows, spacing=2, horizontal_alignment=stretch))]

    def _row(self, row: TreeRow) -> ft.Control:
        t, unit = self.ctx.t, row.unit
        chosen = self.vm.selected is not None and self.vm.selected.id == unit.id
        marks: list[ft.Control] = []
        if unit.closed:
            marks.append(badge(t("org.closed"), ft.Colors.GREY_700))
        return ft.Container(
            ft.Row(
                [
                    ft.Icon(KIND_ICONS[unit.kind], color=PRIMARY),
                    ft.Column(
                        [
                            ft.Text(unit.name, size=sz(TEXT), weight=ft.FontWeight.W_600),
                            label(t("org.row", code=unit.code or "—", staff=unit.active_staff)),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                    *marks,
                ],
                spacing=10,
            ),
            padding=ft.Padding.only(left=12 + INDENT * row.depth, right=12, top=8, bottom=8),
            border_radius=10,
            bgcolor=ft.Colors.with_opacity(0.12, PRIMARY) if chosen else None,
            on_click=self._open(unit),
            ink=True,
        )

    def _detail(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        unit = vm.selected
        if unit is None:
            return [self.empty(t("org.choose"))]
        lines = [
            t("org.line.kind", kind=t(f"org.kind.{unit.kind.value}")),
            t("org.line.short_name", short_name=unit.short_name or "—"),
            t("org.line.code", code=unit.code or "—"),
            t("org.line.address", address=unit.address or "—"),
            t(
                "org.line.contact",
                person=unit.contact_person or "—",
                phone=unit.contact_phone or "—",
            ),
            t("org.line.staff", staff=unit.active_staff),
        ]
        parts: list[ft.Control] = [heading(unit.name)]
        parts += [ft.Text(line, size=sz(TEXT)) for line in lines]
        if unit.closed:
            parts.append(badge(t("org.closed"), ft.Colors.GREY_700))
        if vm.form is not None:
            parts.append(self._form(unit))
        else:
            buttons = [
                secondary_button(
                    t(f"org.action.{action}.{unit.kind.value}")
                    if action == "create"
                    else t(f"org.action.{action}"),
                    self._action(action),
                    ACTION_ICONS[action],
                    f"org-{action}",
                    danger=action == "close",
                )
                for action in vm.actions(unit)
            ]
            parts.append(ft.Row(buttons, spacing=8, run_spacing=8, wrap=True))
        return [tid("org-detail", ft.Column(parts, spacing=10))]

    def _form(self, unit: OrgUnitAdmin) -> ft.Control:
        t, form = self.ctx.t, self.vm.form
        assert form is not None
        details = [
            Field(name, t(f"org.field.{name}"))
            for name in ("name", "short_name", "code", "address", "contact_person", "contact_phone")
        ]
        fields = {
            "create": details,
            "edit": details,
            "move": [Field("parent_id", t("org.field.parent"), units=self.vm.parent_choices(unit))],
        }.get(form.action, [])
        return self.form_panel(form, fields, t(f"org.submit.{form.action}"))
