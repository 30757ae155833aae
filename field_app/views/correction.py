"""The form for correcting a change the server refused (see
``viewmodels/correction.py``)."""

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.correction import CorrectionViewModel
from field_app.views.context import ViewContext
from field_app.views.screen import ScreenView
from field_app.views.widgets import (
    error_line,
    info_line,
    label,
    primary_button,
    text_field,
    tid,
)


class CorrectionView(ScreenView):
    vm: CorrectionViewModel
    editing = True

    def __init__(self, ctx: ViewContext, vm: CorrectionViewModel) -> None:
        super().__init__(ctx, vm)
        # Built once: a re-render must not reset what is being typed.
        self.inputs = {
            name: tid(
                f"correction-{name}",
                text_field(
                    ctx.tr(vm.label(name)),
                    vm.values[name],
                    self._setter(name),
                    multiline=len(vm.values[name]) > 60,
                    error=vm.server_says(name),
                ),
            )
            for name in vm.fields
        }

    def _setter(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.vm.set(name, e.control.value or "")

        return changed

    def title(self) -> str:
        return self.ctx.t("correction.title")

    def content(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        change = vm.change
        if change is None:
            return [info_line(t("correction.gone"), ft.Icons.CHECK_CIRCLE)]
        parts: list[ft.Control] = [
            ft.Text(t("attention.rejected", what=t(f"table.{change.table.value}"))),
            info_line(
                change.message or change.code or "", ft.Icons.REPORT_PROBLEM, ft.Colors.RED_800
            ),
            label(t("correction.intro")),
            *self.inputs.values(),
        ]
        if not self.inputs:
            parts.append(label(t("correction.nothing_to_edit")))
        return parts

    def footer(self) -> list[ft.Control]:
        if self.vm.change is None:
            return []
        return [
            error_line(self.ctx.tr(self.vm.error)),
            primary_button(
                self.ctx.t("correction.send"), self._send, ft.Icons.SEND, "correction-send"
            ),
        ]

    def _send(self, _: ft.Event[ft.Control]) -> None:
        if self.vm.submit():
            self.ctx.toast(msg("correction.sent"))
            self.ctx.back()
        self.ctx.page.update()
