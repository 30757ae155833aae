"""The mediation statistics on paper: the XLSX's table as a landscape A4 PDF,
drawn with the monthly report's table and styles (``reports.monthly``), so
the desk's printed reports look alike."""

import io
from datetime import datetime
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, TableStyle

from shared_documents.cjk_font import document_font, markup
from shared_models.protocol.statistics import (
    LEVEL_LABELS,
    MediationStatistics,
    RowLevel,
    column_groups,
    row_values,
)
from sync_server.reports.monthly import Section, report_styles, section_table
from sync_server.services.supervision.district_calendar import wall_clock_text

PAGE = landscape(A4)
MARGIN = 10 * mm
UNIT_WIDTH = 46 * mm


def _stacked(label: str) -> str:
    """A header label two characters a line: the number columns are narrow."""
    return "\n".join(label[i : i + 2] for i in range(0, len(label), 2))


def _section(stats: MediationStatistics) -> tuple[Section, list[tuple[Any, ...]]]:
    """The table (two header rows, then the data) and its styles: the
    header spans, the subtotal and total rows shaded."""
    groups = column_groups()
    top, below = ["单位"], [""]
    spans: list[tuple[Any, ...]] = []
    column = 1
    for heading, labels in groups:
        top += [_stacked(heading) if len(labels) == 1 else heading] + [""] * (len(labels) - 1)
        below += [_stacked(label) for label in labels] if len(labels) > 1 else [""]
        end = column + len(labels) - 1
        spans.append(("SPAN", (column, 0), (end, 0 if len(labels) > 1 else 1)))
        column = end + 1
    spans.append(("SPAN", (0, 0), (0, 1)))
    rows = [top, below]
    highlight: list[int] = []
    for number, row in enumerate(stats.rows, start=2):
        suffix = LEVEL_LABELS[row.level]
        rows.append([f"{row.unit_name}{suffix}", *(str(value) for value in row_values(row))])
        if row.level is not RowLevel.COMMITTEE:
            highlight.append(number)
    count = len(top) - 1
    width = (PAGE[0] - 2 * MARGIN - UNIT_WIDTH) / count
    spans += [("BACKGROUND", (0, row), (-1, row), "#eef1f4") for row in highlight]
    return Section("", rows, (UNIT_WIDTH, *(width,) * count)), spans


def statistics_pdf(stats: MediationStatistics, generated_at: datetime) -> bytes:
    """The table of ``stats`` as PDF bytes."""
    title = f"{stats.unit_name} 人民调解工作统计表"
    subtitle = (
        f"统计期间：{stats.starts.isoformat()} 至 {stats.ends.isoformat()}　｜　"
        f"生成于 {wall_clock_text(generated_at)}"
    )
    section, spans = _section(stats)
    text = title + subtitle + "第页0123456789" + "".join("".join(row) for row in section.rows)
    out = io.BytesIO()
    with document_font(text) as font:
        styles = report_styles(font)
        table = section_table(section, font)
        table.repeatRows = 2
        table.setStyle(
            TableStyle(
                [
                    *spans,
                    ("FONTSIZE", (0, 0), (-1, -1), 7),
                    ("LEADING", (0, 0), (-1, -1), 9),
                    ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                    ("BACKGROUND", (0, 1), (-1, 1), "#e4e9ef"),
                ]
            )
        )
        document = SimpleDocTemplate(
            out,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=14 * mm,
            title=title,
            author="LastMile",
        )

        def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
            canvas.setFont(font, 8)
            canvas.drawCentredString(PAGE[0] / 2, 7 * mm, f"第 {doc.page} 页")

        story = [
            Paragraph(markup(title), styles["title"]),
            Paragraph(markup(subtitle), styles["subtitle"]),
            table,
        ]
        document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
