"""Behind a reverse proxy, only requests that reached the proxy over HTTPS.

``lastmile server --trusted-proxy …`` listens in plain HTTP for the proxy
that ends TLS in front of it. A request that did not come through that
proxy over HTTPS — another machine on the network talking to the server
directly, or a proxy that forwards its port 80 — carries a bearer token
that crossed the network in clear: it is refused (403) before any route
reads it, so the mistake shows at once instead of working insecurely. The
proxy says how the client came with ``X-Forwarded-Proto``, believed from
the trusted proxy only (``client_address.client_scheme``). A peer on this
machine that is not the proxy (an operator's ``curl``) is let through, as
are the probes, which carry nothing secret, and Prometheus's scrape of
``/metrics``, which goes to each process directly: its token opens nothing
but counts that name no one (``routes/metrics.py``), so it may cross the
bureau's private network in clear. Not installed when the server
speaks TLS itself, listens on loopback only, or was started with
``--insecure-http``.
"""

from typing import Final

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared_models.protocol.errors import ErrorCode
from sync_server.api.client_address import client_scheme, from_loopback, from_trusted_proxy
from sync_server.core.config import ServerSettings
from sync_server.core.errors import error_response

UNGUARDED: Final = frozenset({"/healthz", "/readyz", "/metrics"})
REFUSAL: Final = (
    "this server takes HTTPS only, through its reverse proxy; use the https:// address "
    "(the proxy must send X-Forwarded-Proto)"
)


def guards(settings: ServerSettings) -> bool:
    """Whether the server runs behind a trusted proxy in plain HTTP."""
    return (
        bool(settings.trusted_proxies) and settings.tls_cert is None and not settings.insecure_http
    )


class PlainHttpGuard:
    def __init__(self, app: ASGIApp, settings: ServerSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in UNGUARDED:
            request = Request(scope)
            proxied = from_trusted_proxy(request, self.settings)
            local = from_loopback(request) and not proxied
            if not local and client_scheme(request, self.settings) != "https":
                await error_response(403, ErrorCode.FORBIDDEN, REFUSAL)(scope, receive, send)
                return
        await self.app(scope, receive, send)
