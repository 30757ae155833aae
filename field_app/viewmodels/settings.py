"""Settings: the language and the text size (both switch at once), the
server address, the PIN, signing out and locking, and what versions this is."""

import platform
from dataclasses import dataclass

import flet

from field_app.core import TEXT_SIZES, FieldAppCore, app_version, valid_server_url
from field_app.i18n import LANGUAGES, Msg, Translator, msg
from field_app.security.keystore import DataWipedError, SecretKind, WrongPinError, secret_kind
from field_app.viewmodels.access import pin_problem
from field_app.viewmodels.base import Saving, saves_once
from shared_models.protocol.version import PROTOCOL_VERSION


@dataclass(frozen=True)
class AboutLine:
    label: Msg
    value: str


class SettingsViewModel(Saving):
    def __init__(self, core: FieldAppCore, translator: Translator) -> None:
        super().__init__()
        self.core = core
        self.translator = translator
        self.server_url = core.server_url
        self.server_message: Msg | None = None
        self.server_ok = True
        self.old_pin = ""
        self.new_pin = ""
        self.confirm_pin = ""
        self.passcode = core.session.secret_kind is SecretKind.PASSCODE
        """The phone is protected by a passcode, not a PIN: the text keyboard."""
        self.pin_message: Msg | None = None
        self.pin_ok = False
        self.wiped = False

    EDITABLE = ("server_url", "old_pin", "new_pin", "confirm_pin")

    def edit(self, name: str, value: str) -> None:
        """What is typed in a field; a changed address or PIN may be saved
        again (``SaveGuard``: the same one is saved once)."""
        if name not in self.EDITABLE:
            raise KeyError(name)
        setattr(self, name, value)
        self.saves.reopen()

    languages = LANGUAGES

    @property
    def language(self) -> str:
        return self.translator.language

    def set_language(self, language: str) -> None:
        self.translator.set_language(language)
        self.core.set_language(language)
        self.notify()

    @property
    def text_sizes(self) -> list[tuple[str, Msg]]:
        return [(step, msg(f"settings.text_size.{step}")) for step in TEXT_SIZES]

    @property
    def text_size(self) -> str:
        return self.core.text_size

    def set_text_size(self, step: str) -> None:
        self.core.set_text_size(step)
        self.notify()

    @saves_once
    def save_server(self) -> bool:
        url = self.server_url.strip()
        if not valid_server_url(url) or not self.core.server_url_allowed(url):
            self.server_ok = False
            plain = valid_server_url(url)
            self.server_message = msg(
                "transport.error.plain_http" if plain else "login.error.server_format"
            )
            self.notify()
            return False
        self.core.set_server_url(url)
        self.server_ok = True
        self.server_message = msg("settings.server_saved")
        self.core.sync_now()
        self.notify()
        return True

    @saves_once
    def change_pin(self) -> bool:
        """Blocking (two key derivations)."""
        self.pin_ok = False
        new_kind = secret_kind(self.new_pin) if self.new_pin else SecretKind.PIN
        problem = pin_problem(self.new_pin, self.passcode or new_kind is SecretKind.PASSCODE)
        if problem is None and self.new_pin != self.confirm_pin:
            problem = msg("pin.error.mismatch")
        if problem is None and not self.old_pin:
            problem = msg("pin.error.empty")
        if problem is not None:
            self.pin_message = problem
            self.notify()
            return False
        try:
            self.core.change_pin(self.old_pin, self.new_pin)
        except WrongPinError as wrong:
            self.pin_message = (
                msg("pin.warning.wipe", count=wrong.attempts_left)
                if wrong.warn
                else msg("pin.error.wrong")
            )
            return False
        except DataWipedError:
            self.wiped = True
            self.pin_message = msg("pin.error.wiped")
            return False
        finally:
            self.old_pin = self.new_pin = self.confirm_pin = ""
            self.notify()
        self.pin_ok = True
        self.pin_message = msg("settings.pin_changed")
        self.notify()
        return True

    @property
    def about(self) -> list[AboutLine]:
        user = self.core.user
        lines = [
            AboutLine(msg("about.app"), app_version()),
            AboutLine(msg("about.protocol"), str(PROTOCOL_VERSION)),
            AboutLine(msg("about.flet"), flet.__version__),
            AboutLine(msg("about.python"), platform.python_version()),
            AboutLine(msg("about.device"), self.core.device_id),
        ]
        if user is not None:
            lines.insert(0, AboutLine(msg("about.user"), f"{user.display_name} ({user.username})"))
        return lines

    def unsynced(self) -> int:
        return self.core.unsynced_count()
