"""The bundled Chinese font in the web client from its first frame on.

Why (seen with flet-web 1.0.5, skwasm renderer, Chromium; docs/flet-notes.md):
the first frames lay the page's text out in the engine's default family,
"Roboto", before the app's theme (family ``NotoSansSC``) is in effect. The
renderer shapes a paragraph with one typeface per family, and Roboto has no
Chinese, so every Chinese character of those frames was reported to the
engine's font fallback, which fetched Google's Noto Sans SC slices — with
``no_cdn`` from ``assets/fonts/notosanssc/…`` on the app's own server, where
there are none: seven 404s a start. About one start in fifty (one in ten
on a busier machine) the renderer then failed ("RuntimeError: memory access
out of bounds") and the window froze.

So the web client gets the bundled font through its font manifest
(``assets/FontManifest.json``), which the engine loads before the first
frame, both under the theme's family and as the default family: no text the
app draws ever lacks a glyph, and the engine never looks for a fallback
(``tests/field_app/test_bundled_font.py`` keeps every text of the app inside
the font). A font set at run time (``page.fonts``) would arrive only after
the first frames.
"""

import json
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FONT_MANIFEST = "/assets/FontManifest.json"
ASSETS_URL = "/assets/"
"""The engine fetches a manifest entry's ``asset`` below this."""
DEFAULT_FAMILY = "Roboto"
"""The family the engine uses for text whose style names none."""
_CONDITIONAL = (b"if-none-match", b"if-modified-since")


class BundledFontFirst:
    """ASGI middleware around the Flet web app: ``family``'s font file
    (relative to ``assets_dir``, as ``page.fonts`` takes it) goes into the web
    client's font manifest under ``family`` and as the default family, and is
    served where the manifest says."""

    def __init__(self, app: ASGIApp, assets_dir: Path, family: str, asset: str) -> None:
        self.app = app
        self.family = family
        self.asset = asset
        self.url = ASSETS_URL + asset
        self.file = assets_dir / asset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
        elif scope["path"] == self.url:
            await FileResponse(self.file)(scope, receive, send)
        elif scope["path"] == FONT_MANIFEST and scope["method"] == "GET":
            # Always the whole manifest: a browser's copy from before may lack the font.
            headers = [(k, v) for k, v in scope["headers"] if k not in _CONDITIONAL]
            await self.app({**scope, "headers": headers}, receive, self._rewrite(send))
        else:
            await self.app(scope, receive, send)

    def _rewrite(self, send: Send) -> Send:
        """A ``send`` that holds Flet's manifest back and sends it with the font."""
        start: Message = {}
        body = bytearray()

        async def rewriting_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            content = bytes(body)
            if start["status"] == 200:
                content = manifest_with_font(content, self.family, self.asset)
            headers = MutableHeaders(raw=list(start["headers"]))
            headers["content-length"] = str(len(content))
            headers["cache-control"] = "no-cache"
            for validator in ("etag", "last-modified"):
                if validator in headers:
                    del headers[validator]
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": content})

        return rewriting_send


def manifest_with_font(manifest: bytes, family: str, asset: str) -> bytes:
    """Flet's font manifest with ``asset`` as ``family`` and as the default
    family (in place of Roboto, which has no Chinese); the rest unchanged."""
    entries = [
        entry for entry in json.loads(manifest) if entry["family"] not in (family, DEFAULT_FAMILY)
    ]
    for name in (family, DEFAULT_FAMILY):
        entries.append({"family": name, "fonts": [{"asset": asset}]})
    return json.dumps(entries).encode()
