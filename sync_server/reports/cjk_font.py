"""Chinese text in the server's PDFs, embedded so any viewer or printer shows it.

The app's bundled font (Noto Sans SC, cut to GB 2312) has PostScript (CFF)
outlines, which reportlab cannot embed: it embeds TrueType only. Converting
all 7,700 glyphs takes most of a minute, so each document gets a small
TrueType font holding just the characters it uses, converted from the
bundled font on the spot (a tenth of a second; converted glyphs are kept for
the next document). Characters outside GB 2312 show as the empty box.

reportlab keeps fonts in a process-wide registry by name. Every document
registers its own font under one name and is drawn while ``font_lock`` is
held, so the registry holds one such font at a time and concurrent reports
never draw with each other's glyphs.
"""

import io
import threading
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabFont

BUNDLED_FONT = (
    Path(__file__).resolve().parent.parent.parent
    / "field_app"
    / "assets"
    / "fonts"
    / "NotoSansSC-GB2312.otf"
)
FONT_NAME = "LastMileCJK"
MAX_CURVE_ERROR = 1.0
"""Font units (of 1000 per em) a converted quadratic curve may stray from the cubic."""

font_lock = threading.Lock()
"""Held while a document registers its font and draws with it."""


class _Source:
    """The bundled font, parsed once; its glyphs converted to TrueType as needed."""

    def __init__(self, path: Path) -> None:
        self.font = TTFont(str(path), lazy=True)
        self.cmap: dict[int, str] = self.font.getBestCmap()
        self.glyph_set: Any = self.font.getGlyphSet()
        self.metrics: dict[str, tuple[int, int]] = self.font["hmtx"].metrics
        self.converted: dict[str, Any] = {}

    def glyph(self, name: str) -> Any:
        found = self.converted.get(name)
        if found is None:
            pen = TTGlyphPen(None)
            # TrueType contours run the other way round from PostScript ones.
            self.glyph_set[name].draw(Cu2QuPen(pen, MAX_CURVE_ERROR, reverse_direction=True))
            found = self.converted[name] = pen.glyph()
        return found

    def truetype_for(self, text: str) -> bytes:
        """A TrueType font with the glyphs of ``text`` (and ``.notdef``)."""
        codes = sorted({ord(char) for char in text} & self.cmap.keys())
        names = [".notdef", *sorted({self.cmap[code] for code in codes} - {".notdef"})]
        builder = FontBuilder(self.font["head"].unitsPerEm, isTTF=True)
        builder.setupGlyphOrder(names)
        builder.setupCharacterMap({code: self.cmap[code] for code in codes})
        builder.setupGlyf({name: self.glyph(name) for name in names})
        builder.setupHorizontalMetrics({name: self.metrics[name] for name in names})
        hhea, os2 = self.font["hhea"], self.font["OS/2"]
        builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
        builder.setupNameTable({"familyName": FONT_NAME, "styleName": "Regular"})
        builder.setupOS2(
            sTypoAscender=os2.sTypoAscender,
            sTypoDescender=os2.sTypoDescender,
            usWinAscent=os2.usWinAscent,
            usWinDescent=os2.usWinDescent,
        )
        builder.setupPost()
        out = io.BytesIO()
        builder.font.save(out)
        return out.getvalue()


@cache
def _source() -> _Source:
    return _Source(BUNDLED_FONT)


def register_font_for(text: str) -> str:
    """Register a font covering ``text`` under ``FONT_NAME`` and return the
    name. Call with ``font_lock`` held, and draw before releasing it."""
    data = _source().truetype_for(text)
    pdfmetrics.registerFont(ReportlabFont(FONT_NAME, io.BytesIO(data)))
    return FONT_NAME
