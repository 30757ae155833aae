"""Settings: language, server, PIN, lock and sign out, about."""

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.settings import SettingsViewModel
from field_app.views.context import ViewContext
from field_app.views.screen import ScreenView
from field_app.views.theme import TEXT, sz
from field_app.views.widgets import (
    card,
    choice_row,
    error_line,
    heading,
    info_line,
    label,
    secondary_button,
    text_field,
    tid,
)


class SettingsView(ScreenView):
    vm: SettingsViewModel

    def __init__(self, ctx: ViewContext, vm: SettingsViewModel) -> None:
        super().__init__(ctx, vm)
        t = ctx.t
        self.server = text_field(
            t("login.server"), vm.server_url, self._set("server_url"), keyboard=ft.KeyboardType.URL
        )
        # A phone protected by a passcode gets the text keyboard and its words.
        kind = "passcode" if vm.passcode else "pin"
        keyboard = ft.KeyboardType.TEXT if vm.passcode else ft.KeyboardType.NUMBER
        self.old_pin = text_field(
            t(f"{kind}.old"),
            "",
            self._set("old_pin"),
            password=True,
            keyboard=keyboard,
            reveal_label=t("common.show_typed"),
        )
        self.new_pin = text_field(
            t(f"{kind}.new"),
            "",
            self._set("new_pin"),
            password=True,
            keyboard=keyboard,
            reveal_label=t("common.show_typed"),
        )
        self.confirm_pin = text_field(
            t(f"{kind}.confirm"),
            "",
            self._set("confirm_pin"),
            password=True,
            keyboard=keyboard,
            reveal_label=t("common.show_typed"),
        )

    def title(self) -> str:
        return self.ctx.t("screen.settings")

    def _set(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            self.vm.edit(name, e.control.value or "")

        return changed

    def _language(self, code: str) -> None:
        # The whole window re-renders in the new language (the translator's listeners).
        self.vm.set_language(code)

    def _text_size(self, step: str) -> None:
        self.vm.set_text_size(step)
        self.ctx.rerender()  # every control again, at the new size

    def _save_server(self, _: ft.Event[ft.Control]) -> None:
        self.vm.save_server()

    async def _change_pin(self, _: ft.Event[ft.Control]) -> None:
        try:
            await self.work(self.vm.change_pin)
        finally:
            for field in (self.old_pin, self.new_pin, self.confirm_pin):
                field.value = ""
            self.render()
        if self.vm.wiped:
            self.ctx.app.refresh_gate()
        self.ctx.page.update()

    def _lock(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.lock()

    def _logout(self, _: ft.Event[ft.Control]) -> None:
        count = self.vm.unsynced()

        async def sign_out() -> None:
            await self.ctx.run(self.ctx.app.logout, False)

        async def erase() -> None:
            await self.ctx.run(self.ctx.app.logout, True)

        body = msg("logout.body_unsynced", count=count) if count else msg("logout.body")
        actions = [(msg("logout.keep"), sign_out, False)]
        if count:
            actions.append((msg("logout.erase_anyway", count=count), erase, True))
        else:
            actions.append((msg("logout.erase"), erase, True))
        self.ctx.confirm(msg("logout.title"), body, actions)

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        server_note: ft.Control = ft.Container()
        if vm.server_message is not None:
            server_note = (
                info_line(tr(vm.server_message), ft.Icons.CHECK)
                if vm.server_ok
                else error_line(tr(vm.server_message))
            )
        pin_note: ft.Control = ft.Container()
        if vm.pin_message is not None:
            pin_note = (
                info_line(tr(vm.pin_message), ft.Icons.CHECK)
                if vm.pin_ok
                else error_line(tr(vm.pin_message))
            )
        about: list[ft.Control] = [
            ft.Row(
                [
                    ft.Text(tr(line.label), size=sz(TEXT), width=150),
                    ft.Text(line.value, size=sz(TEXT), selectable=True, expand=True),
                ]
            )
            for line in vm.about
        ]
        return [
            heading(t("settings.language")),
            choice_row(list(vm.languages.items()), vm.language, self._language, "language-select"),
            heading(t("settings.text_size")),
            choice_row(
                [(step, tr(name)) for step, name in vm.text_sizes],
                vm.text_size,
                self._text_size,
                "text-size",
            ),
            heading(t("settings.server")),
            tid("settings-server", self.server),
            server_note,
            secondary_button(t("settings.server_save"), self._save_server, ft.Icons.SAVE),
            heading(t("settings.pin")),
            self.old_pin,
            self.new_pin,
            self.confirm_pin,
            pin_note,
            ft.Row(
                [
                    secondary_button(
                        t("settings.pin_change"),
                        self._change_pin,
                        ft.Icons.PASSWORD,
                        disabled=self.busy,
                    ),
                    *([ft.ProgressRing(width=24, height=24)] if self.busy else []),
                ]
            ),
            heading(t("settings.session")),
            ft.Row(
                [
                    secondary_button(t("settings.lock"), self._lock, ft.Icons.LOCK, "lock-now"),
                    secondary_button(
                        t("settings.logout"), self._logout, ft.Icons.LOGOUT, "logout", danger=True
                    ),
                ],
                wrap=True,
                spacing=8,
            ),
            heading(t("settings.about")),
            card(about),
            label(t("settings.privacy")),
        ]
