"""The one font helper of every printed document keeps the fixes its two
former copies each had alone: every document draws with its own glyphs and
the registry does not grow (the server's copy), the bytes are reproducible,
the font file is not held open, rare characters fall back to a standard CJK
font (the app's copy)."""

import io
import shutil
from pathlib import Path

from fontTools.ttLib import TTFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabFont

from shared_documents import cjk_font
from shared_documents.cjk_font import (
    BUNDLED_FONT,
    FALLBACK_FONT,
    FONT_NAME,
    document_font,
    has_glyph,
    markup,
)

RARE = "\U00020000"  # 𠀀: outside GB 2312, as some given names are


def _glyphs_of_registered_font() -> set[int]:
    font = pdfmetrics.getFont(FONT_NAME)
    return set(font.face.charToGlyph)


def test_every_document_draws_with_its_own_glyphs() -> None:
    with document_font("甲乙") as name:
        assert name == FONT_NAME
        assert {ord("甲"), ord("乙")} <= _glyphs_of_registered_font()
    with document_font("丙") as name:
        # The second document's font, not the first one's kept under the same name.
        assert ord("丙") in _glyphs_of_registered_font()
        assert ord("甲") not in _glyphs_of_registered_font()
    assert FONT_NAME not in pdfmetrics._fonts  # the registry does not grow


def test_the_registry_would_keep_the_first_font_without_the_cleanup() -> None:
    """Why ``document_font`` unregisters: reportlab silently keeps the first
    TrueType font registered under a name."""
    name = "LastMileRegistryProbe"
    first = ReportlabFont(name, io.BytesIO(cjk_font._source().truetype_for("甲")))
    second = ReportlabFont(name, io.BytesIO(cjk_font._source().truetype_for("丙")))
    try:
        pdfmetrics.registerFont(first)
        pdfmetrics.registerFont(second)
        assert pdfmetrics.getFont(name) is first
    finally:
        pdfmetrics._fonts.pop(name, None)
        pdfmetrics._dynFaceNames.pop(first.face.name, None)


def test_the_same_text_gives_the_same_font_bytes(tmp_path: Path) -> None:
    copy = tmp_path / "font.otf"
    shutil.copyfile(BUNDLED_FONT, copy)
    first = cjk_font._Source(copy).truetype_for("调解协议书")
    second = cjk_font._Source(copy).truetype_for("调解协议书")
    assert first == second
    head = TTFont(io.BytesIO(first))["head"]
    assert head.created == head.modified == cjk_font._FIXED_TIMESTAMP


def test_the_font_file_is_not_held_open(tmp_path: Path) -> None:
    copy = tmp_path / "font.otf"
    shutil.copyfile(BUNDLED_FONT, copy)
    source = cjk_font._Source(copy)
    copy.unlink()  # a lazily parsed font read from its file would fail from here on
    assert source.truetype_for("人民调解")


def test_characters_outside_the_font_fall_back_to_a_standard_cjk_font() -> None:
    assert has_glyph("张")
    assert not has_glyph(RARE)
    assert markup(f"张{RARE}三 <b>") == (
        f'张<font name="{FALLBACK_FONT}">{RARE}</font>三 &lt;b&gt;'
    )
