"""What the supervisor screens share: they use the width of a desk screen
(from ``WIDE_WIDTH`` on, a list and its detail side by side), they load
from the server off the UI loop, say plainly when the network is missing,
and hand files (CSV, PDF) to the browser as downloads."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import flet as ft

from field_app.viewmodels.supervision import WorkspaceModel
from field_app.views.screen import ScreenView
from field_app.views.theme import TEXT, sz
from field_app.views.widgets import error_line, info_line, secondary_button

WIDE_WIDTH = 1200
"""From here on a supervisor screen shows two panes."""


class WorkspaceView(ScreenView):
    """A supervisor screen: full width, loaded in the background."""

    vm: WorkspaceModel
    two_pane = True
    """A list and a detail that scroll on their own (so the body does not)."""

    @property
    def wide(self) -> bool:
        return (self.ctx.page.width or 0) >= WIDE_WIDTH

    def control(self) -> ft.Control:
        if self.two_pane and self.wide:
            self.body.scroll = None
        self.render()
        column = ft.Column(
            [self.body, self.bottom],
            spacing=8,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        self.ctx.page.run_task(self._work, self.vm_load)
        padding = ft.Padding.symmetric(horizontal=16, vertical=8)
        return ft.Container(column, padding=padding, expand=True)

    def vm_load(self) -> None:
        self.vm.load()

    def data_changed(self) -> None:
        """A sync finished: what the server lists may have changed too."""
        self.ctx.page.run_task(self._work, self.vm_load)

    async def _work(self, work: Callable[..., Any], *args: Any) -> Any:
        """Blocking server work off the UI loop, then the screen again."""
        result = await self.ctx.run(work, *args)
        self.toast_notice()
        self.ctx.page.update()
        return result

    def toast_notice(self) -> None:
        if self.vm.notice is not None:
            self.ctx.toast(self.vm.notice)
            self.vm.notice = None

    def problem(self) -> list[ft.Control]:
        """The last call's failure, with a way to try again."""
        if self.vm.error is None:
            return []
        return [
            ft.Row(
                [
                    ft.Container(error_line(self.ctx.tr(self.vm.error)), expand=True),
                    secondary_button(
                        self.ctx.t("supervision.retry"), self._retry, ft.Icons.REFRESH, "retry"
                    ),
                ]
            )
        ]

    async def _retry(self, _: ft.Event[ft.Control]) -> None:
        await self._work(self.vm_load)

    async def download(self, named: tuple[str, bytes] | None) -> None:
        """Give the browser the file (web: a download; a phone: the save dialog)."""
        if named is None:
            return
        name, data = named
        await ft.FilePicker().save_file(file_name=name, src_bytes=data)

    def empty(self, text: str) -> ft.Control:
        return ft.Container(info_line(text), padding=20)


def panes(wide: bool, left: list[ft.Control], right: list[ft.Control]) -> ft.Control:
    """A list and its detail: side by side on a wide screen, one above the other otherwise."""
    stretch = ft.CrossAxisAlignment.STRETCH
    list_pane = ft.Column(
        left, spacing=6, scroll=ft.ScrollMode.AUTO, expand=True, horizontal_alignment=stretch
    )
    detail_pane = ft.Column(right, spacing=10, scroll=ft.ScrollMode.AUTO, expand=True)
    if wide:
        return ft.Row(
            [
                ft.Container(list_pane, width=520),
                ft.VerticalDivider(width=1),
                ft.Container(detail_pane, expand=True, padding=ft.Padding.only(left=12)),
            ],
            expand=True,
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
    return ft.Column([*left, ft.Divider(), *right], spacing=8)


def figure(title: str, value: str, identifier: str, warn: bool = False) -> ft.Control:
    """One number with its name, big enough to read across a desk."""
    color = ft.Colors.RED_800 if warn else ft.Colors.ON_SURFACE
    return ft.Semantics(
        identifier=identifier,
        content=ft.Container(
            ft.Column(
                [
                    ft.Text(value, size=sz(32), weight=ft.FontWeight.W_700, color=color),
                    ft.Text(title, size=sz(TEXT) - 2, color=ft.Colors.ON_SURFACE_VARIANT),
                ],
                spacing=2,
            ),
            padding=14,
            width=200,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=12,
        ),
    )


def district_time(moment: datetime | None) -> datetime | str:
    """A time to show, or a dash for none (the translator puts a time on the
    district's clock)."""
    return "—" if moment is None else moment
