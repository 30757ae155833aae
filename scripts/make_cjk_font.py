"""Cut Noto Sans CJK SC down to GB 2312 for the field app's bundled font.

Run once when the font needs to change (about a minute):
    apt-get install fonts-noto-cjk && pip install fonttools
    python scripts/make_cjk_font.py
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).resolve().parent.parent / "field_app/assets/fonts/NotoSansSC-GB2312.otf"
SIMPLIFIED_CHINESE = 2
"""Index of "Noto Sans CJK SC" in the collection."""


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
