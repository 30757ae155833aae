"""The mediation statistics as an XLSX workbook, laid out as the county's
forms are (人民调解工作统计表): a title, the unit and period, two header rows
(received by dispute type, sources, outcomes), one row per committee, each
office's subtotal, the total last. Numbers are numbers (not text), so a
supervisor pastes them into the county's sheet or sums them again.
"""

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from shared_models.protocol.statistics import (
    LEVEL_LABELS,
    MediationStatistics,
    RowLevel,
    column_groups,
    row_values,
)
from sync_server.services.supervision.district_calendar import wall_clock_text

SHEET_TITLE = "人民调解统计"
HEADER_ROW = 4
"""The first of the two header rows; data starts two rows below."""
_THIN = Side(style="thin", color="9AA5B1")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="E4E9EF")
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F3F5F8")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _period_text(stats: MediationStatistics) -> str:
    if len(stats.period) == 4:
        return f"{stats.period}年"
    year, month = stats.period.split("-")
    return f"{year}年{int(month)}月"


def _header(sheet: Worksheet) -> int:
    """Writes the two header rows; returns the number of columns."""
    cell = sheet.cell
    top, below = HEADER_ROW, HEADER_ROW + 1
    cell(top, 1, "单位")
    sheet.merge_cells(start_row=top, start_column=1, end_row=below, end_column=1)
    column = 2
    for heading, labels in column_groups():
        cell(top, column, heading)
        if len(labels) == 1:
            sheet.merge_cells(start_row=top, start_column=column, end_row=below, end_column=column)
        else:
            end = column + len(labels) - 1
            sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=end)
            for offset, label in enumerate(labels):
                cell(below, column + offset, label)
        column += len(labels)
    last = column - 1
    for row in (top, below):
        for number in range(1, last + 1):
            styled = cell(row, number)
            styled.font, styled.alignment = Font(bold=True), _CENTRE
            styled.fill, styled.border = _HEADER_FILL, _BOX
    return last


def statistics_xlsx(stats: MediationStatistics, generated_at: datetime) -> bytes:
    """The workbook's bytes: one sheet, the table of ``stats``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.cell(1, 1, f"{stats.unit_name} 人民调解工作统计表（{_period_text(stats)}）")
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(
        2,
        1,
        f"统计期间：{stats.starts.isoformat()} 至 {stats.ends.isoformat()}　"
        f"生成于 {wall_clock_text(generated_at)}",
    )
    columns = _header(sheet)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    for offset, row in enumerate(stats.rows):
        number = HEADER_ROW + 2 + offset
        suffix = LEVEL_LABELS[row.level]
        sheet.cell(number, 1, f"{row.unit_name}{suffix}" if suffix else row.unit_name)
        for column, value in enumerate(row_values(row), start=2):
            sheet.cell(number, column, value)
        for column in range(1, columns + 1):
            styled = sheet.cell(number, column)
            styled.border = _BOX
            if row.level is not RowLevel.COMMITTEE:
                styled.font, styled.fill = Font(bold=True), _SUBTOTAL_FILL
    sheet.column_dimensions["A"].width = 30
    for column in range(2, columns + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 7
    sheet.row_dimensions[HEADER_ROW + 1].height = 42
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 2, 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
