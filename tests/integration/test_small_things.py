"""The small things a person notices: the device's name on the desk, the
text-size setting, a date picked on a calendar."""

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import flet as ft
import pytest
from sqlalchemy import select

from field_app.config import AppSettings
from field_app.core import TEXT_SIZES, FieldAppCore
from field_app.services.session import device_label
from field_app.viewmodels.settings import SettingsViewModel
from field_app.views import theme
from field_app.views.device_model import describe
from field_app.views.widgets import picked_day
from sync_server.tables.bookkeeping import DeviceToken
from tests.factories import PASSWORD
from tests.integration.sync_fixtures import BASE_URL
from tests.integration.viewmodel_fixtures import (  # noqa: F401  (phones_fixture: the fixture)
    CHEAP_KDF,
    EN,
    Phones,
    phones_fixture,
)


def test_a_device_is_named_by_its_user_and_model_never_its_host_name() -> None:
    assert device_label("mediator.baijia", "Xiaomi  2201117TG\n") == (
        "mediator.baijia · Xiaomi 2201117TG"
    )
    assert device_label("mediator.baijia", "") == "mediator.baijia"
    assert len(device_label("u", "x" * 500)) <= 200


def _android(manufacturer: str, model: str) -> ft.AndroidDeviceInfo:
    """A phone's answer; only the maker and model matter here."""
    required = {
        field.name: {int: 0, str: "", bool: False}.get(field.type, [])  # type: ignore[call-overload]
        for field in dataclasses.fields(ft.AndroidDeviceInfo)
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    }
    required["version"] = None
    return ft.AndroidDeviceInfo(**{**required, "manufacturer": manufacturer, "model": model})


def test_the_model_comes_from_what_the_client_says_it_is() -> None:
    assert describe(_android("Xiaomi", "2201117TG"), "android") == "Xiaomi 2201117TG"
    assert describe(_android("samsung", "Samsung SM-A546E"), "android") == "Samsung SM-A546E"
    web = ft.WebDeviceInfo(
        locales=[], browser_name=ft.WebBrowserName.CHROME, platform="Linux x86_64"
    )
    assert describe(web, "linux") == "Chrome · Linux x86_64"
    assert describe(None, "android") == "android"


def test_sign_in_sends_the_user_and_model_as_the_device_name(phones: Phones) -> None:
    core = FieldAppCore(
        AppSettings(data_dir=phones.folder / "named", server_url=BASE_URL, allow_plain_http=True),
        transport=phones.link,
        kdf=CHEAP_KDF,
        background_sync=False,
    )
    phones.cores.append(core)
    core.set_device_model("Chrome · Linux x86_64")
    core.login("officer.baijia", PASSWORD)
    with phones.server.engine.connect() as connection:
        names = connection.scalars(select(DeviceToken.device_name)).all()  # type: ignore[call-overload]
    assert "officer.baijia · Chrome · Linux x86_64" in names
    assert "vm" not in names


def test_text_size_has_three_steps_up_to_at_least_1_3_times(phones: Phones) -> None:
    assert tuple(theme.TEXT_SCALES) == TEXT_SIZES
    scales = list(theme.TEXT_SCALES.values())
    assert len(scales) >= 3
    assert scales == sorted(scales)
    assert scales[-1] >= 1.3
    core = phones.new()
    settings = SettingsViewModel(core, EN)
    assert settings.text_size == "standard"
    assert [EN.render(name) for _, name in settings.text_sizes] == [
        "Standard",
        "Large",
        "Largest",
    ]
    settings.set_text_size("largest")
    assert phones.new().text_size == "largest"  # kept in ui.json, readable before the PIN
    with pytest.raises(ValueError, match="text size"):
        core.set_text_size("huge")
    try:
        theme.use_text_scale("largest")
        assert theme.sz(theme.TEXT) == round(18 * scales[-1])
        assert theme.text_style().size == theme.sz(theme.TEXT)
        # A floating field label reads at least at the small body size (Flutter draws it at 3/4).
        assert (theme.field_label_style().size or 0) * 0.75 >= theme.sz(theme.SMALL) - 1
    finally:
        theme.use_text_scale("standard")


@pytest.mark.parametrize(
    "sent",
    [
        datetime(2026, 12, 3),  # the client's local midnight, as it is
        datetime(2026, 12, 3, tzinfo=timezone(timedelta(hours=8))).astimezone(UTC),
        datetime(2026, 12, 3, tzinfo=timezone(timedelta(hours=-8))).astimezone(UTC),
        date(2026, 12, 3),
    ],
)
def test_a_picked_date_is_the_day_the_user_tapped(sent: date) -> None:
    assert picked_day(sent) == date(2026, 12, 3)
