"""Look and feel: the bundled CJK font (the web client cannot fetch one),
type large enough for older users (and larger still at the user's choice),
and touch targets of at least 48 px.

Sizes below are the standard size; every control takes its text size
through ``sz`` so the text-size setting (Settings, kept in ``ui.json``)
reaches every screen. The scale is the device's, and a process is one
device (in web mode every tab is the same device), so it is held here and
set by the window before each render (``use_text_scale``).
"""

import flet as ft

from field_app.viewmodels.status import Tone

FONT_FAMILY = "NotoSansSC"
FONTS = {FONT_FAMILY: "fonts/NotoSansSC-GB2312.otf"}
"""Relative to the app's assets folder (``shared_documents.ASSETS_DIR``); the
subset covers GB2312, Latin and common symbols
(``shared_documents/assets/fonts/README.md``)."""

TEXT_SCALES = {"standard": 1.0, "large": 1.15, "largest": 1.3}
"""The text-size setting's steps (Settings → 字体大小)."""
_scale = 1.0

TEXT = 18
SMALL = 16
TITLE = 22
HEADLINE = 26
TOUCH = 52
"""Height of buttons and list rows (≥ 48 px)."""
TABLET_WIDTH = 720
"""From this width on, the navigation is a rail on the left."""
FORM_WIDTH = 640
"""Forms and lists stop growing here on a tablet: long lines are hard to read."""

PRIMARY = ft.Colors.TEAL_800
WARNING = "#8a4b00"
"""Dark amber for warnings: Material's AMBER_900 (#ff6f00) is 2.8:1 on
white, too faint for text; this is ≥ 6:1 on white and on AMBER_50
(``tests/field_app/test_contrast.py`` checks every text colour here)."""
TONE_COLORS = {
    Tone.OK: ft.Colors.GREEN_800,
    Tone.BUSY: ft.Colors.BLUE_800,
    Tone.WARN: WARNING,
    Tone.ERROR: ft.Colors.RED_800,
}
TONE_BACKGROUNDS = {
    Tone.OK: ft.Colors.GREEN_50,
    Tone.BUSY: ft.Colors.BLUE_50,
    Tone.WARN: ft.Colors.AMBER_50,
    Tone.ERROR: ft.Colors.RED_50,
}
OVERDUE = ft.Colors.RED_800
KEY_PERSON = ft.Colors.DEEP_ORANGE_900
UNSENT = WARNING


def use_text_scale(step: str) -> None:
    """Render from now on at the text-size step ``step`` (unknown: standard)."""
    global _scale
    _scale = TEXT_SCALES.get(step, 1.0)


def sz(size: float) -> int:
    """``size`` (a standard size) at the chosen text size."""
    return round(size * _scale)


def text_style(size: int = TEXT, weight: ft.FontWeight | None = None) -> ft.TextStyle:
    """Always with the bundled family: a style without one falls back to a
    Latin-only font on the web client and Chinese turns into boxes. ``size``
    is a standard size; the style carries it at the chosen text size."""
    return ft.TextStyle(size=sz(size), weight=weight, font_family=FONT_FAMILY)


def field_label_style() -> ft.TextStyle:
    """A text field's label. Flutter draws a floating label at 3/4 of its
    size (and Flet offers no separate floating style), so the label is set
    at 4/3 of ``SMALL``: above a filled field it reads at ``SMALL``, not at
    a tiny 12 px."""
    return text_style(round(SMALL * 4 / 3))


def app_theme() -> ft.Theme:
    return ft.Theme(
        font_family=FONT_FAMILY,
        color_scheme_seed=PRIMARY,
        text_theme=ft.TextTheme(
            body_large=text_style(TEXT),
            body_medium=text_style(TEXT),
            body_small=text_style(SMALL),
            label_large=text_style(TEXT, ft.FontWeight.W_600),
            label_medium=text_style(SMALL),
            title_large=text_style(HEADLINE, ft.FontWeight.W_600),
            title_medium=text_style(TITLE, ft.FontWeight.W_600),
            title_small=text_style(TEXT, ft.FontWeight.W_600),
        ),
    )
