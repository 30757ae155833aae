"""The real thing, end to end: the sync server (uvicorn, SQLite, a small
demo district) and the field app in web mode, each a subprocess on a free
loopback port, driven by Debian's Chromium through Playwright.

The server is started once per session (seeding takes a few seconds) and
can be stopped and started again on the same port and database — that is
what "the server is down" means here. Every test gets its own app process
and data folder: a fresh phone, started while the test before it runs
(``AppsAhead``), so its start (about 4.5 s) is not waited for.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, WebSocket, sync_playwright

from tests.district_db import IN_CI, pg_admin, pg_available, sqlalchemy_url
from tests.e2e.district import add_field_work
from tests.e2e.driver import PHONE, SCREENSHOTS, Screenshots

DEMO_PASSWORD = "demo-2026"
DEMO_SIZE = 300
CHROMIUM = os.environ.get("LASTMILE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
GEOLOCATION = {"latitude": 36.6052, "longitude": 114.4781, "accuracy": 12}
"""Where the test phone "is": Baijia street, Fuxing District, Handan."""
CLI = [sys.executable, "-m", "lastmile_cli"]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_http(url: str, process: subprocess.Popen[bytes], deadline_s: float) -> None:
    """Poll ``url`` until it answers 200 (or the process dies, or time is up)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {deadline_s}s")


def stop(process: subprocess.Popen[bytes], grace_s: float = 5) -> None:
    """Terminate; kill what does not stop in ``grace_s`` (an app server waits
    for its browsers' websockets to close before it exits)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@dataclass
class SyncServer:
    """``lastmile server`` on ``database`` (a SQLite file in ``folder`` when
    none is given); stoppable and restartable."""

    folder: Path
    database: str | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def db_url(self) -> str:
        return self.database or f"sqlite:///{self.folder / 'district.db'}"

    @property
    def blobs(self) -> Path:
        return self.folder / "blobs"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def seed(self) -> None:
        subprocess.run(
            [
                *CLI,
                "admin",
                "seed-demo",
                "--db",
                self.db_url,
                "--password",
                DEMO_PASSWORD,
                "--size",
                str(DEMO_SIZE),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
            # The seed's audit entry is keyed with the server's audit key.
            env={**os.environ, "LASTMILE_BLOBS": str(self.blobs)},
        )

    def start(self) -> None:
        env = {**os.environ, "LASTMILE_BLOBS": str(self.blobs)}
        command = [*CLI, "server", "--db", self.db_url, "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.url}/readyz", self.process, 60)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class FieldAppProcess:
    """``lastmile app``: one phone (one data folder) served to the browser."""

    port: int
    data_dir: Path
    server_url: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.launch()
        self.wait_serving()

    def launch(self) -> None:
        """Start the process, not waiting for it to serve (``wait_serving``)."""
        env = {**os.environ, "LASTMILE_APP_SYNC_INTERVAL_SECONDS": "5"}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    *CLI,
                    "app",
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    "--server-url",
                    self.server_url,
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_serving(self) -> None:
        assert self.process is not None, "launch() first"
        wait_http(self.url, self.process, 60)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, grace_s=2)
            self.process = None

    def restart(self) -> None:
        """The phone's app is killed and opened again (same data folder)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=15)
            self.process = None
        self.start()


@pytest.fixture(scope="session")
def district_database() -> Iterator[str | None]:
    """A database of its own on PostgreSQL, as a district runs it (always in
    CI); SQLite (``None``) only where PostgreSQL is not reachable locally."""
    problem = pg_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI needs PostgreSQL on 127.0.0.1:5432: {problem}")
        yield None
        return
    name = f"lastmile_e2e_{uuid.uuid4().hex[:16]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield sqlalchemy_url(name)
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sync_server(
    tmp_path_factory: pytest.TempPathFactory, district_database: str | None
) -> Iterator[SyncServer]:
    server = SyncServer(tmp_path_factory.mktemp("district"), district_database)
    server.seed()
    server.start()
    add_field_work(server.url, DEMO_PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def server(sync_server: SyncServer) -> Iterator[SyncServer]:
    """The session's server, running at the start and the end of each test."""
    if not sync_server.running:
        sync_server.start()
    yield sync_server
    if not sync_server.running:
        sync_server.start()


class AppsAhead:
    """Fresh phones, each launched when the one before it is taken.

    An app takes about 4.5 s to start, mostly importing; started while the
    previous test drives its own app (which mostly waits for the browser),
    it is serving, or nearly, when its test begins. Each is still a fresh
    process with a data folder of its own that no other test sees.
    """

    def __init__(self, folder: Path, server_url: str) -> None:
        self._folder = folder
        self._server_url = server_url
        self._next: FieldAppProcess | None = None

    def _launch(self) -> FieldAppProcess:
        folder = self._folder / uuid.uuid4().hex[:12]
        app = FieldAppProcess(free_port(), folder / "phone", self._server_url, folder / "app.log")
        app.launch()
        return app

    def take(self) -> FieldAppProcess:
        """A serving app of the caller's own; the caller stops it."""
        app = self._next or self._launch()
        self._next = self._launch()
        try:
            app.wait_serving()
        except BaseException:
            app.stop()
            raise
        return app

    def close(self) -> None:
        if self._next is not None:
            self._next.stop()
            self._next = None


@pytest.fixture(scope="session")
def apps_ahead(
    sync_server: SyncServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppsAhead]:
    apps = AppsAhead(tmp_path_factory.mktemp("phones"), sync_server.url)
    try:
        yield apps
    finally:
        apps.close()


@pytest.fixture
def field_app(server: SyncServer, apps_ahead: AppsAhead) -> Iterator[FieldAppProcess]:
    app = apps_ahead.take()
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: scripts/test installs Debian's chromium")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE,
        geolocation=GEOLOCATION,
        permissions=["geolocation"],
        locale="en-US",
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"page error: {error}"))
    page.on("websocket", lambda connection: _note_socket(connection, console))
    yield page
    if request.node.stash.get(FAILED, False):
        # What the screen showed when the test failed, and what the web client
        # said meanwhile (its console and its connection), beside the other
        # screenshots.
        folder = SCREENSHOTS / request.node.name
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / "failure.png")
        (folder / "console.txt").write_text("\n".join(console) + "\n", encoding="utf-8")
    context.close()


def _note_socket(connection: WebSocket, console: list[str]) -> None:
    """The app's connection opening and closing, with the time (a web client
    that lost its connection shows a blank or "Working..." screen)."""

    def note(event: str) -> None:
        console.append(f"{time.strftime('%H:%M:%S')} websocket {event}")

    note(f"opened: {connection.url}")
    connection.on("close", lambda _: note("closed"))
    connection.on("socketerror", lambda error: note(f"error: {error}"))


@pytest.fixture
def shots(page: Page, request: pytest.FixtureRequest) -> Screenshots:
    """Screenshots into ``artifacts/screenshots/<test name>/`` for a person to look at."""
    return Screenshots(page, SCREENSHOTS / request.node.name)


BROWSER_TEST_TIMEOUT_S = int(os.environ.get("LASTMILE_BROWSER_TEST_TIMEOUT", "600"))
"""Per browser test, its fixtures included (pytest-timeout): a renderer that
hangs fails its test in minutes instead of holding CI until its limit."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests share one xdist worker: each starts a server, an app and
    Chromium, and two at once on a 2-core machine only make both slower. Each
    has a time limit of its own unless it names one."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(BROWSER_TEST_TIMEOUT_S))
