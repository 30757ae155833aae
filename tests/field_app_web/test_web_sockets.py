"""A tab that closes while the app writes to it ends its connection quietly
(``field_app/web_sockets.py``)."""

import asyncio

from starlette.types import Message, Receive, Scope, Send

from field_app.web_sockets import ClosedTabsQuiet


def test_sends_after_the_tab_went_are_dropped_not_raised() -> None:
    delivered: list[Message] = []

    async def transport_send(message: Message) -> None:
        if message.get("bytes") == b"after":
            raise OSError("the client disconnected")  # as ASGI servers do
        delivered.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for body in (b"before", b"after", b"later"):
            await send({"type": "websocket.send", "bytes": body})

    async def receive() -> Message:
        return {"type": "websocket.disconnect"}

    asyncio.run(ClosedTabsQuiet(app)({"type": "websocket"}, receive, transport_send))
    assert [m["bytes"] for m in delivered] == [b"before"]


def test_http_passes_through_untouched() -> None:
    seen: list[Send] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(send)

    async def transport_send(message: Message) -> None:
        raise AssertionError("not called")

    async def receive() -> Message:
        return {"type": "http.request"}

    asyncio.run(ClosedTabsQuiet(app)({"type": "http"}, receive, transport_send))
    assert seen == [transport_send]
