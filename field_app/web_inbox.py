"""Files a browser hands to the app in web mode, held in memory.

In the browser a picked file has no path: its bytes must travel from the
browser to the app. Asking the picker for them (``with_data``) sends them
as one message on the app's websocket, which the web server cuts off past
its frame limit — a large ledger would drop the connection, and the screen
would wait for ever. Flet's own upload store writes files to a folder, and
a ledger of people under community correction has no business on the desk's
disk in clear.

So the picker asks only for the file's name and size; a file over the
limit is refused then and there, before a byte is sent; a file under it is
uploaded (``FilePicker.upload``, an HTTP PUT) to a one-time address here,
read up to the limit, and kept in memory until the screen takes it.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a phone has no web server: the types only, never the package
    from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/_lastmile/inbox/"


@dataclass
class _Slot:
    limit: int
    data: bytes | None = None
    too_large: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class Inbox:
    """One-time addresses, each for one file of at most ``limit`` bytes."""

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()

    def open(self, limit: int) -> str:
        """A new address (the part after ``PREFIX``)."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._slots[token] = _Slot(limit)
        return token

    def limit(self, token: str) -> int | None:
        with self._lock:
            slot = self._slots.get(token)
            return None if slot is None or slot.done.is_set() else slot.limit

    def deliver(self, token: str, data: bytes | None) -> None:
        """The file arrived (``None``: it was larger than the address takes)."""
        with self._lock:
            slot = self._slots.get(token)
        if slot is not None:
            slot.data, slot.too_large = data, data is None
            slot.done.set()

    def wait(self, token: str, timeout_s: float) -> tuple[bytes | None, bool]:
        """Blocking: ``(data, too_large)`` once the file arrived (or ``(None,
        False)`` when it did not in time); the address is closed either way."""
        with self._lock:
            slot = self._slots.get(token)
        if slot is not None:
            slot.done.wait(timeout_s)
        with self._lock:
            self._slots.pop(token, None)
        if slot is None:
            return None, False
        return slot.data, slot.too_large


INBOX = Inbox()
"""The app server's inbox: one per process, like the web server it is part of."""


class InboxRoute:
    """ASGI middleware: ``PUT`` (or ``POST``) ``/_lastmile/inbox/<address>``
    with the file as the body; anything else goes on to the app."""

    def __init__(self, app: ASGIApp, inbox: Inbox = INBOX) -> None:
        self.app = app
        self.inbox = inbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        token = path.removeprefix(PREFIX)
        limit = self.inbox.limit(token)
        if limit is None:
            await _answer(send, 404)
            return
        if scope.get("method") not in ("PUT", "POST"):
            await _answer(send, 405)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                self.inbox.deliver(token, None)
                await _answer(send, 413)
                return
        self.inbox.deliver(token, bytes(body))
        await _answer(send, 200)


async def _answer(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})
