"""The shape of a screen: a title, optional actions, a scrolling body
rendered from its view-model, and what happens when synced data arrives."""

from collections.abc import Callable
from typing import Any, TypeVar

import flet as ft

from field_app.views.context import ViewContext
from field_app.views.theme import FORM_WIDTH

T = TypeVar("T")


class ScreenView:
    editing = False
    """Forms: data arriving from a sync must not re-render what is being typed."""
    keeps_ids = False
    """Screens that build every control anew on each render: their body is
    one keyed column, which Flet diffs against the one before, so a control
    in the same place keeps its id through a rebuild (a sync that changed
    data) and a tap made on it just before still arrives (Flet drops an event
    for an id that is gone: docs/flet-notes.md, "Dropped taps"). Not for a
    screen that keeps controls between renders (a text field being typed
    in): inside a keyed diff Flet skips a kept control's own changes."""

    def __init__(self, ctx: ViewContext, vm: Any) -> None:
        self.ctx = ctx
        self.vm = vm
        self.body = ft.Column(
            spacing=12,
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        self.bottom = ft.Column(spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        subscribe: Callable[[Callable[[], None]], Callable[[], None]] | None = getattr(
            vm, "subscribe", None
        )
        self._unsubscribe = subscribe(self.render) if subscribe else None
        self._working = 0

    @property
    def busy(self) -> bool:
        """Work started here is under way: a spinner shows, its button rests."""
        return self._working > 0

    async def work(self, action: Callable[..., T], *args: Any) -> T:
        """``action`` off the UI loop, the screen saying so meanwhile. Whether a
        second tap saves again is the view-model's rule (``saves_once``), not
        the view's; the count keeps the spinner on until the last one ends."""
        self._working += 1
        self.render()
        try:
            return await self.ctx.run(action, *args)
        finally:
            self._working -= 1
            self.render()

    def title(self) -> str:
        return ""

    def actions(self) -> list[ft.Control]:
        return []

    def content(self) -> list[ft.Control]:
        return []

    def footer(self) -> list[ft.Control]:
        """Controls that stay under the scrolling body (a form's save button:
        always in reach of the thumb, never scrolled away)."""
        return []

    def render(self) -> None:
        controls = self.content()
        if self.keeps_ids:
            controls = [
                ft.Column(
                    controls,
                    key="screen",
                    spacing=12,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                )
            ]
        self.body.controls = controls
        self.bottom.controls = self.footer()
        self.bottom.visible = bool(self.bottom.controls)

    def control(self) -> ft.Control:
        """The body (and footer), centred and width-limited on a tablet."""
        self.render()
        column = ft.Column(
            [self.body, self.bottom],
            spacing=8,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        inner = ft.Container(column, padding=ft.Padding.symmetric(horizontal=16, vertical=8))
        if self.ctx.tablet:
            inner.width = FORM_WIDTH + 32
        return ft.Container(inner, alignment=ft.Alignment.TOP_CENTER, expand=True)

    def data_changed(self) -> None:
        """A sync brought new data: lists and pages read it again."""
        load = getattr(self.vm, "load", None)
        if load is not None and not self.editing:
            load()

    def dispose(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
