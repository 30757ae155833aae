"""Start the field app.

On a phone, ``flet run`` / ``flet build`` call ``main``; here the app is
served to a browser (``lastmile app``), which is also how the end-to-end
tests drive it. Web mode must not reach any CDN (``no_cdn``): the field has
no network to spare, and the Chinese font ships with the app
(``shared_documents/assets/fonts``, the font the printed documents use too).
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from field_app.config import AppSettings
from field_app.core import FieldAppCore
from field_app.i18n import DEFAULT_LANGUAGE, Translator
from field_app.views.context import FilePickerPhotos, GeolocatorLocation
from field_app.views.shell import FieldAppView
from field_app.views.theme import FONT_FAMILY, FONTS, app_theme
from shared_documents import ASSETS_DIR

log = logging.getLogger(__name__)


def make_main(
    core: FieldAppCore, fonts_preloaded: bool = False
) -> Callable[[ft.Page], Awaitable[None]]:
    """The page handler. Every browser tab is a window onto the same device
    (one ``core``: one sign-in, one lock, one sync loop).

    ``fonts_preloaded``: the web client already has the bundled font from its
    font manifest (``web_app``); otherwise the page loads it."""

    async def main(page: ft.Page) -> None:
        page.title = "LastMile"
        if not fonts_preloaded:
            page.fonts = FONTS
        page.theme = app_theme()
        page.theme_mode = ft.ThemeMode.LIGHT
        page.padding = 0
        translator = Translator(core.language or DEFAULT_LANGUAGE, lambda: core.zone)
        view = FieldAppView(page, core, translator, FilePickerPhotos(), GeolocatorLocation())
        view.start()

    return main


def web_app(settings: AppSettings) -> Any:
    """The app as an ASGI application (served by uvicorn in ``lastmile app``):
    its web client renders on one thread (``web_renderer``) and has the
    bundled font before its first frame (``web_fonts``), and a tab that
    closes mid-write is let go quietly (``web_sockets``), and a picked
    file reaches the app through its in-memory inbox (``web_inbox``)."""
    # Web mode only: a phone build runs no web server of its own (``run``).
    from field_app.web_fonts import BundledFontFirst
    from field_app.web_inbox import InboxRoute
    from field_app.web_renderer import SingleThreadedRenderer
    from field_app.web_sockets import ClosedTabsQuiet

    core = FieldAppCore(settings)
    flet_app = ft.run(
        make_main(core, fonts_preloaded=True),
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
        export_asgi_app=True,
    )
    with_font = BundledFontFirst(flet_app, ASSETS_DIR, FONT_FAMILY, FONTS[FONT_FAMILY])
    return SingleThreadedRenderer(ClosedTabsQuiet(InboxRoute(with_font)))


def serve(settings: AppSettings, host: str, port: int) -> None:
    """Serve the app to browsers on ``host:port`` until interrupted."""
    import uvicorn

    # A browser tab left open must not hold the port for ever when the app stops.
    uvicorn.run(
        web_app(settings), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5
    )


def run() -> None:
    """``flet run`` / packaged builds: settings from the environment."""
    core = FieldAppCore(AppSettings())
    ft.run(make_main(core), assets_dir=str(ASSETS_DIR), no_cdn=True)


if __name__ == "__main__":
    run()
