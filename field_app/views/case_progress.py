"""The case page's account of the case's life: its number, what may be done
next (big buttons; a step that waits for an earlier one is shown with what
it lacks, never offered) and the steps done, who and when."""

from collections.abc import Callable

import flet as ft

from field_app.viewmodels.case_progress import Progress
from field_app.viewmodels.nav import Route
from field_app.views.context import ViewContext
from field_app.views.theme import PRIMARY, TEXT, TITLE, UNSENT, WARNING, sz
from field_app.views.widgets import (
    badge,
    card,
    heading,
    info_line,
    label,
    primary_button,
    secondary_button,
    tid,
)


def number_line(ctx: ViewContext, progress: Progress) -> list[ft.Control]:
    """The case number, marked provisional until the district gave it."""
    if progress.number is None:
        return [label(ctx.t("progress.no_number"))]
    parts: list[ft.Control] = [ft.Text(progress.number, size=sz(TITLE), weight=ft.FontWeight.W_600)]
    if progress.provisional:
        parts.append(badge(ctx.t("progress.provisional"), WARNING))
    return [tid("case-number", ft.Row(parts, wrap=True, spacing=8))]


def progress_section(
    ctx: ViewContext, progress: Progress, go: Callable[[Route], Callable[..., None]]
) -> list[ft.Control]:
    t, tr = ctx.t, ctx.tr
    parts: list[ft.Control] = []
    ready = [line for line in progress.next if line.route is not None]
    waiting = [line for line in progress.next if line.route is None]
    if progress.next:
        parts.append(heading(t("progress.next")))
    for index, line in enumerate(ready):
        assert line.route is not None
        make = primary_button if index == 0 else secondary_button
        parts.append(make(tr(line.step), go(line.route), ft.Icons.ARROW_FORWARD, line.identifier))
    for line in waiting:
        parts.append(
            card(
                [
                    ft.Text(tr(line.step), size=sz(TEXT), weight=ft.FontWeight.W_600),
                    info_line(tr(line.problem), ft.Icons.HOURGLASS_EMPTY, WARNING),
                ]
            )
        )
    if progress.follow_up_due is not None:
        parts.append(
            info_line(t("progress.follow_up_due", day=progress.follow_up_due), ft.Icons.EVENT)
        )
    if progress.judicial is not None:
        color = WARNING if progress.judicial_late else PRIMARY
        window = info_line(tr(progress.judicial), ft.Icons.GAVEL, color)
        parts.append(tid("judicial-window", window))
    parts.append(heading(t("progress.done", count=len(progress.done))))
    if not progress.done:
        parts.append(label(t("progress.none_done")))
    rows: list[ft.Control] = []
    for done in progress.done:
        detail = tr(done.detail)
        title = tr(done.step) + (f" · {detail}" if detail else "")
        row: list[ft.Control] = [
            ft.Icon(ft.Icons.CHECK_CIRCLE, color=PRIMARY),
            ft.Column(
                [
                    ft.Text(title, size=sz(TEXT), weight=ft.FontWeight.W_600),
                    label(t("progress.by", who=tr(done.who), when=done.when)),
                    *([badge(t("record.unsent"), UNSENT)] if done.unsent else []),
                ],
                spacing=2,
                expand=True,
            ),
        ]
        rows.append(ft.Row(row, vertical_alignment=ft.CrossAxisAlignment.START))
    if rows:
        parts.append(tid("case-steps-done", ft.Column(rows, spacing=8)))
    return parts
