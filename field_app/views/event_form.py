"""Recording a subject's event: the fields of its kind, then, where the
subject signs, the signature pad in the footer (so a stroke writes instead
of scrolling) with *Clear* and *Save*."""

from typing import Any

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.event_form import EventFormViewModel, Stage
from field_app.viewmodels.event_forms import FieldType, FormField
from field_app.viewmodels.event_values import FALSE, TRUE
from field_app.viewmodels.nav import Route, Screen
from field_app.views.screen import ScreenView
from field_app.views.signature_pad import SignaturePad
from field_app.views.theme import PRIMARY, TEXT, TITLE, sz
from field_app.views.widgets import (
    choice_row,
    date_field,
    error_line,
    info_line,
    label,
    primary_button,
    secondary_button,
    text_field,
    tid,
)

MULTILINE = (FieldType.LONG, FieldType.LINES)
KEYBOARDS = {
    FieldType.HOURS: ft.KeyboardType.NUMBER,
    FieldType.PHONE: ft.KeyboardType.PHONE,
}


def _id(name: str) -> str:
    return f"event-{name.replace('_', '-')}"


class EventFormView(ScreenView):
    vm: EventFormViewModel
    editing = True

    def __init__(self, ctx: Any, vm: EventFormViewModel) -> None:
        super().__init__(ctx, vm)
        # Built once: a re-render (a choice tapped, an error shown) must not
        # reset what is being typed.
        self.inputs: dict[str, ft.TextField] = {}
        for field in vm.fields:
            if field.type in (FieldType.CHOICE, FieldType.ITEMS, FieldType.YES_NO, FieldType.UNIT):
                continue
            self.inputs[field.name] = text_field(
                self._label(field),
                vm.text(field.name),
                self._setter(field.name),
                multiline=field.type in MULTILINE,
                keyboard=KEYBOARDS.get(field.type, ft.KeyboardType.TEXT),
            )
            if field.type is FieldType.LINES:
                self.inputs[field.name].hint_text = ctx.t("corr.event.one_per_line")
        self.day = text_field(ctx.t("corr.field.occurred_on"), vm.day, self._day)
        # Kept, and changed in place while the dates are typed: re-rendering
        # the form under a typing finger would take the field away from it.
        self.outlook = ft.Text(size=sz(TEXT), color=PRIMARY, expand=True)
        self.outlook_row = tid(
            "leave-outlook", ft.Row([ft.Icon(ft.Icons.RULE, color=PRIMARY), self.outlook])
        )

    def _label(self, field: FormField) -> str:
        text = self.ctx.t(field.label)
        return f"{text} *" if field.required else text

    def title(self) -> str:
        name = self.vm.subject.name if self.vm.subject else ""
        kind = self.ctx.t(f"corr.kind.{self.vm.kind.value}")
        return f"{kind} · {name}" if name else kind

    # -- events -----------------------------------------------------------------------

    def _setter(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            self.vm.set(name, e.control.value or "")
            if name in ("start", "end"):
                self.outlook.value = self.ctx.tr(self.vm.leave_outlook)
                self.outlook.update()

        return changed

    def _day(self, e: ft.Event[ft.TextField]) -> None:
        self.vm.set_day(e.control.value or "")

    def _picked(self, name: str):  # type: ignore[no-untyped-def]
        def picked(value: str) -> None:
            if name == "occurred_on":
                self.vm.set_day(value)
            else:
                self.vm.set(name, value)
            self.render()

        return picked

    def _choose(self, name: str):  # type: ignore[no-untyped-def]
        def choose(value: str) -> None:
            self.vm.choose(name, value)

        return choose

    def _unit(self, name: str):  # type: ignore[no-untyped-def]
        def chosen(e: ft.Event[ft.Dropdown]) -> None:
            self.vm.set(name, e.control.value or "")

        return chosen

    def _toggle(self, name: str, option: str):  # type: ignore[no-untyped-def]
        def toggle(_: ft.Event[ft.Checkbox]) -> None:
            self.vm.toggle(name, option)

        return toggle

    async def _next(self, _: ft.Event[ft.Control]) -> None:
        self.vm.next()
        self.ctx.page.update()

    def _back(self, _: ft.Event[ft.Control]) -> None:
        self.vm.back_to_form()

    def _clear(self, _: ft.Event[ft.Control]) -> None:
        self.vm.clear()

    async def _save(self, _: ft.Event[ft.Control]) -> None:
        if await self.work(self.vm.save):
            self.ctx.toast(msg("corr.event.saved", what=msg(f"corr.kind.{self.vm.kind.value}")))
            self.ctx.replace(Route.to(Screen.SUBJECT, id=str(self.vm.subject_id)))
        self.ctx.page.update()

    # -- what is shown ------------------------------------------------------------------

    def _field(self, field: FormField) -> ft.Control:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        error = vm.field_error(field.name)
        if field.type is FieldType.CHOICE:
            options = [(value, tr(text)) for value, text in vm.options(field)]
            row = choice_row(
                options, vm.text(field.name), self._choose(field.name), _id(field.name)
            )
            return ft.Column([label(self._label(field)), row, error_line(tr(error))], spacing=4)
        if field.type is FieldType.YES_NO:
            options = [(TRUE, t("corr.yes")), (FALSE, t("corr.no"))]
            row = choice_row(
                options, vm.text(field.name), self._choose(field.name), _id(field.name)
            )
            return ft.Column([label(self._label(field)), row], spacing=4)
        if field.type is FieldType.ITEMS:
            chosen = vm.value(field.name)
            boxes: list[ft.Control] = [
                tid(
                    f"{_id(field.name)}-{value}",
                    ft.Checkbox(
                        label=tr(text),
                        value=value in chosen,
                        on_change=self._toggle(field.name, value),
                        label_style=ft.TextStyle(size=sz(TEXT)),
                    ),
                )
                for value, text in vm.options(field)
            ]
            return ft.Column([label(self._label(field)), *boxes], spacing=2)
        if field.type is FieldType.UNIT:
            menu = ft.Dropdown(
                label=self._label(field),
                value=vm.text(field.name) or None,
                options=[ft.DropdownOption(key=key, text=name) for key, name in vm.offices()],
                on_select=self._unit(field.name),
                error_text=tr(error) or None,
                expand=True,
            )
            return tid(_id(field.name), menu)
        box = self.inputs[field.name]
        box.error = tr(error) or None
        if field.type is FieldType.DAY:
            return date_field(box, self._picked(field.name), self.ctx.date_texts(), _id(field.name))
        return tid(_id(field.name), box)

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        if not vm.found:
            return [label(t("subject.not_found"), size=sz(TEXT))]
        if vm.stage is Stage.SIGN:
            return [
                ft.Text(vm.subject.name if vm.subject else "", size=sz(TITLE) + 4),
                info_line(t("signature.instruction"), ft.Icons.DRAW),
            ]
        self.day.error = tr(vm.field_error("occurred_on")) or None
        parts: list[ft.Control] = [
            date_field(self.day, self._picked("occurred_on"), self.ctx.date_texts(), "event-day")
        ]
        parts += [self._field(field) for field in vm.fields]
        outlook = vm.leave_outlook
        if outlook is not None:
            self.outlook.value = tr(outlook)
            parts.append(self.outlook_row)
        if vm.signs:
            parts.append(label(t("corr.event.sign_next")))
        return [tid("event-form", ft.Column(parts, spacing=12))]

    def footer(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        if not vm.found:
            return []
        parts: list[ft.Control] = [error_line(self.ctx.tr(vm.error))]
        if vm.stage is Stage.FORM and vm.signs:
            parts.append(
                primary_button(t("corr.timeline.sign"), self._next, ft.Icons.DRAW, "event-next")
            )
            return parts
        if vm.stage is Stage.FORM:
            parts.append(
                primary_button(
                    t("corr.event.save"), self._save, ft.Icons.SAVE, "event-save", self.busy
                )
            )
            return parts
        pad = SignaturePad(vm)
        # Not one wrapping row with an expanding button: the web client
        # draws a grey box for that (views/widgets.py, primary_button).
        tools = ft.Row(
            [
                secondary_button(t("common.back"), self._back, ft.Icons.ARROW_BACK, "event-back"),
                secondary_button(
                    t("signature.clear"), self._clear, ft.Icons.CLEAR, "signature-clear"
                ),
            ],
            spacing=8,
        )
        save = primary_button(
            t("corr.event.save"), self._save, ft.Icons.CHECK, "event-save", self.busy
        )
        parts += [ft.Row([pad.control], alignment=ft.MainAxisAlignment.CENTER), tools, save]
        return parts
