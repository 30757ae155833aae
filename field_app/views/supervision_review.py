"""The review queue: filters on top, the queue on the left, the opened
record on the right (photos, GPS fix, agreement PDF, earlier verdicts) with
the comment box and the three verdicts under it."""

from typing import Any
from uuid import UUID

import flet as ft

from field_app.viewmodels.supervision_review import ReviewQueueViewModel
from field_app.views.supervision_case_file import case_file_status
from field_app.views.supervision_common import WorkspaceView, district_time, panes
from field_app.views.theme import PRIMARY, SMALL, TEXT, WARNING, sz
from field_app.views.widgets import (
    badge,
    choice_row,
    date_field,
    error_line,
    heading,
    label,
    primary_button,
    secondary_button,
    text_field,
    thumbnails,
    tid,
)
from shared_models.protocol.supervision import ReviewDetail, ReviewQueueItem, ReviewQueueKind

ALL = ""
STATE_COLORS = {
    "approved": ft.Colors.GREEN_800,
    "needs_changes": WARNING,
    "rejected": ft.Colors.RED_800,
}


class ReviewQueueView(WorkspaceView):
    vm: ReviewQueueViewModel

    def __init__(self, ctx: Any, vm: ReviewQueueViewModel) -> None:
        super().__init__(ctx, vm)
        t = ctx.t
        self.since = text_field(t("review.since"), vm.since_text, None)
        self.until = text_field(t("review.until"), vm.until_text, None)
        for day in (self.since, self.until):
            day.hint_text = "YYYY-MM-DD"
            day.on_submit = self._days
        self.comment = text_field(t("review.comment"), vm.comment, self._comment, multiline=True)

    def title(self) -> str:
        return self.ctx.t("screen.review")

    # -- events -----------------------------------------------------------------------

    def _comment(self, e: ft.Event[ft.TextField]) -> None:
        self.vm.set_comment(e.control.value or "")

    async def _picked(self, _: str) -> None:
        await self._days(None)

    async def _days(self, _: ft.Event[ft.Control] | ft.Event[ft.TextField] | None) -> None:
        await self._work(self.vm.set_days, self.since.value or "", self.until.value or "")

    async def _office(self, e: ft.Event[ft.Dropdown]) -> None:
        value = e.control.value or ALL
        await self._work(self.vm.set_office, UUID(value) if value != ALL else None)

    async def _author(self, e: ft.Event[ft.Dropdown]) -> None:
        value = e.control.value or ALL
        await self._work(self.vm.set_author, UUID(value) if value != ALL else None)

    async def _kind(self, value: str) -> None:
        await self._work(self.vm.set_kind, ReviewQueueKind(value) if value != ALL else None)

    def _open(self, item: ReviewQueueItem):  # type: ignore[no-untyped-def]
        async def open_item(_: ft.Event[ft.Control]) -> None:
            self.comment.value = ""
            await self._work(self.vm.open, item)

        return open_item

    async def _more(self, _: ft.Event[ft.Control]) -> None:
        await self._work(self.vm.more)

    def _verdict(self, action: str):  # type: ignore[no-untyped-def]
        shown = self.vm.selected

        async def act(_: ft.Event[ft.Control]) -> None:
            if shown is None:
                return
            self.vm.set_comment(self.comment.value or "")
            done = await self._work(getattr(self.vm, action), shown.record_id)
            if done:
                self.comment.value = ""

        return act

    async def _pdf(self, _: ft.Event[ft.Control]) -> None:
        await self.download(await self._work(self.vm.agreement_pdf))

    async def _case_file(self, _: ft.Event[ft.Control]) -> None:
        await self.download(await self._work(self.vm.case_file_pdf))

    # -- what is shown ------------------------------------------------------------------

    def content(self) -> list[ft.Control]:
        return [*self.problem(), self._filters(), panes(self.wide, self._queue(), self._detail())]

    def _filters(self) -> ft.Control:
        t, vm = self.ctx.t, self.vm
        directory = vm.directory
        kinds = [(ALL, t("review.kind.all"))] + [
            (kind.value, t(f"review.kind.{kind.value}")) for kind in ReviewQueueKind
        ]
        controls: list[ft.Control] = [
            choice_row(kinds, vm.kind.value if vm.kind else ALL, self._kind, "review-kind")
        ]
        if len(directory.offices) > 1:
            controls.append(
                tid(
                    "review-office",
                    _dropdown(
                        t("review.office"),
                        [(ALL, t("review.all_offices")), *directory.offices],
                        vm.office_id,
                        self._office,
                    ),
                )
            )
        controls.append(
            tid(
                "review-author",
                _dropdown(
                    t("review.author"),
                    [(ALL, t("review.all_authors")), *directory.authors],
                    vm.author_id,
                    self._author,
                ),
            )
        )
        controls += [
            ft.Container(
                date_field(self.since, self._picked, self.ctx.date_texts(), "review-since"),
                width=230,
            ),
            ft.Container(
                date_field(self.until, self._picked, self.ctx.date_texts(), "review-until"),
                width=230,
            ),
            secondary_button(
                t("review.apply_days"), self._days, ft.Icons.FILTER_ALT, "review-days"
            ),
        ]
        rows: list[ft.Control] = [
            ft.Row(controls, wrap=True, spacing=12, run_spacing=8),
        ]
        if vm.filter_error is not None:
            rows.append(error_line(self.ctx.tr(vm.filter_error)))
        return ft.Column(rows, spacing=6)

    def _queue(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        rows: list[ft.Control] = [label(t("review.count", count=len(vm.items)))]
        for item in vm.items:
            rows.append(tid("review-item", self._row(item)))
        if not vm.items and vm.error is None:
            rows.append(self.empty(t("review.empty")))
        if vm.next_before is not None:
            rows.append(secondary_button(t("review.more"), self._more, None, "review-more"))
        stretch = ft.CrossAxisAlignment.STRETCH
        return [tid("review-queue", ft.Column(rows, spacing=4, horizontal_alignment=stretch))]

    def _row(self, item: ReviewQueueItem) -> ft.Control:
        t = self.ctx.t
        chosen = self.vm.selected is not None and self.vm.selected.record_id == item.record_id
        badges: list[ft.Control] = [badge(t(f"review.kind.{item.kind.value}"), PRIMARY)]
        if item.resubmitted:
            badges.append(badge(t("review.resubmitted"), WARNING))
        when = t("format.when", when=district_time(item.arrived_at))
        unit = self.vm.directory.unit(item.org_unit_id)
        subtitle = " · ".join(part for part in (item.author_name, unit, when) if part)
        return ft.Container(
            ft.Column(
                [
                    ft.Text(item.title or "—", size=sz(TEXT), weight=ft.FontWeight.W_600),
                    label(subtitle),
                    label(item.summary, size=sz(SMALL)) if item.summary else ft.Container(),
                    ft.Row(badges, spacing=6, wrap=True),
                ],
                spacing=3,
            ),
            padding=ft.Padding.symmetric(horizontal=12, vertical=10),
            border_radius=10,
            bgcolor=ft.Colors.with_opacity(0.12, PRIMARY) if chosen else None,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            on_click=self._open(item),
            ink=True,
        )

    def _detail(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        detail = vm.detail
        if detail is None:
            return [self.empty(t("review.choose"))]
        parts: list[ft.Control] = [
            heading(_title(detail)),
            label(
                t(
                    "review.by",
                    author=detail.author_name or "—",
                    unit=detail.org_unit_name or "—",
                    when=district_time(detail.arrived_at),
                )
            ),
            *self._record(detail),
            self._gps(detail),
        ]
        if vm.photos:
            parts.append(label(t("review.photos", count=len(vm.photos))))
            parts.append(
                thumbnails(
                    [photo.data for photo in vm.photos],
                    size=160,
                    photo_label=lambda n: self.ctx.t("photo.n", n=n),
                )
            )
        if detail.agreement_pdf is not None:
            parts.append(
                secondary_button(
                    t("review.agreement_pdf"), self._pdf, ft.Icons.PICTURE_AS_PDF, "review-pdf"
                )
            )
        if vm.case_file is not None:
            parts += case_file_status(t, vm.case_file, self._case_file)
        for review in detail.reviews:
            parts.append(
                ft.Row(
                    [
                        badge(
                            t(f"review.state.{review.state.value}"),
                            STATE_COLORS[review.state.value],
                        ),
                        ft.Text(review.comment or "—", size=sz(SMALL), expand=True),
                    ]
                )
            )
        if vm.comment_error is not None:
            self.comment.error = self.ctx.tr(vm.comment_error)
        else:
            self.comment.error = None
        parts += [
            tid("review-comment", self.comment),
            ft.Row(
                [
                    primary_button(
                        t("review.approve"),
                        self._verdict("approve"),
                        ft.Icons.CHECK,
                        "review-approve",
                    ),
                    secondary_button(
                        t("review.send_back"),
                        self._verdict("send_back"),
                        ft.Icons.UNDO,
                        "review-send-back",
                    ),
                    secondary_button(
                        t("review.reject"),
                        self._verdict("reject"),
                        ft.Icons.BLOCK,
                        "review-reject",
                        danger=True,
                    ),
                ],
                wrap=True,
                spacing=10,
            ),
        ]
        return [tid("review-detail", ft.Column(parts, spacing=10))]

    def _record(self, detail: ReviewDetail) -> list[ft.Control]:
        t = self.ctx.t
        lines: list[ft.Control] = []
        if detail.visit is not None:
            visit = detail.visit
            lines.append(
                label(
                    t(
                        "review.visit_line",
                        kind=t(f"visit.kind.{visit.kind.value}"),
                        when=district_time(visit.started_at),
                    )
                )
            )
            lines.append(ft.Text(visit.notes or "—", size=sz(TEXT)))
            if visit.outcome:
                lines.append(label(t("review.outcome", outcome=visit.outcome)))
        elif detail.agreement is not None:
            agreement = detail.agreement
            lines.append(ft.Text(agreement.facts or "—", size=sz(TEXT)))
            for obligation in agreement.obligations:
                lines.append(label(f"{obligation.obligor}: {obligation.action}"))
        elif detail.case is not None:
            case = detail.case
            lines.append(label(t(f"case.category.{case.category}")))
            lines.append(ft.Text(case.description or "—", size=sz(TEXT)))
        return lines

    def _gps(self, detail: ReviewDetail) -> ft.Control:
        t = self.ctx.t
        if detail.gps is None:
            text = t("review.no_gps")
        elif detail.gps.accuracy_m is None:
            text = t("review.gps", lat=f"{detail.gps.lat:.5f}", lon=f"{detail.gps.lon:.5f}")
        else:
            text = t(
                "review.gps_accuracy",
                lat=f"{detail.gps.lat:.5f}",
                lon=f"{detail.gps.lon:.5f}",
                accuracy=f"{detail.gps.accuracy_m:.0f}",
            )
        return tid(
            "review-gps",
            ft.Row([ft.Icon(ft.Icons.PLACE_OUTLINED), ft.Text(text, size=sz(SMALL), expand=True)]),
        )


def _title(detail: ReviewDetail) -> str:
    if detail.subject_name:
        return detail.subject_name
    return detail.case.title if detail.case is not None else "—"


def _dropdown(
    text: str, options: list[tuple[str | UUID, str]], value: UUID | None, on_select: Any
) -> ft.Dropdown:
    return ft.Dropdown(
        label=text,
        value=str(value) if value is not None else ALL,
        options=[ft.DropdownOption(key=str(key), text=name) for key, name in options],
        on_select=on_select,
        width=260,
        text_size=sz(TEXT),
    )
