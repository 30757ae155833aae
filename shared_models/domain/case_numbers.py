"""Case numbers (案号): ``（2026）百家人调字第3号``, per committee per year,
unique and without gaps.

The server gives them (``sync_server/services/sync/case_numbers.py``): in
the push that brings a case's acceptance, in the order acceptances arrive,
from one counter row per unit and year that the push's transaction holds
until it commits, so a push that fails gives its number back and no number
is skipped or given twice, however many phones accepted cases offline. A
device shows a case accepted but not yet synced with a provisional number
(``provisional_case_number``), never a guessed final one: docs/domain.md,
"Case numbers", weighs this against number blocks per device.
"""

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"（(\d{4})）(.+)人调字第(\d+)号")

PROVISIONAL_MARK = "待定"
"""What stands for the number until the server gives it."""


@dataclass(frozen=True)
class CaseNumber:
    year: int
    unit_short_name: str
    number: int

    def __str__(self) -> str:
        return format_case_number(self.year, self.unit_short_name, self.number)


def format_case_number(year: int, unit_short_name: str, number: int) -> str:
    """``（2026）百家人调字第3号``."""
    return f"（{year}）{unit_short_name}人调字第{number}号"


def provisional_case_number(year: int, unit_short_name: str) -> str:
    """``（2026）百家人调字第待定号``: accepted on this device, numbered when it syncs."""
    return f"（{year}）{unit_short_name}人调字第{PROVISIONAL_MARK}号"


def parse_case_number(text: str) -> CaseNumber | None:
    """The parts of a final case number, or ``None`` for anything else
    (a provisional number included)."""
    found = _NUMBER.fullmatch(text)
    if found is None:
        return None
    return CaseNumber(int(found.group(1)), found.group(2), int(found.group(3)))


def unit_short_name(short_name: str, name: str) -> str:
    """The abbreviation a unit's case numbers carry: its short name, or its
    name while the administration has not given it one."""
    return short_name.strip() or name.strip()
