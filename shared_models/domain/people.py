"""Identity data of people: resident ID numbers and phone numbers.

A mistyped ID number on a court-bound agreement is costly, so the 18-digit
resident identity number (GB 11643) is checked with its check digit here,
on the device while the mediator can still ask again, and on the server.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNSPECIFIED = "unspecified"


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _valid_resident_id(value: str) -> str:
    value = value.strip().upper()
    # isascii: str.isdigit also accepts full-width and other Unicode digits,
    # which would store one person's number in several spellings.
    if len(value) != 18 or not value.isascii() or not value[:17].isdigit():
        raise ValueError("an ID number has 17 digits followed by a digit or X")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError("the birth date inside the ID number is not a real date") from None
    if resident_id_check_char(value[:17]) != value[17]:
        raise ValueError("the ID number's check digit does not match; please re-check it")
    return value


IdNumber = Annotated[str, AfterValidator(_valid_resident_id)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9 \-]{4,19}$"),
]
