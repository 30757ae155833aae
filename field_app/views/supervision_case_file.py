"""A case's file (调解卷宗) on the desk, beside the case in the review
queue: complete or what each required item lacks (the shared check, worded
as the printed file words it), and the PDF the server prints."""

from collections.abc import Awaitable, Callable

import flet as ft

from field_app.views.widgets import badge, heading, secondary_button, tid
from shared_models.protocol.case_file import CaseFileStatus


def case_file_status(
    t: Callable[..., str],
    status: CaseFileStatus,
    download: Callable[[ft.Event[ft.Control]], Awaitable[None]],
) -> list[ft.Control]:
    """Heading, a badge (``case-file-complete`` / ``case-file-incomplete``),
    the gaps, and the PDF button (``review-case-file-pdf``)."""
    if status.complete:
        state = tid("case-file-complete", badge(t("casefile.complete"), ft.Colors.GREEN_800))
    else:
        text = t("casefile.missing", count=len(status.gaps)) if status.gaps else t("casefile.open")
        state = tid("case-file-incomplete", badge(text, ft.Colors.RED_800))
    parts: list[ft.Control] = [
        heading(f"{t('casefile.title')} {status.case_number or ''}".strip()),
        state,
    ]
    parts += [ft.Text(f"• {gap.text}", color=ft.Colors.RED_800) for gap in status.gaps]
    parts.append(
        secondary_button(
            t("casefile.pdf"), download, ft.Icons.PICTURE_AS_PDF, "review-case-file-pdf"
        )
    )
    return parts
