"""Where a request comes from and how: the one reader of ``X-Forwarded-*``.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are anyone's to write, so
they are believed only from a reverse proxy listed in ``trusted_proxies``
(``--trusted-proxy``). The client's address (for the sign-in throttle) is
then the rightmost address in the header that is not itself a trusted
proxy (each proxy appends the peer it saw; what lies left of that was
written by the client); the scheme the client used is the rightmost
``X-Forwarded-Proto`` value, the one the nearest proxy wrote. With no
proxies configured — the default — the socket's peer and the socket's
scheme are the truth and the headers are ignored. ``lastmile server`` also
turns off uvicorn's own proxy-header handling, which would otherwise
believe the headers from any local peer (``sync_server/cli_server.py``).
"""

from functools import cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from fastapi import Request

from sync_server.core.config import ServerSettings

Network = IPv4Network | IPv6Network


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def _peer(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def from_trusted_proxy(request: Request, settings: ServerSettings) -> bool:
    """Whether the socket's peer is one of the trusted reverse proxies."""
    networks = _networks(tuple(settings.trusted_proxies))
    return bool(networks) and _trusted(_peer(request), networks)


def from_loopback(request: Request) -> bool:
    """Whether the socket's peer is this machine (an operator's curl, a probe)."""
    address = _address(_peer(request))
    return address is not None and address.is_loopback


def client_scheme(request: Request, settings: ServerSettings) -> str:
    """``https`` or ``http``: how the client reached us, through a trusted proxy or not."""
    scheme = request.url.scheme
    if from_trusted_proxy(request, settings):
        values = [
            value.strip().lower()
            for header in request.headers.getlist("x-forwarded-proto")
            for value in header.split(",")
        ]
        if values and values[-1] in ("http", "https"):
            scheme = values[-1]
    return "https" if scheme in ("https", "wss") else "http"


def client_address(request: Request, settings: ServerSettings) -> str:
    """The client's address as the throttle counts it."""
    peer = _peer(request)
    if not from_trusted_proxy(request, settings):
        return peer
    networks = _networks(tuple(settings.trusted_proxies))
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
    ]
    for hop in reversed(hops):
        if _address(hop) is None:
            # Not an address: the chain cannot be read further; the last
            # trusted hop is the client as far as anyone can tell.
            break
        if not _trusted(hop, networks):
            return hop
        peer = hop
    return peer
