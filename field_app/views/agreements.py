"""A mediation agreement: the read-back where the parties and the mediator
sign, the agreement is sealed and printed. (Drafting it:
``views/agreement_form.py``.)

Printing: the PDF is made on the phone (``documents/agreement_pdf.py``,
offline) and handed to ``ft.FilePicker.save_file`` with its bytes. On a
phone that opens the system's save dialog (then share or print it from
Files); in the browser (web mode) Flet's file picker turns the bytes into
a download of ``调解协议书-<number>.pdf``. Nothing is uploaded for it.
"""

from collections.abc import Callable
from typing import Any

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.agreements import AgreementViewModel
from field_app.viewmodels.nav import Route, Screen
from field_app.views.context import ViewContext
from field_app.views.screen import ScreenView
from field_app.views.theme import HEADLINE, TEXT, UNSENT, WARNING, sz
from field_app.views.widgets import (
    badge,
    card,
    error_line,
    heading,
    info_line,
    label,
    list_row,
    primary_button,
    secondary_button,
    tid,
)
from shared_models.domain.agreements import SignatureKind

READ_BACK_TEXT = 22
"""The read-back is read aloud to, and by, the parties: larger than body text."""


class AgreementView(ScreenView):
    vm: AgreementViewModel
    keeps_ids = True

    def __init__(self, ctx: ViewContext, vm: AgreementViewModel) -> None:
        super().__init__(ctx, vm)
        self.picker: ft.FilePicker | None = None

    def title(self) -> str:
        return self.ctx.t("screen.agreement", number=self.vm.number)

    def _read_back(self) -> ft.Control:
        document = self.vm.document
        assert document is not None
        size = sz(READ_BACK_TEXT)
        lines: list[ft.Control] = [
            ft.Text(
                document.title,
                size=sz(HEADLINE) + 4,
                weight=ft.FontWeight.W_700,
                text_align=ft.TextAlign.CENTER,
            ),
            ft.Text(document.number_line, size=size - 4, text_align=ft.TextAlign.RIGHT),
        ]
        lines += [
            ft.Text(notice, size=size, color=ft.Colors.RED_800) for notice in document.notices
        ]
        for section in document.sections:
            lines.append(
                ft.Text(
                    f"{section.number}、{section.heading}", size=size, weight=ft.FontWeight.W_600
                )
            )
            lines += [ft.Text(paragraph, size=size) for paragraph in section.paragraphs]
        lines += [
            ft.Text(document.closing, size=size),
            ft.Text(document.date_line, size=size),
            ft.Text(document.committee_line, size=size),
        ]
        column = ft.Column(lines, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        box = ft.Container(
            column,
            padding=16,
            bgcolor=ft.Colors.WHITE,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
        )
        return tid("agreement-text", box)

    def _sign(self, index: int) -> Callable[[Any], None]:
        def sign(_: ft.Event[ft.Control]) -> None:
            if not self.vm.refuse_edit():
                self.ctx.go(
                    Route.to(Screen.AGREEMENT_SIGN, id=str(self.vm.agreement_id), signer=str(index))
                )

        return sign

    def _signatures(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        rows: list[ft.Control] = [heading(t("agreement.signatures"))]
        for line in vm.signers:
            if line.signed and line.signed_at is not None:
                how = (
                    "agreement.fingerprint_at"
                    if line.kind is SignatureKind.FINGERPRINT
                    else ("agreement.signed_on")
                )
                state = t(how, when=line.signed_at)
                color: str = ft.Colors.GREEN_800
            else:
                state, color = t("agreement.not_signed"), WARNING
            trailing = None
            if not vm.sealed and vm.complete:
                trailing = secondary_button(
                    t("agreement.sign_again") if line.signed else t("agreement.sign"),
                    self._sign(line.index),
                    ft.Icons.DRAW,
                    f"signature-sign-{line.index}",
                )
            rows.append(
                list_row(
                    f"{tr(line.label)}：{line.name}",
                    badges=[badge(state, color)],
                    trailing=trailing,
                )
            )
        return [tid("agreement-signers", ft.Column(rows, spacing=4))]

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        if not vm.found:
            return [label(t("agreement.not_found"), size=sz(TEXT))]
        badges = [badge(tr(vm.status), ft.Colors.BLUE_800)]
        if vm.unsent:
            badges.append(badge(t("record.unsent"), UNSENT))
        parts: list[ft.Control] = [
            ft.Text(vm.case_title, size=sz(TEXT) + 2, weight=ft.FontWeight.W_600),
            tid("agreement-status", ft.Row(badges, wrap=True, spacing=6)),
        ]
        for line in vm.chain:
            parts.append(label(f"{tr(line.relation)} {line.number} · {tr(line.status)}"))
        parts += [error_line(tr(vm.error)), label(t("agreement.read_back_hint")), self._read_back()]
        parts += self._signatures()
        if vm.sealed and vm.record is not None:
            parts.append(
                card(
                    [
                        info_line(t("agreement.sealed"), ft.Icons.VERIFIED, ft.Colors.GREEN_800),
                        label(t("agreement.hash", hash=vm.record.content_hash or "")),
                        tid(
                            "agreement-countersign",
                            ft.Text(tr(vm.countersignature), size=sz(TEXT)),
                        ),
                    ]
                )
            )
        parts.append(ft.Row(self._actions(), wrap=True, spacing=8, run_spacing=8))
        return parts

    def _actions(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        actions: list[ft.Control] = []
        if not vm.sealed:
            actions.append(
                primary_button(
                    t("agreement.seal"),
                    self._seal,
                    ft.Icons.VERIFIED,
                    "agreement-seal",
                    disabled=not vm.can_seal or self.busy,
                )
            )
            actions.append(
                secondary_button(t("agreement.edit"), self._edit, ft.Icons.EDIT, "agreement-edit")
            )
        else:
            actions.append(
                secondary_button(
                    t("agreement.correct"), self._correct, ft.Icons.EDIT_NOTE, "agreement-correct"
                )
            )
        actions.append(
            secondary_button(
                t("agreement.print"), self._print, ft.Icons.PRINT, "agreement-print", self.busy
            )
        )
        return actions

    def _edit(self, _: ft.Event[ft.Control]) -> None:
        if not self.vm.refuse_edit() and self.vm.case_id is not None:
            self.ctx.go(
                Route.to(
                    Screen.AGREEMENT_EDIT, case=str(self.vm.case_id), id=str(self.vm.agreement_id)
                )
            )

    def _correct(self, _: ft.Event[ft.Control]) -> None:
        if self.vm.case_id is not None:
            self.ctx.go(
                Route.to(
                    Screen.AGREEMENT_EDIT,
                    case=str(self.vm.case_id),
                    supersedes=str(self.vm.agreement_id),
                )
            )

    def _seal(self, _: ft.Event[ft.Control]) -> None:
        async def seal() -> None:
            if await self.work(self.vm.seal):
                self.ctx.toast(msg("agreement.sealed_toast"))

        self.ctx.confirm(
            msg("agreement.seal_title"),
            msg("agreement.seal_body"),
            [(msg("agreement.seal"), seal, False)],
        )

    async def _print(self, _: ft.Event[ft.Control]) -> None:
        pdf = await self.work(self.vm.pdf)
        if self.picker is None:
            self.picker = ft.FilePicker()
        await self.picker.save_file(
            dialog_title=self.ctx.t("agreement.print"),
            file_name=self.vm.file_name,
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=["pdf"],
            src_bytes=pdf,
        )
        self.ctx.toast(msg("agreement.printed", name=self.vm.file_name))
        self.ctx.page.update()
