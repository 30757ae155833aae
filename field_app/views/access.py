"""Sign in, choose a new password, choose a PIN (or a longer passcode),
unlock: the screens before the data is open."""

import flet as ft

from field_app.i18n import LANGUAGES
from field_app.viewmodels.access import LoginForm, PasswordForm, PinForm, PinMode
from field_app.views.context import ViewContext
from field_app.views.theme import HEADLINE, PRIMARY, TEXT, sz
from field_app.views.widgets import (
    choice_row,
    error_line,
    info_line,
    label,
    primary_button,
    text_field,
    tid,
)


def _frame(ctx: ViewContext, controls: list[ft.Control]) -> ft.Control:
    """A centred column, 440 px at most: the same on a phone and a tablet."""
    language = choice_row(
        list(LANGUAGES.items()),
        ctx.translator.language,
        lambda code: _switch_language(ctx, code),
        "language-select",
    )
    return ft.Container(
        ft.Column(
            [
                ft.Row(
                    [
                        ft.Icon(ft.Icons.BALANCE, color=PRIMARY, size=40),
                        ft.Text(
                            ctx.t("app.name"),
                            size=sz(HEADLINE),
                            weight=ft.FontWeight.W_700,
                            color=PRIMARY,
                        ),
                    ],
                ),
                label(ctx.t("app.tagline")),
                *controls,
                ft.Divider(),
                language,
            ],
            spacing=14,
            scroll=ft.ScrollMode.AUTO,
            width=440,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
        alignment=ft.Alignment.TOP_CENTER,
        padding=20,
        expand=True,
    )


def _form_screen(
    ctx: ViewContext,
    heading: tuple[str, str],
    fields: list[ft.Control],
    submit: ft.Control,
    busy: ft.Control,
    info: ft.Control,
) -> ft.Control:
    """A screen of one form before the data is open (sign in, a new
    password): title and intro at the chosen text size, the fields, the
    submit button with its progress ring, and a line of what to know."""
    title, intro = heading
    return _frame(
        ctx,
        [
            ft.Text(title, size=sz(TEXT) + 4, weight=ft.FontWeight.W_600),
            label(intro, size=sz(TEXT)),
            *fields,
            ft.Row([submit, busy]),
            info,
        ],
    )


def _switch_language(ctx: ViewContext, code: str) -> None:
    ctx.app.core.set_language(code)
    ctx.translator.set_language(code)


class LoginView:
    def __init__(self, ctx: ViewContext, form: LoginForm) -> None:
        self.ctx = ctx
        self.form = form
        t = ctx.t
        self.server = text_field(
            t("login.server"),
            form.server_url,
            self._set("server_url"),
            keyboard=ft.KeyboardType.URL,
        )
        self.username = text_field(t("login.username"), form.username, self._set("username"))
        self.username.read_only = form.again
        self.password = text_field(
            t("login.password"),
            "",
            self._set("password"),
            password=True,
            on_submit=self._submit,
            reveal_label=t("common.show_typed"),
        )
        self.error = ft.Container()
        self.busy = ft.ProgressRing(visible=False, width=28, height=28)
        form.subscribe(self._render)

    def _set(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            setattr(self.form, name, e.control.value or "")

        return changed

    def _render(self) -> None:
        errors = self.form.field_errors
        self.server.error = self.ctx.tr(errors.get("server")) or None
        self.username.error = self.ctx.tr(errors.get("username")) or None
        self.password.error = self.ctx.tr(errors.get("password")) or None
        self.error.content = error_line(self.ctx.tr(self.form.error))
        self.busy.visible = self.form.busy

    async def _submit(self, _: ft.Event[ft.Control]) -> None:
        if await self.ctx.run(self.form.submit):
            self.ctx.app.refresh_gate()
        self.ctx.page.update()

    def control(self) -> ft.Control:
        t = self.ctx.t
        intro = t("login.again_intro") if self.form.again else t("login.intro")
        self._render()
        return _form_screen(
            self.ctx,
            (t("login.title"), intro),
            [
                tid("login-server", self.server),
                tid("login-username", self.username),
                tid("login-password", self.password),
                self.error,
            ],
            primary_button(
                t("login.submit"), self._submit, ft.Icons.LOGIN, "login-submit", expand=True
            ),
            self.busy,
            info_line(t("login.network_needed"), ft.Icons.WIFI),
        )


class PasswordView:
    """After an admin's reset: a new password (twice) before anything else."""

    def __init__(self, ctx: ViewContext, form: PasswordForm) -> None:
        self.ctx = ctx
        self.form = form
        t = ctx.t
        self.password = text_field(
            t("password.new"), "", self._set("password"), password=True, autofocus=not ctx.page.web
        )
        self.confirm = text_field(
            t("password.confirm"), "", self._set("confirm"), password=True, on_submit=self._submit
        )
        self.error = ft.Container()
        self.busy = ft.ProgressRing(visible=False, width=28, height=28)
        form.subscribe(self._render)

    def _set(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            setattr(self.form, name, e.control.value or "")

        return changed

    def _render(self) -> None:
        errors = self.form.field_errors
        self.password.error = self.ctx.tr(errors.get("password")) or None
        self.confirm.error = self.ctx.tr(errors.get("confirm")) or None
        self.error.content = error_line(self.ctx.tr(self.form.error))
        self.busy.visible = self.form.busy
        if not self.form.busy:
            self.password.value = self.form.password
            self.confirm.value = self.form.confirm

    async def _submit(self, _: ft.Event[ft.Control]) -> None:
        if await self.ctx.run(self.form.submit) or self.form.signed_out:
            self.ctx.app.refresh_gate()
        self.ctx.page.update()

    def control(self) -> ft.Control:
        t = self.ctx.t
        self._render()
        return _form_screen(
            self.ctx,
            (t("password.title"), t("password.intro", username=self.form.username)),
            [tid("password-new", self.password), tid("password-confirm", self.confirm), self.error],
            primary_button(
                t("password.submit"),
                self._submit,
                ft.Icons.PASSWORD,
                "password-submit",
                expand=True,
            ),
            self.busy,
            info_line(t("password.rule"), ft.Icons.INFO_OUTLINE),
        )


class PinView:
    """Choose a PIN or a longer passcode (a choice on the same screen), or
    unlock with the one chosen: the words and the keyboard follow it."""

    def __init__(self, ctx: ViewContext, form: PinForm) -> None:
        self.ctx = ctx
        self.form = form
        self.error = ft.Container()
        self.busy = ft.ProgressRing(visible=False, width=28, height=28)
        self.root = ft.Container()
        self._fields()
        form.subscribe(self._render)

    def _fields(self) -> None:
        """The secret's fields, for a PIN (digits) or a passcode (any keyboard)."""
        ctx, form = self.ctx, self.form
        choose = form.mode is PinMode.CHOOSE
        keyboard = ft.KeyboardType.TEXT if form.passcode else ft.KeyboardType.NUMBER
        self.pin = text_field(
            ctx.t(form.key("new")) if choose else ctx.t(form.key("enter")),
            "",
            self._set("pin"),
            password=True,
            keyboard=keyboard,
            on_submit=None if choose else self._submit,
            reveal_label=ctx.t("common.show_typed"),
            # On a phone the keyboard opens at once. In a browser, focus given
            # before the accessibility tree exists is not in that tree, so a
            # screen reader (or an automated tap) cannot find the field.
            autofocus=not ctx.page.web,
        )
        self.confirm = text_field(
            ctx.t(form.key("confirm")),
            "",
            self._set("confirm"),
            password=True,
            keyboard=keyboard,
            on_submit=self._submit,
            reveal_label=ctx.t("common.show_typed"),
        )

    def _set(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            setattr(self.form, name, e.control.value or "")

        return changed

    def _choose_kind(self, kind: str) -> None:
        self.form.set_passcode(kind == "passcode")
        self._fields()
        self.root.content = self._content()
        self.ctx.page.update()

    def _render(self) -> None:
        parts = [error_line(self.ctx.tr(self.form.error))]
        if self.form.warning is not None:
            parts.append(
                info_line(self.ctx.tr(self.form.warning), ft.Icons.WARNING, ft.Colors.RED_800)
            )
        self.error.content = ft.Column(parts)
        self.busy.visible = self.form.busy
        if not self.form.busy:
            self.pin.value = self.form.pin
            self.confirm.value = self.form.confirm

    async def _submit(self, _: ft.Event[ft.Control]) -> None:
        if await self.ctx.run(self.form.submit) or self.form.wiped:
            if self.form.notice is not None:
                self.ctx.toast(self.form.notice)
            self.ctx.app.refresh_gate()
        self.ctx.page.update()

    def control(self) -> ft.Control:
        self.root.content = self._content()
        return self.root

    def _content(self) -> ft.Control:
        t, form = self.ctx.t, self.form
        choose = form.mode is PinMode.CHOOSE
        kinds: list[ft.Control] = []
        if choose:
            kinds.append(
                choice_row(
                    [("pin", t("pin.kind.pin")), ("passcode", t("pin.kind.passcode"))],
                    "passcode" if form.passcode else "pin",
                    self._choose_kind,
                    "pin-kind",
                )
            )
        fields: list[ft.Control] = [tid("pin-input", self.pin)]
        if choose:
            fields.append(tid("pin-confirm", self.confirm))
        self._render()
        return _frame(
            self.ctx,
            [
                ft.Text(
                    t(form.key("choose_title")) if choose else t(form.key("unlock_title")),
                    size=sz(TEXT) + 4,
                    weight=ft.FontWeight.W_600,
                ),
                label(
                    t(form.key("choose_intro")) if choose else t(form.key("unlock_intro")),
                    size=sz(TEXT),
                ),
                *kinds,
                *fields,
                self.error,
                ft.Row(
                    [
                        primary_button(
                            t(form.key("save")) if choose else t("pin.unlock"),
                            self._submit,
                            ft.Icons.LOCK_OPEN,
                            "pin-submit",
                            expand=True,
                        ),
                        self.busy,
                    ]
                ),
                *([] if choose else [info_line(t("pin.offline_ok"), ft.Icons.WIFI_OFF)]),
            ],
        )
