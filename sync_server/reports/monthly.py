"""The monthly office report as a PDF: the dashboard on paper.

One office, or a district roll-up with a row per office. It prints what the
dashboard shows for the month (``services.dashboard`` computes it; nothing is
counted twice in two ways), so the report and the screen always agree. Long
lists are cut short: the report is for the office meeting and the file, the
dashboard has the full lists.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from shared_documents.cjk_font import document_font, markup
from shared_models.correction.leave import leave_overdue
from shared_models.protocol.supervision import Dashboard, DashboardFigures
from sync_server.services.supervision.district_calendar import wall_clock_text

MAX_LIST_ROWS = 60
"""Rows printed of the overdue and device lists; the rest is counted in a line."""

HEADING_ROOM = 30 * mm
"""Room a section's heading needs below it on a page: itself and a few rows."""

_GRID = colors.HexColor("#9aa5b1")
_HEADER = colors.HexColor("#e4e9ef")
_WARN = colors.HexColor("#fbe3e1")


@dataclass
class Section:
    """A heading and its table, as every printed report of the desk lays them out."""

    heading: str
    rows: list[list[str]] = field(default_factory=list)
    """The first row is the header; empty means ``empty`` is printed instead."""
    widths: Sequence[float] = ()
    empty: str = "无"
    note: str = ""
    highlight: list[int] = field(default_factory=list)
    """Row numbers (1 = first data row) shaded as a warning."""


def _percent(rate: float | None) -> str:
    return "－" if rate is None else f"{rate * 100:.1f}%"


def _key_figures(total: DashboardFigures, silent_days: int) -> list[list[str]]:
    ages = total.open_cases
    outcome = (
        f"{_percent(total.success_rate)}（成功 {total.mediations_agreed}，"
        f"不成 {total.mediations_failed}）"
        if total.success_rate is not None
        else "－（本月无结束的调解）"
    )
    return [
        ["指标", "数值"],
        ["在办案件", str(total.open_cases_total)],
        [
            "  其中受理 0～7 天 / 8～30 天 / 31～90 天 / 90 天以上",
            f"{ages.days_0_7} / {ages.days_8_30} / {ages.days_31_90} / {ages.over_90}",
        ],
        ["本月结案", str(total.closed_this_month)],
        ["本月签署调解协议", str(total.agreements_signed_this_month)],
        ["本月调解成功率", outcome],
        ["到期回访", str(total.follow_ups_due)],
        ["本月逾期申请司法确认", str(total.judicial_applications_late)],
        ["在矫对象", str(total.subjects_under_supervision)],
        ["逾期未报到", str(total.checkins_overdue)],
        ["本月请假外出（人次）", str(total.leaves_taken_this_month)],
        ["未按期销假", str(total.leaves_overdue)],
        [f"设备（其中超过 {silent_days} 天未同步）", f"{total.devices}（{total.devices_silent}）"],
    ]


def _sections(board: Dashboard) -> list[Section]:
    roll_up = len(board.offices) > 1
    names = {office.office_id: office.office_name for office in board.offices}
    sections = [
        Section("主要指标", _key_figures(board.total, board.silent_after_days), (120 * mm, 54 * mm))
    ]
    if roll_up:
        rows = [
            ["司法所", "在办", "结案", "协议", "成功率", "到期回访", "在矫", "逾期", "设备/静默"]
        ]
        rows += [
            [
                office.office_name,
                str(office.open_cases_total),
                str(office.closed_this_month),
                str(office.agreements_signed_this_month),
                _percent(office.success_rate),
                str(office.follow_ups_due),
                str(office.subjects_under_supervision),
                str(office.checkins_overdue),
                f"{office.devices}/{office.devices_silent}",
            ]
            for office in board.offices
        ]
        widths: tuple[float, ...] = (46 * mm, *(16 * mm,) * 7, 20 * mm)
        sections.append(Section("各司法所", rows, widths))
    overdue = sorted(
        (item for office in board.offices for item in office.overdue_checkins),
        key=lambda item: (-item.days_overdue, item.name),
    )
    rows = [["对象", "司法所", "矫正工作人员", "应报到日", "逾期天数", "重点人员"]]
    rows += [
        [
            item.name,
            names.get(item.office_id, ""),
            item.officer_name,
            item.due.isoformat(),
            str(item.days_overdue),
            "是" if item.key_person else "",
        ]
        for item in overdue[:MAX_LIST_ROWS]
    ]
    more = len(overdue) - MAX_LIST_ROWS
    widths = (28 * mm, 46 * mm, 34 * mm, 24 * mm, 20 * mm, 20 * mm)
    key_rows = [n for n, item in enumerate(overdue[:MAX_LIST_ROWS], start=1) if item.key_person]
    sections.append(
        Section(
            "逾期未报到（逾期最久的在前）",
            rows if overdue else [],
            widths,
            note=f"另有 {more} 人未列出，详见看板。" if more > 0 else "",
            highlight=key_rows,
        )
    )
    sections.append(_leave_section(board, names))
    devices = sorted(
        (device for office in board.offices for device in office.device_list),
        key=lambda device: (device.last_seen_at, device.device_id),
    )
    rows = [["设备", "用户", "司法所", "最后同步", "状态"]]
    rows += [
        [
            device.device_name or device.device_id,
            device.display_name,
            names.get(device.office_id, ""),
            wall_clock_text(device.last_seen_at),
            "未同步" if device.silent else "正常",
        ]
        for device in devices[:MAX_LIST_ROWS]
    ]
    silent_rows = [n for n, d in enumerate(devices[:MAX_LIST_ROWS], start=1) if d.silent]
    more = len(devices) - MAX_LIST_ROWS
    sections.append(
        Section(
            "设备同步（最久未同步的在前）",
            rows if devices else [],
            (44 * mm, 36 * mm, 46 * mm, 30 * mm, 18 * mm),
            note=f"另有 {more} 台设备未列出。" if more > 0 else "",
            highlight=silent_rows,
        )
    )
    return sections


def _leave_section(board: Dashboard, names: dict[UUID, str]) -> Section:
    """请假外出 in the month, by departure day: the leave granted, when the
    subject left and reported back; one not back after its last day shaded."""
    taken = sorted(
        (item for office in board.offices for item in office.leaves_taken),
        key=lambda item: (item.departed_on, item.name, str(item.request_id)),
    )
    rows = [["对象", "司法所", "矫正工作人员", "准假期间", "天数", "离开日", "销假日"]]
    late: list[int] = []
    for n, item in enumerate(taken[:MAX_LIST_ROWS], start=1):
        back = item.returned_on.isoformat() if item.returned_on else "外出中"
        if leave_overdue(item.end, True, item.returned_on is not None, board.today):
            back, late = "逾期未销假", [*late, n]
        rows.append(
            [
                item.name,
                names.get(item.office_id, ""),
                item.officer_name,
                f"{item.start.isoformat()} 至 {item.end.isoformat()}",
                str(item.days),
                item.departed_on.isoformat(),
                back,
            ]
        )
    more = len(taken) - MAX_LIST_ROWS
    return Section(
        "本月请假外出（按离开日）",
        rows if taken else [],
        (24 * mm, 30 * mm, 26 * mm, 40 * mm, 12 * mm, 20 * mm, 20 * mm),
        note=f"另有 {more} 人次未列出。" if more > 0 else "",
        highlight=late,
    )


def monthly_report_pdf(board: Dashboard, generated_at: datetime) -> bytes:
    """The report of ``board`` (an office or a district roll-up) as PDF bytes."""
    year, month = board.month.split("-")
    title = f"{board.unit_name} 月度工作报告"
    subtitle = (
        f"{year}年{int(month)}月　｜　当前数字截至 {board.today.isoformat()}　｜　"
        f"生成于 {wall_clock_text(generated_at)}"
    )
    sections = _sections(board)
    text = "".join(
        [title, subtitle, "第页0123456789"]
        + [s.heading + s.empty + s.note + "".join("".join(row) for row in s.rows) for s in sections]
    )
    out = io.BytesIO()
    with document_font(text) as font:
        styles = report_styles(font)
        story: list[object] = [
            Paragraph(markup(title), styles["title"]),
            Paragraph(markup(subtitle), styles["subtitle"]),
        ]
        for section in sections:
            # A heading never ends a page alone: with less room than a few
            # rows, it starts the next page (a long table still starts here).
            story.append(CondPageBreak(HEADING_ROOM))
            story.append(Paragraph(markup(section.heading), styles["heading"]))
            story.append(
                section_table(section, font) if section.rows else _para(section.empty, styles)
            )
            if section.note:
                story.append(_para(section.note, styles))
        document = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=16 * mm,
            rightMargin=16 * mm,
            topMargin=16 * mm,
            bottomMargin=18 * mm,
            title=title,
            author="LastMile",
        )

        def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
            canvas.setFont(font, 8)
            canvas.drawCentredString(A4[0] / 2, 10 * mm, f"第 {doc.page} 页")

        document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def report_styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=17, leading=22, spaceAfter=4),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=font, fontSize=9, leading=12, textColor=colors.grey
        ),
        "heading": ParagraphStyle(
            "heading", fontName=font, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9, leading=12),
    }


def _para(text: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(markup(text), styles["body"])


def section_table(section: Section, font: str) -> Table:
    table = Table(section.rows, colWidths=list(section.widths) or None, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 11),
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    style += [("BACKGROUND", (0, row), (-1, row), _WARN) for row in section.highlight]
    table.setStyle(TableStyle(style))
    return table
