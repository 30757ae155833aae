"""Look and feel: the bundled CJK font (the web client cannot fetch one),
type large enough for older users, and touch targets of at least 48 px."""

import flet as ft

from field_app.viewmodels.status import Tone

FONT_FAMILY = "NotoSansSC"
FONTS = {FONT_FAMILY: "fonts/NotoSansSC-GB2312.otf"}
"""Relative to the app's assets folder; the subset covers GB2312, Latin and
common symbols (``assets/fonts/README.md``)."""

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
TONE_COLORS = {
    Tone.OK: ft.Colors.GREEN_800,
    Tone.BUSY: ft.Colors.BLUE_800,
    Tone.WARN: ft.Colors.AMBER_900,
    Tone.ERROR: ft.Colors.RED_800,
}
TONE_BACKGROUNDS = {
    Tone.OK: ft.Colors.GREEN_50,
    Tone.BUSY: ft.Colors.BLUE_50,
    Tone.WARN: ft.Colors.AMBER_50,
    Tone.ERROR: ft.Colors.RED_50,
}
OVERDUE = ft.Colors.RED_800
KEY_PERSON = ft.Colors.DEEP_ORANGE_800
UNSENT = ft.Colors.AMBER_900


def text_style(size: int = TEXT, weight: ft.FontWeight | None = None) -> ft.TextStyle:
    """Always with the bundled family: a style without one falls back to a
    Latin-only font on the web client and Chinese turns into boxes."""
    return ft.TextStyle(size=size, weight=weight, font_family=FONT_FAMILY)


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
