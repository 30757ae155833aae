"""Text is readable: every text colour the theme names reaches 4.5:1
(WCAG 2 AA for body text) against the background it is drawn on."""

import flet as ft
import pytest

from field_app.views import theme

# Material's palette (material.io, 2014 colour system): the hex of each
# named colour the views draw text in or behind. A colour missing here
# fails the test: add it with its hex, and the ratio is checked.
PALETTE = {
    ft.Colors.WHITE: "#ffffff",
    ft.Colors.GREEN_800: "#2e7d32",
    ft.Colors.GREEN_50: "#e8f5e9",
    ft.Colors.BLUE_800: "#1565c0",
    ft.Colors.BLUE_50: "#e3f2fd",
    ft.Colors.RED_800: "#c62828",
    ft.Colors.RED_50: "#ffebee",
    ft.Colors.AMBER_50: "#fff8e1",
    ft.Colors.AMBER_900: "#ff6f00",
    ft.Colors.TEAL_800: "#00695c",
    ft.Colors.DEEP_ORANGE_900: "#bf360c",
    ft.Colors.PURPLE_800: "#6a1b9a",
    ft.Colors.GREY_700: "#616161",
    ft.Colors.GREY_800: "#424242",
}


def _hex(colour: str) -> str:
    return colour if colour.startswith("#") else PALETTE[colour]


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    code = _hex(colour).lstrip("#")
    channels = [int(code[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


TEXT_COLOURS = [
    theme.PRIMARY,
    theme.WARNING,
    theme.OVERDUE,
    theme.KEY_PERSON,
    theme.UNSENT,
    *theme.TONE_COLORS.values(),
    ft.Colors.BLUE_800,
    ft.Colors.RED_800,
    ft.Colors.PURPLE_800,
    ft.Colors.GREY_700,
    ft.Colors.GREY_800,
]
PAIRS = [
    # Text on the page, and white text on badges of the same colour.
    *[(colour, ft.Colors.WHITE) for colour in TEXT_COLOURS],
    # The status band: each tone's text on its own tint.
    *[(theme.TONE_COLORS[tone], theme.TONE_BACKGROUNDS[tone]) for tone in theme.TONE_COLORS],
    # Error lines.
    (ft.Colors.RED_800, ft.Colors.RED_50),
]


@pytest.mark.parametrize(("foreground", "background"), PAIRS, ids=str)
def test_text_contrast_is_at_least_4_5_to_1(foreground: str, background: str) -> None:
    assert contrast(foreground, background) >= 4.5


def test_the_check_can_fail() -> None:
    # Material's AMBER_900, which warnings used before, is too faint on white.
    assert contrast(ft.Colors.AMBER_900, ft.Colors.WHITE) < 4.5
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
