"""How the device reaches its district: HTTPS, optionally pinned, and plain
HTTP only where no stranger's network lies in between.

Every request carries a bearer token, and a sign-in carries a password. So:

- Plain HTTP goes only to this machine (loopback) or to an address of a
  private network (10/8, 172.16/12, 192.168/16, fc00::/7, link-local) given
  as a number; any other ``http://`` address — every name included, since a
  name may resolve anywhere — is refused unless the device's administrator
  allows it (``AppSettings.allow_plain_http``). The rule is applied where the
  address is typed (``server_url_refusal``) and again under every request
  (``GuardedTransport``), so a stored address cannot slip past it.
- HTTPS is verified against the public CAs (certifi's, as httpx's default) or the district's own CA
  bundle (``server_ca_bundle``), and, when the district pins its
  certificate (``server_pins``), the server's certificate must also match a
  pin: the SHA-256 of the certificate (DER) or of its public key (the
  SubjectPublicKeyInfo, DER; it survives renewing the certificate with the
  same key). The pin is checked right after the TLS handshake, before a
  byte of the request is sent; a mismatch is a failed connection (the app
  stays offline and logs why), never a request to the wrong server.
"""

import hashlib
import ipaddress
import logging
import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

import certifi
import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

log = logging.getLogger(__name__)


class InsecureServerUrlError(ValueError):
    """A plain-HTTP address this device may not send a password or a token to."""


def plain_http_host_allowed(host: str) -> bool:
    """Loopback, or a private or link-local network address given as a number."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def server_url_refusal(url: str, allow_plain_http: bool) -> str | None:
    """Why this device must not talk to ``url``, or ``None``."""
    parsed = urlparse(url.strip())
    if parsed.scheme != "http" or allow_plain_http:
        return None
    if plain_http_host_allowed(parsed.hostname or ""):
        return None
    return (
        f"plain HTTP to {parsed.hostname} would send the password and the token in clear: "
        "use the district's https:// address"
    )


def normalise_pin(pin: str) -> str:
    """A pin as 64 lowercase hex digits (``openssl … -fingerprint`` prints AB:CD:…)."""
    digits = pin.replace(":", "").strip().lower()
    if len(digits) != 64 or any(c not in "0123456789abcdef" for c in digits):
        raise ValueError(f"not a SHA-256 pin (64 hex digits): {pin!r}")
    return digits


def certificate_pins(der: bytes) -> set[str]:
    """The two pins a certificate matches: its own hash and its public key's."""
    spki = (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return {hashlib.sha256(der).hexdigest(), hashlib.sha256(spki).hexdigest()}


class _PinnedSocket(ssl.SSLSocket):
    """An ``SSLSocket`` that checks the pins as soon as its handshake is done."""

    pins: ClassVar[frozenset[str]] = frozenset()

    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        der = self.getpeercert(binary_form=True)
        if der is None or not certificate_pins(der) & self.pins:
            log.warning("the server's certificate matches none of the district's pins")
            raise ssl.SSLCertVerificationError("the server's certificate is not the district's")


def tls_context(pins: Iterable[str] = (), ca_bundle: Path | None = None) -> ssl.SSLContext:
    """Verification against the system's CAs (or ``ca_bundle``), then the pins."""
    # certifi's CAs by default, as httpx's own default: a phone's Python has no system store.
    context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    wanted = frozenset(normalise_pin(pin) for pin in pins)
    if wanted:
        context.sslsocket_class = type("PinnedSocket", (_PinnedSocket,), {"pins": wanted})
    return context


class GuardedTransport(httpx.BaseTransport):
    """Refuses a plain-HTTP request to an address ``server_url_refusal`` refuses,
    as a failed connection: nothing was sent."""

    def __init__(self, inner: httpx.BaseTransport, allow_plain_http: bool) -> None:
        self.inner = inner
        self.allow_plain_http = allow_plain_http

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        refusal = server_url_refusal(str(request.url), self.allow_plain_http)
        if refusal is not None:
            log.warning("refused to send a request: %s", refusal)
            raise httpx.ConnectError(refusal, request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def district_http(
    base_url: str,
    *,
    allow_plain_http: bool = False,
    pins: Iterable[str] = (),
    ca_bundle: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    **options: Any,
) -> httpx.Client:
    """The device's HTTP client for its district (``transport``: tests put the
    server in-process there; the address rules still apply)."""
    inner = transport or httpx.HTTPTransport(verify=tls_context(pins, ca_bundle))
    return httpx.Client(
        base_url=base_url, transport=GuardedTransport(inner, allow_plain_http), **options
    )
