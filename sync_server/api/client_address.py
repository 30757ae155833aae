"""The address a request comes from, for the sign-in throttle.

``X-Forwarded-For`` is anyone's to write, so it is believed only from a
reverse proxy listed in ``trusted_proxies``: then the client is the
rightmost address in the header that is not itself a trusted proxy (each
proxy appends the peer it saw; what lies left of that was written by the
client). With no proxies configured — the default — the socket's peer is
the client and the header is ignored. ``lastmile server`` also turns off
uvicorn's own proxy-header handling, which would otherwise believe the
header from any local peer (``sync_server/cli_server.py``).
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


def client_address(request: Request, settings: ServerSettings) -> str:
    """The client's address as the throttle counts it."""
    peer = request.client.host if request.client else "unknown"
    networks = _networks(tuple(settings.trusted_proxies))
    if not networks or not _trusted(peer, networks):
        return peer
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
