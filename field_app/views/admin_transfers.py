"""Transfers: a subject or a case found by name on the left, and on the
right where it goes, who takes it over, and why."""

from typing import Any
from uuid import UUID

import flet as ft

from field_app.viewmodels.admin import Section
from field_app.viewmodels.admin_transfers import Movable, TransferKind, TransfersViewModel
from field_app.views.admin_common import AdminView, Field
from field_app.views.supervision_common import panes
from field_app.views.theme import PRIMARY, TEXT, sz
from field_app.views.widgets import choice_row, heading, label, secondary_button, text_field, tid

NOBODY = ""


class TransfersView(AdminView):
    vm: TransfersViewModel
    section = Section.TRANSFERS

    def __init__(self, ctx: Any, vm: TransfersViewModel) -> None:
        super().__init__(ctx, vm)
        self.query = vm.search
        self.search = text_field(
            ctx.t("transfer.search"), vm.search, self._query_typed, on_submit=self._search
        )

    def _query_typed(self, e: ft.Event[ft.TextField]) -> None:
        """Kept as typed; the list follows on *Find* or Enter."""
        self.query = e.control.value or ""

    async def _search(self, _: ft.Event[ft.Control]) -> None:
        await self._work(self.vm.set_search, self.query)

    async def _kind(self, value: str) -> None:
        await self._work(self.vm.set_kind, TransferKind(value))

    def _open(self, movable: Movable):  # type: ignore[no-untyped-def]
        async def open_it(_: ft.Event[ft.Control]) -> None:
            self.vm.open(movable)
            self.ctx.page.update()

        return open_it

    def _target(self, value: str) -> None:
        self.vm.set_target(UUID(value))

    def section_content(self) -> list[ft.Control]:
        t = self.ctx.t
        kinds = [(kind.value, t(f"transfer.kind.{kind.value}")) for kind in TransferKind]
        filters = ft.Row(
            [
                choice_row(kinds, self.vm.kind.value, self._kind, "transfer-kind"),
                ft.Container(tid("transfer-search", self.search), width=320),
                secondary_button(t("staff.find"), self._search, ft.Icons.SEARCH, "transfer-find"),
            ],
            spacing=12,
            run_spacing=8,
            wrap=True,
        )
        return [label(t("transfer.note")), filters, panes(self.wide, self._list(), self._detail())]

    def _list(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        rows: list[ft.Control] = []
        for movable in vm.found:
            chosen = vm.selected is not None and vm.selected.record_id == movable.record_id
            rows.append(
                tid(
                    "transfer-item",
                    ft.Container(
                        ft.Column(
                            [
                                ft.Text(movable.name, size=sz(TEXT), weight=ft.FontWeight.W_600),
                                label(vm.unit_name(movable.org_unit_id)),
                            ],
                            spacing=2,
                        ),
                        padding=ft.Padding.symmetric(horizontal=12, vertical=10),
                        border_radius=10,
                        bgcolor=ft.Colors.with_opacity(0.12, PRIMARY) if chosen else None,
                        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                        on_click=self._open(movable),
                        ink=True,
                    ),
                )
            )
        if not rows:
            rows.append(self.empty(t("transfer.empty")))
        stretch = ft.CrossAxisAlignment.STRETCH
        return [tid("transfer-list", ft.Column(rows, spacing=4, horizontal_alignment=stretch))]

    def _detail(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        movable, form = vm.selected, vm.form
        if movable is None or form is None:
            return [self.empty(t("transfer.choose"))]
        person = "person_id"
        role = "officer" if vm.kind is TransferKind.SUBJECT else "mediator"
        people = [(NOBODY, t("transfer.nobody"))] + [(str(m.id), m.display_name) for m in vm.people]
        fields = [
            Field(
                "org_unit_id",
                t("transfer.field.unit"),
                units=vm.target_choices(),
                on_choose=self._target,
            )
        ]
        if form.text("org_unit_id"):
            fields.append(Field(person, t(f"transfer.field.{role}"), choices=people))
        parts: list[ft.Control] = [
            heading(movable.name),
            label(t("transfer.now_at", unit=vm.unit_name(movable.org_unit_id) or "—")),
            self.form_panel(form, fields, t("transfer.submit")),
        ]
        return [tid("transfer-detail", ft.Column(parts, spacing=10))]
