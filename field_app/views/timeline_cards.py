"""A subject's timeline drawn: what is due (overdue in red), the hours of
education and community service against the plan, then each record as a
card, newest first. The officer's page and the desk's show the
same cards; each adds its actions (sign, print, left/back) through
``actions``, the print buttons being one component (``print_buttons``)."""

from collections.abc import Callable

import flet as ft

from field_app.viewmodels.timeline import DueLine, HoursLine, TimelineLine, Tone
from field_app.views.context import ViewContext
from field_app.views.theme import OVERDUE, TEXT, UNSENT, WARNING, sz
from field_app.views.widgets import (
    Handler,
    badge,
    card,
    heading,
    label,
    secondary_button,
    thumbnails,
    tid,
)
from shared_models.domain.event_content import EventKind

TONES = {
    Tone.DONE: ft.Colors.GREEN_800,
    Tone.WAITING: WARNING,
    Tone.REFUSED: ft.Colors.RED_800,
    Tone.OVERDUE: OVERDUE,
}


def due_block(ctx: ViewContext, lines: list[DueLine]) -> list[ft.Control]:
    """What is due next: one row each, overdue first in red."""
    t, tr = ctx.t, ctx.tr
    rows: list[ft.Control] = [heading(t("corr.due.title"))]
    if not lines:
        rows.append(label(t("corr.due.none")))
    for line in lines:
        color = OVERDUE if line.overdue else ft.Colors.BLUE_800
        rows.append(
            ft.Row(
                [
                    ft.Icon(ft.Icons.WARNING if line.overdue else ft.Icons.EVENT, color=color),
                    ft.Text(tr(line.what), size=sz(TEXT), expand=True),
                    badge(tr(line.when), color),
                ],
                spacing=8,
            )
        )
    return [tid("due-list", ft.Column(rows, spacing=6))]


def hours_block(ctx: ViewContext, lines: list[HoursLine]) -> list[ft.Control]:
    """Education and community service: this month against the plan (red
    when short of it), and the running total."""
    t, tr = ctx.t, ctx.tr
    parts: list[ft.Control] = []
    for line in lines:
        done, total = f"{line.done:g}", f"{line.total:g}"
        if line.planned:
            planned = f"{line.planned:g}"
            text = t(
                "corr.subject.hours", what=tr(line.what), done=done, planned=planned, total=total
            )
            color = OVERDUE if line.done < line.planned else None
        else:
            text = t("corr.subject.hours_total", what=tr(line.what), done=done, total=total)
            color = None
        parts.append(tid("hours-line", label(text, color)))
    return parts


def print_buttons(
    ctx: ViewContext,
    line: TimelineLine,
    announcement: Handler,
    certificate: Handler,
    prefix: str = "",
) -> list[ft.Control]:
    """*Print* on an announcement's record, *Release certificate* on the
    release: the same buttons on the phone (printed there) and the desk
    (printed by the server, test ids ``prefix``-ed ``desk-``)."""
    t = ctx.t
    buttons: list[ft.Control] = []
    if line.printable:
        buttons.append(
            secondary_button(
                t("corr.timeline.print"),
                announcement,
                ft.Icons.PRINT,
                f"{prefix}print-announcement",
            )
        )
    if line.event_kind is EventKind.RELEASE_ANNOUNCEMENT:
        buttons.append(
            secondary_button(
                t("corr.timeline.certificate"),
                certificate,
                ft.Icons.WORKSPACE_PREMIUM,
                f"{prefix}print-certificate",
            )
        )
    return buttons


def timeline_card(
    ctx: ViewContext,
    line: TimelineLine,
    actions: Callable[[TimelineLine], list[ft.Control]] | None = None,
    previews: Callable[[list[str]], list[bytes | None]] | None = None,
) -> ft.Control:
    t, tr = ctx.t, ctx.tr
    head: list[ft.Control] = [
        ft.Text(tr(line.kind), weight=ft.FontWeight.W_600, size=sz(TEXT)),
        label(line.day.isoformat()),
    ]
    if line.status is not None:
        head.append(badge(tr(line.status), TONES.get(line.tone, ft.Colors.BLUE_GREY_700)))
    if line.unsent:
        head.append(badge(t("record.unsent"), UNSENT))
    if line.needs_signature:
        signed = t("corr.timeline.signed") if line.signed else t("corr.timeline.unsigned")
        head.append(badge(signed, ft.Colors.GREEN_800 if line.signed else WARNING))
    rows: list[ft.Control] = [ft.Row(head, wrap=True, spacing=8)]
    summary = " · ".join(tr(part) for part in line.summary if tr(part))
    if summary:
        rows.append(label(summary))
    if line.detail:
        rows.append(ft.Text(line.detail, size=sz(TEXT)))
    rows += [label(tr(decision)) for decision in line.decisions]
    if line.photos and previews is not None:
        rows.append(
            thumbnails(previews(list(line.photos)), photo_label=lambda n: t("photo.n", n=n))
        )
    buttons = actions(line) if actions is not None else []
    if buttons:
        rows.append(ft.Row(buttons, wrap=True, spacing=8, run_spacing=8))
    return tid("timeline-item", card(rows))


def timeline_block(
    ctx: ViewContext,
    lines: list[TimelineLine],
    count: int,
    actions: Callable[[TimelineLine], list[ft.Control]] | None = None,
    previews: Callable[[list[str]], list[bytes | None]] | None = None,
) -> list[ft.Control]:
    """The cards of ``lines`` (the newest of ``count`` in all)."""
    t = ctx.t
    parts: list[ft.Control] = [heading(t("corr.timeline.title", count=count))]
    if not lines:
        parts.append(label(t("corr.timeline.none")))
    parts += [timeline_card(ctx, line, actions, previews) for line in lines]
    stretch = ft.CrossAxisAlignment.STRETCH
    return [tid("timeline", ft.Column(parts, spacing=8, horizontal_alignment=stretch))]
