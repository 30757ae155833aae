"""Ready for ``flet build``: the ``[tool.flet]`` configuration is complete,
and the app starts from the entry point the build runs, with its data in the
platform's app-storage folder and without the sync server's package
(docs/phone.md). The build itself needs Flutter and cannot run here."""

import os
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

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
    for left_out in ("sync_server", "tests", "bench", ".venv"):
        assert left_out in app["exclude"], left_out


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


NO_SERVER = """
import importlib.abc, runpy, sys

class NoServer(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "sync_server" or name.startswith("sync_server."):
            raise ImportError(f"the phone app imported {name}")
        return None

sys.meta_path.insert(0, NoServer())
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def test_the_app_starts_from_its_entry_point_without_the_server(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    storage = tmp_path / "app-storage"
    storage.mkdir()  # the platform makes it
    env = {
        **os.environ,
        # What the Flet runtime sets on a phone; here it serves a browser instead.
        "FLET_APP_STORAGE_DATA": str(storage),
        "FLET_FORCE_WEB_SERVER": "true",
        "FLET_SERVER_IP": "127.0.0.1",
        "FLET_SERVER_PORT": str(port),
    }
    env.pop("LASTMILE_APP_DATA_DIR", None)
    log = tmp_path / "app.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", NO_SERVER, str(ROOT / "main.py")],
            cwd=tmp_path,  # as installed: nothing of the repository on the path but the app
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
