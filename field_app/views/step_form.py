"""Every mediation form on the phone, one step at a time (``viewmodels/step_form.py``):
the step's few fields in the scrolling body, *Back* / *Next* / *Save* in the
fixed footer under the thumb, and on a signature step the pad there too
(a stroke writes instead of scrolling the page)."""

from collections.abc import Callable

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.form_spec import CHOSEN, FieldKind, FormField
from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.step_form import StepFormViewModel
from field_app.views.screen import ScreenView
from field_app.views.signature_pad import SignaturePad
from field_app.views.theme import TEXT, TITLE, sz, text_style
from field_app.views.widgets import (
    card,
    choice_row,
    date_field,
    error_line,
    info_line,
    label,
    primary_button,
    secondary_button,
    text_field,
    thumbnails,
    tid,
)

_KEYBOARDS = {
    FieldKind.PHONE: ft.KeyboardType.PHONE,
    FieldKind.NUMBER: ft.KeyboardType.NUMBER,
    FieldKind.DATE: ft.KeyboardType.DATETIME,
}


class StepFormView(ScreenView):
    vm: StepFormViewModel
    editing = True

    def title(self) -> str:
        return self.ctx.tr(getattr(self.vm, "title", None)) or self.ctx.t("screen.case")

    def after_save(self) -> Route:
        """Where a saved form goes: the case page it belongs to."""
        case_id = getattr(self.vm, "case_id", None)
        return Route.to(Screen.CASE, id=str(case_id))

    # -- fields -----------------------------------------------------------------------

    def _changed(self, name: str) -> Callable[[ft.Event[ft.TextField]], None]:
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            self.vm.set(name, e.control.value or "")

        return changed

    def _field(self, spec: FormField) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        identifier = f"form-{spec.name.replace('.', '-')}"
        error = tr(vm.field_errors.get(spec.name)) or None
        text = tr(spec.label_msg) + (" *" if spec.required else "")
        parts: list[ft.Control]
        if spec.kind in CHOSEN:
            options = [(value, tr(shown)) for value, shown in spec.options]
            if spec.kind is FieldKind.MULTI:
                parts = [label(text), self._multi(spec, options, identifier)]
            else:
                parts = [
                    label(text),
                    choice_row(
                        options,
                        vm.value(spec.name) or None,
                        lambda value: vm.choose(spec.name, value),
                        identifier,
                    ),
                ]
            if error:
                parts.append(error_line(error))
        else:
            field = text_field(
                text,
                vm.value(spec.name),
                self._changed(spec.name),
                multiline=spec.kind in (FieldKind.LONG_TEXT, FieldKind.NAMES),
                keyboard=_KEYBOARDS.get(spec.kind, ft.KeyboardType.TEXT),
                error=error,
            )
            if spec.kind is FieldKind.DATE:

                def picked(day: str) -> None:
                    self.ctx.app.core.touch()
                    vm.set(spec.name, day)

                parts = [date_field(field, picked, self.ctx.date_texts(), identifier)]
            else:
                if spec.kind is FieldKind.DATETIME:
                    field.hint_text = "YYYY-MM-DD HH:MM"
                parts = [tid(identifier, field)]
        if spec.hint:
            parts.append(label(t(spec.hint)))
        elif spec.kind is FieldKind.NAMES:
            parts.append(label(t("form.names_hint")))
        return parts

    def _multi(
        self, spec: FormField, options: list[tuple[str, str]], identifier: str
    ) -> ft.Control:
        """Several choices: each a toggle (a checked box when on)."""
        chosen = set(self.vm.chosen(spec.name))
        boxes: list[ft.Control] = []
        for value, shown in options:

            def toggle(_: ft.Event[ft.Checkbox], value: str = value) -> None:
                self.vm.toggle(spec.name, value)

            boxes.append(
                ft.Checkbox(
                    label=shown,
                    value=value in chosen,
                    on_change=toggle,
                    label_style=text_style(TEXT),
                )
            )
        return tid(identifier, ft.Column(boxes, spacing=2))

    # -- photos and signatures -----------------------------------------------------

    async def _add_photo(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        raws = await self.ctx.photos.pick(self.vm.current.photos > 1)
        for raw in raws:
            await self.work(self.vm.add_photo, raw)
        self.ctx.page.update()

    def _photos(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        taken = vm.photos.get(vm.step, [])
        parts: list[ft.Control] = [label(t("photo.title", count=len(taken)))]
        if taken:
            parts.append(
                tid(
                    "photo-list",
                    thumbnails(
                        [p.thumbnail for p in taken],
                        vm.remove_photo,
                        remove_label=t("photo.remove"),
                        photo_label=lambda n: t("photo.n", n=n),
                    ),
                )
            )
        if len(taken) < vm.current.photos:
            parts.append(
                secondary_button(t("photo.add"), self._add_photo, ft.Icons.ADD_A_PHOTO, "photo-add")
            )
        if vm.current.photo_hint:
            parts.append(label(t(vm.current.photo_hint)))
        return parts

    async def _fingerprint(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        raws = await self.ctx.photos.pick(False)
        if raws:
            await self.work(self.vm.add_fingerprint, raws[0])
        self.ctx.page.update()

    def _signer(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        step = vm.current
        signature = vm.signature(step.signer)
        parts: list[ft.Control] = [
            ft.Text(tr(step.signer_msg), size=sz(TITLE) + 2, weight=ft.FontWeight.W_600),
            info_line(t("signature.instruction"), ft.Icons.DRAW),
        ]
        if signature.fingerprint is not None:
            parts.append(info_line(t("form.fingerprint_given"), ft.Icons.FINGERPRINT))
        parts += [
            label(t("signature.fingerprint_hint")),
            secondary_button(
                t("signature.fingerprint"),
                self._fingerprint,
                ft.Icons.FINGERPRINT,
                "signature-fingerprint",
                disabled=self.busy,
            ),
        ]
        return parts

    # -- the screen -------------------------------------------------------------------

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        step = vm.current
        parts: list[ft.Control] = []
        heading_text = tr(getattr(vm, "subtitle", None))
        if heading_text:
            parts.append(ft.Text(heading_text, size=sz(TEXT), weight=ft.FontWeight.W_600))
        if len(vm.steps) > 1:
            parts += [
                tid(
                    "form-step",
                    ft.Text(
                        t(
                            "form.step",
                            step=vm.step + 1,
                            total=len(vm.steps),
                            name=tr(step.title_msg),
                        ),
                        size=sz(TEXT),
                        weight=ft.FontWeight.W_600,
                    ),
                ),
                ft.ProgressBar(value=(vm.step + 1) / len(vm.steps), height=6),
            ]
        if vm.resumed:
            parts.append(info_line(t("draft.resumed"), ft.Icons.RESTORE))
        if step.note:
            parts.append(card([ft.Text(tr(step.note_msg), size=sz(TEXT))]))
        for spec in step.fields:
            parts += self._field(spec)
        if step.photos:
            parts += self._photos()
        if step.signer:
            parts += self._signer()
        if vm.can_repeat:
            parts.append(
                secondary_button(
                    t("form.add_another"), self._repeat, ft.Icons.ADD, "form-add-another"
                )
            )
        parts += [
            label(t("intake.saved_offline")),
            secondary_button(
                t("draft.discard"), self._discard, ft.Icons.DELETE_OUTLINE, danger=True
            ),
        ]
        return parts

    def footer(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        parts: list[ft.Control] = [error_line(self.ctx.tr(vm.error))]
        if vm.current.signer and vm.signature(vm.current.signer).fingerprint is None:
            pad = SignaturePad(vm, vm.end_stroke)
            parts += [
                ft.Row([pad.control], alignment=ft.MainAxisAlignment.CENTER),
                secondary_button(
                    t("signature.clear"), self._clear, ft.Icons.CLEAR, "signature-clear"
                ),
            ]
        buttons: list[ft.Control] = []
        if vm.step > 0:
            buttons.append(
                secondary_button(
                    t("common.back"), self._back, ft.Icons.ARROW_BACK, "form-back", expand=True
                )
            )
        if vm.last:
            buttons.append(
                primary_button(
                    t("form.save"), self._save, ft.Icons.SAVE, "form-save", self.busy, expand=True
                )
            )
        else:
            buttons.append(
                primary_button(
                    t("common.next"), self._next, ft.Icons.ARROW_FORWARD, "form-next", expand=True
                )
            )
        parts.append(ft.Row(buttons, spacing=8))
        return parts

    def _repeat(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        self.vm.add_repeat()

    def _clear(self, _: ft.Event[ft.Control]) -> None:
        self.vm.clear_signature()

    def _next(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        self.vm.next()

    def _back(self, _: ft.Event[ft.Control]) -> None:
        self.vm.back()

    async def _save(self, _: ft.Event[ft.Control]) -> None:
        if await self.work(self.vm.save):
            self.ctx.toast(msg("form.saved"))
            self.ctx.replace(self.after_save())
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
