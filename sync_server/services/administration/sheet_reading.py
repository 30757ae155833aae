"""Reading a ledger someone uploads: an XLSX workbook or a CSV file, any of
which may be broken, enormous or hostile.

Everything that bounds memory and time is checked before a parser sees the
bytes: the file's size; for an XLSX, that it is a zip at all, how many
parts it has and the uncompressed sizes its directory declares (a zip bomb
declares gigabytes, or a compression ratio no spreadsheet has; ``zipfile``
never inflates a part beyond its declared size, so the declaration is a
bound); then openpyxl reads in read-only mode, row by row, and stops one
row past the limit. A CSV is decoded as UTF-8 (with or without a byte-order
mark), UTF-16 with a mark, or GB 18030 (which includes GBK and GB 2312).

Problems of the whole file come back as ``ImportProblem`` with no row, in
Chinese, naming what is wrong and how to fix it; reading never raises.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from openpyxl import load_workbook

from shared_models.protocol.administration import ImportProblem
from sync_server.services.administration.values import clean_text

MAX_PARTS: Final = 200
"""Parts in an XLSX zip: a workbook of a few sheets has a dozen or two."""
MAX_RATIO: Final = 200
"""Uncompressed size over compressed size of one part: sheet XML compresses
about 10–30 times; a zip bomb a thousand times and more."""
_MERGE: Final = re.compile(rb'<mergeCell [^>]*ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
_ROW: Final = re.compile(rb"<row[ >/]")
_SCAN_CHUNK: Final = 1 << 20


@dataclass
class Sheet:
    """The rows of one sheet as read: the header row's texts and each
    following row's cell values (with the spreadsheet's own row number)."""

    name: str
    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


@dataclass
class ReadResult:
    sheet: Sheet | None
    problems: list[ImportProblem]


def _file_problem(sheet: str, problem: str, fix: str) -> ReadResult:
    return ReadResult(
        None, [ImportProblem(sheet=sheet, row=None, column=None, problem=problem, fix=fix)]
    )


def read_table(
    data: bytes, *, max_bytes: int, max_rows: int, max_uncompressed: int, sheet_name: str
) -> ReadResult:
    """The first sheet of ``data`` (XLSX by its zip signature, else CSV)."""
    if len(data) > max_bytes:
        return _file_problem(
            "",
            f"文件有 {len(data) // (1024 * 1024)} MB，超过上限 {max_bytes // (1024 * 1024)} MB",
            "把文件拆成几个较小的文件分别导入",
        )
    if not data.strip():
        return _file_problem("", "文件是空的", "下载模板，按模板填写后再导入")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _file_problem(
            "",
            "这是旧版 Excel（.xls）文件，无法读取",
            "在 Excel 或 WPS 中“另存为” .xlsx 格式后再导入",
        )
    if data.startswith(b"PK"):
        return _read_xlsx(data, max_rows, max_uncompressed, sheet_name)
    return _read_csv(data, max_rows, sheet_name)


def _read_xlsx(data: bytes, max_rows: int, max_uncompressed: int, sheet_name: str) -> ReadResult:
    unreadable = _file_problem(
        "",
        "文件不是有效的 .xlsx 工作簿（可能已损坏，或只是改了扩展名）",
        "用 Excel 或 WPS 打开后“另存为” .xlsx，或下载模板重新填写",
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return unreadable
    if len(parts) > MAX_PARTS:
        return unreadable
    total = sum(part.file_size for part in parts)
    bomb = any(
        part.file_size > MAX_RATIO * max(part.compress_size, 1) and part.file_size > 1 << 20
        for part in parts
    )
    if total > max_uncompressed or bomb:
        return _file_problem(
            "",
            "文件解压后过大或压缩比异常（疑似“压缩炸弹”），已拒绝读取",
            "请上传按模板填写的普通 .xlsx 文件；数据很多时拆成几个文件",
        )
    sheets = sorted(name for name in archive.namelist() if name.startswith("xl/worksheets/sheet"))
    if not sheets:
        return unreadable
    # Every writer we know names the first sheet sheet1.xml.
    first = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in sheets else sheets[0]
    try:
        scans = {part: _scan(archive, part) for part in sheets}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return unreadable
    if max(scan.rows for scan in scans.values()) > max_rows + 1:
        return _too_many(sheet_name, max_rows)
    try:
        return _parse_workbook(data, max_rows, _merged_cells(scans[first].merged, sheet_name))
    # openpyxl on hostile input raises whatever its XML and zip layers raise
    # (KeyError for a missing part, ValueError, TypeError, XML errors…): each
    # means "not a workbook we can read", which the person must be told.
    except Exception:
        return unreadable


def _parse_workbook(data: bytes, max_rows: int, problems: list[ImportProblem]) -> ReadResult:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        worksheet = workbook.worksheets[0]
        sheet = Sheet(name=str(worksheet.title))
        for problem in problems:
            problem.sheet = sheet.name
        rows = worksheet.iter_rows(values_only=True)
        for number, values in enumerate(rows, start=1):
            if number == 1:
                sheet.headers = [_header(value) for value in values]
                continue
            if number > max_rows + 1:
                return _too_many(sheet.name, max_rows)
            cells = list(values)
            if all(value is None or str(value).strip() == "" for value in cells):
                continue
            for index, value in enumerate(cells):
                if isinstance(value, str) and value.startswith("="):
                    problems.append(
                        ImportProblem(
                            sheet=sheet.name,
                            row=number,
                            column=_column_name(sheet.headers, index),
                            problem=f"单元格是公式（{value[:40]}），不是数值",
                            fix="选中该列，复制后“选择性粘贴→数值”，再保存导入",
                        )
                    )
            sheet.rows.append((number, cells))
    finally:
        workbook.close()
    return ReadResult(sheet, problems)


@dataclass
class _SheetScan:
    rows: int = 0
    merged: list[str] = field(default_factory=list)


def _scan(archive: zipfile.ZipFile, part: str) -> _SheetScan:
    """Rows and merged ranges of one sheet's XML, read in chunks (bounded
    memory, about a second per 100 MB): openpyxl's read-only mode reports
    no merged cells, and on a sheet without a ``<dimension>`` it reads the
    whole sheet before the first row, so the row limit is checked here."""
    found = _SheetScan()
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            window = tail + chunk
            # A row tag (5 bytes) starting before the tail's last 4 was counted already.
            found.rows += len(_ROW.findall(window, max(len(tail) - 4, 0)))
            found.merged.extend(match.decode() for match in _MERGE.findall(window))
            tail = window[-512:]  # a tag cut in two is whole in the next window
    return found


def _merged_cells(merged: list[str], sheet_name: str) -> list[ImportProblem]:
    """A merged cell reads as empty below its first row: say so instead."""
    return [
        ImportProblem(
            sheet=sheet_name,
            row=_first_row(ref),
            column=None,
            problem=f"区域 {ref} 是合并单元格",
            fix="取消合并，并在每一行都填上完整的值",
        )
        for ref in dict.fromkeys(merged)
    ]


def _first_row(ref: str) -> int | None:
    digits = re.search(r"[0-9]+", ref)
    return None if digits is None else int(digits.group())


def _too_many(sheet: str, max_rows: int) -> ReadResult:
    return _file_problem(
        sheet, f"数据超过 {max_rows} 行", f"每个文件最多 {max_rows} 行，请拆成几个文件分别导入"
    )


def _header(value: object) -> str:
    """A header cell's text, without the ``*`` of required columns or spaces."""
    return clean_text(value).replace(" ", "").rstrip("*＊").replace("（必填）", "")


def _column_name(headers: list[str], index: int) -> str:
    return headers[index] if index < len(headers) and headers[index] else f"第{index + 1}列"


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(data: bytes, max_rows: int, sheet_name: str) -> ReadResult:
    text = _decode(data)
    if text is None or "\x00" in text:
        return _file_problem(
            sheet_name,
            "文件既不是 .xlsx 工作簿，也不是可识别编码（UTF-8 或 GBK）的 CSV 文本",
            "上传按模板填写的 .xlsx，或在 Excel 中“另存为 CSV UTF-8（逗号分隔）”",
        )
    sheet = Sheet(name=sheet_name)
    reader: Iterator[list[str]] = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, values in enumerate(reader, start=1):
            if number == 1:
                sheet.headers = [_header(value) for value in values]
                continue
            if number > max_rows + 1:
                return _too_many(sheet_name, max_rows)
            if all(not value.strip() for value in values):
                continue
            sheet.rows.append((number, list(values)))
    except csv.Error as error:
        return _file_problem(
            sheet_name, f"CSV 格式有误：{error}", "在 Excel 中打开并“另存为 CSV UTF-8（逗号分隔）”"
        )
    return ReadResult(sheet, [])
