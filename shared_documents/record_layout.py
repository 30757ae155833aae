"""What the printed records of community correction share: A4 pages with
the same margins, type and foot as the mediation agreement, a grid of
particulars, a signature drawn from its sealed image, and a reference
(text and QR code) on every page that leads back to the record.

The entry and release announcement records (``announcement_pdf``) and the
release certificate (``release_certificate_pdf``) are drawn with these
pieces, so they look like one family of documents on the officer's printer
and in the court's file. The agreement keeps its own module (it came
first, and its signing area is laid out differently).
"""

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Table, TableStyle

from shared_documents.agreement_pdf import SignatureImageError
from shared_documents.cjk_font import document_font, markup

MARGIN: Final = 22 * mm
FOOTER_HEIGHT: Final = 26 * mm
QR_SIZE: Final = 20 * mm
SIGNATURE_BOX: Final = (48 * mm, 16 * mm)
"""Largest width and height a signature image is drawn at (its shape kept)."""
PRODUCER: Final = "LastMile"
LABEL_WIDTH: Final = 27 * mm
"""A grid's label column: six characters (社区矫正对象) on one line."""
TEXT_WIDTH: Final = A4[0] - 2 * MARGIN
FOOT_WORDS: Final = "第页扫码核验记录编号0123456789"
"""Characters the foot draws besides the document's own text."""


@dataclass(frozen=True)
class SignedImage:
    """A signature as recorded: the SHA-256 the record holds, and the image
    bytes read back from the device's or the server's blob store."""

    sha256: str
    data: bytes


def checked_image(signature: SignedImage | None, field: str) -> SignedImage | None:
    """``signature`` when its bytes hash to the recorded SHA-256. A printout
    must never show another image than the one the subject signed."""
    if signature is None:
        return None
    if hashlib.sha256(signature.data).hexdigest() != signature.sha256:
        raise SignatureImageError(f"{field}: the image is not the one recorded", [signature.sha256])
    return signature


class RecordStyles:
    """The type of every correction record: the agreement's sizes and leading."""

    def __init__(self, font: str) -> None:
        base = ParagraphStyle("base", fontName=font, fontSize=11, leading=19, wordWrap="CJK")
        self.title = ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=2
        )
        self.number = ParagraphStyle("number", parent=base, fontSize=10, alignment=TA_RIGHT)
        self.heading = ParagraphStyle(
            "heading", parent=base, fontSize=12, leading=20, spaceBefore=8, spaceAfter=2
        )
        self.body = ParagraphStyle("body", parent=base, firstLineIndent=22, alignment=TA_LEFT)
        self.item = ParagraphStyle("item", parent=base, leftIndent=22, firstLineIndent=0)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=10.5, leading=16)
        self.cell_label = ParagraphStyle(
            "cell_label", parent=base, fontSize=10.5, leading=16, textColor=colors.HexColor("#333")
        )
        self.small = ParagraphStyle(
            "small", parent=base, fontSize=8, leading=11, textColor=colors.dimgrey
        )
        self.small_centre = ParagraphStyle("small_centre", parent=self.small, alignment=TA_CENTER)
        self.right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT, leading=22)


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped, rare characters in the fallback font)."""
    return Paragraph(markup(text), style)


def particulars(rows: Sequence[tuple[str, str]], styles: RecordStyles) -> Table:
    """A ruled grid of label / value pairs, two pairs a line: the head of a
    record (who, what, when, where), as the printed forms have it."""
    cells: list[list[Any]] = []
    pairs = list(rows)
    for start in range(0, len(pairs), 2):
        line: list[Any] = []
        for label, value in pairs[start : start + 2]:
            line += [paragraph(label, styles.cell_label), paragraph(value, styles.cell)]
        line += [""] * (4 - len(line))
        cells.append(line)
    label_width = LABEL_WIDTH
    value_width = TEXT_WIDTH / 2 - label_width
    table = Table(cells, colWidths=[label_width, value_width] * 2)
    commands: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for index, line in enumerate(cells):
        if line[2] == "":  # an odd pair out: its value takes the whole line
            commands.append(("SPAN", (1, index), (3, index)))
    table.setStyle(TableStyle(commands))
    return table


def wide_particulars(rows: Sequence[tuple[str, str]], styles: RecordStyles) -> Table:
    """A ruled grid of label / value pairs, one a line (long values: who was
    present, the offence)."""
    label_width = LABEL_WIDTH
    cells = [
        [paragraph(label, styles.cell_label), paragraph(value, styles.cell)]
        for label, value in rows
    ]
    table = Table(cells, colWidths=[label_width, TEXT_WIDTH - label_width])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def signature_image(signature: SignedImage | None) -> Flowable | None:
    """The signature at most ``SIGNATURE_BOX`` in size, its shape kept."""
    if signature is None:
        return None
    reader = ImageReader(io.BytesIO(signature.data))
    width, height = reader.getSize()
    scale = min(SIGNATURE_BOX[0] / width, SIGNATURE_BOX[1] / height)
    return Image(
        io.BytesIO(signature.data), width=width * scale, height=height * scale, mask="auto"
    )


def _draw_foot(canvas: Any, doc: Any, font: str, lines: Sequence[str], reference: str) -> None:
    width, _ = A4
    canvas.saveState()
    top = MARGIN + FOOTER_HEIGHT - 6 * mm
    canvas.setStrokeColor(colors.lightgrey)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, top, width - MARGIN, top)
    canvas.setFillColor(colors.dimgrey)
    canvas.setFont(font, 7.5)
    y = top - 5 * mm
    for line in lines:
        canvas.drawString(MARGIN, y, line)
        y -= 4 * mm
    canvas.drawString(MARGIN, y, f"第 {doc.page} 页")
    widget = QrCodeWidget(reference, barLevel="M")
    left, bottom, right, upper = widget.getBounds()
    drawing = Drawing(
        QR_SIZE,
        QR_SIZE,
        transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (upper - bottom), 0, 0],
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, width - MARGIN - QR_SIZE, top - 1 * mm - QR_SIZE)
    canvas.setFont(font, 6.5)
    canvas.drawCentredString(width - MARGIN - QR_SIZE / 2, top - 4 * mm - QR_SIZE, "扫码核验")
    canvas.restoreState()


def render_record(
    *,
    title: str,
    author: str,
    reference: str,
    foot_lines: Sequence[str],
    text: str,
    story: Callable[[RecordStyles], list[Flowable]],
) -> bytes:
    """The PDF bytes of one record. ``text`` is every character the story
    draws (the embedded font holds just those); ``story`` lays the record
    out with the styles of that font. Reproducible: the same record and
    images give the same bytes."""
    out = io.BytesIO()
    with document_font(text + title + author + "".join(foot_lines) + FOOT_WORDS) as font:
        pdf = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + FOOTER_HEIGHT,
            title=title,
            author=author,
            subject=reference,
            keywords=reference,
            creator=PRODUCER,
            producer=PRODUCER,
            invariant=1,
        )

        def foot(canvas: Any, doc: Any) -> None:
            _draw_foot(canvas, doc, font, foot_lines, reference)

        pdf.build(story(RecordStyles(font)), onFirstPage=foot, onLaterPages=foot)
    return out.getvalue()
