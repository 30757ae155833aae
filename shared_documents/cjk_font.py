"""Chinese text in LastMile's PDFs, embedded, so any viewer or printer shows it.

The bundled font (Noto Sans SC cut to GB 2312 and common symbols, also used
by the app's screens) has PostScript (CFF) outlines, and reportlab embeds
TrueType only. Converting all 7,700 glyphs takes most of a minute (far too
long on a phone), so each document gets a TrueType font with just the
characters it uses, converted on the spot (a tenth of a second; converted
glyphs are kept for the next document). The font is built the same way
every time (fixed timestamps), so one record always gives the same PDF bytes.

Characters outside the bundled font (rare given-name characters among them)
are drawn in ``FALLBACK_FONT``, a standard CJK font every PDF viewer
supplies: ``markup`` sets them in it, so a party's name never prints as an
empty box.

reportlab keeps fonts in one process-wide registry by name, and silently
keeps the first TrueType font registered under a name: a second document
registering its own font under the same name would draw with the first
one's glyphs. ``document_font`` therefore registers the document's font,
lets the caller draw with it while a lock is held, and takes it out of the
registry again: every document draws with its own glyphs, concurrent
documents never see each other's, and the registry does not grow with the
number of documents printed.
"""

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont as ReportlabFont

from shared_documents import ASSETS_DIR

BUNDLED_FONT: Final = ASSETS_DIR / "fonts" / "NotoSansSC-GB2312.otf"
FONT_NAME: Final = "LastMileCJK"
FALLBACK_FONT: Final = "STSong-Light"
MAX_CURVE_ERROR: Final = 1.0
"""Font units (of 1000 per em) a converted quadratic curve may stray from the cubic."""
_FIXED_TIMESTAMP: Final = 0x7C25B080
"""2026-01-01 in the font clock (seconds since 1904): fonts built today equal tomorrow's."""

_lock = threading.Lock()
"""Held while a document's font is registered; also guards the glyph cache,
since fontTools parses the font lazily and not thread-safely."""


class _Source:
    """The bundled font, parsed once; its glyphs converted to TrueType as needed."""

    def __init__(self, path: Path) -> None:
        # From memory: a lazily read font would keep its file open for good.
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
        # The PostScript name is the face name reportlab files the font under
        # (and ``document_font`` takes out again).
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


def markup(text: str) -> str:
    """Paragraph markup for ``text``: escaped, and the characters the
    bundled font lacks set in the fallback font."""
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if has_glyph(char) or char.isspace():
            if run:
                out.append(f'<font name="{FALLBACK_FONT}">{escape("".join(run))}</font>')
                run = []
            out.append(escape(char))
        else:
            run.append(char)
    if run:
        out.append(f'<font name="{FALLBACK_FONT}">{escape("".join(run))}</font>')
    return "".join(out)


@cache
def _register_fallback() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))


@contextmanager
def document_font(text: str) -> Iterator[str]:
    """The name of a registered font covering ``text`` (the fallback font
    registered too, for ``markup``), for drawing inside the block only."""
    with _lock:
        _register_fallback()
        data = _source().truetype_for(text)
        font = ReportlabFont(FONT_NAME, io.BytesIO(data))
        pdfmetrics.registerFont(font)
        try:
            yield FONT_NAME
        finally:
            # reportlab has no call to unregister a font; these are its two registries.
            pdfmetrics._fonts.pop(FONT_NAME, None)
            pdfmetrics._dynFaceNames.pop(font.face.name, None)
