"""The release certificate (解除社区矫正证明书).

At the end of the term the correction body gives the subject a certificate
that the correction is over (社区矫正法 art. 44; 实施办法 art. 54): who, for
what offence and sentence, by which decision, where and from when to when
they were supervised, and that the correction ends by law. The page also
holds the stub (存根) the office keeps, below a cut line, with the number,
the day and the receiver's signature line, as the printed forms have it.

Printed on the officer's phone offline at the release announcement, and by
the district from the synced record: the same words from the same record.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final
from uuid import UUID

from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from shared_documents.correction_words import CORRECTION_TYPE_WORDS, GENDER_WORDS
from shared_documents.record_layout import (
    TEXT_WIDTH,
    RecordStyles,
    paragraph,
    particulars,
    render_record,
)
from shared_models.agreement_text import chinese_date
from shared_models.domain.people import Gender
from shared_models.domain.subjects import CorrectionType

TITLE: Final = "解除社区矫正证明书"
REFERENCE_PREFIX: Final = "lastmile-release:"
DEFAULT_COPIES_TO: Final = ("社区矫正决定机关", "执行地县级人民检察院", "执行地县级公安机关")
"""Who is told in writing (实施办法 art. 54)."""
CUT_LINE: Final = "沿此线裁开，以下为存根"


@dataclass(frozen=True)
class ReleaseCertificate:
    """A release, in the words the certificate prints."""

    record_id: UUID
    number: str
    """The certificate's number, e.g. （2026）复司矫解字第3号."""
    subject_name: str
    gender: Gender
    birth_date: date | None
    id_number: str
    residence: str
    """Where the subject lives (居住地)."""
    offence: str
    """The offence as the judgment names it (e.g. 盗窃罪)."""
    decided_by: str
    decided_on: date | None
    decision_number: str
    sentence: str
    """What was imposed, as the judgment says (判处有期徒刑一年，缓刑二年)."""
    correction_type: CorrectionType
    supervised_at: str
    """The judicial office the subject reported to."""
    term_start: date
    term_end: date
    issuer: str
    """The correction body that issues the certificate (its seal goes here)."""
    issued_on: date
    copies_to: Sequence[str] = DEFAULT_COPIES_TO


def release_reference(record_id: UUID) -> str:
    """The text of the QR code and the PDF's keywords: leads back to the release."""
    return f"{REFERENCE_PREFIX}{record_id}"


def _offence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith("罪") else f"{text}罪"


def body_paragraphs(certificate: ReleaseCertificate) -> tuple[str, ...]:
    """The certificate's text, one string a paragraph (the app shows the same words)."""
    c = certificate
    person = [f"社区矫正对象{c.subject_name}"]
    if GENDER_WORDS[c.gender]:
        person.append(GENDER_WORDS[c.gender])
    if c.birth_date is not None:
        person.append(f"{chinese_date(c.birth_date)}出生")
    person.append(f"身份证号码{c.id_number}")
    if c.residence:
        person.append(f"居住地{c.residence}")
    decision = c.decided_by
    if c.decided_on is not None:
        decision += f"于{chinese_date(c.decided_on)}"
    if c.decision_number:
        decision += f"以{c.decision_number}"
    offence = _offence(c.offence)
    kind = CORRECTION_TYPE_WORDS[c.correction_type]
    sentence = c.sentence.strip()
    if sentence and not sentence.startswith(("判处", "判决", "裁定", "决定")):
        sentence = f"判处{sentence}"
    return (
        "，".join(person) + "。",
        f"该人因犯{offence}，经{decision}{sentence}，依法实行社区矫正（{kind}），"
        f"自{chinese_date(c.term_start)}起在{c.supervised_at}接受社区矫正，"
        f"社区矫正期限自{chinese_date(c.term_start)}起至{chinese_date(c.term_end)}止。",
        "现社区矫正期满，依法解除社区矫正。",
        "特此证明。",
    )


def _stub(certificate: ReleaseCertificate, styles: RecordStyles) -> list[Flowable]:
    c = certificate
    rows = [
        ("编号", c.number or "（未编号）"),
        ("社区矫正对象", c.subject_name),
        ("身份证号码", c.id_number),
        ("矫正类别", CORRECTION_TYPE_WORDS[c.correction_type]),
        ("矫正期限", f"{chinese_date(c.term_start)}至{chinese_date(c.term_end)}"),
        ("执行地", c.supervised_at),
        ("签发日期", chinese_date(c.issued_on)),
        ("领取人签名", ""),
    ]
    return [
        paragraph(f"{TITLE}（存根）", styles.heading),
        particulars(rows, styles),
        Spacer(1, 4),
        paragraph(f"抄送：{'、'.join(c.copies_to)}", styles.small),
    ]


def _story(certificate: ReleaseCertificate, styles: RecordStyles) -> list[Flowable]:
    c = certificate
    story: list[Flowable] = [
        paragraph(TITLE, styles.title),
        paragraph(c.number, styles.number),
        Spacer(1, 10),
    ]
    story += [paragraph(text, styles.body) for text in body_paragraphs(c)]
    story += [
        Spacer(1, 22),
        paragraph(f"{c.issuer}（公章）", styles.right),
        paragraph(chinese_date(c.issued_on), styles.right),
        Spacer(1, 14),
    ]
    cut = Table([[paragraph(CUT_LINE, styles.small_centre)]], colWidths=[TEXT_WIDTH])
    cut.setStyle(TableStyle([("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.grey, None, (3, 3))]))
    story.append(cut)
    story += _stub(c, styles)
    return story


def _all_text(certificate: ReleaseCertificate) -> str:
    c = certificate
    return "".join(
        [
            *body_paragraphs(c),
            c.number,
            c.issuer,
            chinese_date(c.issued_on),
            CUT_LINE,
            "（公章）（存根）（未编号）编号社区矫正对象身份证号码矫正类别矫正期限执行地",
            "签发日期领取人签名抄送：、至",
            *c.copies_to,
            c.supervised_at,
            chinese_date(c.term_start),
            chinese_date(c.term_end),
        ]
    )


def render_release_certificate_pdf(certificate: ReleaseCertificate) -> bytes:
    """The certificate (and its stub) as PDF bytes; reproducible."""
    return render_record(
        title=TITLE,
        author=certificate.issuer,
        reference=release_reference(certificate.record_id),
        foot_lines=[f"记录编号 {certificate.record_id}"],
        text=_all_text(certificate),
        story=lambda styles: _story(certificate, styles),
    )
