"""What the admin section's screens share: the row of sections on top, the
action form (its fields, the reason the audit chain keeps, send and
cancel), a unit chosen by typing part of its name (a district has a
hundred committees: no menu that long), and the one-time password shown
once."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import flet as ft

from field_app.viewmodels.admin import ActionForm, AdminModel, Section, matching
from field_app.viewmodels.nav import Route, Screen
from field_app.views.supervision_common import WorkspaceView
from field_app.views.theme import PRIMARY, SMALL, TEXT, WARNING, sz
from field_app.views.widgets import (
    choice_row,
    heading,
    icon_button,
    label,
    primary_button,
    secondary_button,
    text_field,
    tid,
)

UNITS_SHOWN = 8
"""Units offered at once by a unit field; typing narrows them."""


@dataclass(frozen=True)
class Field:
    """One field of an action form: free text, a few choices (buttons), or
    a unit (typed to narrow, then chosen)."""

    name: str
    label: str
    choices: Sequence[tuple[str, str]] | None = None
    units: Sequence[tuple[UUID, str]] | None = None
    on_choose: Callable[[str], Any] | None = None
    """Called with a choice's value besides keeping it in the form."""


class AdminView(WorkspaceView):
    """An admin screen: the sections, then the section's own content."""

    vm: AdminModel
    section: Section

    def title(self) -> str:
        return self.ctx.t("screen.admin")

    def data_changed(self) -> None:
        """A sync finished: the admin screens show the server's answers, not
        the device's copy, and read them again after each action (or *Refresh*);
        re-reading here would redraw a form while someone types into it."""

    def content(self) -> list[ft.Control]:
        return [self._sections(), *self.problem(), *self.section_content()]

    def section_content(self) -> list[ft.Control]:
        return []

    def _sections(self) -> ft.Control:
        t = self.ctx.t
        options = [(s.value, t(f"admin.section.{s.value}")) for s in self.vm.rights.sections]
        return ft.Row(
            [
                ft.Container(
                    choice_row(options, self.section.value, self._go, "admin-section"),
                    expand=True,
                ),
                tid(
                    "admin-refresh",
                    icon_button(ft.Icons.REFRESH, t("admin.refresh"), self._refresh),
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        )

    def _go(self, value: str) -> None:
        if value != self.section.value:
            self.ctx.replace(Route.to(Screen.ADMIN, section=value))

    async def _refresh(self, _: ft.Event[ft.Control]) -> None:
        await self._work(self.vm_load)

    # -- the action form ---------------------------------------------------------------

    def form_panel(self, form: ActionForm, fields: Sequence[Field], submit: str) -> ft.Control:
        """The fields, the reason, and send / cancel: ``submit`` names the action."""
        t = self.ctx.t
        parts: list[ft.Control] = [heading(t(f"admin.form.{form.action}", name=form.target))]
        for item in fields:
            parts.append(self._field(form, item))
        parts.append(self._text(form, Field("reason", t("admin.reason")), multiline=False))
        parts.append(label(t("admin.reason_note")))
        parts.append(
            ft.Row(
                [
                    primary_button(submit, self._submit, ft.Icons.CHECK, "admin-submit"),
                    secondary_button(
                        t("common.cancel"), self._cancel, ft.Icons.CLOSE, "admin-cancel"
                    ),
                ],
                spacing=10,
                wrap=True,
            )
        )
        return tid(
            "admin-form",
            ft.Container(
                ft.Column(parts, spacing=10),
                padding=14,
                border=ft.Border.all(1, PRIMARY),
                border_radius=12,
            ),
        )

    def _field(self, form: ActionForm, item: Field) -> ft.Control:
        if item.units is not None:
            return self._unit_field(form, item)
        if item.choices is not None:
            column: list[ft.Control] = [label(item.label)]
            column.append(
                choice_row(
                    item.choices,
                    form.get(item.name),
                    self._choose(item),
                    f"admin-field-{item.name}",
                )
            )
            if item.name in form.errors:
                column.append(label(self.ctx.tr(form.errors[item.name]), ft.Colors.RED_800))
            return ft.Column(column, spacing=6)
        return self._text(form, item)

    def _text(self, form: ActionForm, item: Field, multiline: bool = False) -> ft.Control:
        error = form.errors.get(item.name)
        field = text_field(
            item.label,
            form.get(item.name),
            self._typed(item.name),
            multiline=multiline,
            error=self.ctx.tr(error) if error else None,
        )
        return tid(f"admin-field-{item.name}", field)

    def _unit_field(self, form: ActionForm, item: Field) -> ft.Control:
        """Type part of a unit's name; the matching units are buttons."""
        units = list(item.units or [])
        chosen = form.get(item.name)
        filter_name = f"{item.name}_filter"
        matches = ft.Container()

        def show(text: str) -> None:
            options = [(str(uid), name) for uid, name in matching(units, text, chosen)]
            matches.content = choice_row(
                options[:UNITS_SHOWN], chosen, self._choose(item), f"admin-field-{item.name}"
            )

        async def typed(e: ft.Event[ft.TextField]) -> None:
            self.vm.set_value(filter_name, e.control.value or "")
            show(e.control.value or "")
            matches.update()

        show(form.get(filter_name))
        column: list[ft.Control] = [
            tid(
                f"admin-field-{item.name}-filter",
                text_field(item.label, form.get(filter_name), typed),
            ),
            matches,
        ]
        if chosen:
            name = next((n for uid, n in units if str(uid) == chosen), "")
            column.append(label(self.ctx.t("admin.chosen", name=name), PRIMARY))
        if item.name in form.errors:
            column.append(label(self.ctx.tr(form.errors[item.name]), ft.Colors.RED_800))
        return ft.Column(column, spacing=6)

    def _typed(self, name: str) -> Callable[[ft.Event[ft.TextField]], None]:
        def typed(e: ft.Event[ft.TextField]) -> None:
            self.vm.set_value(name, e.control.value or "")

        return typed

    def _choose(self, item: Field) -> Callable[[str], Any]:
        async def choose(value: str) -> None:
            self.vm.set_value(item.name, value)
            if item.on_choose is not None:
                await self._work(item.on_choose, value)
            else:
                self.render()
                self.ctx.page.update()

        return choose

    async def _submit(self, _: ft.Event[ft.Control]) -> None:
        await self._work(self.vm.submit)

    async def _cancel(self, _: ft.Event[ft.Control]) -> None:
        self.vm.cancel()
        self.ctx.page.update()

    # -- a one-time password -------------------------------------------------------------

    def one_time_panel(
        self, name: str, username: str, password: str, on_close: Callable[..., Any]
    ) -> ft.Control:
        """The password once, large, with what to do with it."""
        t = self.ctx.t
        return tid(
            "one-time-password",
            ft.Container(
                ft.Column(
                    [
                        ft.Text(
                            t("admin.one_time.title", name=name, username=username),
                            size=sz(TEXT),
                            weight=ft.FontWeight.W_600,
                        ),
                        tid(
                            "one-time-password-value",
                            ft.Text(
                                password,
                                size=sz(28),
                                weight=ft.FontWeight.W_700,
                                font_family="monospace",
                            ),
                        ),
                        ft.Text(t("admin.one_time.note"), size=sz(SMALL), color=WARNING),
                        secondary_button(
                            t("admin.one_time.done"), on_close, ft.Icons.CHECK, "one-time-done"
                        ),
                    ],
                    spacing=8,
                ),
                padding=14,
                bgcolor=ft.Colors.AMBER_50,
                border=ft.Border.all(1, WARNING),
                border_radius=12,
            ),
        )
