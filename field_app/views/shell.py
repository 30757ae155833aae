"""The window: the gate screens (sign in, PIN) or, inside, a header, the
sync status bar, the current screen and the navigation (a bar at the
bottom of a phone, a rail on the left of a tablet)."""

import asyncio
import logging
from collections.abc import Callable

import flet as ft

from field_app.core import FieldAppCore
from field_app.i18n import Translator
from field_app.services.session import LockedError
from field_app.sync.status import SyncState, SyncStatus
from field_app.viewmodels.app import AppViewModel, Gate
from field_app.viewmodels.nav import Route, Screen
from field_app.views.access import LoginView, PasswordView, PinView
from field_app.views.context import LocationSource, PhotoSource, ViewContext
from field_app.views.device_model import device_model
from field_app.views.router import make_screen
from field_app.views.screen import ScreenView
from field_app.views.status_bar import StatusBar
from field_app.views.theme import PRIMARY, TITLE, app_theme, sz, use_text_scale
from field_app.views.widgets import icon_button, tid

log = logging.getLogger(__name__)
IDLE_CHECK_SECONDS = 10

_NAV = {
    Screen.HOME: (ft.Icons.HOME_OUTLINED, ft.Icons.HOME, "nav.home"),
    Screen.CASES: (ft.Icons.FOLDER_OUTLINED, ft.Icons.FOLDER, "nav.cases"),
    Screen.SUBJECTS: (ft.Icons.PEOPLE_OUTLINE, ft.Icons.PEOPLE, "nav.subjects"),
    Screen.SETTINGS: (ft.Icons.SETTINGS_OUTLINED, ft.Icons.SETTINGS, "nav.settings"),
    Screen.REVIEW: (ft.Icons.FACT_CHECK_OUTLINED, ft.Icons.FACT_CHECK, "nav.review"),
    Screen.APPROVALS: (ft.Icons.GAVEL_OUTLINED, ft.Icons.GAVEL, "nav.approvals"),
    Screen.CONFLICTS: (ft.Icons.CALL_SPLIT_OUTLINED, ft.Icons.CALL_SPLIT, "nav.conflicts"),
    Screen.DASHBOARD: (ft.Icons.INSERT_CHART_OUTLINED, ft.Icons.INSERT_CHART, "nav.dashboard"),
    Screen.DEVICES: (ft.Icons.DEVICES_OUTLINED, ft.Icons.DEVICES, "nav.devices"),
    Screen.ADMIN: (
        ft.Icons.ADMIN_PANEL_SETTINGS_OUTLINED,
        ft.Icons.ADMIN_PANEL_SETTINGS,
        "nav.admin",
    ),
}


class FieldAppView:
    def __init__(
        self,
        page: ft.Page,
        core: FieldAppCore,
        translator: Translator,
        photos: PhotoSource,
        location: LocationSource,
    ) -> None:
        self.page = page
        self.app = AppViewModel(core, translator)
        self.ctx = ViewContext(page, self.app, translator, photos, location, self.rerender)
        self.screen: ScreenView | None = None
        self.shown: tuple[Gate, Route | None, bool] | None = None
        self.root = ft.Container(expand=True)
        self.status_bar: StatusBar | None = None
        self.tabs_shown: list[Screen] = []
        self.data_version = core.status.data_version
        """The sync status's ``data_version`` the screen last read its data at."""
        self.text_size: str | None = None
        self._closed = False
        # Built inside the page handler: the app server's loop, which every
        # session shares and which outlives any one tab's connection.
        self._loop = asyncio.get_running_loop()
        self.app.subscribe(self._app_changed)
        self._unsubscribe_language = translator.subscribe(self.rerender)
        self._unsubscribe_status: Callable[[], None] | None = None
        self._listen_to_status()
        page.on_resize = self._resized
        # A closed tab keeps its session until Flet expires it (an hour later),
        # and a reload or a network blip reconnects the same session: sync news
        # is for a connected tab only.
        page.on_disconnect = self._disconnected
        page.on_connect = self._reconnected
        page.on_close = self._close

    def start(self) -> None:
        self.page.add(ft.SafeArea(self.root, expand=True))
        self.rerender()
        self.page.run_task(self._watch_idle)
        self.page.run_task(self._learn_device_model)

    async def _learn_device_model(self) -> None:
        self.app.core.set_device_model(await device_model(self.page))

    # -- what is on screen --------------------------------------------------------------

    def rerender(self) -> None:
        """Everything again (gate, language or layout changed)."""
        if self.screen is not None:
            self.screen.dispose()
            self.screen = None
        self.status_bar = None
        self._follow_text_size()
        gate = self.app.gate
        if gate in (Gate.SIGN_IN, Gate.SIGN_IN_AGAIN):
            self.root.content = LoginView(self.ctx, self.app.login_form()).control()
        elif gate in (Gate.CHOOSE_PIN, Gate.UNLOCK):
            self.root.content = PinView(self.ctx, self.app.pin_form()).control()
        elif gate is Gate.CHANGE_PASSWORD:
            self.root.content = PasswordView(self.ctx, self.app.password_form()).control()
        else:
            self.root.content = self._inside()
        self.shown = (gate, self.app.nav.current if gate is Gate.INSIDE else None, self.ctx.tablet)

    def _follow_text_size(self) -> None:
        """The chosen text size, for the theme (text without its own size) and ``sz``."""
        step = self.app.core.text_size
        if step != self.text_size:
            use_text_scale(step)
            self.page.theme = app_theme()
            self.text_size = step

    def _inside(self) -> ft.Control:
        route = self.app.nav.current
        try:
            self.screen = make_screen(self.ctx, route, self.app.screen_model(route))
        except LockedError:
            self.app.refresh_gate()
            return ft.Container()
        self.status_bar = StatusBar(self.ctx, self._sync_now)
        self.status_bar.show(self.app.status_line())
        back: list[ft.Control] = []
        if self.app.nav.can_go_back:
            back.append(
                tid(
                    "nav-back",
                    icon_button(ft.Icons.ARROW_BACK, self.ctx.t("common.back"), self._back),
                )
            )
        header = ft.Container(
            ft.Row(
                [
                    *back,
                    ft.Text(
                        self.screen.title(),
                        size=sz(TITLE),
                        weight=ft.FontWeight.W_600,
                        expand=True,
                        max_lines=1,
                        overflow=ft.TextOverflow.ELLIPSIS,
                    ),
                    *self.screen.actions(),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            padding=ft.Padding.only(left=12, right=8, top=6, bottom=2),
            height=64,
        )
        main = ft.Column(
            [header, self.status_bar.box, self.screen.control()], spacing=0, expand=True
        )
        nav = self._nav()
        if self.ctx.tablet:
            return ft.Row([nav, ft.VerticalDivider(width=1), main], spacing=0, expand=True)
        return ft.Column([main, ft.Divider(height=1), nav], spacing=0, expand=True)

    def _nav(self) -> ft.Control:
        tablet = self.ctx.tablet
        self.tabs_shown = list(self.app.tabs)
        buttons: list[ft.Control] = []
        for screen in self.app.tabs:
            outline, filled, key = _NAV[screen]
            selected = self.app.nav.tab is screen
            color = PRIMARY if selected else ft.Colors.ON_SURFACE_VARIANT
            item = ft.Container(
                ft.Column(
                    [
                        ft.Icon(filled if selected else outline, color=color, size=28),
                        ft.Text(
                            self.ctx.t(key),
                            size=sz(15),
                            color=color,
                            weight=ft.FontWeight.W_600 if selected else None,
                        ),
                    ],
                    spacing=2,
                    horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                    alignment=ft.MainAxisAlignment.CENTER,
                ),
                on_click=self._tab_handler(screen),
                ink=True,
                height=68,
                width=104 if tablet else None,
                expand=not tablet,
                bgcolor=ft.Colors.with_opacity(0.12, PRIMARY) if selected else None,
                border_radius=12,
            )
            buttons.append(tid(f"nav-{screen.value}", item, expand=not tablet or None))
        # The identifier tells tests (and screen readers' users) which layout is on.
        if tablet:
            rail = ft.Column(buttons, spacing=8)
            padding = ft.Padding.symmetric(vertical=12, horizontal=6)
            return tid("nav-rail", ft.Container(rail, padding=padding))
        bar = ft.Row(buttons, spacing=4)
        padding = ft.Padding.symmetric(horizontal=6, vertical=4)
        return tid("nav-bar", ft.Container(bar, padding=padding))

    # -- events ------------------------------------------------------------------------------

    def _tab_handler(self, screen: Screen):  # type: ignore[no-untyped-def]
        def go(_: ft.Event[ft.Container]) -> None:
            self.ctx.tab(screen)

        return go

    def _back(self, _: ft.Event[ft.IconButton]) -> None:
        self.ctx.back()

    def _sync_now(self, _: ft.Event[ft.IconButton]) -> None:
        self.app.core.touch()
        self.app.core.sync_now()

    def _app_changed(self) -> None:
        gate = self.app.gate
        route = self.app.nav.current if gate is Gate.INSIDE else None
        if self.shown is None or self.shown[:2] != (gate, route):
            self.rerender()

    async def _resized(self, _: ft.PageResizeEvent) -> None:
        # ``async``: it runs on the UI loop like ``_apply_status``, never on a
        # worker thread at the same time as a rebuild after a sync.
        if self._wrong_layout():
            self.rerender()

    def _wrong_layout(self) -> bool:
        """The inside is laid out for another width than the window has now
        (only the inside has a phone and a tablet layout)."""
        return (
            self.shown is not None
            and self.shown[0] is Gate.INSIDE
            and self.shown[2] != self.ctx.tablet
        )

    def _status_from_thread(self, status: SyncStatus) -> None:
        """The sync thread's news, handed to the loop: only there can the tab's
        connection not go away between looking at it and using it."""
        if self._closed:
            return
        try:
            self._loop.call_soon_threadsafe(self._status_on_loop, status)
        except RuntimeError:  # the app server has stopped and its loop with it
            self._close()

    def _status_on_loop(self, status: SyncStatus) -> None:
        # News sent just before the tab went can still arrive: nobody to draw for.
        if self._unsubscribe_status is not None and self.page.session.connection is not None:
            self.page.run_task(self._apply_status, status)

    def _listen_to_status(self) -> None:
        if self._unsubscribe_status is None and not self._closed:
            self._unsubscribe_status = self.app.core.add_status_listener(self._status_from_thread)

    def _stop_listening(self) -> None:
        if self._unsubscribe_status is not None:
            self._unsubscribe_status()
            self._unsubscribe_status = None

    def _disconnected(self, _: ft.Event[ft.Page]) -> None:
        self._stop_listening()

    async def _reconnected(self, _: ft.Event[ft.Page]) -> None:
        """The tab is back (a reload, or the network): listen again and show
        what it missed (a sync, or the lock)."""
        if self._closed:
            return
        self._listen_to_status()
        await self._apply_status(self.app.core.status)

    async def _apply_status(self, status: SyncStatus) -> None:
        """The status bar always; the screen only when a round changed data.

        Rebuilding a screen gives its controls new ids, and a tap the client
        sends for a control that is gone is dropped by Flet (docs/flet-notes.md,
        "Dropped taps"): a round that changed nothing must leave the screen
        alone, and progress updates touch only the status bar."""
        if status.state is SyncState.NEEDS_LOGIN and self.app.refresh_gate():
            self.page.update()
            return
        if self.status_bar is not None:
            self.status_bar.show(self.app.status_line(status))
        changed = status.data_version != self.data_version
        self.data_version = status.data_version
        if changed and self._tabs_changed():
            # The first sync brought the user's own unit: a district
            # supervisor's desk gains its Devices tab.
            self.rerender()
        elif changed and self.screen is not None:
            try:
                self.screen.data_changed()
            except LockedError:
                self.app.refresh_gate()
        elif self.status_bar is not None:
            try:
                self.status_bar.box.update()  # only the bar's controls go out
                return
            except RuntimeError:  # built for a screen not yet sent: all of it
                pass
        self.page.update()

    def _tabs_changed(self) -> bool:
        inside = self.shown is not None and self.shown[0] is Gate.INSIDE
        if not inside or not self.tabs_shown:
            return False
        try:
            return self.tabs_shown != self.app.tabs
        except LockedError:  # locked meanwhile: the unlock screen comes next anyway
            return False

    async def _watch_idle(self) -> None:
        while not self._closed:
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            locked = self.app.check_idle()
            if self.page.session.connection is None:
                continue  # the tab is gone for now: ``_reconnected`` shows the lock
            if locked:
                self.page.update()
            elif self._wrong_layout():
                # A resize that arrived while the window was being rebuilt
                # (a sync finishing) can be missed; the next check catches it.
                self.rerender()
                self.page.update()

    def _close(self, _: ft.Event[ft.Page] | None = None) -> None:
        """The session is over (Flet expires a closed tab's session): let go
        of everything that would call into it."""
        if self._closed:
            return
        self._closed = True
        self._stop_listening()
        self._unsubscribe_language()
