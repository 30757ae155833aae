"""Reading what people type into ledgers: dates, phones, ID numbers, text."""

from datetime import date, datetime

import pytest

from sync_server.services.administration.values import (
    CellValueError,
    clean_text,
    read_date,
    read_id_number,
    read_int,
    read_phone,
    read_yes_no,
)
from tests.factories import id_number


@pytest.mark.parametrize(
    "written",
    [
        "2026-03-01",
        "2026/3/1",
        "2026年3月1日",
        "2026年03月01日",
        "2026.3.1",
        "20260301",
        20260301,
        "２０２６－０３－０１",
        "2026-03-01 08:30:00",
        46082,
        46082.0,
        datetime(2026, 3, 1, 0, 0),
        date(2026, 3, 1),
    ],
)
def test_every_common_date_format_reads_as_the_day(written: object) -> None:
    assert read_date(written) == date(2026, 3, 1)


@pytest.mark.parametrize(
    "written",
    ["2026-02-30", "3/1/2026", "明年", "2026-13-01", "1899-12-31", 46082.5, -3, "20261301"],
)
def test_dates_that_are_not_days_are_refused_clearly(written: object) -> None:
    with pytest.raises(CellValueError) as refused:
        read_date(written)
    assert refused.value.problem
    assert refused.value.fix


def test_an_empty_date_is_none() -> None:
    assert read_date(None) is None
    assert read_date("  ") is None


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        (13812345678, "13812345678"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("0571 8765 4321", "0571-87654321"),
        ("(0571)87654321", "0571-87654321"),
        ("", ""),
    ],
)
def test_phones_are_normalised(written: object, stored: str) -> None:
    assert read_phone(written) == stored


@pytest.mark.parametrize("written", ["12345", "1381234567", "电话", "23812345678"])
def test_what_is_not_a_phone_is_refused(written: str) -> None:
    with pytest.raises(CellValueError):
        read_phone(written)


def test_id_numbers_are_checked_and_normalised() -> None:
    good = id_number()
    assert read_id_number(good.lower()) == good
    full_width = good.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert read_id_number(f" {full_width} ") == good
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(CellValueError, match="校验位"):
        read_id_number(wrong_check)
    with pytest.raises(CellValueError, match="出生日期"):
        read_id_number("130404" + "19701332" + "123" + "X")
    with pytest.raises(CellValueError, match="数字"):
        read_id_number(1.30404197005171e17)  # an ID number Excel kept as a number
    with pytest.raises(CellValueError, match="18 位"):
        read_id_number("13040419700517")


def test_text_is_one_clean_line_and_numbers_lose_their_point() -> None:
    assert clean_text("  百家\n司法所\x07 ") == "百家 司法所"
    assert clean_text(7.0) == "7"
    assert clean_text(None) == ""


def test_yes_no_and_whole_numbers() -> None:
    assert read_yes_no("是")
    assert not read_yes_no("")
    assert read_yes_no("√")
    with pytest.raises(CellValueError):
        read_yes_no("也许")
    assert read_int("７", 1, 90, "间隔") == 7
    assert read_int(14.0, 1, 90, "间隔") == 14
    for bad in ("7.5", "0", "91", "七", "nan", "inf"):
        with pytest.raises(CellValueError):
            read_int(bad, 1, 90, "间隔")
