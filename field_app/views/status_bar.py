"""The sync status, always on screen: offline / syncing with progress / up
to date at a time, how many changes wait, how many need attention, and the
"sync now" button."""

from collections.abc import Callable
from typing import Any

import flet as ft

from field_app.viewmodels.status import StatusLine, Tone
from field_app.views.context import ViewContext
from field_app.views.theme import SMALL, TEXT, TONE_BACKGROUNDS, TONE_COLORS, TOUCH, WARNING, sz
from field_app.views.widgets import badge, tid

_ICONS = {
    Tone.OK: ft.Icons.CLOUD_DONE,
    Tone.BUSY: ft.Icons.CLOUD_SYNC,
    Tone.WARN: ft.Icons.CLOUD_OFF,
    Tone.ERROR: ft.Icons.ERROR,
}


class StatusBar:
    def __init__(self, ctx: ViewContext, on_sync: Callable[..., Any]) -> None:
        self.ctx = ctx
        self.text = ft.Text(size=sz(TEXT), weight=ft.FontWeight.W_600)
        self.hint = ft.Text(size=sz(SMALL), visible=False)
        self.icon = ft.Icon(ft.Icons.CLOUD, size=28)
        self.chips = ft.Row(spacing=6, wrap=True)
        self.progress = ft.ProgressBar(value=None, visible=False, height=6)
        # The words on the button, not in a hover tooltip: a phone has no hover.
        self.sync_button = tid(
            "sync-now",
            ft.OutlinedButton(
                content=ft.Text(ctx.t("sync.now"), size=sz(SMALL), weight=ft.FontWeight.W_600),
                icon=ft.Icons.SYNC,
                on_click=on_sync,
                height=TOUCH,
                style=ft.ButtonStyle(
                    padding=ft.Padding.symmetric(horizontal=10),
                    shape=ft.RoundedRectangleBorder(radius=10),
                ),
            ),
        )
        self.box = ft.Container(
            ft.Column(
                [
                    ft.Row(
                        [
                            self.icon,
                            tid(
                                "sync-status",
                                ft.Column([self.text, self.chips, self.hint], spacing=2),
                                expand=True,
                            ),
                            self.sync_button,
                        ],
                        vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    ),
                    self.progress,
                ],
                spacing=4,
            ),
            padding=ft.Padding.only(left=12, right=4, top=4, bottom=4),
        )

    def show(self, line: StatusLine) -> None:
        color = TONE_COLORS[line.tone]
        self.box.bgcolor = TONE_BACKGROUNDS[line.tone]
        self.icon.icon = _ICONS[line.tone]
        self.icon.color = color
        self.text.value = self.ctx.tr(line.text)
        self.text.color = color
        chips: list[ft.Control] = []
        if line.waiting is not None:
            chips.append(badge(self.ctx.tr(line.waiting), WARNING))
        if line.attention is not None:
            chips.append(badge(self.ctx.tr(line.attention), ft.Colors.RED_800))
        self.chips.controls = chips
        self.chips.visible = bool(chips)
        self.hint.value = self.ctx.tr(line.hint)
        self.hint.visible = line.hint is not None
        self.progress.visible = line.busy
        self.progress.value = line.progress
