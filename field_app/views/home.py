"""Home: today's work and what needs the user."""

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.home import AttentionItem, HomeViewModel
from field_app.viewmodels.nav import Route, Screen
from field_app.views.screen import ScreenView
from field_app.views.subjects import subject_badges
from field_app.views.theme import OVERDUE, TEXT, UNSENT, WARNING, sz
from field_app.views.widgets import (
    badge,
    card,
    heading,
    info_line,
    label,
    list_row,
    primary_button,
    secondary_button,
    tid,
)


class HomeView(ScreenView):
    vm: HomeViewModel
    keeps_ids = True

    def title(self) -> str:
        return self.ctx.t("screen.home")

    def _go(self, route: Route):  # type: ignore[no-untyped-def]
        def go(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(route)

        return go

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        parts: list[ft.Control] = [
            ft.Text(t("home.hello", name=vm.name), size=sz(20), weight=ft.FontWeight.W_600)
        ]
        if vm.attention:
            parts.append(heading(t("home.attention", count=len(vm.attention))))
            parts += [self._attention(item) for item in vm.attention]
        if vm.drafts:
            parts.append(heading(t("home.drafts", count=len(vm.drafts))))
            parts += [
                list_row(
                    tr(draft.text),
                    t("home.draft_saved", when=draft.saved_at),
                    [badge(t("home.continue"), UNSENT)],
                    on_click=self._go(draft.route),
                )
                for draft in vm.drafts
            ]
        if vm.works_on_subjects:
            parts.append(heading(t("home.checkins_due", count=len(vm.checkins_due))))
            if vm.overdue:
                parts.append(
                    info_line(t("home.overdue", count=vm.overdue), ft.Icons.WARNING, OVERDUE)
                )
            if not vm.checkins_due:
                parts.append(label(t("home.nothing_due")))
            for row in vm.checkins_due:
                parts.append(
                    list_row(
                        row.name,
                        tr(row.correction_type),
                        subject_badges(self.ctx, row),
                        on_click=self._go(row.route),
                    )
                )
        if vm.works_on_cases:
            parts.append(heading(t("home.open_cases", count=vm.open_cases)))
            if vm.follow_ups:
                parts.append(
                    info_line(
                        t("home.follow_ups_due", count=len(vm.follow_ups)), ft.Icons.EVENT, OVERDUE
                    )
                )
                parts += [
                    list_row(
                        row.title,
                        tr(row.follow_up),
                        [badge(tr(row.status), ft.Colors.BLUE_800)],
                        on_click=self._go(Route.to(Screen.CASE, id=str(row.id))),
                    )
                    for row in vm.follow_ups
                ]
            if vm.judicial_closing:
                closing = t("home.judicial_closing", count=len(vm.judicial_closing))
                parts.append(tid("home-judicial", info_line(closing, ft.Icons.GAVEL, WARNING)))
                parts += [
                    list_row(
                        due.row.title,
                        tr(due.line),
                        [badge(tr(due.row.status), ft.Colors.BLUE_800)],
                        on_click=self._go(Route.to(Screen.CASE, id=str(due.row.id))),
                    )
                    for due in vm.judicial_closing
                ]
            parts.append(
                primary_button(t("cases.new"), self._go(Route(Screen.CASE_NEW)), ft.Icons.ADD)
            )
            if vm.recent_cases:
                parts.append(label(t("home.recent_cases")))
                for case in vm.recent_cases:
                    case_badges = [badge(tr(case.status), ft.Colors.BLUE_800)]
                    if case.unsent:
                        case_badges.append(badge(t("record.unsent"), UNSENT))
                    parts.append(
                        list_row(
                            case.title,
                            tr(case.category),
                            case_badges,
                            on_click=self._go(Route.to(Screen.CASE, id=str(case.id))),
                        )
                    )
        return parts

    def _attention(self, item: AttentionItem) -> ft.Control:
        t, tr = self.ctx.t, self.ctx.tr
        color = {"rejected": ft.Colors.RED_800, "sent_back": WARNING}.get(
            item.kind, ft.Colors.PURPLE_800
        )
        controls: list[ft.Control] = [
            ft.Row(
                [
                    ft.Icon(ft.Icons.REPORT_PROBLEM, color=color),
                    ft.Text(tr(item.title), weight=ft.FontWeight.W_600, expand=True),
                ]
            ),
        ]
        if item.what_to_do is not None:
            controls.append(ft.Text(self.ctx.tr(item.what_to_do), size=sz(TEXT)))
        if item.detail:
            controls.append(label(item.detail))
        controls.append(label(t(f"attention.what_to_do.{item.kind}")))
        buttons: list[ft.Control] = []
        if item.route is not None:
            buttons.append(secondary_button(t("common.open"), self._go(item.route)))
        if item.kind == "rejected":

            def again(_: ft.Event[ft.Control]) -> None:
                self.vm.send_again(item)

            def give_up() -> None:
                self.vm.give_up(item)

            def drop(_: ft.Event[ft.Control]) -> None:
                self.ctx.confirm(
                    msg("attention.discard_title"),
                    msg("attention.discard_body"),
                    [(msg("attention.discard"), give_up, True)],
                )

            correct = Route.to(Screen.CORRECTION, mutation=str(item.mutation_id))
            buttons += [
                primary_button(
                    t("attention.correct"), self._go(correct), ft.Icons.EDIT, "attention-correct"
                ),
                secondary_button(t("attention.send_again"), again, ft.Icons.SEND),
                secondary_button(t("attention.discard"), drop, danger=True),
            ]
        if item.kind == "upload_refused":

            def upload_again(_: ft.Event[ft.Control]) -> None:
                self.vm.send_again(item)

            buttons.append(secondary_button(t("attention.send_again"), upload_again, ft.Icons.SEND))
        controls.append(ft.Row(buttons, wrap=True, spacing=8))
        return card(controls)
