"""The agreement PDF as the device prints it offline: reproducible, never
with another signature image than the sealed one, Chinese embedded, and a
machine-readable reference to the sealed record."""

import hashlib
import io
import random
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image, ImageDraw

from shared_documents.agreement_pdf import SignatureImageError, render_agreement_pdf
from shared_documents.cjk_font import FONT_NAME
from shared_models.agreement_text import agreement_document, agreement_reference
from shared_models.domain.agreements import AgreementFields
from shared_models.sealing import seal_agreement

AGREEMENT = uuid.UUID("5b0d3c1e-1f1a-4a53-9a0e-0f5e2a7c9d11")


def png(seed: str) -> bytes:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    rng = random.Random(seed)
    points = [(10 + i * 14, 50 + rng.randint(-35, 35)) for i in range(20)]
    ImageDraw.Draw(image).line(points, fill=(0, 0, 80, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sealed(names: tuple[str, str] = ("李某", "张某"), facts: str = "煤棚被损坏。") -> Any:
    images = {hashlib.sha256(png(n)).hexdigest(): png(n) for n in (*names, "王桂兰")}
    hashes = list(images)
    roles = ("party", "party", "mediator")
    signatures = [
        {
            "signer_role": role,
            "signer_name": name,
            "attachment_id": str(uuid.UUID(int=index + 1)),
            "sha256": hashes[index],
            "signed_at": "2026-11-28T02:00:00Z",
        }
        for index, (role, name) in enumerate(zip(roles, (*names, "王桂兰"), strict=True))
    ]
    agreement = AgreementFields.model_validate(
        {
            "case_id": str(uuid.UUID(int=99)),
            "committee_name": "百家村人民调解委员会",
            "mediator_name": "王桂兰",
            "parties": [
                {"role": "applicant", "name": names[0]},
                {"role": "respondent", "name": names[1]},
            ],
            "facts": facts,
            "obligations": [{"obligor": names[1], "action": "赔偿800元"}],
            "performance_deadline": "2026-12-31",
            "signatures": signatures,
        }
    )
    return seal_agreement(agreement, datetime(2026, 11, 28, 2, 0, tzinfo=UTC)), images


# reportlab writes the document information and the page tree as plain,
# uncompressed objects, so two patterns read them; a PDF library would be a
# server-only dependency, and these tests run where only the app's are installed.
_KEYWORDS = re.compile(rb"/Keywords \(([^)]*)\)")
_PAGE_COUNT = re.compile(rb"/Count (\d+)")


def keywords(pdf: bytes) -> str:
    found = _KEYWORDS.findall(pdf)
    assert len(found) <= 1
    return found[0].decode("ascii") if found else ""


def page_count(pdf: bytes) -> int:
    (count,) = _PAGE_COUNT.findall(pdf)  # one page tree: reportlab never nests them
    return int(count)


def test_the_same_record_prints_the_same_bytes() -> None:
    agreement, images = sealed()
    document = agreement_document(AGREEMENT, agreement)

    first = render_agreement_pdf(document, images)
    second = render_agreement_pdf(document, dict(reversed(images.items())))

    assert first == second
    assert first.startswith(b"%PDF-")
    assert keywords(first) == agreement_reference(AGREEMENT, agreement.content_hash)
    assert FONT_NAME.encode() in first  # the Chinese font is embedded


def test_a_character_outside_the_bundled_font_uses_the_fallback_font() -> None:
    common, _ = sealed()
    rare, rare_images = sealed(names=("李某", "张堃"))

    with_common = render_agreement_pdf(agreement_document(AGREEMENT, common), sealed()[1])
    with_rare = render_agreement_pdf(agreement_document(AGREEMENT, rare), rare_images)

    assert b"STSong-Light" not in with_common
    assert b"STSong-Light" in with_rare


def test_an_image_that_is_not_the_sealed_one_is_never_printed() -> None:
    agreement, images = sealed()
    document = agreement_document(AGREEMENT, agreement)
    first = next(iter(images))
    swapped = {**images, first: png("someone else")}
    missing = {sha: data for sha, data in images.items() if sha != first}

    with pytest.raises(SignatureImageError, match="do not hash") as wrong:
        render_agreement_pdf(document, swapped)
    with pytest.raises(SignatureImageError, match="missing") as absent:
        render_agreement_pdf(document, missing)

    assert wrong.value.sha256 == [first]
    assert absent.value.sha256 == [first]


def test_a_long_agreement_runs_onto_more_pages() -> None:
    agreement, images = sealed(facts="\n".join(["双方因煤棚修缮费用发生争执，多次协商未果。"] * 60))

    pdf = render_agreement_pdf(agreement_document(AGREEMENT, agreement), images)

    assert page_count(pdf) >= 2


def test_a_draft_prints_without_a_reference() -> None:
    agreement, _ = sealed()
    unsigned = AgreementFields.model_validate(
        {
            **agreement.model_dump(mode="json"),
            "status": "draft",
            "signatures": [],
            "signed_at": None,
            "content_hash": None,
        }
    )

    pdf = render_agreement_pdf(agreement_document(AGREEMENT, unsigned), {})

    assert keywords(pdf) == ""
    assert page_count(pdf) == 1
