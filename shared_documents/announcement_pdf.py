"""The record of an entry or release announcement (入矫宣告记录 / 解矫宣告记录).

An announcement is held in front of witnesses: the office announces the
correction (or its end) to the subject, reads what the law says must be read
(社区矫正法实施办法, art. 16 for the entry, art. 54 for the release), and the
subject signs that they heard it. The record says when and where, who was
present, what was read, and carries the subject's signature as it was drawn
on the officer's screen. The officer prints it offline on the spot; the
district prints the same pages from the synced record.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Final
from uuid import UUID

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from shared_documents.correction_words import CORRECTION_TYPE_WORDS, GENDER_WORDS
from shared_documents.record_layout import (
    SIGNATURE_BOX,
    TEXT_WIDTH,
    RecordStyles,
    SignedImage,
    checked_image,
    paragraph,
    particulars,
    render_record,
    signature_image,
    wide_particulars,
)
from shared_models.agreement_text import chinese_date
from shared_models.district_time import wall_clock
from shared_models.domain.event_content import AnnouncementItem
from shared_models.domain.people import Gender
from shared_models.domain.subjects import CorrectionType

REFERENCE_PREFIX: Final = "lastmile-announcement:"


class AnnouncementKind(StrEnum):
    ENTRY = "entry"  # 入矫宣告
    RELEASE = "release"  # 解矫宣告


TITLES: Final = {
    AnnouncementKind.ENTRY: "社区矫正入矫宣告记录",
    AnnouncementKind.RELEASE: "解除社区矫正宣告记录",
}

_ITEM_WORDS: Final = {
    AnnouncementItem.JUDGMENT: "判决书、裁定书、决定书、执行通知书等有关法律文书的主要内容",
    AnnouncementItem.TERM: "社区矫正期限",
    AnnouncementItem.RULES: "社区矫正对象应当遵守的规定、被剥夺或者限制行使的权利、被禁止的事项",
    AnnouncementItem.RIGHTS: "社区矫正对象依法享有的权利",
    AnnouncementItem.TEAM: "矫正小组人员组成及职责",
    AnnouncementItem.CONSEQUENCES: "违反规定的法律后果",
    AnnouncementItem.ASSESSMENT: "宣读对社区矫正对象的鉴定意见",
    AnnouncementItem.CERTIFICATE: "宣布社区矫正期限届满，依法解除社区矫正，发放解除社区矫正证明书",
}
"""The words of each item read out (社区矫正法实施办法, art. 16 for the
entry, art. 54 for the release)."""

_RELEASE_EFFECT: Final = {
    CorrectionType.CONTROL: "宣布管制执行期满，解除管制",
    CorrectionType.SUSPENDED_SENTENCE: "宣布缓刑考验期满，原判刑罚不再执行",
    CorrectionType.PAROLE: "宣布假释考验期满，原判刑罚执行完毕",
    CorrectionType.TEMPORARY_OUTSIDE: "宣布暂予监外执行期满，刑罚执行完毕",
}


def items_read(
    items: Sequence[AnnouncementItem], correction_type: CorrectionType
) -> tuple[str, ...]:
    """The items as the record prints them; the end of the correction is
    said with what it means for this kind of correction (art. 54)."""
    words = [_ITEM_WORDS[item] for item in items]
    if AnnouncementItem.CERTIFICATE in items:
        words.append(_RELEASE_EFFECT[correction_type])
    return tuple(words)


STATEMENTS: Final = {
    AnnouncementKind.ENTRY: (
        "以上宣告内容我已听清楚，知晓社区矫正期间应当遵守的规定和违反规定的法律后果。"
    ),
    AnnouncementKind.RELEASE: "以上宣告内容我已听清楚。",
}
"""What the subject's signature confirms, printed above it."""


@dataclass(frozen=True)
class AnnouncementRecord:
    """One announcement as held, in the words the record prints."""

    kind: AnnouncementKind
    record_id: UUID
    subject_name: str
    gender: Gender
    id_number: str
    correction_type: CorrectionType
    term_start: date
    term_end: date
    decided_by: str
    """The deciding body (the court, or the prison administration)."""
    held_on: date
    place: str
    announcer: str
    office: str
    present: Sequence[str]
    """Who was present, as the officer wrote each (社区矫正工作人员 刘志强)."""
    items_read: Sequence[str]
    """The items read, in words (``items_read``)."""
    signature: SignedImage | None
    signed_at: datetime | None = None
    number: str = ""
    """The office's number for the record (e.g. （2026）复司矫宣字第12号), if it keeps one."""


def announcement_reference(record_id: UUID) -> str:
    """The text of the QR code and the PDF's keywords: leads back to the record."""
    return f"{REFERENCE_PREFIX}{record_id}"


def _time_text(moment: datetime, zone: tzinfo) -> str:
    local = wall_clock(moment, zone)
    return f"{chinese_date(local.date())} {local:%H:%M}"


def _head(record: AnnouncementRecord, zone: tzinfo) -> list[tuple[str, str]]:
    term = f"{chinese_date(record.term_start)}至{chinese_date(record.term_end)}"
    return [
        ("社区矫正对象", record.subject_name),
        ("性别", GENDER_WORDS[record.gender]),
        ("身份证号码", record.id_number),
        ("矫正类别", CORRECTION_TYPE_WORDS[record.correction_type]),
        ("矫正期限", term),
        ("决定机关", record.decided_by),
        ("宣告日期", chinese_date(record.held_on)),
        ("宣告地点", record.place),
        ("宣告人", record.announcer),
        ("宣告单位", record.office),
    ]


def _present_text(record: AnnouncementRecord) -> str:
    return "；".join(record.present) or "（无）"


def _signing(record: AnnouncementRecord, styles: RecordStyles, zone: tzinfo) -> Table:
    """The subject's confirmation and signature on the left; the office,
    its seal and the day on the right."""
    image = signature_image(record.signature)
    signed = _time_text(record.signed_at, zone) if record.signed_at else ""
    left: list[Flowable] = [
        paragraph("社区矫正对象（签名）：", styles.cell),
        image if image is not None else Spacer(1, SIGNATURE_BOX[1]),
        paragraph(signed, styles.small),
    ]
    right: list[Flowable] = [
        paragraph(f"宣告人：{record.announcer}", styles.cell),
        Spacer(1, SIGNATURE_BOX[1] - 6 * mm),
        paragraph(f"{record.office}（印）", styles.right),
        paragraph(chinese_date(record.held_on), styles.right),
    ]
    half = TEXT_WIDTH / 2
    table = Table([[left, right]], colWidths=[half, half])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _story(record: AnnouncementRecord, styles: RecordStyles, zone: tzinfo) -> list[Flowable]:
    story: list[Flowable] = [paragraph(TITLES[record.kind], styles.title)]
    if record.number:
        story.append(paragraph(record.number, styles.number))
    story += [
        Spacer(1, 6),
        particulars(_head(record, zone), styles),
        wide_particulars([("参加人员", _present_text(record))], styles),
        paragraph("宣告内容", styles.heading),
    ]
    story += [
        paragraph(f"{number}．{item}。", styles.item)
        for number, item in enumerate(record.items_read, start=1)
    ]
    if not record.items_read:
        story.append(paragraph("（未记录）", styles.item))
    story.append(Spacer(1, 8))
    story.append(
        KeepTogether(
            [
                paragraph(STATEMENTS[record.kind], styles.body),
                Spacer(1, 8),
                _signing(record, styles, zone),
            ]
        )
    )
    return story


def _all_text(record: AnnouncementRecord, zone: tzinfo) -> str:
    parts = [
        record.number,
        "宣告内容参加人员社区矫正对象（签名）：宣告人（印）（未记录）（无）；．。",
        STATEMENTS[record.kind],
        _present_text(record),
        *(f"{label}{value}" for label, value in _head(record, zone)),
        *record.items_read,
        chinese_date(record.held_on),
        _time_text(record.signed_at, zone) if record.signed_at else "",
    ]
    return "".join(parts)


def render_announcement_pdf(record: AnnouncementRecord, zone: tzinfo) -> bytes:
    """The announcement record as PDF bytes, its times on the district's
    clock ``zone``. Raises ``SignatureImageError`` when the signature's
    bytes are not the image the record holds."""
    checked_image(record.signature, "signature")
    reference = announcement_reference(record.record_id)
    return render_record(
        title=TITLES[record.kind],
        author=record.office,
        reference=reference,
        foot_lines=[f"记录编号 {record.record_id}"],
        text=_all_text(record, zone),
        story=lambda styles: _story(record, styles, zone),
    )
