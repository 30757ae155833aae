"""Fallback fonts for the web client, which must not reach a CDN.

Flutter's web engine draws the first frames before the bundled font (3 MB)
has arrived. For the Chinese it cannot draw meanwhile, it asks for Google's
Noto fallback fonts; with ``no_cdn`` it asks this server, under
``assets/fonts/<family>/...``, where nothing was. Seven 404s on every start,
and now and then, after them, the engine crashed ("memory access out of
bounds" in the browser's console) and left the window blank for good.

``FallbackFonts`` answers those requests with a placeholder: a valid font
of a few hundred bytes that draws nothing. The engine takes it, and draws
the text as soon as the bundled font is in, as it would have anyway.
"""

import io
from functools import cache

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from starlette.types import ASGIApp, Receive, Scope, Send

FALLBACK_FONTS = "/assets/fonts/"
"""Where the engine looks: a folder per family below this (the bundled font
itself is a file directly in it, and is served as usual)."""


class FallbackFonts:
    """ASGI middleware: a placeholder font for any fallback font the web
    client asks for; everything else goes to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_fallback_font(scope):
            body = placeholder_font()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"font/ttf"),
                        (b"content-length", str(len(body)).encode()),
                        (b"cache-control", b"public, max-age=86400"),
                    ],
                }
            )
            head_only = scope["method"] == "HEAD"
            await send({"type": "http.response.body", "body": b"" if head_only else body})
            return
        await self.app(scope, receive, send)


def _is_fallback_font(scope: Scope) -> bool:
    path = str(scope["path"])
    return (
        scope["method"] in ("GET", "HEAD")
        and path.startswith(FALLBACK_FONTS)
        and "/" in path[len(FALLBACK_FONTS) :]
    )


@cache
def placeholder_font() -> bytes:
    """A TrueType font with a blank space and nothing else."""
    blank = TTGlyphPen(None).glyph()
    builder = FontBuilder(unitsPerEm=1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "space"])
    builder.setupCharacterMap({0x20: "space"})
    builder.setupGlyf({".notdef": blank, "space": blank})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "space": (250, 0)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "LastMile placeholder", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    output = io.BytesIO()
    builder.save(output)
    return output.getvalue()
