"""Every mediation form on the phone, one step at a time (``viewmodels/step_form.py``):
the step's few fields in the scrolling body, *Back* / *Next* / *Save* in the
fixed footer under the thumb, and on a signature step the pad there too
(a stroke writes instead of scrolling the page)."""

from collections.abc import Callable

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.step_form import FieldKind, FormField, StepFormViewModel
from field_app.views.screen import ScreenView
from field_app.views.signature_pad import SignaturePad
from field_app.views.theme import TEXT, TITLE, sz
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
        identifier = f"form-{spec.name}"
        error = tr(vm.field_errors.get(spec.name)) or None
        text = t(spec.label) + (" *" if spec.required else "")
        parts: list[ft.Control]
        if spec.kind is FieldKind.CHOICE:
            parts = [
                label(text),
                choice_row(
                    [(c, t(f"{spec.choice_prefix}.{c}")) for c in spec.choices],
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
                multiline=spec.kind is FieldKind.LONG_TEXT,
                keyboard=_KEYBOARDS.get(spec.kind, ft.KeyboardType.TEXT),
                error=error,
            )
            if spec.kind is FieldKind.DATE:

                def picked(day: str) -> None:
                    self.ctx.app.core.touch()
                    vm.set(spec.name, day)

                parts = [date_field(field, picked, self.ctx.date_texts(), identifier)]
            else:
                parts = [tid(identifier, field)]
        if spec.hint:
            parts.append(label(t(spec.hint)))
        return parts

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
            ft.Text(tr(step.signer_label), size=sz(TITLE) + 2, weight=ft.FontWeight.W_600),
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
                        t("form.step", step=vm.step + 1, total=len(vm.steps), name=tr(step.title)),
                        size=sz(TEXT),
                        weight=ft.FontWeight.W_600,
                    ),
                ),
                ft.ProgressBar(value=(vm.step + 1) / len(vm.steps), height=6),
            ]
        if vm.resumed:
            parts.append(info_line(t("draft.resumed"), ft.Icons.RESTORE))
        if step.note:
            parts.append(card([ft.Text(tr(step.note), size=sz(TEXT))]))
        for spec in step.fields:
            parts += self._field(spec)
        if step.photos:
            parts += self._photos()
        if step.signer:
            parts += self._signer()
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
