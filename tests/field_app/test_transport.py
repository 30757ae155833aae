"""The device's rules for reaching its district (field_app/sync/transport.py):
which plain-HTTP addresses it accepts, how pins are read, and that a refused
address is refused under the request too, before anything is sent. The
HTTPS and pinning handshake itself: tests/integration/test_tls.py."""

import httpx
import pytest

from field_app.sync.transport import (
    GuardedTransport,
    district_http,
    normalise_pin,
    server_url_refusal,
    tls_context,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8700",
        "http://localhost:8700",
        "http://[::1]:8700",
        "http://10.1.2.3:8700",
        "http://172.20.0.4",
        "http://192.168.1.20:8700",
        "http://169.254.10.10",
        "http://[fd00::5]:8700",
        "https://lastmile.example.org",
        "https://8.8.8.8",
    ],
)
def test_loopback_private_networks_and_https_are_accepted(url: str) -> None:
    assert server_url_refusal(url, allow_plain_http=False) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://8.8.8.8:8700",
        "http://100.64.0.1",  # carrier-grade NAT: the carrier's network, not the bureau's
        "http://lastmile.example.org",
        "http://intranet",  # a name may resolve anywhere
        "http://192.168.1.20.evil.example",
        "HTTP://8.8.8.8",
    ],
)
def test_plain_http_elsewhere_is_refused_unless_allowed(url: str) -> None:
    refusal = server_url_refusal(url, allow_plain_http=False)
    assert refusal is not None
    assert "https://" in refusal
    assert server_url_refusal(url, allow_plain_http=True) is None


def test_pins_are_64_hex_digits_with_or_without_colons() -> None:
    digits = "AB" * 32
    assert normalise_pin(":".join(digits[i : i + 2] for i in range(0, 64, 2))) == "ab" * 32
    for bad in ("ab" * 31, "zz" * 32, "", "sha256/" + "ab" * 32):
        with pytest.raises(ValueError, match="64 hex"):
            normalise_pin(bad)
    with pytest.raises(ValueError, match="64 hex"):
        tls_context(["not-a-pin"])


def test_a_refused_address_is_refused_under_the_request_without_sending() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    inner = httpx.MockTransport(answer)
    with district_http("http://8.8.8.8:8700", transport=inner) as http:
        with pytest.raises(httpx.ConnectError, match="in clear"):
            http.get("/api/v1/me", headers={"Authorization": "Bearer secret"})
        assert http.get("http://192.168.1.20:8700/healthz").status_code == 200
    assert [str(request.url) for request in sent] == ["http://192.168.1.20:8700/healthz"]
    allowed = GuardedTransport(inner, allow_plain_http=True)
    with httpx.Client(transport=allowed) as http:
        assert http.get("http://8.8.8.8:8700/healthz").status_code == 200
