"""Ledgers no honest office sends, to the import route: wrong headers,
merged cells, formulas, numbers that are not days, a million rows, a 100 MB
file, a zip bomb dressed as a workbook, bytes that are no zip at all, CSV
in odd encodings, an old .xls. Each gets a clear message in Chinese (or a
413 for the oversized file), never a 5xx, and the district is unchanged."""

import io
import os
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from shared_models.protocol.administration import SheetKind
from sync_server.core.db import read_session
from sync_server.tables import CaseRow, OrgUnitRow, SubjectRow, UserRow
from tests.attack.tally import Attack
from tests.factories import District
from tests.sheet_files import csv_text, headers, xlsx
from tests.sync_server.conftest import Device

ORG = SheetKind.ORG_UNITS
GOOD_ROW = ["H-1", "和平村调委会", "和平", "调委会", "NOPE", "", "", ""]


def _tables(engine: Engine) -> tuple[int, ...]:
    with read_session(engine) as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (OrgUnitRow, UserRow, SubjectRow, CaseRow)
        )


def _workbook(fill: Callable[[Any], None]) -> bytes:
    """A workbook of the org units' headers, then whatever ``fill`` does to it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers(ORG))
    fill(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _merged(sheet: Any) -> None:
    sheet.append(["A-1", "甲村调委会", "甲", "调委会", "FX", "", "", ""])
    sheet.append(["A-2", "乙村调委会", "乙", "调委会", "", "", "", ""])
    sheet.merge_cells("E2:E3")


def _formula(sheet: Any) -> None:
    sheet.append(["F-1", '=CONCATENATE("丙","村")', "丙", "调委会", "FX", "", "", ""])


_WORKBOOK_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="单位" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>',
}
"""The least a workbook needs besides its sheet (for files written by hand)."""
_SHEET_START = (
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>单位编码</t></is></c></row>'
).encode()


def _million_rows_xlsx() -> bytes:
    """A workbook of 1,000,000 rows, written as the sheet's XML directly
    (openpyxl would take minutes): 130 MB of XML, under 20 MB zipped, a
    compression ratio any real sheet of that size has."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in _WORKBOOK_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_START)
            for start in range(2, 1_000_002, 10_000):
                sheet.write(
                    "".join(
                        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>C{n}</t></is></c>'
                        f'<c r="B{n}" t="inlineStr"><is><t>某{n * 7919 % 1000003}</t></is></c>'
                        "</row>"
                        for n in range(start, start + 10_000)
                    ).encode()
                )
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A 'workbook' whose sheet inflates to 300 MB of spaces from about 300 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1 << 20)
            for _ in range(300):
                sheet.write(block)
    return buffer.getvalue()


HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "wrong headers": (lambda: "名称,编号,上级\n甲,1,2\n".encode("utf-8-sig"), "未知的列"),
    "headers of another sheet": (
        lambda: xlsx([GOOD_ROW], header=headers(SheetKind.STAFF)),
        "缺少必填列",
    ),
    "a required column missing": (
        lambda: xlsx([GOOD_ROW[:3]], header=headers(ORG)[:3]),
        "缺少必填列“类型”",
    ),
    "merged cells": (lambda: _workbook(_merged), "合并单元格"),
    "a formula": (lambda: _workbook(_formula), "公式"),
    "a parent that does not exist": (lambda: xlsx([GOOD_ROW]), "找不到编码为“NOPE”"),
    "full-width digits in a bad phone": (
        lambda: xlsx([["Q-1", "丁村调委会", "丁", "调委会", "FX", "", "", "１２３４５"]]),
        "不是有效的电话号码",
    ),
    "a million CSV rows": (
        lambda: csv_text((["C", "某", "某", "调委会", "FX"] for _ in range(1_000_000)), ORG),
        "超过 50000 行",
    ),
    "a million XLSX rows": (_million_rows_xlsx, "超过 50000 行"),
    "a zip bomb dressed as XLSX": (_zip_bomb, "压缩炸弹"),
    "a zip that is not a workbook": (lambda: b"PK\x03\x04" + os.urandom(4000), "不是有效的 .xlsx"),
    "random bytes": (lambda: b"\x00\x01\x02" + os.urandom(4000), "不是可识别编码"),
    "an old .xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), ".xls"),
    "empty": (lambda: b"", "文件是空的"),
    "CSV in Big5": (lambda: "單位編碼*,單位名稱*\n甲,乙\n".encode("big5"), "缺少必填列"),
    "CSV in UTF-16 with wrong headers": (
        lambda: "名称,编号\n甲,1\n".encode("utf-16"),
        "未知的列“名称”",
    ),
    "a 1 MB CSV cell": (
        lambda: (",".join(headers(ORG)) + "\n" + "x" * (1 << 20) + "\n").encode(),
        "CSV 格式有误",
    ),
}
"""Each hostile file, and words the answer must contain."""


@pytest.fixture
def admin(client: TestClient, district: District) -> Device:
    device = Device(client, "admin", "admin-desk-01")
    response = client.patch(
        f"/api/v1/admin/org-units/{district.district.id}",
        json={"code": "FX", "reason": "编码"},
        headers=device.headers,
    )
    assert response.status_code == 200, response.text
    return device


@pytest.mark.parametrize("what", list(HOSTILE))
def test_a_hostile_ledger_gets_a_clear_answer_and_changes_nothing(
    what: str, client: TestClient, admin: Device, engine: Engine, attack: Attack
) -> None:
    make, expected = HOSTILE[what]
    data = make()
    before = _tables(engine)
    started = time.monotonic()
    response = client.post(
        "/api/v1/admin/sheets/org_units/import", content=data, headers=admin.headers
    )
    took = time.monotonic() - started
    attack.check(
        response.status_code == 200, f"{what}: {response.status_code} {response.text[:200]}"
    )
    attack.check(took < 60, f"{what}: took {took:.0f} s")
    attack.check(_tables(engine) == before, f"{what}: the district changed")
    if response.status_code != 200:
        return
    report = response.json()
    attack.check(not report["written"], f"{what}: written")
    said = " ".join(problem["problem"] for problem in report["problems"])
    attack.check(expected in said, f"{what}: {expected!r} not in {said[:300]!r}")
    for problem in report["problems"]:
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in problem["problem"] + problem["fix"])
        attack.check(chinese and bool(problem["fix"]), f"{what}: {problem} is not a clear message")


def test_a_100_mb_file_is_refused_before_it_is_read(
    client: TestClient, admin: Device, engine: Engine, attack: Attack
) -> None:
    before = _tables(engine)
    response = client.post(
        "/api/v1/admin/sheets/org_units/import", content=bytes(100 << 20), headers=admin.headers
    )
    attack.check(response.status_code == 413, f"100 MB: {response.status_code}")
    attack.check(response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE", response.text[:200])
    attack.check(_tables(engine) == before, "100 MB: the district changed")


def test_numbers_and_full_width_digits_that_are_days_and_codes_are_read(
    client: TestClient, admin: Device, attack: Attack
) -> None:
    """Not hostile but often broken: dates as Excel serial numbers and
    full-width digits are read, not refused."""
    rows = [["ＦＸ-９", "戊村调委会", "戊", "调委会", "ＦＸ", "", "", "１３８１２３４５６７８"]]
    office = [["FX-9", "戊镇司法所", "戊镇", "司法所", "FX", "", "", ""]]
    first = client.post(
        "/api/v1/admin/sheets/org_units/import", content=xlsx(office), headers=admin.headers
    )
    attack.check(first.json()["created"] == 1, f"an office: {first.text[:300]}")
    response = client.post(
        "/api/v1/admin/sheets/org_units/import",
        content=xlsx([[rows[0][0].replace("９", "９-Ｃ"), *rows[0][1:4], "ＦＸ-９", *rows[0][5:]]]),
        headers=admin.headers,
    )
    attack.check(response.json()["created"] == 1, f"full-width: {response.text[:300]}")
