"""Chinese text in the server's PDFs, embedded so any viewer or printer shows it.

The app's bundled font (Noto Sans SC, cut to GB 2312 and common symbols) has
PostScript (CFF) outlines, which reportlab cannot embed: it embeds TrueType
only. Converting all 8,000 glyphs takes most of a minute, so each document
gets a small TrueType font holding just the characters it uses, converted
from the bundled font on the spot (a tenth of a second; converted glyphs are
kept for the next document). Characters outside the bundled font show as the
empty box.

reportlab keeps fonts in a process-wide registry by name and never
replaces a TrueType font registered under a name it knows. ``document_font``
therefore registers the document's font, lets the caller draw with it while
a lock is held, and takes it out of the registry again: the registry never
grows with the number of reports, and concurrent reports never draw with
each other's glyphs.
"""

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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

_lock = threading.Lock()


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
        builder.setupNameTable(
            {"familyName": FONT_NAME, "styleName": "Regular", "psName": f"{FONT_NAME}-Regular"}
        )
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


@contextmanager
def document_font(text: str) -> Iterator[str]:
    """The name of a registered font covering ``text``, for drawing inside the block."""
    with _lock:  # also guards the glyph cache: fontTools parses lazily, not thread-safely
        data = _source().truetype_for(text)
        font = ReportlabFont(FONT_NAME, io.BytesIO(data))
        pdfmetrics.registerFont(font)
        try:
            yield FONT_NAME
        finally:
            # reportlab has no call to unregister a font; these are its two registries.
            pdfmetrics._fonts.pop(FONT_NAME, None)
            pdfmetrics._dynFaceNames.pop(font.face.name, None)
