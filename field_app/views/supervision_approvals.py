"""The desk's approvals: what waits for this supervisor on the left, the
opened request on the right (the subject, what is asked, the office's
opinion) with the comment box and *Approve* / *Refuse*; and a subject's
timeline as the server holds it, where an announcement's record and the
release certificate are printed (by the server, the phone's pages)."""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import flet as ft

from field_app.viewmodels.approvals import ApprovalsViewModel, DeskTimelineViewModel, WaitingRow
from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.timeline import TimelineLine
from field_app.views.supervision_common import WorkspaceView, figure, panes
from field_app.views.theme import TEXT, WARNING, sz
from field_app.views.timeline_cards import due_block, hours_block, print_buttons, timeline_block
from field_app.views.widgets import (
    badge,
    error_line,
    heading,
    label,
    list_row,
    primary_button,
    secondary_button,
    text_field,
    tid,
)


class ApprovalsView(WorkspaceView):
    vm: ApprovalsViewModel

    def __init__(self, ctx: Any, vm: ApprovalsViewModel) -> None:
        super().__init__(ctx, vm)
        self.comment = tid(
            "approval-comment",
            text_field(ctx.t("corr.decision.comment"), vm.comment, self._comment, multiline=True),
        )

    def title(self) -> str:
        return self.ctx.t("screen.approvals")

    def _comment(self, e: ft.Event[ft.TextField]) -> None:
        self.vm.set_comment(e.control.value or "")

    def _open(self, row: WaitingRow):  # type: ignore[no-untyped-def]
        def open_row(_: ft.Event[ft.Control]) -> None:
            field = self.comment.content
            assert isinstance(field, ft.TextField)
            field.value = ""
            self.vm.select(row.request_id)

        return open_row

    def _decide(self, action: str, request_id: UUID):  # type: ignore[no-untyped-def]
        async def act(_: ft.Event[ft.Control]) -> None:
            field = self.comment.content
            assert isinstance(field, ft.TextField)
            self.vm.set_comment(field.value or "")
            if await self._work(getattr(self.vm, action), request_id):
                field.value = ""

        return act

    def _timeline(self, subject_id: UUID):  # type: ignore[no-untyped-def]
        def go(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(Route.to(Screen.DESK_SUBJECT, id=str(subject_id)))

        return go

    def content(self) -> list[ft.Control]:
        t = self.ctx.t
        rows: list[ft.Control] = [label(t("corr.approvals.count", count=len(self.vm.rows)))]
        if not self.vm.rows and self.vm.error is None:
            rows.append(self.empty(t("corr.approvals.none")))
        for row in self.vm.rows:
            chosen = row.request_id == self.vm.selected
            item = list_row(
                f"{row.subject} · {self.ctx.tr(row.kind)}",
                " · ".join(p for p in (row.office, row.asked_on.isoformat()) if p),
                [badge(self.ctx.tr(row.waiting_for), WARNING)],
                on_click=self._open(row),
            )
            if chosen:
                item = ft.Container(item, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH)
            rows.append(tid("approval-item", item))
        return [
            *self.problem(),
            panes(self.wide, [tid("approval-list", ft.Column(rows))], self._detail()),
        ]

    def _detail(self) -> list[ft.Control]:
        t, tr = self.ctx.t, self.ctx.tr
        row = self.vm.current
        if row is None:
            return []
        summary = " · ".join(tr(part) for part in row.summary if tr(part))
        parts: list[ft.Control] = [
            heading(f"{row.subject} · {tr(row.kind)}"),
            label(" · ".join(p for p in (row.office, row.officer, row.asked_on.isoformat()) if p)),
        ]
        if summary:
            parts.append(ft.Text(summary, size=sz(TEXT), weight=ft.FontWeight.W_600))
        if row.detail:
            parts.append(ft.Text(row.detail, size=sz(TEXT)))
        if row.opinions:
            parts.append(label(t("corr.approvals.opinion")))
            parts += [ft.Text(tr(opinion), size=sz(TEXT)) for opinion in row.opinions]
        parts += [
            secondary_button(
                t("corr.approvals.open_timeline"),
                self._timeline(row.subject_id),
                ft.Icons.TIMELINE,
                "approval-timeline",
            ),
            self.comment,
            error_line(tr(self.vm.comment_error)),
            ft.Row(
                [
                    primary_button(
                        t("corr.approvals.approve"),
                        self._decide("approve", row.request_id),
                        ft.Icons.CHECK,
                        "approval-approve",
                        self.busy,
                    ),
                    secondary_button(
                        t("corr.approvals.refuse"),
                        self._decide("refuse", row.request_id),
                        ft.Icons.CLOSE,
                        "approval-refuse",
                        disabled=self.busy,
                    ),
                ],
                spacing=10,
                wrap=True,
            ),
        ]
        return [tid("approval-detail", ft.Column(parts, spacing=10))]


class DeskSubjectView(WorkspaceView):
    """A subject's timeline on the desk (from the server)."""

    vm: DeskTimelineViewModel
    two_pane = False

    def title(self) -> str:
        timeline = self.vm.timeline
        return timeline.subject.name if timeline else self.ctx.t("screen.timeline")

    def content(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        timeline = vm.timeline
        if timeline is None:
            return self.problem()
        subject = timeline.subject
        figures = ft.Row(
            [
                figure(
                    t("corr.measure.warning"),
                    str(timeline.warnings),
                    "desk-warnings",
                    warn=timeline.warnings > 0,
                ),
                figure(t("corr.pending_requests"), str(vm.pending), "desk-pending"),
            ],
            wrap=True,
            spacing=12,
        )
        facts = " · ".join(
            [
                t(f"subject.type.{subject.correction_type.value}"),
                t(f"corr.level.{subject.supervision_level.value}"),
                f"{subject.term_start.isoformat()} – {subject.term_end.isoformat()}",
            ]
        )
        parts: list[ft.Control] = [*self.problem(), heading(subject.name), label(facts), figures]
        parts += hours_block(self.ctx, vm.hours)
        parts += due_block(self.ctx, vm.due)
        parts += timeline_block(self.ctx, vm.lines, len(vm.lines), self._actions)
        return [tid("desk-subject", ft.Column(parts, spacing=12))]

    def _print(
        self, make: Callable[[UUID], tuple[str, bytes] | None], event_id: UUID
    ) -> Callable[[ft.Event[ft.Control]], Awaitable[None]]:
        async def print_it(_: ft.Event[ft.Control]) -> None:
            await self.download(await self._work(make, event_id))

        return print_it

    def _actions(self, line: TimelineLine) -> list[ft.Control]:
        return print_buttons(
            self.ctx,
            line,
            self._print(self.vm.announcement, line.id),
            self._print(self.vm.certificate, line.id),
            prefix="desk-",
        )
