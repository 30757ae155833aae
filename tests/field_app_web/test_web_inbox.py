"""A file the browser uploads reaches the app's memory once, at the address
it was given, never past the limit (``field_app/web_inbox.py``)."""

import asyncio

from starlette.types import Message, Receive, Scope, Send

from field_app.web_inbox import PREFIX, Inbox, InboxRoute


def _put(route: InboxRoute, path: str, chunks: list[bytes], method: str = "PUT") -> int:
    """``chunks`` as one request's body; the answer's status."""
    answers: list[Message] = []
    pending = list(chunks)

    async def receive() -> Message:
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        answers.append(message)

    scope = {"type": "http", "path": path, "method": method}
    asyncio.run(route(scope, receive, send))
    return int(answers[0]["status"])


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_a_file_arrives_once_at_its_address() -> None:
    inbox = Inbox()
    route = InboxRoute(_app, inbox)
    token = inbox.open(limit=10)
    assert _put(route, PREFIX + token, [b"12345", b"678"]) == 200
    # Used: the address takes nothing more.
    assert _put(route, PREFIX + token, [b"again"]) == 404
    assert inbox.wait(token, timeout_s=1) == (b"12345678", False)
    assert inbox.wait(token, timeout_s=0) == (None, False)


def test_past_the_limit_nothing_is_kept() -> None:
    inbox = Inbox()
    route = InboxRoute(_app, inbox)
    token = inbox.open(limit=6)
    assert _put(route, PREFIX + token, [b"1234", b"5678", b"never read"]) == 413
    assert inbox.wait(token, timeout_s=1) == (None, True)


def test_unknown_addresses_other_methods_and_other_paths() -> None:
    inbox = Inbox()
    route = InboxRoute(_app, inbox)
    assert _put(route, PREFIX + "guessed", [b"x"]) == 404
    token = inbox.open(limit=6)
    assert _put(route, PREFIX + token, [], method="GET") == 405
    assert _put(route, "/assets/app.js", [], method="GET") == 299
    # Nothing came in time: the screen hears "nothing", and the address closes.
    assert inbox.wait(token, timeout_s=0.01) == (None, False)
    assert inbox.limit(token) is None
