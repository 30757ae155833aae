"""Settings, navigation and the home screen's list of what needs attention."""

import pytest

from field_app.core import UiPrefs
from field_app.i18n import Translator
from field_app.viewmodels.app import AppViewModel, Gate
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.intake import CaseIntakeViewModel
from field_app.viewmodels.nav import Navigator, Route, Screen, tabs_for
from field_app.viewmodels.settings import SettingsViewModel
from shared_models.domain.org import Role
from shared_models.protocol.tables import TableName
from tests.field_app.viewmodel_fixtures import (
    PIN,
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def test_the_language_switches_at_once_and_is_kept(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia", name="phone")
    translator = Translator("en")
    heard: list[str] = []
    translator.subscribe(lambda: heard.append(translator.language))
    settings = SettingsViewModel(core, translator)
    assert settings.languages == {"zh_CN": "简体中文", "en": "English"}
    settings.set_language("zh_CN")
    assert heard == ["zh_CN"]
    assert translator.t("nav.settings") == "设置"
    assert UiPrefs(phones.folder / "phone" / "ui.json").get("language") == "zh_CN"
    assert phones.new("phone").language == "zh_CN"  # readable before the PIN


def test_the_server_address_is_checked_and_used(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    settings = SettingsViewModel(core, Translator("en"))
    settings.server_url = "district server"
    assert not settings.save_server()
    assert say(settings.server_message) == "Enter the address as http://… or https://…"
    settings.server_url = "https://lastmile.example.cn/"
    assert settings.save_server()
    assert core.server_url == "https://lastmile.example.cn"
    assert core.data.store.device.read().server_url == "https://lastmile.example.cn"


def test_changing_the_pin(phones: Phones) -> None:
    core = phones.signed_in("officer.baijia", name="phone")
    settings = SettingsViewModel(core, Translator("en"))
    settings.old_pin, settings.new_pin, settings.confirm_pin = PIN, "123456", "123456"
    assert not settings.change_pin()
    assert say(settings.pin_message).startswith("Consecutive digits")
    settings.old_pin, settings.new_pin, settings.confirm_pin = "000001", "390571", "390571"
    assert not settings.change_pin()
    assert say(settings.pin_message) == "Wrong PIN. Try again."
    settings.old_pin, settings.new_pin, settings.confirm_pin = PIN, "390571", "390571"
    assert settings.change_pin()
    assert say(settings.pin_message) == "PIN changed."
    core.lock()
    with pytest.raises(Exception, match="wrong PIN"):
        core.unlock(PIN)
    core.unlock("390571")
    assert [say(line.label) for line in settings.about][:3] == [
        "Signed in as",
        "App version",
        "Sync protocol",
    ]


def test_a_pin_can_become_a_passcode_and_a_passcode_stays_one(phones: Phones) -> None:
    core = phones.signed_in("officer.baijia", name="phone")
    settings = SettingsViewModel(core, Translator("en"))
    assert not settings.passcode
    settings.old_pin, settings.new_pin, settings.confirm_pin = PIN, "quiet1", "quiet1"
    assert not settings.change_pin()
    assert say(settings.pin_message) == "Use at least 8 characters, with letters."
    settings.old_pin, settings.new_pin, settings.confirm_pin = PIN, "quiet harbour", "quiet harbour"
    assert settings.change_pin()
    now = SettingsViewModel(core, Translator("en"))
    assert now.passcode  # the text keyboard from now on, and a passcode's rule
    now.old_pin, now.new_pin, now.confirm_pin = "quiet harbour", "39057142", "39057142"
    assert not now.change_pin()
    assert say(now.pin_message) == "Use at least 8 characters, with letters."
    core.lock()
    core.unlock("quiet harbour")


def test_tabs_follow_the_role_and_the_stack_goes_back_to_the_tab() -> None:
    assert tabs_for(Role.MEDIATOR) == [Screen.HOME, Screen.CASES, Screen.SETTINGS]
    assert tabs_for(Role.OFFICER) == [Screen.HOME, Screen.SUBJECTS, Screen.SETTINGS]
    assert Screen.SUBJECTS in tabs_for(Role.SUPERVISOR)
    nav = Navigator()
    nav.go_tab(Screen.CASES)
    nav.push(Route.to(Screen.CASE, id="1"))
    nav.push(Route.to(Screen.CASE, id="1"))  # a double tap opens it once
    nav.push(Route.to(Screen.VISIT_NEW, case="1"))
    nav.replace(Route.to(Screen.CASE, id="1"))
    assert [r.screen for r in nav.stack] == [Screen.CASES, Screen.CASE, Screen.CASE]
    nav.back()
    nav.back()
    nav.back()
    assert nav.stack == [Route(Screen.CASES)]


def test_a_screen_keeps_its_model_until_the_user_leaves_it(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    app = AppViewModel(core, Translator("en"))
    app.nav.push(Route(Screen.CASE_NEW))
    intake = app.screen_model(app.nav.current)
    assert app.screen_model(app.nav.current) is intake  # a re-render (language, rotation)
    app.nav.back()
    app.nav.push(Route(Screen.CASE_NEW))
    assert app.screen_model(app.nav.current) is not intake
    app.lock()
    assert app.gate is Gate.UNLOCK


def test_a_refused_change_shows_why_and_can_be_dropped(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    intake = CaseIntakeViewModel(core)
    intake.set("title", "邻里噪音纠纷")
    intake.set("category", "neighbourhood")
    intake.set("unit", str(phones.server.district.xiyuan.id))  # another office's
    intake.set_party(0, "name", "王桂芳")
    assert intake.save()
    core.sync_once()
    assert core.status.needs_attention == 2  # the case, and its party with it
    home = HomeViewModel(core)
    assert sorted(say(item.title) for item in home.attention) == [
        "The server refused a change (case “邻里噪音纠纷”)",
        "The server refused a change (party “王桂芳”)",
    ]
    for item in home.attention:
        assert item.kind == "rejected"
        assert item.detail  # the server's reason, shown as it is
        assert item.route == Route.to(Screen.CASE, id=str(intake.saved_id))
    for item in list(home.attention):
        home.give_up(item)
    assert home.attention == []
    assert core.status.needs_attention == 0
    assert core.data.store.records.get(TableName.CASES, intake.saved_id) is None


def test_idle_time_locks_and_erasing_on_sign_out_leaves_nothing(phones: Phones) -> None:
    now = [1000.0]
    core = phones.signed_in("officer.baijia", name="phone", clock=lambda: now[0])
    app = AppViewModel(core, Translator("en"))
    assert app.gate is Gate.INSIDE
    now[0] += 299
    assert not app.check_idle()
    core.touch()
    now[0] += 299
    assert not app.check_idle()  # a touch started the idle time again
    now[0] += 2
    assert app.check_idle()
    assert app.gate is Gate.UNLOCK
    pin = app.pin_form()
    pin.pin = PIN
    assert pin.submit()
    app.refresh_gate()
    app.logout(erase=True)
    assert app.gate is Gate.SIGN_IN
    assert sorted(p.name for p in (phones.folder / "phone").iterdir()) == ["ui.json"]
