"""What every screen is given: the page, the app's view-model, the
translator, and the device's camera/gallery and GPS behind small adapters
(so a phone, a browser and a test can each supply their own)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import flet as ft
from flet_geolocator import Geolocator

from field_app.i18n import Msg, Translator
from field_app.viewmodels.app import AppViewModel
from field_app.viewmodels.nav import Route, Screen
from field_app.views.theme import TABLET_WIDTH, sz
from field_app.views.widgets import DatePickerTexts

log = logging.getLogger(__name__)
T = TypeVar("T")


class LocationUnavailableError(Exception):
    """No fix: no permission, no GPS, or it took too long."""


class LocationSource(Protocol):
    async def locate(self) -> tuple[float, float, float | None]:
        """``(lat, lon, accuracy in metres)``, or ``LocationUnavailableError``."""
        ...


class PhotoSource(Protocol):
    async def pick(self, many: bool) -> list[bytes]:
        """Photos chosen from the gallery (or taken with the camera, where the
        phone's picker offers it); empty when the user cancelled."""
        ...


class FilePickerPhotos:
    """Photos through ``ft.FilePicker`` (gallery on a phone, a file in a browser)."""

    def __init__(self) -> None:
        self.picker = ft.FilePicker()

    async def pick(self, many: bool) -> list[bytes]:
        files = await self.picker.pick_files(
            file_type=ft.FilePickerFileType.IMAGE,
            allow_multiple=many,
            with_data=True,
            cancel_upload_on_window_blur=False,
        )
        return [f.bytes for f in files if f.bytes]


class GeolocatorLocation:
    """The phone's (or browser's) position through the flet-geolocator service."""

    def __init__(self) -> None:
        self.geolocator = Geolocator()

    async def locate(self) -> tuple[float, float, float | None]:
        try:
            position = await asyncio.wait_for(self.geolocator.get_current_position(), 30)
        except Exception as error:
            # Permission refused, location off, no fix in time: all "no location".
            log.info("no location fix: %s", type(error).__name__)
            raise LocationUnavailableError from None
        if position.latitude is None or position.longitude is None:
            raise LocationUnavailableError
        accuracy = float(position.accuracy) if position.accuracy is not None else None
        return float(position.latitude), float(position.longitude), accuracy


@dataclass
class ViewContext:
    page: ft.Page
    app: AppViewModel
    translator: Translator
    photos: PhotoSource
    location: LocationSource
    rerender: Callable[[], None]
    """Rebuild the whole window (gate, language or layout changed)."""

    def tr(self, message: Msg | str | None) -> str:
        return self.translator.render(message)

    def t(self, key: str, **params: object) -> str:
        return self.translator.t(key, **params)

    def date_texts(self) -> DatePickerTexts:
        """A date picker's words and calendar in the active language."""
        chinese = self.translator.language == "zh_CN"
        return DatePickerTexts(
            open_picker=self.t("date.pick"),
            help=self.t("date.help"),
            cancel=self.t("common.cancel"),
            confirm=self.t("date.confirm"),
            locale=ft.Locale("zh", "CN") if chinese else ft.Locale("en", "US"),
            today=self.app.core.now().date(),
        )

    @property
    def tablet(self) -> bool:
        return (self.page.width or 0) >= TABLET_WIDTH

    def go(self, route: Route) -> None:
        self.app.core.touch()
        self.app.nav.push(route)

    def replace(self, route: Route) -> None:
        self.app.nav.replace(route)

    def back(self) -> None:
        self.app.nav.back()

    def tab(self, screen: Screen) -> None:
        self.app.core.touch()
        self.app.nav.go_tab(screen)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Blocking work (network, key derivation, photo re-encoding) off the UI loop.

        The screen is updated first (to show that something is happening);
        since that counts as the handler's update, a handler that awaits
        this must call ``page.update()`` again when it is done."""
        self.app.core.touch()
        self.page.update()
        return await asyncio.to_thread(work, *args)

    def toast(self, message: Msg | str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(self.tr(message), size=sz(18)), duration=4000))

    def confirm(
        self,
        title: Msg,
        body: Msg,
        actions: Sequence[tuple[Msg, Callable[[], Awaitable[None] | None], bool]],
    ) -> None:
        """A dialog with Cancel and ``actions`` (text, what it does, is it destructive)."""

        def close(_: ft.Event[ft.TextButton]) -> None:
            self.page.pop_dialog()

        def action(run: Callable[[], Awaitable[None] | None]) -> Callable[..., Awaitable[None]]:
            async def handler(_: ft.Event[ft.TextButton]) -> None:
                self.page.pop_dialog()
                result = run()
                if result is not None:
                    await result
                self.page.update()

            return handler

        buttons: list[ft.Control] = [ft.TextButton(self.t("common.cancel"), on_click=close)]
        for text, run, destructive in actions:
            style = ft.ButtonStyle(color=ft.Colors.RED_800) if destructive else None
            buttons.append(ft.TextButton(self.tr(text), on_click=action(run), style=style))
        self.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(self.tr(title)),
                content=ft.Text(self.tr(body), size=sz(18)),
                actions=buttons,
            )
        )
