"""Signing in, choosing a PIN and unlocking, as the screens drive them."""

from field_app.services.session import SessionState
from field_app.viewmodels.access import LoginForm, PinMode, pin_problem
from field_app.viewmodels.app import AppViewModel, Gate
from field_app.viewmodels.nav import Screen
from tests.factories import PASSWORD
from tests.integration.viewmodel_fixtures import (
    EN,
    PIN,
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def test_the_form_says_what_is_missing_before_anything_is_sent(phones: Phones) -> None:
    form = LoginForm(phones.new())
    assert form.server_url == "http://testserver"  # pre-filled from the settings
    form.server_url = "testserver"
    assert not form.submit()
    assert {name: say(m) for name, m in form.field_errors.items()} == {
        "server": "Enter the address as http://… or https://…",
        "username": "Enter your username",
        "password": "Enter your password",
    }
    assert phones.link.delivered == []


def test_a_wrong_password_and_no_network_each_say_what_to_do(phones: Phones) -> None:
    core = phones.new()
    form = LoginForm(core)
    form.username, form.password = "mediator.baijia", "not-the-password"
    assert not form.submit()
    assert say(form.error).startswith("Username or password is wrong")
    phones.link.up = False
    form.password = PASSWORD
    assert not form.submit()
    assert say(form.error) == (
        "Cannot reach the server at http://testserver. "
        "Check the address and your connection, then try again."
    )
    assert not form.busy
    assert core.state is SessionState.SIGNED_OUT


def test_sign_in_then_choose_a_pin_opens_the_home_screen(phones: Phones) -> None:
    core = phones.new()
    app = AppViewModel(core, EN)
    assert app.gate is Gate.SIGN_IN
    form = app.login_form()
    form.username, form.password = " mediator.baijia ", PASSWORD
    assert form.submit()
    assert app.refresh_gate()
    assert app.gate is Gate.CHOOSE_PIN
    pin = app.pin_form()
    assert pin.mode is PinMode.CHOOSE
    pin.pin, pin.confirm = PIN, "258148"
    assert not pin.submit()
    assert say(pin.error) == "The two PINs differ. Type the same PIN twice."
    pin.pin = pin.confirm = PIN
    assert pin.submit()
    app.refresh_gate()
    assert app.gate is Gate.INSIDE
    assert app.nav.current.screen is Screen.HOME
    assert app.tabs == [Screen.HOME, Screen.CASES, Screen.SETTINGS]


def test_weak_pins_are_refused_with_the_reason() -> None:
    assert say(pin_problem("1234")) == "Use at least 6 digits (numbers only)."
    assert say(pin_problem("12a456")) == "Use at least 6 digits (numbers only)."
    assert say(pin_problem("777777")).startswith("One digit repeated")
    assert say(pin_problem("345678")).startswith("Consecutive digits")
    assert say(pin_problem("987654")).startswith("Consecutive digits")
    assert pin_problem(PIN) is None


def test_a_longer_passcode_can_be_chosen_and_unlocks_with_its_own_words(phones: Phones) -> None:
    core = phones.new("phone")
    app = AppViewModel(core, EN)
    form = app.login_form()
    form.username, form.password = "mediator.baijia", PASSWORD
    assert form.submit()
    app.refresh_gate()
    choose = app.pin_form()
    assert not choose.passcode
    choose.set_passcode(True)
    choose.pin = choose.confirm = "short1"
    assert not choose.submit()
    assert say(choose.error) == "Use at least 8 characters, with letters."
    choose.pin, choose.confirm = "river stone 42", "river stone 43"
    assert not choose.submit()
    assert say(choose.error) == "The two passcodes differ. Type the same passcode twice."
    choose.pin = choose.confirm = "river stone 42"
    assert choose.submit()
    core.lock()

    again = AppViewModel(phones.new("phone"), EN)
    unlock = again.pin_form()
    assert unlock.mode is PinMode.UNLOCK
    assert unlock.passcode  # the text keyboard, and a passcode's words
    unlock.pin = "river stone 41"
    assert not unlock.submit()
    assert say(unlock.error) == "Wrong passcode. Try again."
    unlock.pin = "river stone 42"
    assert unlock.submit()


def test_weak_passcodes_are_refused_with_the_reason() -> None:
    assert say(pin_problem("abc12", passcode=True)) == "Use at least 8 characters, with letters."
    assert say(pin_problem("12345678", passcode=True)) == "Use at least 8 characters, with letters."
    assert say(pin_problem("aaaaAAAA", passcode=True)).startswith("One character repeated")
    assert pin_problem("river stone 42", passcode=True) is None


def test_a_later_start_unlocks_offline_and_warns_before_the_wipe(phones: Phones) -> None:
    phones.signed_in("officer.baijia", name="phone")
    phones.link.up = False
    core = phones.new("phone")  # the app started again
    app = AppViewModel(core, EN)
    assert app.gate is Gate.UNLOCK
    pin = app.pin_form()
    assert pin.mode is PinMode.UNLOCK
    pin.pin = "111111"
    assert not pin.submit()
    assert (say(pin.error), pin.warning) == ("Wrong PIN. Try again.", None)
    pin.pin = "222222"
    assert not pin.submit()
    assert say(pin.warning) == "Careful: after 2 more wrong PINs the data on this phone is erased."
    pin.pin = PIN
    assert pin.submit()
    assert say(pin.notice) == "2 wrong PINs were entered on this phone since it was last unlocked."
    assert app.refresh_gate()
    assert app.gate is Gate.INSIDE
    assert app.tabs == [Screen.HOME, Screen.SUBJECTS, Screen.SETTINGS]


def test_too_many_wrong_pins_erase_the_phone_and_go_back_to_sign_in(phones: Phones) -> None:
    phones.signed_in("officer.baijia", name="phone")
    core = phones.new("phone")
    app = AppViewModel(core, EN)
    pin = app.pin_form()
    for wrong in ("111111", "222222", "333333", "444444"):
        pin.pin = wrong
        assert not pin.submit()
    assert pin.wiped
    assert say(pin.error).startswith("Too many wrong PINs")
    app.refresh_gate()
    assert app.gate is Gate.SIGN_IN
    assert not (phones.folder / "phone" / "field.db").exists()


def test_signing_out_keeps_unsent_work_and_asks_for_the_password_again(phones: Phones) -> None:
    from tests.integration.test_viewmodels_cases import new_case

    core = phones.signed_in("mediator.baijia")
    new_case(core, "楼道堆物纠纷")
    phones.link.up = False
    app = AppViewModel(core, EN)
    assert core.unsynced_count() == 1  # the case with its two parties
    app.logout()
    assert app.gate is Gate.SIGN_IN_AGAIN
    form = app.login_form()
    assert form.again
    assert form.username == "mediator.baijia"
    phones.link.up = True
    form.password = PASSWORD
    assert form.submit()
    app.refresh_gate()
    assert app.gate is Gate.INSIDE
    core.sync_once()
    assert core.unsynced_count() == 0


def _one_time_password(phones: Phones, username: str) -> str:
    admin = phones.server.login("admin", "admin-desk")
    response = phones.server.http.post(
        f"/api/v1/admin/users/{phones.server.district.user(username).id}/reset-password",
        json={"reason": "forgotten"},
        headers={"Authorization": f"Bearer {admin['token']}"},
    )
    assert response.status_code == 200, response.text
    one_time: str = response.json()["one_time_password"]
    return one_time


def test_a_one_time_password_leads_to_the_change_password_screen(phones: Phones) -> None:
    from tests.integration.test_viewmodels_cases import new_case

    core = phones.signed_in("mediator.baijia")
    new_case(core, "楼道堆物纠纷")
    waiting = core.unsynced_count()
    assert waiting > 0
    one_time = _one_time_password(phones, "mediator.baijia")
    core.sync_once()  # the server refuses the old token: sign in again
    app = AppViewModel(core, EN)
    assert app.gate is Gate.SIGN_IN_AGAIN
    login = app.login_form()
    login.password = one_time
    assert login.submit()
    assert app.refresh_gate()
    assert app.gate is Gate.CHANGE_PASSWORD

    form = app.password_form()
    assert form.username == "mediator.baijia"
    for password, confirm, field, said in [
        ("short", "short", "password", "Use at least 10 characters."),
        ("xx-mediator.baijia", "x", "password", "Do not put your username in your password."),
        ("a-new-and-long-password", "a-new-and-long-passw0rd", "confirm", "The two passwords"),
    ]:
        form.password, form.confirm = password, confirm
        assert not form.submit()
        assert say(form.field_errors[field]).startswith(said)
    assert core.unsynced_count() == waiting  # nothing sent with the must-change token

    form.password = form.confirm = "a-new-and-long-password"
    assert form.submit(), say(form.error)
    assert app.refresh_gate()
    assert app.gate is Gate.INSIDE
    core.sync_once()
    assert core.unsynced_count() == 0


def test_the_change_password_screen_speaks_chinese_too(phones: Phones) -> None:
    from field_app.i18n import Translator

    one_time = _one_time_password(phones, "officer.baijia")
    core = phones.new("fresh")
    form = LoginForm(core)
    form.username, form.password = "officer.baijia", one_time
    assert form.submit()
    app = AppViewModel(core, Translator("zh_CN"))
    assert app.gate is Gate.CHANGE_PASSWORD
    password = app.password_form()
    password.password = password.confirm = "short"
    assert not password.submit()
    assert app.translator.render(password.field_errors["password"]) == "请至少使用 10 个字符。"


def test_a_device_of_another_user_and_a_deactivated_account_say_what_to_do(
    phones: Phones,
) -> None:
    core = phones.new()
    form = LoginForm(core)
    form.username, form.password = "mediator.baijia", PASSWORD
    device_id = core.session._new_device_id
    phones.server.login("mediator.xiyuan", device_id)
    assert not form.submit()
    assert say(form.error).startswith("This phone is registered to another user")
    admin = phones.server.login("admin", "admin-desk")
    phones.server.http.post(
        f"/api/v1/admin/users/{phones.server.district.user('officer.baijia').id}/deactivate",
        json={"reason": "left"},
        headers={"Authorization": f"Bearer {admin['token']}"},
    )
    form.username = "officer.baijia"
    core.session._new_device_id = "dev-another-0001"
    assert not form.submit()
    assert say(form.error).startswith("This account is switched off")
