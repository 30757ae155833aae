"""The phone build's entry point starts the app without the sync server's
package, with its data in the platform's app-storage folder
(``[tool.flet.app]``, docs/phone.md). There is no phone here, so the app
serves its page in web-server mode, which needs Flet's web server: this runs
in the full environment (tests/sides.py)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


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
