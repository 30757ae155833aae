"""A case's records laid out as its case file (``case_file.CaseFile``).

Both sides gather the same records of one case — the case, its parties,
forms (``case_documents``), visits recorded before the forms existed,
agreements and the attachments of all of these — into ``CaseFileSources``,
and ``case_file`` turns them into the file: the cover, each document in the
standard order with its signatures and images, the parties' identity proofs,
the evidence photos, every signed agreement in its own layout, and the notes
on the file (卷内备考表) listing what the completeness check found missing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Final
from uuid import UUID

from shared_models.agreement_text import (
    ROLE_LABELS,
    SignatureSlot,
    agreement_document,
    chinese_date,
)
from shared_models.case_file import (
    CaseFile,
    FileCover,
    FileDocument,
    FileEntry,
    FileItem,
    FilePhoto,
    in_file_order,
)
from shared_models.case_file_check import file_gaps, gap_text
from shared_models.case_file_forms import ITEMS, RETENTION, TITLES, form_day, form_entries
from shared_models.district_time import district_day, wall_clock
from shared_models.domain.agreements import (
    AgreementFields,
    AgreementStatus,
    SignatureRef,
    SignerRole,
)
from shared_models.domain.attachments import AttachmentFields, AttachmentKind
from shared_models.domain.case_documents import CaseDocumentFields
from shared_models.domain.case_forms import AcceptanceForm, ArchivalForm
from shared_models.domain.case_lifecycle import MediationSettings, facts_of
from shared_models.domain.cases import CaseFields, PartyFields
from shared_models.domain.judicial_window import judicial_window
from shared_models.domain.visits import VisitFields, VisitKind

PRINTED_KINDS: Final = frozenset({AttachmentKind.PHOTO, AttachmentKind.DOCUMENT})
"""Attachments filed as images (signatures print in their slots)."""
IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png"})
"""What the PDF library draws; another type is listed by its caption only."""

_VISITS: Final = {
    VisitKind.MEDIATION_SESSION: (FileItem.SESSION, "调解记录"),
    VisitKind.INVESTIGATION: (FileItem.INVESTIGATION, "调查记录"),
    VisitKind.HOME_VISIT: (FileItem.INVESTIGATION, "走访记录"),
    VisitKind.FOLLOW_UP: (FileItem.FOLLOW_UP, "回访记录"),
}


@dataclass(frozen=True)
class CaseFileSources:
    """Everything one case's file is made of; each record with its id."""

    case: CaseFields
    parties: Sequence[tuple[UUID, PartyFields]]
    documents: Sequence[tuple[UUID, CaseDocumentFields]]
    visits: Sequence[tuple[UUID, VisitFields]]
    agreements: Sequence[tuple[UUID, AgreementFields]]
    attachments: Sequence[tuple[UUID, AttachmentFields]]
    """Of the case, its documents, visits and agreements (their ``owner_id``)."""
    committee_name: str
    mediator_name: str
    today: date
    zone: tzinfo
    settings: MediationSettings


class _Builder:
    def __init__(self, sources: CaseFileSources) -> None:
        self.sources = sources
        self.zone = sources.zone
        self.names = dict(sources.parties)
        self.photos: dict[UUID, list[FilePhoto]] = {}
        self.unprinted: list[str] = []
        """Attachments that are not images (a PDF): named in the notes."""
        for _, attachment in sorted(
            sources.attachments,
            key=lambda pair: (pair[1].taken_at is None, pair[1].taken_at, pair[1].sha256),
        ):
            if attachment.kind not in PRINTED_KINDS:
                continue
            caption = self.caption(attachment)
            if attachment.mime in IMAGE_TYPES:
                photo = FilePhoto(sha256=attachment.sha256, caption=caption)
                self.photos.setdefault(attachment.owner_id, []).append(photo)
            else:
                self.unprinted.append(f"{caption or attachment.mime}（{attachment.sha256[:12]}）")

    def caption(self, attachment: AttachmentFields) -> str:
        if attachment.taken_at is None:
            return attachment.caption
        local = wall_clock(attachment.taken_at, self.zone)
        return f"{attachment.caption}（{local:%Y-%m-%d %H:%M}）".lstrip()

    def printable(self, owner: UUID) -> tuple[FilePhoto, ...]:
        return tuple(self.photos.get(owner, []))

    def slot(self, signature: SignatureRef) -> SignatureSlot:
        if signature.signer_role is SignerRole.MEDIATOR:
            label = "人民调解员"
        else:
            party = self.names.get(signature.party_id) if signature.party_id else None
            label = ROLE_LABELS[party.role] if party is not None else "当事人"
        local = wall_clock(signature.signed_at, self.zone)
        return SignatureSlot(
            label=label,
            signer_name=signature.signer_name,
            kind=signature.kind,
            sha256=signature.sha256,
            signed_at=f"{local:%Y-%m-%d %H:%M}",
        )

    def form(self, document_id: UUID, document: CaseDocumentFields) -> FileDocument:
        return FileDocument(
            item=ITEMS[document.kind],
            title=TITLES[document.kind],
            day=form_day(document.content, self.zone)
            or district_day(document.recorded_at, self.zone),
            entries=form_entries(document.content, self.zone),
            signatures=tuple(self.slot(s) for s in document.signatures),
            photos=self.printable(document_id),
        )

    def visit(self, visit_id: UUID, visit: VisitFields) -> FileDocument | None:
        placed = _VISITS.get(visit.kind)
        if placed is None:
            return None
        local = wall_clock(visit.started_at, self.zone)
        entries = [
            ("时间", f"{local:%Y-%m-%d %H:%M}"),
            ("情况", visit.notes),
            ("结果", visit.outcome),
        ]
        return FileDocument(
            item=placed[0],
            title=placed[1],
            day=local.date(),
            entries=tuple(FileEntry(label=k, value=v) for k, v in entries if v),
            photos=self.printable(visit_id),
        )

    def identity(self) -> FileDocument | None:
        if not self.sources.parties:
            return None
        entries = []
        for _, party in self.sources.parties:
            proof = (
                f"公民身份号码：{party.id_number}" if party.id_number else "（未记录身份证件号码）"
            )
            label = f"{ROLE_LABELS[party.role]}：{party.name}"
            entries.append(FileEntry(label=label, value=proof))
        return FileDocument(item=FileItem.IDENTITY, title="当事人身份证明", entries=tuple(entries))

    def agreements(self) -> list[FileDocument]:
        found = []
        for agreement_id, agreement in self.sources.agreements:
            if agreement.status is not AgreementStatus.SIGNED or agreement.signed_at is None:
                continue
            found.append(
                FileDocument(
                    item=FileItem.RESULT,
                    title="人民调解协议书",
                    day=district_day(agreement.signed_at, self.zone),
                    agreement=agreement_document(
                        agreement_id, agreement, self.zone, self.sources.case.case_number
                    ),
                    photos=self.printable(agreement_id),
                )
            )
        return found

    def notes(self, filed_by: str) -> FileDocument:
        sources = self.sources
        gaps = file_gaps(
            sources.case,
            sources.parties,
            sources.documents,
            sources.agreements,
            sources.today,
            sources.zone,
            sources.settings,
        )
        found = "；".join(gap_text(gap) for gap in gaps) if gaps else "本卷材料齐全。"
        entries = [
            ("本卷情况说明", found),
            ("司法确认", self.judicial_note()),
            ("未打印的附件", "；".join(self.unprinted)),
            ("立卷人", filed_by),
        ]
        return FileDocument(
            item=FileItem.NOTES,
            title="卷内备考表",
            day=sources.today,
            entries=tuple(FileEntry(label=k, value=v) for k, v in entries if v),
        )

    def judicial_note(self) -> str:
        """An application for judicial confirmation made after its window
        closed is filed as made (the court decides) and noted here."""
        sources = self.sources
        facts = facts_of(
            sources.case.status,
            ((party_id, party.name) for party_id, party in sources.parties),
            sources.documents,
            sources.agreements,
            sources.zone,
        )
        window = judicial_window(facts, sources.settings)
        if window is None or not window.late or window.applied_on is None:
            return ""
        return (
            f"于{chinese_date(window.applied_on)}申请，已过{chinese_date(window.last_day)}"
            f"届满的申请期限（协议生效后{window.days}日内），是否受理由人民法院决定"
        )


def case_file(case_id: UUID, sources: CaseFileSources) -> CaseFile:
    """The case file of ``case_id`` from ``sources``."""
    builder = _Builder(sources)
    case = sources.case
    documents = [builder.form(i, d) for i, d in sources.documents]
    documents += [d for d in (builder.visit(i, v) for i, v in sources.visits) if d is not None]
    identity = builder.identity()
    if identity is not None:
        documents.append(identity)
    evidence = builder.printable(case_id)
    if evidence:
        documents.append(FileDocument(item=FileItem.EVIDENCE, title="证据材料", photos=evidence))
    documents += builder.agreements()
    forms = [d.content for _, d in sources.documents]
    archival = next((f for f in forms if isinstance(f, ArchivalForm)), None)
    acceptance = next((f for f in forms if isinstance(f, AcceptanceForm)), None)
    # The case names its mediator; a case without one is signed by them.
    signed = (a.mediator_name for _, a in sources.agreements if a.mediator_name)
    mediator = sources.mediator_name or next(signed, "")
    filed_by = archival.filed_by if archival is not None else mediator
    ordered = in_file_order(documents)
    cover = FileCover(
        committee=sources.committee_name,
        case_number=case.case_number or "（尚未编号）",
        dispute_name=case.title,
        mediator=mediator,
        received_on=acceptance.accepted_on
        if acceptance is not None
        else district_day(case.opened_at, sources.zone),
        closed_on=None if case.closed_at is None else district_day(case.closed_at, sources.zone),
        filed_by=filed_by,
        filed_on=None if archival is None else archival.archived_on,
        retention=RETENTION[archival.retention.value]
        if archival is not None
        else sources.settings.file_retention,
    )
    return CaseFile(cover=cover, documents=(*ordered, builder.notes(filed_by)))
