"""Every request, seen once: its request id, its access line, its metrics.

The outermost middleware: it names the request (``X-Request-ID``, echoed
in the answer so a user's report can be found in the logs), counts it by
route template and status (``core/metrics.py``), times it, counts blob
bytes, and writes one access line — the route template, never the path
with its ids or its query (``core/logs.py``). It reads no body and changes
none, so a streamed answer streams as before.
"""

import logging
import time
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_server.core.logs import begin_request
from sync_server.core.metrics import (
    BLOB_BYTES,
    BLOB_ROUTE,
    REQUEST_SECONDS,
    REQUESTS,
    SYNC_ROUTES,
    SYNC_SECONDS,
)

log = logging.getLogger("sync_server.access")

REQUEST_ID_HEADER: Final = "x-request-id"
UNMATCHED: Final = "<unmatched>"
"""The route label of a request no route took: a 404 for any path is one
series, not one per path a scanner tried."""
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Method labels; any other a client makes up is counted as ``OTHER`` (each
label value is a series Prometheus keeps: a client must not add them)."""
QUIET_ROUTES: Final = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes come every few seconds: their access lines are DEBUG."""


class ObserveMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = next(
            (value for name, value in scope["headers"] if name == REQUEST_ID_HEADER.encode()),
            None,
        )
        context = begin_request(offered.decode("latin-1") if offered is not None else None)
        started = time.perf_counter()
        status = 500
        received = sent = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def watched_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), context.request_id.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, watched_send)
        finally:
            _record(scope, status, time.perf_counter() - started, received, sent)


def _record(scope: Scope, status: int, elapsed: float, received: int, sent: int) -> None:
    route = getattr(scope.get("route"), "path", None) or UNMATCHED
    method = scope.get("method", "")
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route, method).observe(elapsed)
    kind = SYNC_ROUTES.get(route)
    if kind is not None:
        SYNC_SECONDS.labels(kind).observe(elapsed)
    if route == BLOB_ROUTE and status < 300:
        if method == "PATCH":
            BLOB_BYTES.labels("in").inc(received)
        elif method == "GET":
            BLOB_BYTES.labels("out").inc(sent)
    log.log(
        logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
        "%s %s %d",
        method,
        route,
        status,
        extra={
            "route": route,
            "method": method,
            "status": status,
            "duration_ms": round(elapsed * 1000, 1),
            "bytes_in": received,
            "bytes_out": sent,
        },
    )
