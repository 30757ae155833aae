"""The printed case file (调解卷宗): one A4 PDF drawn from a ``CaseFile``.

Printed on the phone (offline, images from its encrypted attachment store)
and on the server (a supervisor's download, images from the blob store), so
it depends on neither side. The cover comes first, then the table of
contents, then every document in the standard order, each starting on a new
page; the sealed agreement is drawn exactly as its own PDF draws it
(``agreement_pdf``), hash and QR code at the foot of each of its pages.

The contents list the page each document starts on, which is known only
once the pages are laid out: the file is laid out twice. The first pass
records where each document starts (and draws no image: only their sizes
count); the second prints with those numbers. The contents keep their
length between the passes (one row per document), so the numbers hold.

An image the side does not hold, or whose bytes do not hash to the record's
SHA-256, is never printed as if it were the recorded one: a framed note
takes its place.
"""

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from shared_documents.agreement_pdf import (
    FOOTER_HEIGHT,
    MARGIN,
    PRODUCER,
    AgreementStyles,
    agreement_story,
    draw_agreement_footer,
    signature_slot,
)
from shared_documents.cjk_font import document_font, markup
from shared_models.agreement_text import SignatureSlot, chinese_date
from shared_models.case_file import CaseFile, FileDocument, FilePhoto

WIDTH: Final = A4[0] - 2 * MARGIN
PHOTO_BOX: Final = (WIDTH, 90 * mm)
"""Largest width and height a filed image is drawn at (its shape kept)."""
LABEL_WIDTH: Final = 34 * mm
_GRID = colors.HexColor("#9aa5b1")
_SHADE = colors.HexColor("#eef1f4")
_NOT_HERE = "（图片尚未到达本设备，或与记录不符，未打印）"
COVER_LABELS: Final = (
    "调解委员会",
    "纠纷名称",
    "人民调解员",
    "受理日期",
    "结案日期",
    "立卷人",
    "立卷日期",
    "保管期限",
)
_FIXED_TEXT = "".join(
    (
        "人民调解卷宗卷内目录序号文件名称日期页号第页案号扫码核验0123456789年月日（）：",
        _NOT_HERE,
        *COVER_LABELS,
    )
)


@dataclass
class _Pages:
    """Where each document starts, and whose page is being drawn."""

    starts: dict[int, int] = field(default_factory=dict)
    current: int | None = None


class _Anchor(Flowable):  # type: ignore[misc]
    """Marks where document ``index`` starts: its page, and that the pages
    from here on are its own (for the footer)."""

    def __init__(self, pages: _Pages, index: int) -> None:
        super().__init__()
        self.pages, self.index = pages, index

    def wrap(self, *_: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.pages.starts.setdefault(self.index, self.canv.getPageNumber())
        self.pages.current = self.index


class _Photo(Flowable):  # type: ignore[misc]
    """An image at a fixed size; drawn only when ``visible`` (the second pass)."""

    def __init__(self, reader: ImageReader, size: tuple[float, float], visible: bool) -> None:
        super().__init__()
        self.reader, self.size, self.visible = reader, size, visible

    def wrap(self, *_: float) -> tuple[float, float]:
        return self.size

    def draw(self) -> None:
        if self.visible:
            self.canv.drawImage(self.reader, 0, 0, *self.size, mask="auto")


class _Styles(AgreementStyles):
    def __init__(self, font: str) -> None:
        super().__init__(font)
        base = ParagraphStyle("file", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
        self.cover_title = ParagraphStyle(
            "cover", parent=base, fontSize=30, leading=40, alignment=TA_CENTER
        )
        self.cover_number = ParagraphStyle(
            "cover_number", parent=base, fontSize=14, leading=22, alignment=TA_CENTER
        )
        self.cover_line = ParagraphStyle("cover_line", parent=base, fontSize=13, leading=20)
        self.form_title = ParagraphStyle(
            "form_title", parent=base, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=8
        )
        self.cell = base
        self.caption = ParagraphStyle(
            "caption", parent=base, fontSize=8.5, leading=12, alignment=TA_CENTER
        )


def _all_text(value: Any) -> str:
    """Every string of the file (its models dumped), for the font's glyphs."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "".join(_all_text(item) for item in value.values())
    if isinstance(value, list | tuple):
        return "".join(_all_text(item) for item in value)
    return str(value) if value is not None else ""


def _day(day: date | None) -> str:
    return "" if day is None else chinese_date(day)


def _usable(images: Mapping[str, bytes]) -> dict[str, bytes]:
    """The images that are what their name says."""
    return {
        sha256: data
        for sha256, data in images.items()
        if hashlib.sha256(data).hexdigest() == sha256
    }


def _slot_here(slot: SignatureSlot, readers: Mapping[str, ImageReader]) -> SignatureSlot:
    """The slot as printable: a signature whose image is not here prints a note."""
    if slot.sha256 is None or slot.sha256 in readers:
        return slot
    return slot.model_copy(update={"sha256": None, "signed_at": f"{slot.signed_at}{_NOT_HERE}"})


def _table(rows: list[list[Any]], widths: list[float], header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    style.append(("BACKGROUND", (0, 0), (-1 if header else 0, 0 if header else -1), _SHADE))
    table.setStyle(TableStyle(style))
    return table


class _Layout:
    """One pass over the file: the flowables, given where documents started."""

    def __init__(
        self,
        case_file: CaseFile,
        images: Mapping[str, bytes],
        readers: Mapping[str, ImageReader],
        styles: _Styles,
        starts: Mapping[int, int] | None,
    ) -> None:
        self.file, self.images, self.readers, self.styles = case_file, images, readers, styles
        self.starts, self.pages = starts, _Pages()

    def _para(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(markup(text), style or self.styles.cell)

    def cover(self) -> list[Flowable]:
        cover = self.file.cover
        values = (
            cover.committee,
            cover.dispute_name,
            cover.mediator,
            _day(cover.received_on),
            _day(cover.closed_on),
            cover.filed_by,
            _day(cover.filed_on),
            cover.retention,
        )
        lines = zip(COVER_LABELS, values, strict=True)
        rows = [
            [self._para(label, self.styles.cover_line), self._para(value, self.styles.cover_line)]
            for label, value in lines
        ]
        table = Table(rows, colWidths=[40 * mm, WIDTH - 50 * mm], hAlign="CENTER")
        table.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("TOPPADDING", (0, 0), (-1, -1), 9),
                ]
            )
        )
        return [
            Spacer(1, 40 * mm),
            self._para("人民调解卷宗", self.styles.cover_title),
            Spacer(1, 8 * mm),
            self._para(cover.case_number, self.styles.cover_number),
            Spacer(1, 30 * mm),
            table,
            PageBreak(),
        ]

    def contents(self) -> list[Flowable]:
        rows: list[list[Any]] = [["序号", "文件名称", "日期", "页号"]]
        for index, document in enumerate(self.file.documents):
            start = "000" if self.starts is None else str(self.starts.get(index, ""))
            rows.append([str(index + 1), document.title, _day(document.day), start])
        rows = [[self._para(cell) for cell in row] for row in rows]
        widths = [14 * mm, WIDTH - 14 * mm - 36 * mm - 16 * mm, 36 * mm, 16 * mm]
        return [self._para("卷内目录", self.styles.form_title), _table(rows, widths, header=True)]

    def photo(self, photo: FilePhoto, visible: bool) -> Flowable:
        reader = self.readers.get(photo.sha256)
        caption = self._para(photo.caption, self.styles.caption)
        if reader is None:
            return KeepTogether([_table([[self._para(_NOT_HERE)]], [WIDTH]), caption])
        width, height = reader.getSize()
        scale = min(PHOTO_BOX[0] / width, PHOTO_BOX[1] / height)
        image = _Photo(reader, (width * scale, height * scale), visible)
        return KeepTogether([Spacer(1, 4), image, caption])

    def form(self, document: FileDocument, visible: bool) -> list[Flowable]:
        story: list[Flowable] = [self._para(document.title, self.styles.form_title)]
        if document.entries:
            rows = [[self._para(e.label), self._para(e.value)] for e in document.entries]
            story.append(_table(rows, [LABEL_WIDTH, WIDTH - LABEL_WIDTH]))
        if document.signatures:
            column = WIDTH / 2
            slots: list[Flowable] = [
                signature_slot(
                    _slot_here(s, self.readers), self.images, self.styles, column - 8 * mm
                )
                for s in document.signatures
            ]
            pairs = [
                slots[i : i + 2] + [""] * (2 - len(slots[i : i + 2]))
                for i in range(0, len(slots), 2)
            ]
            grid = Table(pairs, colWidths=[column, column])
            grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [Spacer(1, 8), grid]
        story += [self.photo(photo, visible) for photo in document.photos]
        return story

    def agreement(self, document: FileDocument) -> list[Flowable]:
        sealed = document.agreement
        assert sealed is not None
        here = sealed.model_copy(
            update={
                "party_slots": tuple(_slot_here(s, self.readers) for s in sealed.party_slots),
                "mediator_slots": tuple(_slot_here(s, self.readers) for s in sealed.mediator_slots),
            }
        )
        return agreement_story(here, self.images, self.styles)

    def story(self, visible: bool) -> list[Flowable]:
        story = [*self.cover(), *self.contents()]
        for index, document in enumerate(self.file.documents):
            story += [PageBreak(), _Anchor(self.pages, index)]
            story += (
                self.agreement(document) if document.agreement else self.form(document, visible)
            )
        return story

    def footer(self, canvas: Any, doc: Any, font: str) -> None:
        """At the end of each page: nothing on the cover; the agreement's own
        foot on its pages; the case number and page number on the others."""
        if doc.page == 1:
            return
        current = self.pages.current
        document = None if current is None else self.file.documents[current]
        if document is not None and document.agreement is not None:
            draw_agreement_footer(canvas, doc, document.agreement, font)
            return
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.dimgrey)
        canvas.drawString(MARGIN, MARGIN, f"案号：{self.file.cover.case_number}")
        canvas.drawRightString(A4[0] - MARGIN, MARGIN, f"第 {doc.page} 页")
        canvas.restoreState()


def _build(layout: _Layout, font: str, visible: bool) -> bytes:
    out = io.BytesIO()
    cover = layout.file.cover
    pdf = BaseDocTemplate(
        out,
        pagesize=A4,
        title=f"人民调解卷宗 {cover.case_number}",
        author=cover.committee,
        subject=cover.dispute_name,
        creator=PRODUCER,
        producer=PRODUCER,
        invariant=1,
    )
    frame = Frame(
        MARGIN, MARGIN + FOOTER_HEIGHT, WIDTH, A4[1] - 2 * MARGIN - FOOTER_HEIGHT, id="body"
    )

    def end_of_page(canvas: Any, doc: Any) -> None:
        layout.footer(canvas, doc, font)

    pdf.addPageTemplates([PageTemplate("page", [frame], onPageEnd=end_of_page)])
    pdf.build(layout.story(visible))
    return out.getvalue()


def render_case_file_pdf(case_file: CaseFile, images: Mapping[str, bytes]) -> bytes:
    """The case file as PDF bytes; ``images`` maps the SHA-256 of each image
    the file names (``shared_models.case_file.image_hashes``) to its bytes
    (JPEG or PNG). Reproducible: the same file and images give the same bytes."""
    usable = _usable(images)
    readers = {sha256: ImageReader(io.BytesIO(data)) for sha256, data in usable.items()}
    with document_font(_all_text(case_file.model_dump()) + _FIXED_TEXT) as font:
        styles = _Styles(font)
        first = _Layout(case_file, usable, readers, styles, None)
        _build(first, font, visible=False)
        second = _Layout(case_file, usable, readers, styles, first.pages.starts)
        return _build(second, font, visible=True)
