"""Mediation agreements: the drafting form, and the read-back screen where
the parties and the mediator sign, the agreement is sealed and printed.

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
from field_app.viewmodels.agreement_form import AgreementFormViewModel
from field_app.viewmodels.agreements import AgreementViewModel
from field_app.viewmodels.nav import Route, Screen
from field_app.views.context import ViewContext
from field_app.views.screen import ScreenView
from field_app.views.theme import HEADLINE, TEXT, UNSENT, WARNING, sz
from field_app.views.widgets import (
    badge,
    card,
    choice_row,
    date_field,
    error_line,
    heading,
    info_line,
    label,
    list_row,
    primary_button,
    secondary_button,
    text_field,
    tid,
)
from shared_models.domain.agreements import SignatureKind
from shared_models.domain.cases import PartyRole

READ_BACK_TEXT = 22
"""The read-back is read aloud to, and by, the parties: larger than body text."""


class AgreementFormView(ScreenView):
    vm: AgreementFormViewModel
    editing = True

    def title(self) -> str:
        if self.vm.supersedes_id is not None:
            return self.ctx.t("screen.agreement_correction")
        return self.ctx.t("screen.agreement_new")

    # -- fields -----------------------------------------------------------------------

    def _error(self, key: str) -> str | None:
        found = self.vm.field_errors.get(key)
        return self.ctx.tr(found) if found else None

    def _field(
        self,
        identifier: str,
        text: str,
        value: str,
        on_change: Callable[[str], None],
        error_key: str,
        multiline: bool = False,
    ) -> ft.Control:
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            on_change(e.control.value or "")

        field = text_field(text, value, changed, multiline=multiline, error=self._error(error_key))
        return tid(identifier, field)

    def _date_field(
        self,
        identifier: str,
        text: str,
        value: str,
        on_change: Callable[[str], None],
        error_key: str,
    ) -> ft.Control:
        """A ``YYYY-MM-DD`` field with a calendar beside it."""

        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            on_change(e.control.value or "")

        def picked(day: str) -> None:
            self.ctx.app.core.touch()
            on_change(day)

        field = text_field(
            text, value, changed, error=self._error(error_key), keyboard=ft.KeyboardType.DATETIME
        )
        return date_field(field, picked, self.ctx.date_texts(), identifier)

    def _party(self, index: int, party: dict[str, str]) -> ft.Control:
        t, vm = self.ctx.t, self.vm

        def setter(name: str) -> Callable[[str], None]:
            return lambda value: vm.set_party(index, name, value)

        def role(value: str) -> None:
            vm.set_party(index, "role", value)
            vm.notify()

        parts: list[ft.Control] = [
            ft.Text(t("agreement.party_n", n=index + 1), weight=ft.FontWeight.W_600, size=sz(TEXT)),
            choice_row(
                [(r.value, t(f"party.role.{r.value}")) for r in PartyRole], party["role"], role
            ),
            self._field(
                f"agreement-party-{index}-name",
                t("field.name"),
                party["name"],
                setter("name"),
                f"parties.{index}.name",
            ),
            self._field(
                f"agreement-party-{index}-id",
                t("field.id_number"),
                party["id_number"],
                setter("id_number"),
                f"parties.{index}.id_number",
            ),
            self._field(
                f"agreement-party-{index}-phone",
                t("field.phone"),
                party["phone"],
                setter("phone"),
                f"parties.{index}.phone",
            ),
            self._field(
                f"agreement-party-{index}-address",
                t("field.address"),
                party["address"],
                setter("address"),
                f"parties.{index}.address",
            ),
        ]
        if len(vm.parties) > 2:
            parts.append(
                secondary_button(
                    t("agreement.party_remove"),
                    lambda _: vm.remove_party(index),
                    ft.Icons.PERSON_REMOVE,
                    danger=True,
                )
            )
        return card(parts)

    def _obligation(self, index: int, obligation: dict[str, str]) -> ft.Control:
        t, vm = self.ctx.t, self.vm

        def setter(name: str) -> Callable[[str], None]:
            return lambda value: vm.set_obligation(index, name, value)

        parts: list[ft.Control] = [
            ft.Text(
                t("agreement.obligation_n", n=index + 1), weight=ft.FontWeight.W_600, size=sz(TEXT)
            ),
            self._field(
                f"obligation-{index}-obligor",
                t("agreement.obligor"),
                obligation["obligor"],
                setter("obligor"),
                f"obligations.{index}.obligor",
            ),
            self._field(
                f"obligation-{index}-action",
                t("agreement.action"),
                obligation["action"],
                setter("action"),
                f"obligations.{index}.action",
                multiline=True,
            ),
            self._date_field(
                f"obligation-{index}-due",
                t("agreement.due"),
                obligation["due"],
                setter("due"),
                f"obligations.{index}.due",
            ),
            self._field(
                f"obligation-{index}-method",
                t("agreement.method"),
                obligation["method"],
                setter("method"),
                f"obligations.{index}.method",
            ),
        ]
        if len(vm.obligations) > 1:
            parts.append(
                secondary_button(
                    t("agreement.obligation_remove"),
                    lambda _: vm.remove_obligation(index),
                    ft.Icons.DELETE_OUTLINE,
                    danger=True,
                )
            )
        return card(parts)

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm

        def setter(name: str) -> Callable[[str], None]:
            return lambda value: vm.set(name, value)

        parts: list[ft.Control] = [
            ft.Text(vm.case_title, size=sz(TEXT) + 2, weight=ft.FontWeight.W_600)
        ]
        if vm.resumed:
            parts.append(info_line(t("draft.resumed"), ft.Icons.RESTORE))
        parts.append(heading(t("agreement.parties")))
        if "parties" in vm.field_errors:
            parts.append(label(tr(vm.field_errors["parties"]), ft.Colors.RED_800))
        parts += [self._party(i, p) for i, p in enumerate(vm.parties)]
        parts.append(
            secondary_button(
                t("agreement.party_add"),
                lambda _: vm.add_party(),
                ft.Icons.PERSON_ADD,
                "agreement-party-add",
            )
        )
        parts += [
            heading(t("agreement.facts")),
            self._field(
                "agreement-facts",
                t("agreement.facts_label"),
                vm.facts,
                setter("facts"),
                "facts",
                multiline=True,
            ),
            heading(t("agreement.obligations_title")),
        ]
        if "obligations" in vm.field_errors:
            parts.append(label(tr(vm.field_errors["obligations"]), ft.Colors.RED_800))
        parts += [self._obligation(i, o) for i, o in enumerate(vm.obligations)]
        parts += [
            secondary_button(
                t("agreement.obligation_add"),
                lambda _: vm.add_obligation(),
                ft.Icons.ADD_TASK,
                "obligation-add",
            ),
            heading(t("agreement.performance")),
            self._field(
                "agreement-method",
                t("agreement.performance_method"),
                vm.performance_method,
                setter("performance_method"),
                "performance_method",
            ),
            self._date_field(
                "agreement-deadline",
                t("agreement.performance_deadline"),
                vm.performance_deadline,
                setter("performance_deadline"),
                "performance_deadline",
            ),
            heading(t("agreement.people")),
            self._field(
                "agreement-mediator",
                t("agreement.mediator"),
                vm.mediator_name,
                setter("mediator_name"),
                "mediator_name",
            ),
            self._field(
                "agreement-committee",
                t("agreement.committee"),
                vm.committee_name,
                setter("committee_name"),
                "committee_name",
            ),
            label(t("agreement.saved_offline")),
            secondary_button(
                t("draft.discard"), self._discard, ft.Icons.DELETE_OUTLINE, danger=True
            ),
        ]
        return parts

    def footer(self) -> list[ft.Control]:
        return [
            error_line(self.ctx.tr(self.vm.error)),
            primary_button(
                self.ctx.t("agreement.read_back"),
                self._read_back,
                ft.Icons.CHROME_READER_MODE,
                "agreement-read-back",
                self.busy or self.vm.sealed,
            ),
        ]

    async def _read_back(self, _: ft.Event[ft.Control]) -> None:
        if await self.work(self.vm.read_back):
            self.ctx.replace(Route.to(Screen.AGREEMENT, id=str(self.vm.agreement_id)))
        self.ctx.page.update()

    def _discard(self, _: ft.Event[ft.Control]) -> None:
        def discard() -> None:
            self.vm.discard()
            self.ctx.back()

        self.ctx.confirm(
            msg("draft.discard_title"),
            msg("draft.discard_body"),
            [(msg("draft.discard"), discard, True)],
        )


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
