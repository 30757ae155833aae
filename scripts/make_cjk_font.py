"""Cut Noto Sans CJK SC down to GB 2312 and the common symbols for the bundled
font of the field app's screens and of every printed document.

Every character the app shows must be in it: for one that is not, the web
client asks for a fallback font at a path nothing serves, and after a few of
those its engine has crashed ("memory access out of bounds") and left the
window blank. ``tests/field_app/test_bundled_font.py`` checks the app's own
texts.

Run once when the font needs to change (about a minute):
    apt-get install fonts-noto-cjk && pip install fonttools
    python scripts/make_cjk_font.py
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = (
    Path(__file__).resolve().parent.parent / "shared_documents/assets/fonts/NotoSansSC-GB2312.otf"
)
SIMPLIFIED_CHINESE = 2
"""Index of "Noto Sans CJK SC" in the collection."""
SYMBOLS = [
    (0x00A0, 0x0100),  # Latin-1: no-break space, ·, ×, °, accented names
    (0x2000, 0x2070),  # general punctuation: – — • … ‰ ‹ ›
    (0x20A0, 0x20C0),  # currency signs
    (0x2100, 0x2200),  # letterlike symbols, number forms, arrows
    (0x2460, 0x2800),  # enclosed numbers, box drawing, shapes, symbols, dingbats
]
"""Ranges added to GB 2312, as far as the source font has them (about 460
characters; the font grows from 2.99 to 3.03 MB)."""


def gb2312_characters() -> set[str]:
    found: set[str] = set()
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                found.add(bytes([first, second]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def main() -> None:
    characters = gb2312_characters()
    characters |= {chr(code) for code in range(0x20, 0x7F)}
    characters |= {chr(code) for code in range(0x3000, 0x3040)}
    characters |= {chr(code) for code in range(0xFF00, 0xFFF0)}
    for first, end in SYMBOLS:
        characters |= {chr(code) for code in range(first, end)}
    font = TTCollection(SOURCE).fonts[SIMPLIFIED_CHINESE]
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    font.save(TARGET)
    print(f"wrote {TARGET} with {len(characters)} characters")


if __name__ == "__main__":
    main()
