"""The monthly office report as PDF, on both databases: it prints the
dashboard's figures, draws every Chinese character with a real glyph of an
embedded font, stays in the caller's jurisdiction, and is audited."""

import base64
import io
import re
import uuid
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fontTools.ttLib import TTFont
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from shared_models.protocol.supervision import (
    Dashboard,
    DashboardFigures,
    LeaveTaken,
    OfficeDashboard,
    OverdueCheckin,
)
from sync_server.core.audit import verify_audit
from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from sync_server.reports.monthly import MAX_LIST_ROWS, monthly_report_pdf
from sync_server.repositories.scope import scope_for
from sync_server.services.supervision.dashboard import DashboardQuery, dashboard
from sync_server.tables import AuditEntry, UserRow
from tests.factories import District
from tests.sync_server.conftest import Device
from tests.sync_server.supervision_data import (
    MONTH,
    NOW,
    TODAY,
    load_known_data,
)

# --- reading back what reportlab wrote -------------------------------------------

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(number): body for number, body in _OBJECT.findall(pdf)}


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    # The data is /Length bytes after the end of line: stripping line ends
    # instead cut a compressed stream that happened to end in one.
    rest = rest.removeprefix(b"\r\n") if rest.startswith(b"\r\n") else rest.removeprefix(b"\n")
    length = re.search(rb"/Length (\d+)\b(?! 0 R)", head)
    if length is not None:
        data = rest[: int(length.group(1))]
    else:
        data = rest.rsplit(b"endstream", 1)[0].rstrip(b"\r\n")
    if b"/ASCII85Decode" in head:
        data = base64.a85decode(data.removesuffix(b"~>").strip(), adobe=False)
    if b"/FlateDecode" in head:
        data = zlib.decompress(data)
    return data


def _ref(body: bytes, key: bytes) -> int:
    found = re.search(rb"/" + key + rb" (\d+) 0 R", body)
    assert found is not None, key
    return int(found.group(1))


def _to_unicode(cmap: bytes) -> dict[int, str]:
    codes: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            codes[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = ord(bytes.fromhex(text.decode()).decode("utf-16-be"))
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                codes[code] = chr(first + offset)
    return codes


def _literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes (octal and backslash escapes resolved)."""
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte != 0x5C:
            out.append(byte)
            index += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", raw[index + 1 : index + 4])
        if octal:
            out.append(int(octal.group(0), 8))
            index += 1 + len(octal.group(0))
            continue
        escaped = raw[index + 1 : index + 2]
        out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(escaped, escaped)
        index += 2
    return bytes(out)


class PdfText:
    """The text runs a reportlab PDF draws, and the glyphs it draws them with."""

    def __init__(self, pdf: bytes) -> None:
        assert pdf.startswith(b"%PDF-")
        objects = _objects(pdf)
        self.fonts: dict[bytes, tuple[dict[int, str], TTFont | None]] = {}
        for body in objects.values():
            name = re.search(rb"/Name /(\S+)", body)
            if b"/Type /Font" not in body or name is None or b"/ToUnicode" not in body:
                continue
            cmap = _to_unicode(_stream(objects[_ref(body, b"ToUnicode")]))
            descriptor = objects[_ref(body, b"FontDescriptor")]
            program = TTFont(io.BytesIO(_stream(objects[_ref(descriptor, b"FontFile2")])))
            self.fonts[name.group(1)] = (cmap, program)
        self.pages: list[list[str]] = []
        self.missing_glyphs: set[str] = set()
        for body in objects.values():
            if b"/Type /Page\n" in body or b"/Type /Page " in body:
                self.pages.append(self._runs(_stream(objects[_ref(body, b"Contents")])))

    def _runs(self, content: bytes) -> list[str]:
        runs: list[str] = []
        for block in re.findall(rb"BT(.*?)ET", content, re.S):
            font = b""
            text = ""
            for match in re.finditer(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", block, re.S):
                if match.group(1) is not None:
                    font = match.group(1)
                    continue
                cmap, program = self.fonts[font]
                for code in _literal(match.group(2)):
                    char = cmap.get(code, "\ufffd")
                    text += char
                    if program is not None and not char.isspace() and not _drawn(program, code):
                        self.missing_glyphs.add(char)
            runs.append(text)
        return runs

    @property
    def text(self) -> str:
        return "\n".join(run for page in self.pages for run in page)


def _drawn(program: TTFont, code: int) -> bool:
    """Whether ``code`` maps to a glyph with an outline in the embedded font
    (reportlab's subsets map their one-byte codes in a Macintosh cmap)."""
    glyph_name = None
    for table in program["cmap"].tables:
        glyph_name = glyph_name or table.cmap.get(code)
    if glyph_name is None or glyph_name == ".notdef":
        return False
    glyph = program["glyf"][glyph_name]
    return bool(glyph.numberOfContours)


# --- the report ------------------------------------------------------------------


def _board(engine: Engine, district: District, username: str, unit: Any = None) -> Dashboard:
    with Session(engine) as session:
        user = session.get(UserRow, district.user(username).id)
        assert user is not None
        return dashboard(session, scope_for(session, user), DashboardQuery(MONTH, TODAY, NOW, unit))


def _after(text: str, *parts: str) -> None:
    """``parts`` appear in ``text`` in this order."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} not found after position {position}"
        position = found + len(part)


def test_office_report_prints_the_dashboard(engine: Engine, district: District) -> None:
    load_known_data(engine, district)
    report = PdfText(monthly_report_pdf(_board(engine, district, "supervisor.baijia"), NOW))

    assert len(report.pages) == 1
    text = report.text
    _after(
        text, "百家街道司法所 月度工作报告", "2026年11月", "2026-11-28", "生成于 2026-11-28 10:00"
    )
    _after(text, "在办案件", "7", "其中受理", "2 / 2 / 1 / 2")
    _after(text, "本月结案", "2", "本月签署调解协议", "1")
    _after(text, "本月调解成功率", "80.0%（成功 4，不成 1）", "到期回访", "2")
    _after(text, "在矫对象", "5", "逾期未报到", "3", "设备（其中超过 3 天未同步）", "3（1）")
    _after(text, "对象b4", "2026-10-31", "28", "对象b3", "2026-11-15", "13", "是", "对象b1")
    _after(text, "phone-off-b name", "officer.baijia", "未同步", "phone-med-b name", "正常")
    _after(text, "第 1 页")
    assert "各司法所" not in text  # one office: no per-office table
    assert report.missing_glyphs == set()


def test_a_baijia_report_never_shows_xiyuan(engine: Engine, district: District) -> None:
    load_known_data(engine, district)
    text = PdfText(monthly_report_pdf(_board(engine, district, "supervisor.baijia"), NOW)).text

    for foreign in ("西苑", "对象x", "xiyuan", "phone-med-x", "复兴区", "fuxing"):
        assert foreign not in text


def test_district_report_has_a_row_per_office_and_draws_every_character(
    engine: Engine, district: District
) -> None:
    load_known_data(engine, district)
    # An office report first: the second document must not reuse the first one's glyphs.
    office = PdfText(monthly_report_pdf(_board(engine, district, "supervisor.baijia"), NOW))
    report = PdfText(monthly_report_pdf(_board(engine, district, "supervisor.fuxing"), NOW))

    text = report.text
    _after(
        text, "复兴区 月度工作报告", "在办案件", "8", "本月调解成功率", "71.4%（成功 5，不成 2）"
    )
    _after(text, "各司法所", "百家街道司法所", "7", "2", "1", "80.0%", "2", "5", "3", "3/1")
    _after(text, "西苑街道司法所", "1", "1", "1", "50.0%", "0", "2", "1", "1/1")
    _after(text, "复兴区", "0", "0", "0", "－", "0", "0", "0", "1/0")
    _after(text, "对象b4", "对象b3", "对象x2", "西苑街道司法所", "officer.xiyuan", "对象b1")
    assert office.missing_glyphs == set()
    assert report.missing_glyphs == set()
    assert "苑" in text


def _overdue(number: int, office_id: uuid.UUID) -> OverdueCheckin:
    return OverdueCheckin(
        subject_id=uuid.uuid4(),
        name=f"对象{number:03d}",
        office_id=office_id,
        officer_name="矫正干警",
        key_person=number % 10 == 0,
        checkin_interval_days=7,
        due=TODAY - timedelta(days=number),
        days_overdue=number,
    )


def test_long_lists_are_cut_short_and_pages_numbered() -> None:
    office_id = uuid.uuid4()
    overdue = [_overdue(number, office_id) for number in range(1, MAX_LIST_ROWS + 11)]
    office = OfficeDashboard(
        office_id=office_id,
        office_name="长列表司法所",
        checkins_overdue=len(overdue),
        overdue_checkins=overdue,
    )
    board = Dashboard(
        unit_id=office_id,
        unit_name="长列表司法所",
        month="2026-11",
        today=date(2026, 11, 28),
        silent_after_days=3,
        offices=[office],
        total=DashboardFigures(checkins_overdue=len(overdue)),
    )

    report = PdfText(monthly_report_pdf(board, NOW))

    assert len(report.pages) >= 2
    for number, page in enumerate(report.pages, start=1):
        assert f"第 {number} 页" in page
    text = report.text
    assert f"对象{MAX_LIST_ROWS + 10:03d}" in text  # most overdue first
    assert f"对象{11:03d}" in text
    assert f"对象{10:03d}" not in text
    assert "另有 10 人未列出，详见看板。" in text
    assert "设备同步（最久未同步的在前）\n无" in text
    assert "－（本月无结束的调解）" in text


# --- through HTTP ------------------------------------------------------------------


@pytest.fixture
def client(settings: ServerSettings, engine: Engine, district: District) -> Iterator[TestClient]:
    load_known_data(engine, district)
    with TestClient(create_app(settings, engine)) as test_client:
        yield test_client


def test_report_over_http_is_scoped_and_audited(
    client: TestClient, district: District, engine: Engine
) -> None:
    supervisor = Device(client, "supervisor.baijia", "sup-baijia-1")

    response = client.get(
        "/api/v1/reports/monthly.pdf", params={"month": "2026-11"}, headers=supervisor.headers
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="monthly-report-2026-11.pdf"' in response.headers["content-disposition"]
    report = PdfText(response.content)
    _after(report.text, "百家街道司法所 月度工作报告", "2026年11月", "本月签署调解协议", "1")
    assert "西苑" not in report.text
    with Session(engine) as session:
        assert verify_audit(session) == []
        [entry] = session.scalars(
            select(AuditEntry).where(col(AuditEntry.action) == "monthly_report")
        )
    assert entry.actor_id == district.user("supervisor.baijia").id
    assert entry.detail == {"unit_id": str(district.baijia.id), "month": "2026-11"}

    foreign = client.get(
        "/api/v1/reports/monthly.pdf",
        params={"office_id": str(district.xiyuan.id)},
        headers=supervisor.headers,
    )
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "NOT_FOUND"
    mediator = Device(client, "mediator.baijia", "med-baijia-1")
    denied = client.get("/api/v1/reports/monthly.pdf", headers=mediator.headers)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "FORBIDDEN"


def test_leave_taken_in_the_month_is_printed_with_who_is_not_back() -> None:
    office_id = uuid.uuid4()

    def leave(name: str, start: date, end: date, back: date | None) -> LeaveTaken:
        days = (end - start).days + 1
        return LeaveTaken(
            subject_id=uuid.uuid4(),
            name=name,
            office_id=office_id,
            officer_name="矫正干警",
            request_id=uuid.uuid4(),
            start=start,
            end=end,
            days=days,
            departed_on=start,
            returned_on=back,
        )

    taken = [
        leave("周某", date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 2)),
        leave("吴某", date(2026, 11, 10), date(2026, 11, 20), None),  # 8 days late
        leave("郑某", date(2026, 11, 26), date(2026, 11, 30), None),  # away, not late
    ]
    office = OfficeDashboard(
        office_id=office_id,
        office_name="百家街道司法所",
        leaves_overdue=1,
        leaves_taken_this_month=3,
        leaves_taken=taken,
    )
    board = Dashboard(
        unit_id=office_id,
        unit_name="百家街道司法所",
        month="2026-11",
        today=date(2026, 11, 28),
        silent_after_days=3,
        offices=[office],
        total=DashboardFigures(
            leaves_overdue=1, leaves_taken_this_month=3, judicial_applications_late=2
        ),
    )

    report = PdfText(monthly_report_pdf(board, NOW))

    text = report.text
    _after(text, "到期回访", "0", "本月逾期申请司法确认", "2")
    _after(text, "逾期未报到", "0", "本月请假外出（人次）", "3", "未按期销假", "1")
    _after(text, "本月请假外出（按离开日）", "对象", "准假期间", "天数", "离开日", "销假日")
    _after(text, "周某", "百家街道司法所", "矫正干警", "2026-10-30 至 2026-11-02", "4")
    _after(text, "2026-11-02", "吴某", "2026-11-10 至 2026-11-20", "11", "逾期未销假")
    _after(text, "郑某", "2026-11-26 至 2026-11-30", "5", "2026-11-26", "外出中")
    assert report.missing_glyphs == set()
