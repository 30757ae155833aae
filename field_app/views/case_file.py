"""The case file's part of the case page: what the file still lacks (or
that it is complete) and one action, printing it as a PDF made on the
phone (``shared_documents/case_file_pdf.py``) and saved like the
agreement's printout. Nothing is uploaded for it."""

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.case_file import CaseFileViewModel
from field_app.views.screen import ScreenView
from field_app.views.widgets import heading, label, secondary_button


def case_file_section(view: ScreenView, vm: CaseFileViewModel) -> list[ft.Control]:
    """Heading, the gaps (or "complete"), and the print button (``case-file-print``)."""
    t, tr = view.ctx.t, view.ctx.tr
    picker: list[ft.FilePicker] = []

    async def print_file(_: ft.Event[ft.Control]) -> None:
        pdf = await view.work(vm.pdf)
        if not picker:
            picker.append(ft.FilePicker())
        await picker[0].save_file(
            dialog_title=t("casefile.print"),
            file_name=vm.file_name,
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=["pdf"],
            src_bytes=pdf,
        )
        view.ctx.toast(msg("casefile.printed", name=vm.file_name))
        view.ctx.page.update()

    parts: list[ft.Control] = [heading(t("casefile.title"))]
    if vm.complete:
        parts.append(label(t("casefile.complete")))
    elif not vm.gaps:
        parts.append(label(t("casefile.nothing_missing")))
    else:
        parts.append(label(t("casefile.missing", count=len(vm.gaps))))
        parts += [
            ft.Text(f"• {tr(gap)}", key=f"case-file-gap-{n}", color=ft.Colors.RED_800)
            for n, gap in enumerate(vm.gaps)
        ]
    parts.append(
        secondary_button(t("casefile.print"), print_file, ft.Icons.PRINT, "case-file-print")
    )
    return parts
