"""The demo as a person uses it: a phone signs in and its tab is closed
(nothing may go wrong in the terminal afterwards), the sync server is taken
down and brought back with ``o`` (the phones keep running), and ``kill``
(SIGTERM) stops everything and frees every port."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import GEOLOCATION, ROOT
from tests.e2e.driver import PHONE, open_app, use_english
from tests.e2e.test_sign_in import sign_in
from tests.test_demo_command import free_ports

pytestmark = pytest.mark.browser
START_S = 240
SYNC_ROUND_S = 5


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _until(condition: Callable[[], bool], what: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {deadline_s:.0f} s: {what}")
        time.sleep(0.2)


class RunningDemo:
    """``lastmile demo`` with a pipe for commands, its output read line by line."""

    def __init__(self, folder: Path, server_port: int, app_port: int) -> None:
        self.errors = folder.with_name("demo-stderr.log")
        self.lines: queue.Queue[str] = queue.Queue()
        self.printed: list[str] = []
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "LASTMILE_APP_SYNC_INTERVAL_SECONDS": str(SYNC_ROUND_S),
        }
        command = [sys.executable, "-m", "lastmile_cli", "demo", "--data-dir", str(folder)]
        command += ["--port", str(server_port), "--app-port", str(app_port), "--size", "200"]
        with self.errors.open("wb") as errors:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=env,
            )
        stdout = self.process.stdout
        assert stdout is not None
        self.reader = threading.Thread(
            target=lambda: [self.lines.put(line) for line in stdout], daemon=True
        )
        self.reader.start()

    def wait_for(self, needle: str, deadline_s: float = START_S) -> None:
        deadline = time.monotonic() + deadline_s
        while not any(needle in line for line in self.printed):
            try:
                self.printed.append(self.lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"{needle!r} not printed: {''.join(self.printed)}") from None

    def drain(self) -> list[str]:
        while not self.lines.empty():
            self.printed.append(self.lines.get())
        return self.printed

    def command(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """SIGTERM first (the demo then stops its own children), SIGKILL only
        if that fails (which would leave the children running)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.reader.join(timeout=10)  # it ends at the end of the output
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[RunningDemo, list[int]]]:
    ports = free_ports(4)
    running = RunningDemo(tmp_path / "demo", ports[0], ports[1])
    try:
        yield running, ports
    finally:
        running.stop()


def test_offline_and_back_tab_closed_quietly_and_sigterm_frees_every_port(
    demo: tuple[RunningDemo, list[int]], browser: Browser
) -> None:
    running, (server_port, *app_ports) = demo
    running.wait_for("o + Enter")  # the offline command is printed with the URLs
    server = f"http://127.0.0.1:{server_port}"

    # A phone signs in, then its tab is closed while the phone keeps syncing.
    context = browser.new_context(
        viewport=PHONE, geolocation=GEOLOCATION, permissions=["geolocation"], locale="en-US"
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    open_app(page, f"http://127.0.0.1:{app_ports[0]}/")
    use_english(page)
    sign_in(page, "mediator.baijia")
    context.close()
    syncs_before = _syncs(running)
    _until(
        lambda: _syncs(running) >= syncs_before + 2,
        "two sync rounds of the phone after its tab closed",
        deadline_s=12 * SYNC_ROUND_S,
    )
    log = running.errors.read_text(encoding="utf-8", errors="replace")
    for sign in ("Traceback", "listener failed", "never awaited", "Exception in ASGI"):
        assert sign not in log, log

    # Offline: only the sync server stops; the phones go on.
    running.command("o")
    _until(lambda: not _listening(server_port), "the sync server stopped")
    running.wait_for("phones are offline", deadline_s=30)
    assert running.process.poll() is None
    for port in app_ports:
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200

    # And back.
    running.command("o")
    _until(lambda: _ready(server), "the sync server back", deadline_s=90)

    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=90) == 0
    for port in (server_port, *app_ports):
        assert not _listening(port), port


def _syncs(running: RunningDemo) -> int:
    """The phone's sync requests in the server's access log (its log lines go
    to standard error, the demo's own words to standard output)."""
    log = running.errors.read_text(encoding="utf-8", errors="replace")
    return sum(1 for line in log.splitlines() if "/api/v1/sync/" in line)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
