"""The web client's renderer on one thread.

Flet's web server sends every response with ``Cross-Origin-Opener-Policy:
same-origin`` and ``Cross-Origin-Embedder-Policy: require-corp``. That makes
the page cross-origin isolated, and then the web client's renderer (skwasm)
runs multi-threaded: text is laid out on the page's thread while a worker
rasterises. In the skwasm of flet-web 1.0.5 both threads share Skia's glyph
cache without working locks (emscripten's wasm workers make mutexes no-ops),
and under text churn they corrupt the heap: "RuntimeError: memory access out
of bounds" and a frozen window whose accessibility tree still answers, or a
renderer spinning at full CPU (Flutter issue 190039, fixed by thread-local
glyph caches in Flutter 3.47). It hit about one fresh sign-in in fifty here
(``bench/sign_in_repeat.py``).

Without those two headers the page is not isolated and skwasm renders on the
page's own thread: no second thread, no race. Nothing else LastMile's web
client does needs isolation (it would only matter for running Python in the
browser, which LastMile does not).
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ISOLATION_HEADERS = ("cross-origin-opener-policy", "cross-origin-embedder-policy")


class SingleThreadedRenderer:
    """ASGI middleware: responses without the cross-origin isolation headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_unisolated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message["headers"]))
                for name in ISOLATION_HEADERS:
                    if name in headers:
                        del headers[name]
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, send_unisolated)
