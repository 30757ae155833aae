"""Driving the Flutter web client: wait for it to boot, turn on its
semantics tree, find controls by their ``ft.Semantics(identifier=…)``, type,
and wait for what should appear (never a fixed sleep).

Flutter draws on a canvas; what Playwright can see is the semantics tree
(``flt-semantics`` elements), so every check here reads labels and
identifiers there.
"""

import shutil
import time
from pathlib import Path
from typing import Any

import msgpack
from playwright.sync_api import Locator, Page, WebSocket, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
NARROW = {"width": 360, "height": 780}
"""The narrowest phone the app is laid out for (text-size checks)."""
SIZES = {"phone": PHONE, "tablet": TABLET, "narrow": NARROW}
BOOT_MS = 90_000
EVALUATE_MS = 30_000


def evaluate(page: Page, function: str, arg: object = None, timeout_ms: int = EVALUATE_MS) -> Any:
    """``page.evaluate`` with a deadline. A renderer that hangs or spins never
    answers ``page.evaluate``, which has no timeout of its own, and the test
    (and CI) would wait for ever; ``wait_for_function`` keeps its timeout even
    then, and awaits a promise the function returns."""
    handle = page.wait_for_function(
        f"async arg => ({{ value: await ({function})(arg) }})", arg=arg, timeout=timeout_ms
    )
    return handle.json_value().get("value")


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => !document.getElementById('loading')", timeout=BOOT_MS)
    enable_semantics(page)


def enable_semantics(page: Page) -> None:
    """The web client builds its accessibility tree only when asked to."""
    page.locator("flt-semantics-placeholder").wait_for(state="attached", timeout=BOOT_MS)
    evaluate(page, "() => document.querySelector('flt-semantics-placeholder').click()")
    page.locator("flt-semantics").first.wait_for(state="attached", timeout=BOOT_MS)


def by_id(page: Page, identifier: str) -> Locator:
    return page.locator(f"[flt-semantics-identifier='{identifier}']")


NAVIGATION = (
    "nav-",
    "case-new",
    "visit-new",
    "agreement-new",
    "signature-sign-",
    "checkin-start",
    "attention-correct",
    "case-edit",
    "party-add",
    "party-edit-",
    "step-",
    "enrol-new",
    "record-",
    "approval-item",
    "approval-timeline",
)
"""The identifiers of taps that only move between screens: the only taps
these tests repeat (``navigate``). Every other tap writes, sends or chooses
something and is made once (``tap``): the app must take it the first time."""


def click(page: Page, identifier: str) -> None:
    """One tap of ``identifier`` (no waiting for its effect)."""
    target = by_id(page, identifier).first
    target.wait_for()
    target.click()


def tap(page: Page, identifier: str, shown: str | None = None, timeout_ms: int = 30_000) -> None:
    """One tap of ``identifier``, then wait until ``shown`` appears. Never
    repeated: a save, a sign-in or a seal tapped twice would be asked for
    twice, and a dropped tap is a bug of the app (docs/flet-notes.md)."""
    click(page, identifier)
    if shown is not None:
        by_id(page, shown).first.wait_for(timeout=timeout_ms)


def tap_for_text(page: Page, identifier: str, needle: str, timeout_ms: int = 30_000) -> None:
    """``tap`` for an effect that has no identifier (a dialog's text, an error)."""
    click(page, identifier)
    wait_for_text(page, needle, timeout_ms=timeout_ms)


def navigate(
    page: Page, identifier: str, shown: str, attempts: int = 3, timeout_ms: int = 10_000
) -> None:
    """Tap ``identifier`` (a navigation tap: ``NAVIGATION``) until ``shown`` appears."""
    if not identifier.startswith(NAVIGATION):
        raise ValueError(f"{identifier!r} is not a navigation tap: use tap(), once")
    navigate_by(by_id(page, identifier).first, by_id(page, shown).first, attempts, timeout_ms)


def navigate_by(
    target: Locator, shown: Locator, attempts: int = 3, timeout_ms: int = 10_000
) -> None:
    """Tap ``target`` until ``shown`` appears: only for a tap that opens a
    screen or a picker (a list row, the calendar button), which is safe to
    repeat. A person taps again when nothing seems to happen, and so does
    this: a navigation tap can land on a control the window rebuilt a
    moment before (docs/flet-notes.md, "Dropped taps")."""
    for attempt in range(attempts):
        target.wait_for()
        target.click()
        try:
            shown.wait_for(timeout=timeout_ms)
            return
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise


def choose_file(page: Page, identifier: str, path: Path) -> None:
    """Tap ``identifier`` (a picker button) once and hand the file chooser ``path``."""
    with page.expect_file_chooser(timeout=30_000) as chooser:
        click(page, identifier)
    chooser.value.set_files(path)


def type_into(page: Page, identifier: str, text: str) -> None:
    """Focus the text field under ``identifier`` and type (as a person would),
    then check that the field holds what was typed."""
    node = focus_field(page, identifier)
    expected = node.input_value() + text
    page.keyboard.type(text)
    # Flutter writes its own state back into the input: this is what the app holds.
    expect(node).to_have_value(expected)


def focus_field(page: Page, identifier: str, attempts: int = 3) -> Locator:
    """Tap the text field under ``identifier`` until Flutter edits through its
    ``<input>``; that input is returned.

    A tap focuses the semantics ``<input>`` at once, but Flutter's text editing
    takes it over a few frames later: only then does it listen to the input's
    keys and write its own value (until then the input is empty) and selection
    into it. Keys typed before that never reach the app — or are overwritten when
    Flutter takes over — and a value read before it is stale. A person starts
    typing when the cursor shows, which is the same moment."""
    field = by_id(page, identifier).first
    field.wait_for()
    for attempt in range(attempts):
        bring_into_view(page, field)
        field.click()
        try:
            _wait_for_text_editing(page, identifier)
            break
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise
    return field.locator("input, textarea").first


def bring_into_view(page: Page, target: Locator, attempts: int = 8) -> None:
    """Scroll the app (mouse wheel, as a person would) until ``target`` sits
    in the upper part of the window, clear of bars pinned to the bottom.

    Flutter lays out semantics nodes for widgets just off screen too, but a
    click there lands outside the window or on whatever covers the spot
    (a form's pinned action bar), so the field never gets the tap."""
    viewport = page.viewport_size
    if viewport is None:
        return
    height = viewport["height"]
    for _ in range(attempts):
        box = target.bounding_box()
        if box is None:
            return
        middle = box["y"] + box["height"] / 2
        if height * 0.15 <= middle <= height * 0.6:
            return
        page.mouse.move(viewport["width"] / 2, height * 0.4)
        page.mouse.wheel(0, middle - height * 0.4)
        _until_still(page, target)


def _until_still(page: Page, target: Locator, timeout_ms: int = 2_000) -> None:
    """Until ``target`` stops moving (a wheel scroll animates over a few frames)."""
    deadline = time.monotonic() + timeout_ms / 1000
    previous = target.bounding_box()
    while time.monotonic() < deadline:
        settle(page)
        current = target.bounding_box()
        if current == previous:
            return
        previous = current


def _wait_for_text_editing(page: Page, identifier: str, timeout_ms: int = 10_000) -> None:
    """Until the focused element is the input under ``identifier`` and Flutter's
    text editing listens to its keys.

    Flutter adds its ``keydown`` listener to the input when it takes the input
    over and removes it when editing moves elsewhere, which makes the listener a
    reliable sign (a DOM attribute it sets then is not removed afterwards).
    Listeners are only visible to the DevTools protocol: Chromium only."""
    focused_input = f"""(() => {{
        const node = document.activeElement;
        const root = document.querySelector("[flt-semantics-identifier='{identifier}']");
        return root && node && root.contains(node)
            && ['INPUT', 'TEXTAREA'].includes(node.tagName) ? node : null;
    }})()"""
    session = page.context.new_cdp_session(page)
    deadline = time.monotonic() + timeout_ms / 1000
    try:
        while True:
            # ``timeout``: the evaluation is cut off, as everything else here is.
            found = session.send(
                "Runtime.evaluate", {"expression": focused_input, "timeout": 5_000}
            )["result"]
            if "objectId" in found:
                listeners = session.send(
                    "DOMDebugger.getEventListeners", {"objectId": found["objectId"]}
                )["listeners"]
                session.send("Runtime.releaseObject", {"objectId": found["objectId"]})
                if any(listener["type"] == "keydown" for listener in listeners):
                    return
            if time.monotonic() > deadline:
                raise PlaywrightTimeoutError(
                    f"Flutter did not take over the text field {identifier!r} in {timeout_ms} ms"
                )
            settle(page)
    finally:
        session.detach()


def text(page: Page, identifier: str) -> str:
    node = by_id(page, identifier).first
    node.wait_for()
    labelled = node.locator("[aria-label]").all()
    labels = [label.get_attribute("aria-label") or "" for label in labelled]
    return node.inner_text() + " " + " ".join(labels)


def value(page: Page, identifier: str) -> str:
    """What is typed in the text field under ``identifier`` (the web client
    fills the input's value only while Flutter edits through it)."""
    return focus_field(page, identifier).input_value()


def choose(page: Page, identifier: str, label: str) -> None:
    """Tap the option ``label`` of the choice row ``identifier`` once, and
    wait until it is the selected one (``aria-current``).

    The language row re-renders the whole window, which on a busy two-core
    machine has kept the canvas blank for more than 10 s: the wait is as
    long as ``wait_for_text`` gives a screen to appear."""
    row = by_id(page, identifier).first
    chosen = row.locator("[aria-current='true']").filter(has_text=label)
    row.get_by_role("button", name=label, exact=True).last.click()
    chosen.first.wait_for(state="attached", timeout=30_000)


def use_english(page: Page) -> None:
    choose(page, "language-select", "English")
    wait_for_text(page, "Sign in")


def wait_for_text(page: Page, needle: str, timeout_ms: int = 30_000) -> None:
    """Until ``needle`` shows somewhere in the semantics tree (label or text)."""
    page.wait_for_function(
        """needle => Array.from(document.querySelectorAll('flt-semantics, [aria-label]'))
            .some(n => (n.getAttribute('aria-label') || '').includes(needle)
                    || (n.textContent || '').includes(needle))""",
        arg=needle,
        timeout=timeout_ms,
    )


def wait_for_id_text(page: Page, identifier: str, needle: str, timeout_ms: int = 30_000) -> None:
    """Until the node ``identifier`` (or something inside it) says ``needle``."""
    page.wait_for_function(
        """([ident, needle]) => Array.from(
                document.querySelectorAll(`[flt-semantics-identifier='${ident}']`))
            .some(root => [root, ...root.querySelectorAll('*')].some(n =>
                (n.getAttribute('aria-label') || '').includes(needle)
                || (n.textContent || '').includes(needle)))""",
        arg=[identifier, needle],
        timeout=timeout_ms,
    )


def settle(page: Page) -> None:
    """Two animation frames: what the semantics tree says is also painted."""
    evaluate(page, "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


class Screenshots:
    """Each main screen at phone and tablet size, for a person to look at."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.socket: WebSocket | None = None
        page.on("websocket", self._connected)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)

    def _connected(self, socket: WebSocket) -> None:
        self.socket = socket

    def take(self, name: str, sizes: tuple[str, ...] = ("phone", "tablet")) -> list[Path]:
        taken = []
        original = self.page.viewport_size
        for size in sizes:
            self.resize(size)
            path = self.folder / f"{name}-{size}.png"
            self.page.screenshot(path=path)
            taken.append(path)
        if original is not None:
            self.resize(next((n for n, s in SIZES.items() if s == original), "phone"))
        return taken

    def resize(self, size: str) -> None:
        """Phone or tablet size, and wait until the app has laid itself out for it.

        Every change of size waits until the web client has told the app: it
        reports a size once it has been stable for 100 ms, and only if it differs
        from the size it reported last, so a phone → tablet → phone round trip
        within 100 ms (two quick screenshots) never reaches the app, which then
        lays itself out for a tablet in a phone-sized window."""
        wanted = SIZES[size]
        if self.page.viewport_size != wanted:
            if self.socket is None:
                raise RuntimeError("resize after open_app: the app learns sizes over its socket")
            with self.socket.expect_event(
                "framesent", lambda payload: _reports_size(payload, wanted)
            ):
                self.page.set_viewport_size(wanted)
        if by_id(self.page, "nav-bar").count() or by_id(self.page, "nav-rail").count():
            marker = "nav-rail" if size == "tablet" else "nav-bar"
            by_id(self.page, marker).first.wait_for(state="attached")
        settle(self.page)


def _reports_size(payload: str | bytes, size: dict[str, int]) -> bool:
    """Whether ``payload`` (sent by the web client) sets the page's size to ``size``.

    A Flet frame is ``0x00`` + msgpack ``[action, body]``; action 4 updates a
    control's properties, and the page's size arrives as its width and height."""
    if not isinstance(payload, bytes) or payload[:1] != b"\x00":
        return False
    message = msgpack.unpackb(payload[1:], strict_map_key=False)
    if message[0] != 4 or not isinstance(message[1], dict):
        return False
    props = message[1].get("props") or {}
    return props.get("width") == size["width"] and props.get("height") == size["height"]
