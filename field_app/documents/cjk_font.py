"""Chinese text in the app's PDFs, embedded, so any viewer or printer shows it.

The bundled font (Noto Sans SC cut to GB 2312, also used by the screens)
has PostScript (CFF) outlines, and reportlab embeds TrueType only. Converting
all 7,700 glyphs takes most of a minute (far too long on a phone), so each
document gets a TrueType font with just the characters it uses, converted on
the spot (a tenth of a second; converted glyphs are kept for the next one).
The font is built the same way every time (fixed timestamps), so one record
always gives the same PDF bytes.

Characters outside GB 2312 (rare given-name characters among them) are not
in the bundled font; ``FALLBACK_FONT``, a standard CJK font every PDF viewer
supplies, draws those, so a party's name never prints as an empty box.

reportlab keeps fonts in one process-wide registry by name: a document
registers its font under ``FONT_NAME`` and draws while holding ``font_lock``,
so concurrent documents never draw with each other's glyphs.
"""

import io
import threading
from functools import cache
from pathlib import Path
from typing import Any, Final

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont as ReportlabFont

BUNDLED_FONT: Final = Path(__file__).resolve().parent.parent / "assets/fonts/NotoSansSC-GB2312.otf"
FONT_NAME: Final = "LastMileDocumentCJK"
FALLBACK_FONT: Final = "STSong-Light"
MAX_CURVE_ERROR: Final = 1.0
"""Font units (of 1000 per em) a converted quadratic curve may stray from the cubic."""
_FIXED_TIMESTAMP: Final = 0x7C25B080
"""2026-01-01 in the font clock (seconds since 1904): fonts built today equal tomorrow's."""

font_lock = threading.Lock()
"""Held while a document registers its font and draws with it."""


class _Source:
    """The bundled font, parsed once; its glyphs converted to TrueType as needed."""

    def __init__(self, path: Path) -> None:
        # From memory: a lazily read font keeps its file open for good.
        self.font = TTFont(io.BytesIO(path.read_bytes()), lazy=True)
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
        head = builder.font["head"]
        head.created = head.modified = _FIXED_TIMESTAMP
        out = io.BytesIO()
        builder.font.save(out)
        return out.getvalue()


@cache
def _source() -> _Source:
    return _Source(BUNDLED_FONT)


def has_glyph(char: str) -> bool:
    """Whether the bundled font draws ``char`` (else ``FALLBACK_FONT`` does)."""
    return ord(char) in _source().cmap


@cache
def _register_fallback() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))


def register_font_for(text: str) -> str:
    """Register a font covering ``text`` under ``FONT_NAME`` (and the
    fallback font) and return the name. Call with ``font_lock`` held, and
    draw before releasing it."""
    _register_fallback()
    data = _source().truetype_for(text)
    pdfmetrics.registerFont(ReportlabFont(FONT_NAME, io.BytesIO(data)))
    return FONT_NAME
