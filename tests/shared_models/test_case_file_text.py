"""A case's records laid out as its case file: the cover from the case and
its forms, documents in the standard order, photos with their owners, the
signed agreement in its own layout, the notes naming what is missing."""

import uuid
from dataclasses import replace
from datetime import date

from shared_models.case_file import FILE_ORDER, FileItem, image_hashes
from shared_models.case_file_text import case_file
from shared_models.domain.attachments import AttachmentFields
from tests.shared_models.case_file_records import CASE, closed_case, document


def test_the_cover_and_the_order_of_a_closed_case() -> None:
    records = closed_case(photos=2)

    built = case_file(CASE, records.sources())

    cover = built.cover
    assert cover.case_number == "（2026）百家人调字第12号"
    assert cover.received_on == date(2026, 11, 3)
    assert cover.closed_on == date(2027, 1, 30)
    assert cover.retention == "长期"
    items = [document.item for document in built.documents]
    assert items == sorted(items, key=FILE_ORDER.index)
    titles = [document.title for document in built.documents]
    assert titles[:2] == ["人民调解申请书", "人民调解受理登记表"]
    assert titles[-1] == "卷内备考表"
    assert {e.label: e.value for e in built.documents[-1].entries}["本卷情况说明"] == (
        "本卷材料齐全。"
    )


def test_photos_go_with_their_owner_and_every_image_is_named() -> None:
    records = closed_case(photos=2)

    built = case_file(CASE, records.sources())

    by_item = {d.item: d for d in built.documents if d.photos}
    assert set(by_item) == {FileItem.INVESTIGATION, FileItem.EVIDENCE}
    agreement = next(d.agreement for d in built.documents if d.agreement is not None)
    assert agreement.content_hash is not None
    assert set(image_hashes(built)) == set(records.images)


def test_the_notes_name_what_is_missing_and_what_could_not_be_printed() -> None:
    records = closed_case(photos=0).without("mediation_session")
    pdf_scan = AttachmentFields.model_validate(
        {
            "owner_table": "cases",
            "owner_id": str(CASE),
            "kind": "document",
            "sha256": "a" * 64,
            "size": 10,
            "mime": "application/pdf",
            "caption": "收据",
        }
    )
    records = replace(records, attachments=[(uuid.uuid4(), pdf_scan)])

    notes = case_file(CASE, records.sources()).documents[-1]

    lines = {entry.label: entry.value for entry in notes.entries}
    assert lines["本卷情况说明"] == "缺少调解记录"
    assert lines["未打印的附件"].startswith("收据")


def test_a_late_application_for_judicial_confirmation_is_noted_on_the_file() -> None:
    agreement = str(uuid.UUID(int=7))  # sealed on 2026-11-28: the window closed on 12-28
    applied = {"agreement_id": agreement, "court": "复兴区人民法院", "applicants": ["李某", "张某"]}
    ruling = {"agreement_id": agreement, "court": "复兴区人民法院", "outcome": "confirmed"}
    records = closed_case(photos=0)

    def notes(applied_on: str) -> dict[str, str]:
        papers = [
            document("judicial_application", {**applied, "applied_on": applied_on}, 5, 1),
            document("judicial_ruling", {**ruling, "ruled_on": "2027-01-20"}, 20, 1),
        ]
        more = replace(
            records, documents=[*records.documents, *((uuid.uuid4(), p) for p in papers)]
        )
        last = case_file(CASE, more.sources()).documents[-1]
        return {entry.label: entry.value for entry in last.entries}

    assert "司法确认" not in notes("2026-12-28")
    late = notes("2027-01-05")
    assert late["本卷情况说明"] == "本卷材料齐全。"  # late is not missing: the court decided
    assert late["司法确认"].startswith("于2027年1月5日申请，已过2026年12月28日届满的申请期限")
