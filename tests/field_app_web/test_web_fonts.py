"""The web client gets the bundled font from its font manifest, under the
theme's family and as the default family, and can fetch it from where the
manifest says (``field_app/web_fonts.py`` says why: without it the engine
went looking for fallback fonts and now and then crashed)."""

import json
from pathlib import Path

from starlette.testclient import TestClient

from field_app.config import AppSettings
from field_app.main import ASSETS_DIR, web_app
from field_app.views.theme import FONT_FAMILY, FONTS
from field_app.web_fonts import DEFAULT_FAMILY, manifest_with_font


def test_the_served_manifest_names_the_bundled_font_and_the_font_is_there(
    tmp_path: Path,
) -> None:
    app = web_app(AppSettings(data_dir=tmp_path / "phone"))
    with TestClient(app) as client:
        index = client.get("/")
        assert index.status_code == 200
        manifest = client.get("/assets/FontManifest.json", headers={"If-None-Match": '"old"'})
        assert manifest.status_code == 200
        families = {entry["family"]: entry["fonts"] for entry in manifest.json()}
        wanted = [{"asset": FONTS[FONT_FAMILY]}]
        assert families[FONT_FAMILY] == wanted
        assert families[DEFAULT_FAMILY] == wanted
        assert "MaterialIcons" in families  # Flet's own entries stay
        assert "etag" not in manifest.headers
        font = client.get(f"/assets/{FONTS[FONT_FAMILY]}")
        assert font.status_code == 200
        assert font.content == (ASSETS_DIR / FONTS[FONT_FAMILY]).read_bytes()
        # What page.fonts would load is still served too (a phone build uses it).
        assert client.get(f"/{FONTS[FONT_FAMILY]}").status_code == 200


def test_the_manifest_keeps_other_families_and_replaces_the_default() -> None:
    flet_manifest = [
        {"family": "MaterialIcons", "fonts": [{"asset": "fonts/MaterialIcons-Regular.otf"}]},
        {"family": "Roboto", "fonts": [{"asset": "fonts/roboto.woff2"}]},
    ]
    patched = json.loads(manifest_with_font(json.dumps(flet_manifest).encode(), "X", "f/x.otf"))
    assert patched == [
        flet_manifest[0],
        {"family": "X", "fonts": [{"asset": "f/x.otf"}]},
        {"family": "Roboto", "fonts": [{"asset": "f/x.otf"}]},
    ]
