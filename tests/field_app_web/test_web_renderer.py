"""The app's web pages are not cross-origin isolated, so the web client's
renderer runs on one thread (``field_app/web_renderer.py`` says why: the
multi-threaded one corrupted its heap now and then and froze the window)."""

from pathlib import Path

from starlette.testclient import TestClient

from field_app.config import AppSettings
from field_app.main import web_app
from field_app.web_renderer import ISOLATION_HEADERS


def test_no_response_asks_for_cross_origin_isolation(tmp_path: Path) -> None:
    with TestClient(web_app(AppSettings(data_dir=tmp_path / "phone"))) as client:
        for path in ("/", "/flutter_bootstrap.js", "/assets/FontManifest.json", "/main.dart.mjs"):
            response = client.get(path)
            assert response.status_code == 200, path
            for header in ISOLATION_HEADERS:
                assert header not in response.headers, (path, header)
