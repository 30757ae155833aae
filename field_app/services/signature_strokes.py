"""A finger signature as stroke data, and its PNG.

The signature pad records where the finger went (strokes of points in the
pad's own coordinates); the image that is sealed into the agreement is
drawn here from those points with Pillow, not captured from the screen.
The same strokes always give the same bytes, whatever the phone's renderer
or pixel density, so the image can be tested, and re-drawn from a saved
draft, exactly.
"""

import io
import itertools
import math
from collections.abc import Sequence
from typing import Final

from PIL import Image, ImageDraw

PAD_WIDTH: Final = 340
PAD_HEIGHT: Final = 170
"""The pad's size in logical pixels; points are clamped to it."""
SCALE: Final = 2
"""The PNG is drawn at twice the pad's size: crisp when printed at 42 mm."""
PEN_WIDTH: Final = 3
INK: Final = (20, 24, 82, 255)
MARGIN: Final = 8
MIN_INK_LENGTH: Final = 40.0
"""Less ink than this (logical px) is a tap or a slip, not a signature."""

Point = tuple[float, float]
Stroke = tuple[Point, ...]


class BlankSignatureError(ValueError):
    """The pad holds too little ink to be anyone's signature."""


def clamp(x: float, y: float) -> Point:
    """A point on the pad, rounded to a tenth of a pixel (plenty, and small in a draft)."""
    return (round(min(max(x, 0.0), PAD_WIDTH), 1), round(min(max(y, 0.0), PAD_HEIGHT), 1))


def ink_length(strokes: Sequence[Stroke]) -> float:
    return sum(math.dist(a, b) for stroke in strokes for a, b in itertools.pairwise(stroke))


def has_enough_ink(strokes: Sequence[Stroke]) -> bool:
    return ink_length(strokes) >= MIN_INK_LENGTH


def signature_png(strokes: Sequence[Stroke]) -> bytes:
    """The signature drawn in dark blue ink on a transparent background,
    cropped to the ink (plus a margin): what is sealed and printed."""
    if not has_enough_ink(strokes):
        raise BlankSignatureError("sign with more than a dot")
    width = PEN_WIDTH * SCALE
    image = Image.new("RGBA", (PAD_WIDTH * SCALE, PAD_HEIGHT * SCALE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    radius = width / 2
    for stroke in strokes:
        points = [(x * SCALE, y * SCALE) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=INK, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen ends
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=INK)
    box = image.getbbox()
    assert box is not None  # enough ink was checked above
    left, top, right, bottom = box
    margin = MARGIN * SCALE
    cropped = image.crop(
        (
            max(0, left - margin),
            max(0, top - margin),
            min(image.width, right + margin),
            min(image.height, bottom + margin),
        )
    )
    out = io.BytesIO()
    cropped.save(out, "PNG", optimize=False)
    return out.getvalue()
