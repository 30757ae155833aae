"""Subjects: who is due for what (overdue first), and enrolling a new one.
A subject's own page is ``subject_page.py``."""

import flet as ft

from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.subjects import SubjectListViewModel, SubjectRow
from field_app.views.context import ViewContext
from field_app.views.screen import ScreenView
from field_app.views.theme import KEY_PERSON, OVERDUE, TEXT, WARNING, sz
from field_app.views.widgets import (
    badge,
    info_line,
    label,
    list_row,
    secondary_button,
    text_field,
    tid,
)


def subject_badges(ctx: ViewContext, row: SubjectRow) -> list[ft.Control]:
    due = ctx.tr(row.due)
    if row.due_what is not None:
        due = f"{ctx.tr(row.due_what)} · {due}"
    tone = OVERDUE if row.overdue else ft.Colors.BLUE_800 if row.open else ft.Colors.GREY_700
    badges = [badge(due, tone)]
    if row.leave is not None:
        badges.append(badge(ctx.tr(row.leave), OVERDUE if row.leave_overdue else WARNING))
    if row.key_person:
        badges.append(badge(ctx.t("subject.key_person"), KEY_PERSON))
    return badges


class SubjectListView(ScreenView):
    vm: SubjectListViewModel

    def __init__(self, ctx: ViewContext, vm: SubjectListViewModel) -> None:
        super().__init__(ctx, vm)
        self.search = text_field(ctx.t("subjects.search"), vm.search, self._search)
        self.search.prefix_icon = ft.Icons.SEARCH

    def title(self) -> str:
        return self.ctx.t("screen.subjects")

    def _search(self, e: ft.Event[ft.TextField]) -> None:
        self.ctx.app.core.touch()
        self.vm.set_search(e.control.value or "")

    def _go(self, route: Route):  # type: ignore[no-untyped-def]
        def go(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(route)

        return go

    def content(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        parts: list[ft.Control] = [self.search]
        if vm.may_enrol:
            parts.append(
                secondary_button(
                    t("corr.enrol.new"),
                    self._go(Route.to(Screen.ENROL)),
                    ft.Icons.PERSON_ADD,
                    "enrol-new",
                )
            )
        if vm.overdue_count:
            parts.append(
                info_line(t("home.overdue", count=vm.overdue_count), ft.Icons.WARNING, OVERDUE)
            )
        parts.append(label(t("subjects.count", count=len(vm.rows))))
        if not vm.rows:
            parts.append(ft.Container(label(t("subjects.none"), size=sz(TEXT)), padding=20))
        for row in vm.rows:
            start: ft.Control | None = None
            if row.open:
                start = tid(
                    "checkin-start",
                    ft.FilledButton(
                        content=t("checkin.start"),
                        icon=ft.Icons.HOW_TO_REG,
                        on_click=self._go(Route.to(Screen.CHECKIN, subject=str(row.id))),
                        height=52,
                    ),
                )
            last = (
                t("subjects.last_checkin", when=self.ctx.translator.day(row.last_checkin))
                if row.last_checkin
                else t("subjects.never_checked_in")
            )
            parts.append(
                list_row(
                    row.name,
                    " · ".join(
                        p
                        for p in (self.ctx.tr(row.correction_type), self.ctx.tr(row.level), last)
                        if p
                    ),
                    subject_badges(self.ctx, row),
                    on_click=self._go(Route.to(vm.detail_screen, id=str(row.id))),
                    trailing=start if self.ctx.tablet else None,
                    below=None if self.ctx.tablet else start,
                    leading=ft.Icon(ft.Icons.PRIORITY_HIGH, color=KEY_PERSON)
                    if row.key_person
                    else None,
                )
            )
        return parts
