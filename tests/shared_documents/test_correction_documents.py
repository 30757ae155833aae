"""The printed records of community correction: the entry and release
announcement records and the release certificate, as the officer's phone
prints them offline — reproducible, Chinese embedded, a reference back to
the record, and never with another signature than the one recorded."""

import hashlib
import io
import random
import re
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PIL import Image, ImageDraw

from shared_documents.agreement_pdf import SignatureImageError
from shared_documents.announcement_pdf import (
    AnnouncementKind,
    AnnouncementRecord,
    announcement_reference,
    items_read,
    render_announcement_pdf,
)
from shared_documents.cjk_font import FONT_NAME
from shared_documents.record_layout import SignedImage
from shared_documents.release_certificate_pdf import (
    ReleaseCertificate,
    body_paragraphs,
    release_reference,
    render_release_certificate_pdf,
)
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.event_content import AnnouncementItem
from shared_models.domain.people import Gender
from shared_models.domain.subjects import CorrectionType

ENTRY = (
    AnnouncementItem.JUDGMENT,
    AnnouncementItem.TERM,
    AnnouncementItem.RULES,
    AnnouncementItem.RIGHTS,
    AnnouncementItem.TEAM,
    AnnouncementItem.CONSEQUENCES,
)
RELEASE = (AnnouncementItem.ASSESSMENT, AnnouncementItem.CERTIFICATE)
RECORD = uuid.UUID("0c9a3f52-7d1e-4b8a-9f0e-3a1d2c4b5e61")
_KEYWORDS = re.compile(rb"/Keywords \(([^)]*)\)")
_PAGE_COUNT = re.compile(rb"/Count (\d+)")


def signature(seed: str = "赵建国") -> SignedImage:
    image = Image.new("RGBA", (680, 340), (255, 255, 255, 0))
    rng = random.Random(seed)
    points = [(20 + i * 30, 170 + rng.randint(-90, 90)) for i in range(22)]
    ImageDraw.Draw(image).line(points, fill=(20, 24, 82, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()
    return SignedImage(hashlib.sha256(data).hexdigest(), data)


def entry_record(**changes: object) -> AnnouncementRecord:
    record = AnnouncementRecord(
        kind=AnnouncementKind.ENTRY,
        record_id=RECORD,
        subject_name="赵建国",
        gender=Gender.MALE,
        id_number="110101198001011234",
        correction_type=CorrectionType.SUSPENDED_SENTENCE,
        term_start=date(2026, 12, 1),
        term_end=date(2028, 11, 30),
        decided_by="复兴区人民法院",
        held_on=date(2026, 12, 7),
        place="百家司法所宣告室",
        announcer="刘志强",
        office="复兴区司法局百家司法所",
        present=("社区矫正工作人员 刘志强", "矫正小组成员（村委会）王桂兰", "家属 赵丽"),
        items_read=items_read(ENTRY, CorrectionType.SUSPENDED_SENTENCE),
        signature=signature(),
        signed_at=datetime(2026, 12, 7, 2, 45, tzinfo=UTC),
        number="（2026）复司矫宣字第12号",
    )
    return replace(record, **changes)  # type: ignore[arg-type]


def certificate(**changes: object) -> ReleaseCertificate:
    found = ReleaseCertificate(
        record_id=RECORD,
        number="（2028）复司矫解字第3号",
        subject_name="赵建国",
        gender=Gender.MALE,
        birth_date=date(1980, 1, 1),
        id_number="110101198001011234",
        residence="复兴区百家村三组12号",
        offence="盗窃",
        decided_by="复兴区人民法院",
        decided_on=date(2026, 11, 20),
        decision_number="（2026）复刑初字第88号刑事判决书",
        sentence="判处有期徒刑一年，缓刑二年",
        correction_type=CorrectionType.SUSPENDED_SENTENCE,
        supervised_at="复兴区司法局百家司法所",
        term_start=date(2026, 12, 1),
        term_end=date(2028, 11, 30),
        issuer="复兴区社区矫正管理局",
        issued_on=date(2028, 11, 30),
    )
    return replace(found, **changes)  # type: ignore[arg-type]


def keywords(pdf: bytes) -> str:
    (found,) = _KEYWORDS.findall(pdf)
    return bytes(found).decode("ascii")


def page_count(pdf: bytes) -> int:
    (count,) = _PAGE_COUNT.findall(pdf)
    return int(count)


def test_an_announcement_record_prints_the_same_bytes_with_its_reference() -> None:
    first = render_announcement_pdf(entry_record(), DEFAULT_ZONE)
    second = render_announcement_pdf(entry_record(), DEFAULT_ZONE)

    assert first == second
    assert first.startswith(b"%PDF-")
    assert keywords(first) == announcement_reference(RECORD)
    assert FONT_NAME.encode() in first
    assert page_count(first) == 1


def test_a_signature_that_is_not_the_recorded_one_is_never_printed() -> None:
    recorded = signature()
    swapped = SignedImage(recorded.sha256, signature("someone else").data)

    with pytest.raises(SignatureImageError, match="signature") as refused:
        render_announcement_pdf(entry_record(signature=swapped), DEFAULT_ZONE)

    assert refused.value.sha256 == [recorded.sha256]


def test_an_unsigned_record_prints_a_space_to_sign_by_hand() -> None:
    pdf = render_announcement_pdf(entry_record(signature=None, signed_at=None), DEFAULT_ZONE)

    assert page_count(pdf) == 1


def test_a_release_announcement_reads_what_the_end_means_for_the_kind_of_correction() -> None:
    parole = items_read(RELEASE, CorrectionType.PAROLE)
    record = entry_record(kind=AnnouncementKind.RELEASE, items_read=parole)

    pdf = render_announcement_pdf(record, DEFAULT_ZONE)

    assert "假释考验期满" in parole[-1]
    assert items_read(RELEASE, CorrectionType.CONTROL)[-1].endswith("解除管制")
    assert len(items_read(ENTRY, CorrectionType.CONTROL)) == len(ENTRY)
    assert page_count(pdf) == 1


def test_a_rare_name_character_is_drawn_in_the_fallback_font() -> None:
    common = render_announcement_pdf(entry_record(), DEFAULT_ZONE)
    rare = render_announcement_pdf(entry_record(subject_name="赵堃"), DEFAULT_ZONE)

    assert b"STSong-Light" not in common
    assert b"STSong-Light" in rare


def test_the_certificate_says_who_what_when_and_that_the_correction_ends() -> None:
    paragraphs = body_paragraphs(certificate())

    assert paragraphs[0].startswith("社区矫正对象赵建国，男，1980年1月1日出生")
    assert "因犯盗窃罪" in paragraphs[1]  # 罪 added once
    assert "2026年12月1日起至2028年11月30日止" in paragraphs[1]
    assert paragraphs[2] == "现社区矫正期满，依法解除社区矫正。"
    assert "因犯盗窃罪，" in body_paragraphs(certificate(offence="盗窃罪"))[1]
    assert "判决书判处有期徒刑一年" in body_paragraphs(certificate(sentence="有期徒刑一年"))[1]


def test_the_certificate_prints_the_same_bytes_on_one_page_with_its_stub() -> None:
    first = render_release_certificate_pdf(certificate())

    assert first == render_release_certificate_pdf(certificate())
    assert keywords(first) == release_reference(RECORD)
    assert page_count(first) == 1
    assert page_count(render_release_certificate_pdf(certificate(birth_date=None))) == 1
