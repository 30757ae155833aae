"""The mediation case file (调解卷宗) as data: what it holds, in which order.

Inspectors score a committee on its case files, and a file is read in the
standard order (WORKFLOWS.md §1, "Case file"): cover and table of contents,
then the application or acceptance registration, the rights-and-duties
notice, identity proofs, powers of attorney, investigation records,
evidence, mediation records, the agreement (or the oral agreement's
registration, or the termination), proof of performance, follow-up
records, the judicial-confirmation papers and the notes on the file.

The phone (printing offline) and the server (the supervisor's download)
build the same ``CaseFile`` from the same records
(``shared_models.case_file_text``) and ``shared_documents.case_file_pdf``
only draws it, so both print the same pages. Everything here is plain
text already worded for the page: the renderer makes no decisions.
"""

from datetime import date
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

from shared_models.agreement_text import AgreementDocument, SignatureSlot


class FileItem(StrEnum):
    """The parts of a case file, declared in the standard order."""

    APPLICATION = "application"
    """申请书 or 受理登记表 (also a refusal to accept, 不予受理)."""
    NOTICE = "notice"
    IDENTITY = "identity"
    POWER_OF_ATTORNEY = "power_of_attorney"
    INVESTIGATION = "investigation"
    EVIDENCE = "evidence"
    SESSION = "session"
    RESULT = "result"
    """The written agreement, the oral agreement's registration, or the termination."""
    PERFORMANCE = "performance"
    FOLLOW_UP = "follow_up"
    JUDICIAL = "judicial"
    NOTES = "notes"
    """The closing report, referrals and the file's own notes (卷内备考)."""


FILE_ORDER: Final = tuple(FileItem)
"""Where each part goes: a document of an earlier item is filed first."""

ITEM_TITLES: Final = {
    FileItem.APPLICATION: "申请书 / 受理登记表",
    FileItem.NOTICE: "权利义务告知书",
    FileItem.IDENTITY: "当事人身份证明",
    FileItem.POWER_OF_ATTORNEY: "授权委托书",
    FileItem.INVESTIGATION: "调查记录",
    FileItem.EVIDENCE: "证据材料",
    FileItem.SESSION: "调解记录",
    FileItem.RESULT: "调解协议书 / 口头协议登记表 / 终止调解",
    FileItem.PERFORMANCE: "履行凭证",
    FileItem.FOLLOW_UP: "回访记录",
    FileItem.JUDICIAL: "司法确认材料",
    FileItem.NOTES: "结案报告及卷内备考",
}
"""The heading each part has in the standard list (the file's contents use
each document's own title)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FileEntry(_Frozen):
    """One labelled line of a form: ``申请人`` — ``张三，女，汉族，……``."""

    label: str
    value: str


class FilePhoto(_Frozen):
    """An image filed with a document: evidence, an identity card, a court
    ruling, a receipt. ``sha256`` names the blob; the renderer is handed
    the bytes."""

    sha256: str
    caption: str = ""


class FileDocument(_Frozen):
    """One document of the file, as a form: its title, its lines, who
    signed it and the images filed with it. The sealed agreement is printed
    in its own layout (``agreement``), with its hash and QR code."""

    item: FileItem
    title: str
    day: date | None = None
    entries: tuple[FileEntry, ...] = ()
    signatures: tuple[SignatureSlot, ...] = ()
    photos: tuple[FilePhoto, ...] = ()
    agreement: AgreementDocument | None = None


class FileCover(_Frozen):
    """What the cover (卷宗封面) states."""

    committee: str
    case_number: str
    dispute_name: str
    mediator: str
    received_on: date | None
    closed_on: date | None
    filed_by: str
    filed_on: date | None
    retention: str
    """The archival form's, else the district's (``MediationSettings.file_retention``)."""


class CaseFile(_Frozen):
    """The whole file: the cover and the documents in the standard order,
    the last one the notes on the file (卷内备考表) with what the
    completeness check found missing."""

    cover: FileCover
    documents: tuple[FileDocument, ...]
    missing: tuple[str, ...] = ()


def in_file_order(documents: list[FileDocument]) -> tuple[FileDocument, ...]:
    """``documents`` in the standard order; within an item, by day (undated last),
    keeping the given order among equals."""
    rank = {item: index for index, item in enumerate(FILE_ORDER)}
    return tuple(
        sorted(
            documents,
            key=lambda d: (rank[d.item], d.day is None, d.day or date.min),
        )
    )


def image_hashes(case_file: CaseFile) -> list[str]:
    """Every image the file prints (photos and signatures), each once, in
    print order: what a side gathers before rendering."""
    found: dict[str, None] = {}
    for document in case_file.documents:
        slots = list(document.signatures)
        if document.agreement is not None:
            slots += [*document.agreement.party_slots, *document.agreement.mediator_slots]
        found.update((slot.sha256, None) for slot in slots if slot.sha256 is not None)
        found.update((photo.sha256, None) for photo in document.photos)
    return list(found)
