"""Getting in: the first sign-in (server, username, password), choosing a
new password after an admin's reset, choosing a PIN (or a longer passcode),
unlocking with it, and signing in again when the server asks.

The forms validate before anything is sent, and every failure becomes a
sentence that says what to do next (check the address, the password, wait,
update the app). Wrong PINs say how many tries are left before this
phone's data is erased, from the keystore's warning threshold on.
"""

import itertools
from enum import StrEnum

from field_app.core import FieldAppCore, valid_server_url
from field_app.errors import AuthRevoked, Offline, ProtocolUnsupported, RequestRejected, SyncError
from field_app.i18n import Msg, msg
from field_app.security.keystore import (
    PASSCODE_MIN_LENGTH,
    DataWipedError,
    SecretKind,
    UnlockReport,
    WrongPinError,
)
from field_app.services.session import DifferentUserError, LockedError, SessionState
from field_app.viewmodels.base import Saving, saves_once, sync_error_message
from shared_models.protocol.auth import PasswordProblem, password_problem
from shared_models.protocol.errors import ErrorCode

_LOGIN_REFUSALS = {
    ErrorCode.INVALID_CREDENTIALS: "login.error.credentials",
    ErrorCode.TOO_MANY_ATTEMPTS: "login.error.too_many",
    ErrorCode.ACCOUNT_DISABLED: "login.error.account_disabled",
    ErrorCode.DEVICE_OF_ANOTHER_USER: "login.error.device_of_another_user",
}


class LoginForm(Saving):
    """Sign in with the password. Again-mode (the server asked, or the user
    signed out keeping the data) keeps the username of this phone's data."""

    def __init__(self, core: FieldAppCore) -> None:
        super().__init__()
        self.core = core
        self.again = core.state is SessionState.NEEDS_LOGIN
        user = core.user if self.again else None
        self.server_url = core.server_url
        self.username = user.username if user else ""
        self.password = ""
        self.error: Msg | None = None
        self.field_errors: dict[str, Msg] = {}

    def validate(self) -> bool:
        errors: dict[str, Msg] = {}
        if not valid_server_url(self.server_url):
            errors["server"] = msg("login.error.server_format")
        elif not self.core.server_url_allowed(self.server_url):
            errors["server"] = msg("transport.error.plain_http")
        if not self.username.strip():
            errors["username"] = msg("login.error.username_empty")
        if not self.password:
            errors["password"] = msg("login.error.password_empty")
        self.field_errors = errors
        self.error = None
        self.notify()
        return not errors

    @saves_once
    def submit(self) -> bool:
        """Blocking (network): views run it off the UI thread. ``True`` = signed in."""
        if not self.validate():
            return False
        self.notify()  # busy: the spinner shows
        try:
            self.core.login(self.username, self.password, self.server_url)
        except DifferentUserError:
            self.error = msg("login.error.different_user")
        except LockedError:
            self.error = msg("login.error.locked")
        except Offline:
            self.error = msg("login.error.offline", server=self.server_url)
        except ProtocolUnsupported:
            self.error = msg("login.error.update")
        except RequestRejected as refused:
            key = _LOGIN_REFUSALS.get(refused.code)
            self.error = msg(key) if key else sync_error_message(refused)
        except SyncError as error:
            self.error = sync_error_message(error)
        else:
            self.password = ""
            return True
        return False


_PASSWORD_PROBLEMS = {
    PasswordProblem.TOO_SHORT: "password.error.too_short",
    PasswordProblem.TOO_FEW_CHARACTERS: "password.error.too_few_characters",
    PasswordProblem.CONTAINS_USERNAME: "password.error.contains_username",
    PasswordProblem.SAME_AS_OLD: "password.error.same_as_old",
}


class PasswordForm(Saving):
    """A new password after signing in with a one-time one (an admin's
    reset). The rule is the server's (``password_problem``, shared), checked
    here first so the user hears it before anything is sent."""

    def __init__(self, core: FieldAppCore, username: str) -> None:
        super().__init__()
        self.core = core
        self.username = username
        self.password = ""
        self.confirm = ""
        self.error: Msg | None = None
        self.field_errors: dict[str, Msg] = {}
        self.signed_out = False
        """The sign-in died meanwhile: back to the sign-in screen."""

    def validate(self) -> bool:
        errors: dict[str, Msg] = {}
        problem = password_problem(self.password, self.username)
        if problem is not None:
            errors["password"] = msg(_PASSWORD_PROBLEMS[problem])
        elif self.password != self.confirm:
            errors["confirm"] = msg("password.error.mismatch")
        self.field_errors = errors
        self.error = None
        self.notify()
        return not errors

    @saves_once
    def submit(self) -> bool:
        """Blocking (network): views run it off the UI thread. ``True`` = changed."""
        if not self.validate():
            return False
        self.notify()  # busy: the spinner shows
        try:
            self.core.change_password(self.password)
        except Offline:
            self.error = msg("password.error.offline")
        except AuthRevoked:
            self.core.cancel_password_change()
            self.signed_out = True
            self.error = msg("password.error.sign_in_again")
        except RequestRejected as refused:
            problem = (refused.details or {}).get("problem")
            if refused.code is ErrorCode.PASSWORD_TOO_WEAK and problem in _PASSWORD_PROBLEMS:
                self.field_errors = {
                    "password": msg(_PASSWORD_PROBLEMS[PasswordProblem(str(problem))])
                }
            elif refused.code is ErrorCode.TOO_MANY_ATTEMPTS:
                self.error = msg("login.error.too_many")
            else:
                self.error = sync_error_message(refused)
        except SyncError as error:
            self.error = sync_error_message(error)
        else:
            return True
        finally:
            self.password = ""
            self.confirm = ""
        return False


class PinMode(StrEnum):
    CHOOSE = "choose"
    UNLOCK = "unlock"


def pin_problem(pin: str, passcode: bool = False) -> Msg | None:
    """Why a new PIN (or, with ``passcode``, a new passcode) is refused: the
    keystore's rule (``check_pin_strength``), said in the user's language."""
    if passcode:
        if len(pin) < PASSCODE_MIN_LENGTH or not any(c.isalpha() for c in pin):
            return msg("passcode.error.short")
        if len(set(pin.lower())) == 1:
            return msg("passcode.error.repeated")
        return None
    if not pin.isdigit() or len(pin) < 6:
        return msg("pin.error.short")
    if len(set(pin)) == 1:
        return msg("pin.error.repeated")
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {9}):
        return msg("pin.error.sequence")
    return None


class PinForm(Saving):
    """Choosing the secret (a PIN, or a longer passcode), or unlocking with
    it. After a right unlock, ``notice`` tells of wrong tries made since the
    last one (and of a wrong-PIN count someone rolled back)."""

    def __init__(self, core: FieldAppCore, mode: PinMode) -> None:
        super().__init__()
        self.core = core
        self.mode = mode
        self.pin = ""
        self.confirm = ""
        self.passcode = mode is PinMode.UNLOCK and core.session.secret_kind is SecretKind.PASSCODE
        self.error: Msg | None = None
        self.warning: Msg | None = None
        self.notice: Msg | None = None
        self.wiped = False

    def set_passcode(self, passcode: bool) -> None:
        """Choose a passcode (letters and digits) rather than a PIN."""
        if self.mode is PinMode.CHOOSE:
            self.passcode = passcode
            self.pin = self.confirm = ""
            self.error = None
            self.notify()

    def key(self, name: str) -> str:
        """The words of ``pin.<name>`` or, for a passcode, ``passcode.<name>``."""
        return f"{'passcode' if self.passcode else 'pin'}.{name}"

    @saves_once
    def submit(self) -> bool:
        """Blocking (key derivation takes a moment). ``True`` = unlocked."""
        self.error = None
        if self.mode is PinMode.CHOOSE:
            problem = pin_problem(self.pin, self.passcode)
            if problem is None and self.pin != self.confirm:
                problem = msg(self.key("error.mismatch"))
            if problem is not None:
                self.error = problem
                self.notify()
                return False
        elif not self.pin:
            self.error = msg(self.key("error.empty"))
            self.notify()
            return False
        self.notify()  # busy: the spinner shows
        try:
            if self.mode is PinMode.CHOOSE:
                self.core.choose_pin(self.pin)
            else:
                self.core.unlock(self.pin)
        except WrongPinError as wrong:
            self.error = msg(self.key("error.wrong"))
            self.warning = (
                msg("pin.warning.wipe", count=wrong.attempts_left) if wrong.warn else None
            )
            return False
        except DataWipedError:
            self.wiped = True
            self.error = msg("pin.error.wiped")
            return False
        except LockedError:
            self.error = msg("pin.error.sign_in_first")
            return False
        finally:
            self.pin = ""
            self.confirm = ""
        self.warning = None
        self.notice = _unlock_notice(self.core.session.unlock_report)
        return True


def _unlock_notice(report: UnlockReport | None) -> Msg | None:
    if report is None:
        return None
    if report.rolled_back:
        return msg("pin.notice.rolled_back", count=report.wrong_pins)
    if report.wrong_pins:
        return msg("pin.notice.wrong_since", count=report.wrong_pins)
    return None
