"""Subjects: who must check in next, and a subject's check-in history."""

import flet as ft

from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.subjects import SubjectDetailViewModel, SubjectListViewModel, SubjectRow
from field_app.views.context import ViewContext
from field_app.views.screen import ScreenView
from field_app.views.theme import KEY_PERSON, OVERDUE, TEXT, UNSENT, sz
from field_app.views.widgets import (
    badge,
    card,
    heading,
    info_line,
    label,
    list_row,
    primary_button,
    text_field,
    thumbnails,
    tid,
)


def _badges(ctx: ViewContext, row: SubjectRow) -> list[ft.Control]:
    badges = [badge(ctx.tr(row.due), OVERDUE if row.overdue else ft.Colors.BLUE_800)]
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
        if vm.overdue_count:
            parts.append(
                info_line(t("home.overdue", count=vm.overdue_count), ft.Icons.WARNING, OVERDUE)
            )
        parts.append(label(t("subjects.count", count=len(vm.rows))))
        if not vm.rows:
            parts.append(ft.Container(label(t("subjects.none"), size=sz(TEXT)), padding=20))
        for row in vm.rows:
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
                    f"{self.ctx.tr(row.correction_type)} · {last}",
                    _badges(self.ctx, row),
                    on_click=self._go(Route.to(Screen.SUBJECT, id=str(row.id))),
                    trailing=start if self.ctx.tablet else None,
                    below=None if self.ctx.tablet else start,
                    leading=ft.Icon(ft.Icons.PRIORITY_HIGH, color=KEY_PERSON)
                    if row.key_person
                    else None,
                )
            )
        return parts


class SubjectDetailView(ScreenView):
    vm: SubjectDetailViewModel
    keeps_ids = True

    def title(self) -> str:
        return self.vm.subject.name if self.vm.subject else self.ctx.t("screen.subject")

    def _checkin(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.go(Route.to(Screen.CHECKIN, subject=str(self.vm.subject_id)))

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        if not vm.found or vm.subject is None:
            return [label(t("subject.not_found"), size=sz(TEXT))]
        subject = vm.subject
        parts: list[ft.Control] = []
        if vm.due is not None:
            parts.append(ft.Row(_badges(self.ctx, vm.due), wrap=True))
        parts += [
            label(f"{tr(vm.correction_type)} · {tr(vm.term)}"),
            label(tr(vm.interval)),
        ]
        if subject.address:
            parts.append(label(f"{t('field.address')}: {subject.address}"))
        if subject.phone:
            parts.append(label(f"{t('field.phone')}: {subject.phone}"))
        parts.append(
            primary_button(t("checkin.record"), self._checkin, ft.Icons.HOW_TO_REG, "checkin-new")
        )
        parts.append(heading(t("subject.history", count=len(vm.history))))
        if not vm.history:
            parts.append(label(t("subjects.never_checked_in")))
        for line in vm.history:
            head: list[ft.Control] = [
                ft.Text(
                    tr(line.method) if line.method else tr(line.kind),
                    weight=ft.FontWeight.W_600,
                    size=sz(TEXT),
                ),
                label(t("format.when", when=line.when)),
            ]
            if line.unsent:
                head.append(badge(t("record.unsent"), UNSENT))
            rows: list[ft.Control] = [ft.Row(head, wrap=True)]
            if line.notes:
                rows.append(ft.Text(line.notes, size=sz(TEXT)))
            if line.location is not None:
                rows.append(label(tr(line.location)))
            if line.photos:
                rows.append(
                    thumbnails(
                        vm.previews(line.photos),
                        photo_label=lambda n: self.ctx.t("photo.n", n=n),
                    )
                )
            parts.append(card(rows))
        column = ft.Column(parts, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return [tid("subject-detail", column)]
