"""The case file PDF: reproducible, a contents page whose page numbers are
the pages the documents start on, the sealed agreement with its hash, and
never an image other than the recorded one."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from shared_documents.case_file_pdf import render_case_file_pdf
from shared_models.case_file import FileItem, image_hashes
from tests.shared_documents.case_file_sample import jpeg, sample_case_file
from tests.shared_documents.test_agreement_pdf import page_count

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page (``pdftotext`` separates pages with a form feed)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
        ).stdout
    return out.decode().split("\f")[:-1]


def test_the_same_file_prints_the_same_bytes() -> None:
    case_file, images = sample_case_file(photos=2)

    first = render_case_file_pdf(case_file, images)
    second = render_case_file_pdf(case_file, dict(reversed(images.items())))

    assert first == second
    assert first.startswith(b"%PDF-")


def test_the_contents_name_the_page_each_document_starts_on() -> None:
    case_file, images = sample_case_file(photos=5)

    pages = pages_text(render_case_file_pdf(case_file, images))

    assert "人民调解卷宗" in pages[0]
    assert "（2026）百家人调字第12号" in pages[0]
    assert "保管期限" in pages[0]
    assert "长期" in pages[0]
    contents = pages[1]
    assert "卷内目录" in contents
    for document in case_file.documents:
        row = next(line for line in contents.splitlines() if document.title in line)
        start = int(row.split()[-1])
        assert document.title.replace(" ", "") in pages[start - 1].replace(" ", "")
    # Five photos take three pages: the follow-up starts later than with none.
    assert len(pages) == page_count(render_case_file_pdf(case_file, images))


def test_documents_follow_the_standard_order() -> None:
    case_file, _ = sample_case_file(photos=0)

    items = [document.item for document in case_file.documents]

    assert items == sorted(items, key=list(FileItem).index)
    assert items[0] is FileItem.APPLICATION
    assert items[-1] is FileItem.FOLLOW_UP


def test_the_agreement_pages_carry_its_hash() -> None:
    case_file, images = sample_case_file(photos=0)
    agreement = next(d.agreement for d in case_file.documents if d.agreement is not None)
    assert agreement.content_hash is not None

    text = "".join(pages_text(render_case_file_pdf(case_file, images)))

    assert agreement.content_hash in text.replace(" ", "")


def test_a_missing_or_wrong_image_prints_a_note_instead() -> None:
    case_file, images = sample_case_file(photos=2)
    photo, signature = image_hashes(case_file)[-1], image_hashes(case_file)[0]
    damaged = {**images, photo: jpeg(99)}
    del damaged[signature]

    whole = render_case_file_pdf(case_file, images)
    pdf = render_case_file_pdf(case_file, damaged)

    assert "未打印" not in "".join(pages_text(whole))
    signed_with_it = sum(
        slot.sha256 == signature
        for document in case_file.documents
        for slot in (
            *document.signatures,
            *(document.agreement.party_slots if document.agreement else ()),
        )
    )
    assert signed_with_it >= 2  # the applicant signed the application and the notice
    assert "".join(pages_text(pdf)).count("未打印") == signed_with_it + 1
