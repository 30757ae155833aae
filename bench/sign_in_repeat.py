"""Fresh sign-ins in a row, in the web client: does it ever crash or freeze?

    .venv/bin/python -m bench.sign_in_repeat            # 50 fresh sign-ins (~20 min)
    .venv/bin/python -m bench.sign_in_repeat -n 5       # a quick look

Each sign-in is a new phone: its own ``lastmile app`` process and data folder,
a new browser context (no cache), the app in its default language (Chinese,
the text that sent the web engine looking for fallback fonts), then the
server address, username, password, a new PIN twice, and the home screen.
One sync server (SQLite, a small demo district) serves them all.

What is counted, per sign-in and in total:

- page errors: uncaught errors in the page (the crash was ``RuntimeError:
  memory access out of bounds`` from the engine's WebAssembly);
- frozen screens: a step after which the canvas did not change within
  ``FROZEN_S`` although the accessibility tree had moved on (the crash left
  the window on "Working..." or "Choose a PIN" while the tree still answered)
  — typing into a field must change pixels, and so must reaching home;
- stuck: the step did not appear in the accessibility tree in time;
- font 404s: requests for fonts (``/assets/fonts/…``) that got 404.

A failed sign-in leaves its screenshot and console in
``artifacts/sign_in_repeat/<n>/``. Exits 1 when any sign-in had a page
error, froze or got stuck.
"""

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, Response, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    GEOLOCATION,
    FieldAppProcess,
    SyncServer,
    free_port,
)
from tests.e2e.driver import PHONE, by_id, click_until, open_app, type_into

PIN = "258147"
PASSWORD = "demo-2026"  # noqa: S105 (the demo district's)
USERNAME = "mediator.baijia"
FROZEN_S = 15.0
"""How long the canvas gets to show a change that the tree already shows."""
STEP_MS = 60_000
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "sign_in_repeat"


class FrozenScreenError(Exception):
    """The accessibility tree moved on, the picture did not."""


@dataclass
class Attempt:
    number: int
    page_errors: list[str] = field(default_factory=list)
    font_404s: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    frozen_at: str | None = None
    stuck_at: str | None = None
    renderer: str = "?"
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.page_errors and self.frozen_at is None and self.stuck_at is None


def _until_repainted(page: Page, before: bytes, step: str) -> bytes:
    """Screenshots until one differs from ``before`` (bounded by ``FROZEN_S``)."""
    deadline = time.monotonic() + FROZEN_S
    while True:
        now = page.screenshot()
        if now != before:
            return now
        if time.monotonic() > deadline:
            raise FrozenScreenError(step)
        time.sleep(0.25)


def _sign_in(page: Page, url: str) -> None:
    """The first start of a phone, as a person does it, checking at every
    step that the picture follows the accessibility tree."""
    open_app(page, url)
    by_id(page, "login-username").wait_for(timeout=STEP_MS)
    shown = page.screenshot()
    type_into(page, "login-username", USERNAME)
    type_into(page, "login-password", PASSWORD)
    shown = _until_repainted(page, shown, "typing on the sign-in screen")
    click_until(page, "login-submit", "pin-confirm", timeout_ms=STEP_MS)
    shown = _until_repainted(page, shown, "the PIN screen")
    type_into(page, "pin-input", PIN)
    shown = _until_repainted(page, shown, "typing a PIN")
    type_into(page, "pin-confirm", PIN)
    click_until(page, "pin-submit", "nav-home", timeout_ms=STEP_MS)
    _until_repainted(page, shown, "the home screen")


def _renderer(page: Page) -> str:
    """Which of the engine's renderers the browser got (skwasm or CanvasKit),
    multi-threaded (``-mt``: the page is cross-origin isolated) or not (``-1t``)."""
    found = page.wait_for_function(
        "() => ({r: (window._flutter_skwasmInstance ? 'skwasm'"
        " : (window.flutterCanvasKit ? 'canvaskit' : 'unknown'))"
        " + (window.crossOriginIsolated ? '-mt' : '-1t')})",
        timeout=10_000,
    ).json_value()
    return str(found["r"])


def one_sign_in(browser: Browser, server: SyncServer, number: int, work: Path) -> Attempt:
    attempt = Attempt(number)
    app = FieldAppProcess(
        free_port(), work / f"phone-{number}", server.url, work / f"app-{number}.log"
    )
    started = time.monotonic()
    context = browser.new_context(
        viewport=PHONE, geolocation=GEOLOCATION, permissions=["geolocation"]
    )
    context.set_default_timeout(30_000)
    page = context.new_page()

    def on_response(response: Response) -> None:
        if response.status == 404 and "/fonts/" in response.url:
            attempt.font_404s.append(response.url)

    page.on("pageerror", lambda error: attempt.page_errors.append(str(error)))
    page.on("pageerror", lambda error: attempt.console.append(f"page error: {error.stack}"))
    page.on("console", lambda message: attempt.console.append(f"{message.type}: {message.text}"))
    page.on("response", on_response)
    step = "start"
    try:
        app.start()
        step = "sign-in"
        _sign_in(page, app.url)
        attempt.renderer = _renderer(page)
    except FrozenScreenError as frozen:
        attempt.frozen_at = str(frozen)
    except (PlaywrightTimeoutError, TimeoutError, RuntimeError) as error:
        attempt.stuck_at = f"{step}: {str(error).splitlines()[0][:160]}"
    finally:
        attempt.seconds = time.monotonic() - started
        if not attempt.ok:
            folder = ARTIFACTS / str(number)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=folder / "screen.png")
            (folder / "console.txt").write_text("\n".join(attempt.console) + "\n", encoding="utf-8")
        context.close()
        app.stop()
    return attempt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--sign-ins", type=int, default=50)
    args = parser.parse_args()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    attempts: list[Attempt] = []
    with tempfile.TemporaryDirectory(prefix="sign-in-repeat-") as folder:
        work = Path(folder)
        server = SyncServer(work / "district")
        server.folder.mkdir()
        server.seed()
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    for number in range(1, args.sign_ins + 1):
                        attempt = one_sign_in(browser, server, number, work)
                        attempts.append(attempt)
                        _report_one(attempt)
                finally:
                    browser.close()
        finally:
            server.stop()
    return _report(attempts)


def _report_one(attempt: Attempt) -> None:
    if attempt.ok:
        verdict = "ok"
    elif attempt.frozen_at:
        verdict = f"FROZEN at {attempt.frozen_at}"
    elif attempt.stuck_at:
        verdict = f"STUCK at {attempt.stuck_at}"
    else:
        verdict = "PAGE ERROR"
    errors = f"  page errors: {attempt.page_errors}" if attempt.page_errors else ""
    print(
        f"{attempt.number:3d}  {attempt.seconds:5.1f} s  {attempt.renderer:<12}"
        f"  font 404s {len(attempt.font_404s):2d}  {verdict}{errors}",
        flush=True,
    )


def _report(attempts: list[Attempt]) -> int:
    completed = sum(1 for a in attempts if a.frozen_at is None and a.stuck_at is None)
    with_errors = sum(1 for a in attempts if a.page_errors)
    frozen = sum(1 for a in attempts if a.frozen_at)
    stuck = sum(1 for a in attempts if a.stuck_at)
    font_404s = sum(len(a.font_404s) for a in attempts)
    with_404s = sum(1 for a in attempts if a.font_404s)
    print()
    print(f"{'fresh sign-ins':<34} {len(attempts)}")
    print(f"{'reached the home screen':<34} {completed}")
    print(f"{'sign-ins with page errors':<34} {with_errors}")
    print(f"{'frozen screens':<34} {frozen}")
    print(f"{'stuck (never reached a step)':<34} {stuck}")
    print(f"{'font 404s (sign-ins with any)':<34} {font_404s} ({with_404s})")
    return 0 if with_errors == frozen == stuck == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
