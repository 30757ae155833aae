"""The printed mediation agreement: an A4 PDF drawn from ``AgreementDocument``.

Used on the device (printing offline, after signing) and on the server
(supervisors' downloads, which the server then signs with the district key),
so it depends on nothing of either side: the layout comes from
``shared_models.agreement_text``, the signature images are passed in.

Every page carries, at its foot, the agreement id, the content hash and a QR
code holding both, so a single page handed to a court still leads back to the
sealed record. The PDF's keywords hold the same reference for software. The
output is reproducible: the same document and images give the same bytes.
"""

import hashlib
import io
from collections.abc import Iterable, Mapping
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
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from shared_documents.cjk_font import document_font, markup
from shared_models.agreement_text import AgreementDocument, SignatureSlot
from shared_models.domain.agreements import SignatureKind

MARGIN: Final = 22 * mm
FOOTER_HEIGHT: Final = 30 * mm
QR_SIZE: Final = 24 * mm
SIGNATURE_BOX: Final = (42 * mm, 14 * mm)
"""Largest width and height a signature image is drawn at (its shape kept)."""
FINGERPRINT_BOX: Final = (14 * mm, 14 * mm)
PRODUCER: Final = "LastMile"


class SignatureImageError(ValueError):
    """A signature image is missing, or its bytes are not the sealed ones."""

    def __init__(self, message: str, sha256: list[str]) -> None:
        super().__init__(message)
        self.sha256 = sha256


def _all_text(document: AgreementDocument) -> str:
    slots = (*document.party_slots, *document.mediator_slots)
    parts: Iterable[str] = (
        document.title,
        document.number_line,
        *document.notices,
        *(f"{s.number}、{s.heading}" for s in document.sections),
        *(p for s in document.sections for p in s.paragraphs),
        document.closing,
        *(f"{s.label}{s.instruction}{s.signer_name}{s.signed_at}" for s in slots),
        document.date_line,
        document.committee_line,
        *document.seal_lines,
        "第页扫码核验0123456789",
    )
    return "".join(parts)


class AgreementStyles:
    """The agreement's paragraph styles (also used where the case file prints it)."""

    def __init__(self, font: str) -> None:
        base = ParagraphStyle("base", fontName=font, fontSize=11, leading=19, wordWrap="CJK")
        self.title = ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=4
        )
        self.number = ParagraphStyle("number", parent=base, fontSize=10, alignment=TA_RIGHT)
        self.notice = ParagraphStyle(
            "notice", parent=base, alignment=TA_CENTER, textColor=colors.darkred, spaceAfter=4
        )
        self.heading = ParagraphStyle(
            "heading", parent=base, fontSize=12, leading=20, spaceBefore=8, spaceAfter=2
        )
        self.body = ParagraphStyle("body", parent=base, firstLineIndent=22, alignment=TA_LEFT)
        self.label = ParagraphStyle("label", parent=base, fontSize=10.5, leading=15)
        self.small = ParagraphStyle(
            "small", parent=base, fontSize=8, leading=11, textColor=colors.dimgrey
        )
        self.right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT, leading=22)


def _signature_image(slot: SignatureSlot, images: Mapping[str, bytes]) -> Flowable | str:
    if slot.sha256 is None:
        return ""
    data = images[slot.sha256]
    reader = ImageReader(io.BytesIO(data))
    width, height = reader.getSize()
    fingerprint = slot.kind is SignatureKind.FINGERPRINT
    box_width, box_height = FINGERPRINT_BOX if fingerprint else SIGNATURE_BOX
    scale = min(box_width / width, box_height / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale, mask="auto")


def signature_slot(
    slot: SignatureSlot, images: Mapping[str, bytes], styles: AgreementStyles, width: float
) -> Table:
    """One signer: who, the signature (or a line to sign on), when; the case
    file draws its forms' signers the same way."""
    label = Paragraph(markup(f"{slot.label}{slot.instruction}：{slot.signer_name}"), styles.label)
    image = _signature_image(slot, images) or Spacer(1, SIGNATURE_BOX[1])
    rows = [[label], [image], [Paragraph(markup(slot.signed_at), styles.small)]]
    table = Table(rows, colWidths=[width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 1), (0, 1), 0.4, colors.grey),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _signature_block(
    document: AgreementDocument, images: Mapping[str, bytes], styles: AgreementStyles
) -> Table:
    """Parties on the left; the mediator, the committee's seal and the date
    on the right: the customary arrangement of the signing area."""
    column = (A4[0] - 2 * MARGIN) / 2
    slot_width = column - 12 * mm
    left: list[Flowable] = []
    for slot in document.party_slots:
        left.extend([signature_slot(slot, images, styles, slot_width), Spacer(1, 6)])
    right: list[Flowable] = []
    for slot in document.mediator_slots:
        right.extend([signature_slot(slot, images, styles, slot_width), Spacer(1, 6)])
    right.extend(
        [
            Spacer(1, 10),
            Paragraph(markup(document.committee_line), styles.right),
            Paragraph(markup(document.date_line), styles.right),
        ]
    )
    table = Table([[left, right]], colWidths=[column, column])
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


def agreement_story(
    document: AgreementDocument, images: Mapping[str, bytes], styles: AgreementStyles
) -> list[Flowable]:
    """The agreement's flowables, for its own PDF or inside the case file."""
    story: list[Flowable] = [
        Paragraph(markup(document.title), styles.title),
        Paragraph(markup(document.number_line), styles.number),
    ]
    story.extend(Paragraph(markup(notice), styles.notice) for notice in document.notices)
    for section in document.sections:
        story.append(Paragraph(markup(f"{section.number}、{section.heading}"), styles.heading))
        story.extend(Paragraph(markup(text), styles.body) for text in section.paragraphs)
    # The closing words stay with the signatures: a signature page never
    # stands alone, apart from the text it signs.
    story.append(Spacer(1, 4))
    closing = [
        Paragraph(markup(document.closing), styles.body),
        Spacer(1, 10),
        _signature_block(document, images, styles),
    ]
    story.append(KeepTogether(closing))
    return story


def draw_agreement_footer(canvas: Any, doc: Any, document: AgreementDocument, font: str) -> None:
    """The seal lines, page number and QR code at the foot of an agreement's page."""
    width, _ = A4
    canvas.saveState()
    top = MARGIN + FOOTER_HEIGHT - 6 * mm
    canvas.setStrokeColor(colors.lightgrey)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, top, width - MARGIN, top)
    canvas.setFillColor(colors.dimgrey)
    canvas.setFont(font, 7.5)
    y = top - 5 * mm
    for line in document.seal_lines:
        canvas.drawString(MARGIN, y, line)
        y -= 4 * mm
    canvas.drawString(MARGIN, y, f"第 {doc.page} 页")
    if document.reference is not None:
        widget = QrCodeWidget(document.reference, barLevel="M")
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


def _check_images(document: AgreementDocument, images: Mapping[str, bytes]) -> None:
    wanted = [
        slot.sha256
        for slot in (*document.party_slots, *document.mediator_slots)
        if slot.sha256 is not None
    ]
    missing = [sha for sha in wanted if sha not in images]
    if missing:
        raise SignatureImageError("signature images are missing", missing)
    wrong = [sha for sha in wanted if hashlib.sha256(images[sha]).hexdigest() != sha]
    if wrong:
        raise SignatureImageError("signature images do not hash to their sealed SHA-256", wrong)


def render_agreement_pdf(document: AgreementDocument, images: Mapping[str, bytes]) -> bytes:
    """The agreement as PDF bytes; ``images`` maps each signature's SHA-256
    to the image bytes (PNG or JPEG). Raises ``SignatureImageError`` when an
    image is missing or is not the one that was sealed: a printout must
    never show another image than the one signed."""
    _check_images(document, images)
    out = io.BytesIO()
    with document_font(_all_text(document)) as font:
        styles = AgreementStyles(font)
        pdf = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + FOOTER_HEIGHT,
            title=document.title,
            author=document.committee_line.removesuffix("（印）"),
            subject=document.reference or "draft",
            keywords=document.reference or "",
            creator=PRODUCER,
            producer=PRODUCER,
            invariant=1,
        )

        def footer(canvas: Any, doc: Any) -> None:
            draw_agreement_footer(canvas, doc, document, font)

        pdf.build(
            agreement_story(document, images, styles), onFirstPage=footer, onLaterPages=footer
        )
    return out.getvalue()
