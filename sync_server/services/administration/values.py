"""Reading the values people type into ledgers: text with full-width digits,
phones in every spelling, dates in every common Chinese format, resident ID
numbers. Each reader returns the value in the form LastMile stores, or
raises ``CellValueError`` with what is wrong and how to fix it, in Chinese
(the people who fix ledgers read Chinese)."""

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Final

from shared_models.domain.people import resident_id_check_char
from shared_models.domain.types import EARLIEST_DAY, LATEST_DAY


class CellValueError(ValueError):
    """A cell that cannot be read: ``problem`` and ``fix``, both in Chinese."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: object) -> str:
    """A cell as one line of text: full-width letters, digits and spaces made
    half-width (NFKC), surrounding spaces and control characters dropped,
    line breaks made spaces. ``None`` is empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a text column: 5 arrives as 5.0
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _CONTROL.sub("", text).strip()


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_SEPARATORS = re.compile(r"[\s\-()（）—－.]")


def read_phone(value: object) -> str:
    """A mobile (``13812345678``) or a landline with its area code
    (``010-12345678``, ``0571-87654321``); ``+86``/``0086`` dropped. Empty
    stays empty."""
    text = clean_text(value)
    if not text:
        return ""
    digits = _SEPARATORS.sub("", text)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if _MOBILE.fullmatch(digits):
        return digits
    if _LANDLINE.fullmatch(digits):
        # Beijing, Tianjin and the 02x cities have three-digit area codes.
        cut = 3 if digits[1] in "12" else 4
        return f"{digits[:cut]}-{digits[cut:]}"
    raise CellValueError(
        f"“{text}”不是有效的电话号码",
        "手机号填 11 位数字（如 13812345678），固定电话带区号（如 010-12345678）",
    )


def read_id_number(value: object) -> str:
    """An 18-character resident ID number (GB 11643), its check digit checked."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet keeps 15 significant digits of a number: the last
        # digits of an ID number typed into a number cell are already gone.
        raise CellValueError(
            "身份证号被存成了数字，末几位已丢失",
            "将该列设为“文本”格式，按身份证原件重新填写（或在号码前加英文单引号 '）",
        )
    text = clean_text(value).upper().replace(" ", "")
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise CellValueError(
            f"身份证号“{text}”应为 18 位（17 位数字加一位数字或 X）",
            "按身份证原件重新填写；若单元格显示为科学计数法，请将该列设为“文本”格式后重填",
        )
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise CellValueError(
            f"身份证号“{text}”中的出生日期不存在", "核对第 7–14 位（出生年月日）"
        ) from None
    if resident_id_check_char(text[:17]) != text[17]:
        raise CellValueError(
            f"身份证号“{text}”的校验位不对", "号码有一位填错了：请对照身份证原件逐位核对"
        )
    return text


_EXCEL_EPOCH: Final = date(1899, 12, 30)
"""Day 0 of Excel's serial dates (the 1900 system, after its leap-year bug)."""
_SERIAL_RANGE: Final = (1, 109_574)  # 1900-01-01 … 2199-12-31
_DATE_PATTERNS: Final = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_DATE_FIX: Final = "写成 2026-03-01、2026/3/1、2026年3月1日、2026.3.1 或 20260301"


def read_date(value: object) -> date | None:
    """A day from a date cell, an Excel serial number or text in a common
    Chinese format (with a time after it ignored); empty is ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _in_range(value.date(), str(value))
    if isinstance(value, date):
        return _in_range(value, str(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = _SERIAL_RANGE
        if not float(value).is_integer() or not low <= value <= high:
            if float(value).is_integer() and 19000101 <= value <= 21991231:
                return read_date(str(int(value)))  # 20260301 typed as a number
            raise CellValueError(f"“{value}”不是日期", _DATE_FIX)
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = clean_text(value)
    if not text:
        return None
    day_part = text.split(" ")[0].split("T")[0]
    for pattern in _DATE_PATTERNS:
        found = pattern.fullmatch(day_part)
        if found is None:
            continue
        year, month, day = (int(part) for part in found.groups())
        try:
            return _in_range(date(year, month, day), text)
        except ValueError:
            raise CellValueError(f"日期“{text}”不存在（如 2 月 30 日）", "核对年、月、日") from None
    raise CellValueError(f"无法识别日期“{text}”", _DATE_FIX)


def _in_range(day: date, text: str) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise CellValueError(f"日期“{text}”超出范围", "日期应在 1900 年至 2199 年之间")
    return day


_YES: Final = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "重点"})
_NO: Final = frozenset({"否", "n", "no", "false", "0", "", "×", "一般"})


def read_yes_no(value: object) -> bool:
    """是/否 (also yes/no, 1/0, √); empty is 否."""
    text = clean_text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellValueError(f"“{text}”应为“是”或“否”", "填“是”或“否”，不填视为“否”")


def read_choice(value: object, choices: dict[str, str], what: str) -> str:
    """One of ``choices`` (Chinese label → stored value; the stored values
    themselves are accepted too)."""
    text = clean_text(value)
    if text in choices:
        return choices[text]
    if text in choices.values():
        return text
    listed = "、".join(choices)
    raise CellValueError(f"{what}“{text}”不在可选范围内", f"填以下之一：{listed}")


def read_int(value: object, low: int, high: int, what: str) -> int:
    """A whole number between ``low`` and ``high``."""
    text = clean_text(value)
    try:
        number = float(text)
    except ValueError:
        number = float("nan")  # never a whole number: refused below
    if not number.is_integer() or not low <= number <= high:
        raise CellValueError(
            f"{what}“{text}”不是 {low}–{high} 之间的整数", f"填 {low} 到 {high} 的整数"
        )
    return int(number)
