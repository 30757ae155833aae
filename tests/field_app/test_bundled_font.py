"""Every character the app itself shows is in its bundled font.

The web client loads no font from the network. For a character the bundled
font lacks, its engine asks for a fallback font at a path nothing serves;
after a few such requests it has crashed ("memory access out of bounds" in
the browser's console) and left the window blank. An em dash in an English
text was enough. The font is cut by ``scripts/make_cjk_font.py``.
"""

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from field_app.i18n import LANGUAGES, TABLES
from field_app.main import ASSETS_DIR
from field_app.views.theme import FONT_FAMILY, FONTS

DEMO_DATA = Path(__file__).resolve().parents[2] / "sync_server" / "demo"
"""The demo district's names, places and notes, which the app shows too."""


@pytest.fixture(scope="module")
def covered() -> set[int]:
    cmap: dict[int, str] = TTFont(ASSETS_DIR / FONTS[FONT_FAMILY]).getBestCmap()
    return set(cmap)


def _missing(texts: list[str], covered: set[int]) -> dict[str, list[str]]:
    """Characters outside the font, each with up to three texts using it."""
    missing: dict[str, list[str]] = {}
    for text in texts:
        for char in set(text):
            if char.isprintable() and ord(char) not in covered:
                missing.setdefault(char, [])
                if len(missing[char]) < 3:
                    missing[char].append(text)
    return missing


@pytest.mark.parametrize("language", sorted(TABLES))
def test_every_text_of_a_language_is_in_the_font(language: str, covered: set[int]) -> None:
    texts = [*TABLES[language].values(), *LANGUAGES.values()]
    assert _missing(texts, covered) == {}


def test_the_demo_districts_data_is_in_the_font(covered: set[int]) -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(DEMO_DATA.glob("*.py"))]
    assert texts
    assert _missing(texts, covered) == {}


def test_the_check_would_notice_a_missing_character(covered: set[int]) -> None:
    assert "\u2717" in _missing(["done \u2717"], covered)  # ✗: not in Noto Sans CJK
