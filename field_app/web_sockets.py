"""A tab that closes while the app is writing to it is no error.

Flet's web server writes each tab's updates from a send loop. When the tab
closes in the middle of a write, the server raises (ASGI: an ``OSError`` for
a send on a closed connection), Flet's send loop passes it on, and its
connection handler ends before it has told the session the tab is gone: the
terminal fills with "Exception in ASGI application" tracebacks, and the page's
``on_disconnect`` never comes, so what the page listens to (the phone's sync
status) keeps calling into a tab that is not there.

``ClosedTabsQuiet`` drops whatever is sent after the connection has gone;
Flet's receive loop then sees the disconnect and ends the connection as
usual, with ``on_disconnect``.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ClosedTabsQuiet:
    """ASGI middleware: websocket messages for a tab that has gone are dropped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        gone = False

        async def send_while_open(message: Message) -> None:
            nonlocal gone
            if gone:
                return
            try:
                await send(message)
            except OSError:
                gone = True

        await self.app(scope, receive, send_while_open)
