"""A subject's page on the officer's phone: the facts, what is due, hours
against the plan, what can be recorded, and the timeline with its actions
(left on leave, back, print an announcement or the certificate)."""

from collections.abc import Awaitable, Callable
from uuid import UUID

import flet as ft

from field_app.services.correction_documents import Printed
from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.subject_page import SubjectDetailViewModel
from field_app.viewmodels.timeline import TimelineLine
from field_app.views.screen import ScreenView
from field_app.views.theme import KEY_PERSON, OVERDUE, TEXT, WARNING, sz
from field_app.views.timeline_cards import due_block, hours_block, print_buttons, timeline_block
from field_app.views.widgets import (
    badge,
    error_line,
    info_line,
    label,
    primary_button,
    secondary_button,
    tid,
)
from shared_models.domain.event_content import EventKind


class SubjectDetailView(ScreenView):
    vm: SubjectDetailViewModel
    keeps_ids = True

    def __init__(self, ctx, vm: SubjectDetailViewModel) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, vm)
        self.picker: ft.FilePicker | None = None

    def title(self) -> str:
        return self.vm.subject.name if self.vm.subject else self.ctx.t("screen.subject")

    def _go(self, route: Route):  # type: ignore[no-untyped-def]
        def go(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(route)

        return go

    def _record(self, kind: EventKind, request: str = ""):  # type: ignore[no-untyped-def]
        params = {"subject": str(self.vm.subject_id), "kind": kind.value}
        if request:
            params["request"] = request
        return self._go(Route.to(Screen.EVENT_NEW, **params))

    def _print(
        self, make: Callable[[UUID], Printed | None], event_id: UUID
    ) -> Callable[[ft.Event[ft.Control]], Awaitable[None]]:
        async def print_it(_: ft.Event[ft.Control]) -> None:
            printed = await self.work(make, event_id)
            if printed is not None:
                if self.picker is None:
                    self.picker = ft.FilePicker()
                await self.picker.save_file(
                    dialog_title=self.ctx.t("corr.timeline.print"),
                    file_name=printed.file_name,
                    file_type=ft.FilePickerFileType.CUSTOM,
                    allowed_extensions=["pdf"],
                    src_bytes=printed.pdf,
                )
                self.ctx.toast(self.ctx.t("agreement.printed", name=printed.file_name))
            self.ctx.page.update()

        return print_it

    def _older(self, _: ft.Event[ft.Control]) -> None:
        self.vm.show_older()

    def _actions(self, line: TimelineLine) -> list[ft.Control]:
        t = self.ctx.t
        buttons: list[ft.Control] = []
        if line.may_depart and self.vm.open:
            buttons.append(
                secondary_button(
                    t("corr.timeline.depart"),
                    self._record(EventKind.LEAVE_DEPARTURE, str(line.id)),
                    ft.Icons.FLIGHT_TAKEOFF,
                    "record-leave-departure",
                )
            )
        if line.may_return and self.vm.open:
            buttons.append(
                secondary_button(
                    t("corr.timeline.return"),
                    self._record(EventKind.LEAVE_RETURN, str(line.id)),
                    ft.Icons.FLIGHT_LAND,
                    "record-leave-return",
                )
            )
        if line.event_kind is EventKind.CORRECTION_PLAN and self.vm.open:
            buttons.append(
                secondary_button(
                    t("corr.timeline.review"),
                    self._record(EventKind.PLAN_REVIEW, str(line.id)),
                    ft.Icons.RATE_REVIEW,
                    "record-plan-review",
                )
            )
        buttons += print_buttons(
            self.ctx,
            line,
            self._print(self.vm.announcement, line.id),
            self._print(self.vm.certificate, line.id),
        )
        return buttons

    def _head(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        badges: list[ft.Control] = []
        if vm.due is not None:
            tone = OVERDUE if vm.due.overdue else ft.Colors.BLUE_800
            what = tr(vm.due.due_what) if vm.due.due_what else ""
            badges.append(badge(f"{what} · {tr(vm.due.due)}" if what else tr(vm.due.due), tone))
        if vm.subject is not None and vm.subject.key_person:
            badges.append(badge(t("subject.key_person"), KEY_PERSON))
        if vm.warnings:
            badges.append(badge(t("corr.warnings", count=vm.warnings), OVERDUE))
        parts: list[ft.Control] = []
        if badges:
            parts.append(ft.Row(badges, wrap=True, spacing=6))
        parts += [
            label(f"{tr(vm.correction_type)} · {tr(vm.term)}"),
            label(f"{tr(vm.level)} · {tr(vm.enrolment)}"),
        ]
        parts += [info_line(tr(w), ft.Icons.GROUP, WARNING) for w in vm.team_warnings]
        parts += hours_block(self.ctx, vm.hours)
        return parts

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        if not vm.found or vm.subject is None:
            return [label(t("subject.not_found"), size=sz(TEXT))]
        parts = self._head()
        parts += due_block(self.ctx, vm.due_items)
        if vm.open:
            parts.append(
                primary_button(
                    t("checkin.record"),
                    self._go(Route.to(Screen.CHECKIN, subject=str(vm.subject_id))),
                    ft.Icons.HOW_TO_REG,
                    "checkin-new",
                )
            )
            parts.append(label(t("corr.event.location_note")))
            records: list[ft.Control] = [
                tid(
                    f"record-{kind.value.replace('_', '-')}",
                    ft.OutlinedButton(
                        content=t(f"corr.kind.{kind.value}"),
                        on_click=self._record(kind),
                        height=44,
                    ),
                )
                for kind in vm.can_record
            ]
            parts.append(label(t("corr.subject.record")))
            parts.append(ft.Row(records, wrap=True, spacing=8, run_spacing=8))
        parts.append(error_line(tr(vm.error)))
        parts += timeline_block(self.ctx, vm.shown_lines, len(vm.lines), self._actions, vm.previews)
        if vm.older:
            parts.append(
                secondary_button(
                    t("corr.timeline.more", count=vm.older),
                    self._older,
                    ft.Icons.EXPAND_MORE,
                    "timeline-more",
                )
            )
        column = ft.Column(parts, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return [tid("subject-detail", column)]
