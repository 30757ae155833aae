"""Signing on the screen: a white box the signer writes in with a finger.

A ``GestureDetector`` around a ``canvas.Canvas`` reports pan events in the
box's own coordinates; each point goes to the view-model (which keeps the
strokes and later draws the PNG from them) and onto the canvas as a path,
so the signer sees the ink follow the finger. The pad sits in the screen's
fixed footer, not in the scrolling body, so a downward stroke writes
instead of scrolling the page.
"""

from typing import Protocol

import flet as ft
import flet.canvas as cv

from field_app.i18n import msg
from field_app.services.signature_strokes import PAD_HEIGHT, PAD_WIDTH, Point
from field_app.viewmodels.agreements import SignatureViewModel
from field_app.views.screen import ScreenView
from field_app.views.theme import TEXT, TITLE, sz
from field_app.views.widgets import (
    error_line,
    info_line,
    label,
    primary_button,
    secondary_button,
    tid,
)

INK = "#141852"
PEN_WIDTH = 3.0
DRAG_INTERVAL_MS = 16
"""About one update per frame: smooth ink without flooding the connection."""


def _path(points: list[Point]) -> cv.Path:
    first, *rest = points or [(0.0, 0.0)]
    elements: list[cv.Path.PathElement] = [cv.Path.MoveTo(*first)]
    elements += [cv.Path.LineTo(*point) for point in rest or [first]]
    return cv.Path(
        elements,
        paint=ft.Paint(
            color=INK,
            stroke_width=PEN_WIDTH,
            style=ft.PaintingStyle.STROKE,
            stroke_cap=ft.StrokeCap.ROUND,
            stroke_join=ft.StrokeJoin.ROUND,
        ),
    )


class Strokes(Protocol):
    """What the pad draws into: an agreement's signer, a correction event's subject."""

    strokes: list[list[Point]]

    def begin(self, x: float, y: float) -> None: ...

    def extend(self, x: float, y: float) -> None: ...


class SignaturePad:
    """The canvas and its gestures, drawing into ``vm``'s strokes."""

    def __init__(self, vm: Strokes) -> None:
        self.vm = vm
        self.canvas = cv.Canvas(
            shapes=[_path(stroke) for stroke in vm.strokes], width=PAD_WIDTH, height=PAD_HEIGHT
        )
        box = ft.Container(
            self.canvas,
            width=PAD_WIDTH,
            height=PAD_HEIGHT,
            bgcolor=ft.Colors.WHITE,
            border=ft.Border.all(2, ft.Colors.BLUE_GREY_300),
            border_radius=8,
        )
        self.control = tid(
            "signature-pad",
            ft.GestureDetector(
                content=box,
                on_pan_start=self._start,
                on_pan_update=self._move,
                drag_interval=DRAG_INTERVAL_MS,
                mouse_cursor=ft.MouseCursor.PRECISE,
            ),
        )

    def _start(self, e: ft.DragStartEvent[ft.GestureDetector]) -> None:
        self.vm.begin(e.local_position.x, e.local_position.y)
        self.canvas.shapes.append(_path(self.vm.strokes[-1]))
        self.canvas.update()

    def _move(self, e: ft.DragUpdateEvent[ft.GestureDetector]) -> None:
        self.vm.extend(e.local_position.x, e.local_position.y)
        if not self.canvas.shapes:
            self.canvas.shapes.append(_path(self.vm.strokes[-1]))
        else:
            self.canvas.shapes[-1] = _path(self.vm.strokes[-1])
        self.canvas.update()


class SignatureView(ScreenView):
    vm: SignatureViewModel

    def title(self) -> str:
        return self.ctx.t("screen.signature")

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        if vm.signer is None:
            return [label(t("agreement.not_found"), size=sz(TEXT))]
        parts: list[ft.Control] = [
            label(tr(vm.signer.label)),
            ft.Text(vm.signer.name, size=sz(TITLE) + 4, weight=ft.FontWeight.W_600),
            info_line(t("signature.instruction"), ft.Icons.DRAW),
        ]
        if vm.signer.is_party and not vm.sealed:
            parts += [
                label(t("signature.fingerprint_hint")),
                secondary_button(
                    t("signature.fingerprint"),
                    self._fingerprint,
                    ft.Icons.FINGERPRINT,
                    "signature-fingerprint",
                    disabled=self.busy,
                ),
            ]
        return parts

    def footer(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        if vm.signer is None:
            return []
        parts: list[ft.Control] = [error_line(self.ctx.tr(vm.error))]
        if vm.sealed:
            return parts
        pad = SignaturePad(vm)
        buttons = ft.Row(
            [
                secondary_button(
                    t("signature.clear"), self._clear, ft.Icons.CLEAR, "signature-clear"
                ),
                primary_button(
                    t("signature.done"),
                    self._done,
                    ft.Icons.CHECK,
                    "signature-done",
                    self.busy,
                    expand=True,
                ),
            ],
            spacing=8,
        )
        parts += [ft.Row([pad.control], alignment=ft.MainAxisAlignment.CENTER), buttons]
        return parts

    def _clear(self, _: ft.Event[ft.Control]) -> None:
        self.vm.clear()

    async def _done(self, _: ft.Event[ft.Control]) -> None:
        if await self.work(self.vm.done):
            self.ctx.toast(
                msg("signature.saved", name=self.vm.signer.name if self.vm.signer else "")
            )
            self.ctx.back()
        self.ctx.page.update()

    async def _fingerprint(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        raws = await self.ctx.photos.pick(False)
        if not raws:
            return
        if await self.work(self.vm.add_fingerprint, raws[0]):
            self.ctx.toast(
                msg("signature.saved", name=self.vm.signer.name if self.vm.signer else "")
            )
            self.ctx.back()
        self.ctx.page.update()
