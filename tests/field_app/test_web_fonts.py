"""The web client's requests for fallback fonts get a font, never a 404
(``field_app/web_fonts.py`` says why); every other request is the app's."""

import io

import pytest
from fontTools.ttLib import TTFont
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from field_app.web_fonts import FallbackFonts, placeholder_font

FALLBACK = "/assets/fonts/notosanssc/v37/k3kCo84MPvpLmixcA63oeAL7Iqp5IZJF9bmaG9.118.woff2"


async def the_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands in for the Flet app: says which path it was asked for."""
    body = f"app: {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def client() -> TestClient:
    return TestClient(FallbackFonts(the_app))


def test_a_fallback_font_is_a_font_that_draws_nothing(client: TestClient) -> None:
    response = client.get(FALLBACK)
    assert response.status_code == 200
    assert response.headers["content-type"] == "font/ttf"
    font = TTFont(io.BytesIO(response.content))
    assert font.getBestCmap() == {0x20: "space"}
    head = client.head(FALLBACK)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(placeholder_font())


@pytest.mark.parametrize(
    "path",
    [
        "/assets/fonts/NotoSansSC-GB2312.otf",  # the bundled font itself
        "/assets/icons/app.png",
        "/",
        "/ws",
    ],
)
def test_everything_else_is_the_apps(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.text == f"app: {path}"


def test_only_reads_are_answered(client: TestClient) -> None:
    response = client.post(FALLBACK)
    assert response.text == f"app: {FALLBACK}"
