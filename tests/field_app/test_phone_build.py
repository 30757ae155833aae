"""Ready for ``flet build``: the ``[tool.flet]`` configuration is complete,
the phone gets the app's dependency set and nothing of the server's, and the
app keeps its data in the platform's app-storage folder (docs/phone.md). That
the app starts from the entry point without the server's package is checked
in web mode (``tests/field_app_web/test_phone_entry_point.py``). The build
itself needs Flutter and cannot run here."""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from field_app.config import AppSettings

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLET = PYPROJECT["tool"]["flet"]


def test_the_build_configuration_names_the_app_and_its_permissions() -> None:
    assert PYPROJECT["project"]["version"]
    for key in ("org", "bundle_id", "product", "artifact", "company", "build_number"):
        assert FLET.get(key), key
    assert FLET["bundle_id"].startswith(FLET["org"] + ".")
    assert {"location", "camera", "photo_library"} <= set(FLET["permissions"])
    android = FLET["android"]["permission"]
    for permission in ("ACCESS_FINE_LOCATION", "CAMERA", "READ_MEDIA_VISUAL_USER_SELECTED"):
        assert android[f"android.permission.{permission}"] is True, permission
    assert android["android.permission.ACCESS_BACKGROUND_LOCATION"] is False
    ios = FLET["ios"]["info"]
    for key in (
        "NSLocationWhenInUseUsageDescription",
        "NSCameraUsageDescription",
        "NSPhotoLibraryUsageDescription",
    ):
        assert len(ios[key]) > 20, key  # a person reads it when the phone asks


def test_the_entry_point_is_where_the_build_looks_and_the_server_stays_out() -> None:
    app = FLET["app"]
    entry = ROOT / app["path"] / f"{app['module']}.py"
    assert entry.is_file()
    for left_out in ("sync_server", "tests", "bench", ".venv", ".venv-app", ".venv-server"):
        assert left_out in app["exclude"], left_out
    for packaged in ("field_app", "shared_models", "shared_documents"):
        assert packaged not in app["exclude"], packaged


def _names(requirements: list[str]) -> set[str]:
    return {Requirement(line).name.lower() for line in requirements}


@pytest.mark.parametrize("platform", ["android", "ios"])
def test_the_phone_gets_the_apps_dependencies_and_none_of_the_servers(platform: str) -> None:
    """``flet build`` installs ``[project].dependencies`` and then
    ``[tool.flet.<platform>].dependencies``, never an extra: that list must
    be the ``app`` extra, word for word."""
    project = PYPROJECT["project"]
    phone = FLET[platform]["dependencies"]
    assert sorted(phone) == sorted(project["optional-dependencies"]["app"])
    carried = _names(project["dependencies"]) | _names(phone)
    server_only = _names(project["optional-dependencies"]["server"]) - _names(
        project["optional-dependencies"]["app"]
    )
    assert {"fastapi", "uvicorn", "psycopg", "pyhanko"} <= server_only
    assert carried.isdisjoint(server_only | {"flet-web"})
    assert all(not Requirement(line).extras for line in phone)  # no flet[web] on a phone


def test_data_lives_in_the_platforms_app_storage_when_packaged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LASTMILE_APP_DATA_DIR", raising=False)
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "app-storage"))
    assert AppSettings().data_dir == tmp_path / "app-storage"
    # The command line (lastmile app --data-dir) still decides when given.
    assert AppSettings(data_dir=tmp_path / "cli").data_dir == tmp_path / "cli"
    monkeypatch.delenv("FLET_APP_STORAGE_DATA")
    assert AppSettings().data_dir != tmp_path / "app-storage"


WEB_ONLY = {"field_app.web_fonts", "field_app.web_renderer", "field_app.web_sockets"}
"""Modules of the app's web mode, loaded only by ``field_app.main`` when it
serves browsers; they need the web server's package, which a phone lacks."""


def test_every_module_a_phone_loads_imports_with_the_phones_packages() -> None:
    """In the app's environment (the phone's set) every module but the web
    mode's imports: a module reaching for a web-server or server package at
    import time would crash the packaged app on the screen that loads it."""
    import importlib
    import pkgutil

    import field_app

    modules = [
        info.name
        for info in pkgutil.walk_packages(field_app.__path__, "field_app.")
        if info.name not in WEB_ONLY and ".migrations.versions." not in info.name
    ]
    assert "field_app.views.sheet_picker" in modules
    for name in modules:
        importlib.import_module(name)
