"""The language switches at run time, and Chinese is drawn with the
bundled font (the web client has no network fonts to fall back on)."""

import io
import time

import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.e2e.conftest import FieldAppProcess
from tests.e2e.driver import (
    Screenshots,
    by_id,
    choose,
    navigate,
    open_app,
    settle,
    use_english,
    wait_for_text,
)
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def ink(page: Page, identifier: str, lower_part: float = 0.45) -> float:
    """Share of pixels in the lower part of a control (its label, under the
    icon) that differ clearly from the background: 0 for a blank label."""
    box = by_id(page, identifier).first.bounding_box()
    assert box is not None
    settle(page)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
    top = box["y"] + box["height"] * (1 - lower_part)
    crop = shot.crop(
        (int(box["x"]), int(top), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
    )
    pixels = list(crop.tobytes())
    background = max(set(pixels), key=pixels.count)
    return sum(1 for p in pixels if abs(p - background) > 60) / len(pixels)


DRAWN = 0.04
"""Share of label pixels above which a label is drawn (a blank one is 0)."""


def drawn_ink(page: Page, identifier: str, seconds: float = 15.0) -> float:
    """``ink`` once the label is drawn, or its last reading after ``seconds``.

    The semantics tree has the new words before the canvas shows them: the
    web client may still be loading the font, or busy for a moment (its
    "Working..." screen, seen once on a loaded CI machine)."""
    deadline = time.monotonic() + seconds
    while True:
        value = ink(page, identifier)  # each reading waits two frames
        if value > DRAWN or time.monotonic() > deadline:
            return value


def test_switching_to_chinese_shows_chinese(
    field_app: FieldAppProcess, page: Page, shots: Screenshots
) -> None:
    open_app(page, field_app.url)
    wait_for_text(page, "服务器地址")  # a first start speaks Chinese
    shots.take("01-sign-in-zh")
    use_english(page)
    sign_in(page, "officer.baijia")
    navigate(page, "nav-settings", "language-select")
    wait_for_text(page, "Language")
    english = drawn_ink(page, "nav-settings")
    shots.take("02-settings-en")

    choose(page, "language-select", "简体中文")
    wait_for_text(page, "设置")
    wait_for_text(page, "立即锁定")
    chinese = drawn_ink(page, "nav-settings")
    shots.take("03-settings-zh")
    assert chinese > DRAWN, "the Chinese label is blank: the CJK font did not load"
    assert english > DRAWN

    navigate(page, "nav-home", "sync-status")
    wait_for_text(page, "待报到")
    shots.take("04-home-zh")
    navigate(page, "nav-subjects", "checkin-start")
    wait_for_text(page, "重点人员")
    shots.take("05-subjects-zh")
