"""Mediation agreements on the device: drafted from a case, read back,
signed on the screen, sealed offline, corrected by a new version, printed.

The record goes through the same states the server knows. Its terms are
written once they are complete (the unfinished form lives in the drafts
table until then); each signature image is stored as a blob with an
attachment record the agreement owns, then named in ``signatures``; when
everyone has signed, ``seal`` applies the shared rule
(``shared_models.sealing.seal_agreement``), so the hash the device records
is the one the server checks and countersigns. From then on nothing of the
agreement changes (the local store refuses it); a correction is a new agreement
whose ``supersedes_id`` names the sealed one.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Final
from uuid import UUID

from sqlmodel import col

from field_app.errors import SaveRejectedError
from field_app.services.case_steps import check_step
from field_app.services.cases import case_detail
from field_app.services.records import as_record, live, read_rows
from field_app.services.signature_images import SignedBy, store_signature
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalAgreement, LocalOrgUnit
from shared_documents.agreement_pdf import render_agreement_pdf
from shared_models.agreement_text import AgreementDocument, agreement_document
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain import AgreementRecord
from shared_models.domain.agreements import (
    AgreementFields,
    AgreementStatus,
    PartySnapshot,
    SignatureKind,
    SignatureRef,
    SignerRole,
    signing_problems,
)
from shared_models.domain.attachments import AttachmentOwner
from shared_models.domain.case_lifecycle import CaseStep, MediationSettings
from shared_models.integrity import SEALED_AGREEMENT_FIELDS
from shared_models.protocol.auth import UserProfile
from shared_models.protocol.tables import TableName
from shared_models.sealing import NotReadyToSealError, seal_agreement
from shared_models.wire import to_json_value

TERM_FIELDS: Final = tuple(
    name for name in SEALED_AGREEMENT_FIELDS if name not in ("signatures", "signed_at")
)
"""What the drafting form writes; signatures and the seal are written by
``add_signature`` and ``seal`` only."""


class AgreementIncompleteError(SaveRejectedError):
    """What still keeps the agreement from being signed (or sealed), each
    problem as ``"field: what to do"`` (``signing_problems``'s form)."""

    def __init__(self, problems: Sequence[str]) -> None:
        field, _, message = problems[0].partition(": ")
        super().__init__(field or None, message or problems[0])
        self.problems = list(problems)


@dataclass(frozen=True)
class Signer:
    """Who signs at position ``index``: the parties in order, then the mediator."""

    index: int
    role: SignerRole
    name: str
    party_id: UUID | None = None


def content_problems(agreement: AgreementFields) -> list[str]:
    """``signing_problems`` without the missing signatures: what the text lacks."""
    return [p for p in signing_problems(agreement) if not p.startswith("signatures:")]


def signers(agreement: AgreementFields) -> list[Signer]:
    people = [
        Signer(index, SignerRole.PARTY, party.name, party.party_id)
        for index, party in enumerate(agreement.parties)
    ]
    mediator = Signer(len(people), SignerRole.MEDIATOR, agreement.mediator_name)
    return [*people, mediator]


def _key(party_id: UUID | None, name: str) -> str:
    # The matching signing_problems and the printed document use.
    return f"id:{party_id}" if party_id is not None else f"name:{name}"


def assigned_signatures(agreement: AgreementFields) -> list[SignatureRef | None]:
    """Per signer (``signers`` order), the signature that stands for them."""
    unused = [s for s in agreement.signatures if s.signer_role is SignerRole.PARTY]
    found: list[SignatureRef | None] = []
    for party in agreement.parties:
        key = _key(party.party_id, party.name)
        match = next((s for s in unused if _key(s.party_id, s.signer_name) == key), None)
        if match is not None:
            unused.remove(match)
        found.append(match)
    mediator = [s for s in agreement.signatures if s.signer_role is SignerRole.MEDIATOR]
    found.append(mediator[-1] if mediator else None)
    return found


# -- reading ----------------------------------------------------------------------------


def agreement_record(store: LocalStore, agreement_id: UUID) -> AgreementRecord | None:
    record = store.records.get(TableName.AGREEMENTS, agreement_id)
    return None if record is None else as_record(AgreementRecord, record)


def case_agreements(store: LocalStore, case_id: UUID) -> list[AgreementRecord]:
    """The case's agreements, oldest first (a correction after what it corrects)."""
    with store.transaction() as session:
        found = read_rows(
            store,
            session,
            TableName.AGREEMENTS,
            AgreementRecord,
            live(TableName.AGREEMENTS).where(col(LocalAgreement.case_id) == case_id),
        )
    order = {a.id: index for index, a in enumerate(_chain_order(found))}
    return sorted(found, key=lambda a: order[a.id])


def _chain_order(agreements: list[AgreementRecord]) -> list[AgreementRecord]:
    by_id = {a.id: a for a in agreements}

    def depth(agreement: AgreementRecord) -> int:
        steps, seen = 0, {agreement.id}
        while agreement.supersedes_id in by_id and agreement.supersedes_id not in seen:
            agreement = by_id[agreement.supersedes_id]
            seen.add(agreement.id)
            steps += 1
        return steps

    return sorted(agreements, key=lambda a: (depth(a), a.signed_at is None, str(a.id)))


def agreement_in_effect(store: LocalStore, case_id: UUID) -> AgreementRecord | None:
    """The case's signed agreement that no signed correction replaced (the
    one a follow-up visit checks), the latest signed if there are several."""
    signed = [a for a in case_agreements(store, case_id) if a.status is AgreementStatus.SIGNED]
    replaced = {a.supersedes_id for a in signed}
    current = [a for a in signed if a.id not in replaced]
    return max(current, key=lambda a: (a.signed_at, str(a.id)), default=None)


def sealed_fields(record: AgreementRecord) -> AgreementFields:
    """The device-written fields of a record, as the seal and the printout see them."""
    dumped = record.model_dump(mode="json", include=set(AgreementFields.model_fields))
    return AgreementFields.model_validate(dumped)


# -- drafting ---------------------------------------------------------------------------


def prefill_from_case(
    store: LocalStore, case_id: UUID, user: UserProfile | None
) -> AgreementFields:
    """A new draft: the case's parties (as they are now; editable), its
    committee, and the signed-in mediator."""
    detail = case_detail(store, case_id)
    if detail is None:
        raise SaveRejectedError("case_id", "there is no such case on this phone")
    parties = [
        PartySnapshot(
            party_id=party.id,
            role=party.role,
            kind=party.kind,
            name=party.name,
            id_number=party.id_number,
            phone=party.phone,
            address=party.address,
        )
        for party in detail.parties
    ]
    with store.transaction() as session:
        unit = session.get(LocalOrgUnit, detail.case.org_unit_id)
        committee = unit.name if unit is not None else ""
    return AgreementFields(
        case_id=case_id,
        committee_name=committee,
        mediator_id=user.id if user else None,
        mediator_name=user.display_name if user else "",
        parties=parties,
    )


def prefill_correction(store: LocalStore, sealed_id: UUID) -> AgreementFields:
    """A correction: the sealed agreement's terms, unsigned, pointing at it."""
    record = agreement_record(store, sealed_id)
    if record is None or record.status is not AgreementStatus.SIGNED:
        raise SaveRejectedError("supersedes_id", "only a signed agreement is corrected")
    terms = sealed_fields(record).model_dump(mode="json", include=set(TERM_FIELDS))
    return AgreementFields.model_validate({**terms, "supersedes_id": str(sealed_id)})


def save_terms(store: LocalStore, agreement_id: UUID, terms: AgreementFields) -> AgreementRecord:
    """Write (or rewrite) a draft's complete terms.

    Signatures given to other terms are void: when the terms change, they
    are removed with their images' attachment records, and everyone signs
    the new text again."""
    store.records.refuse_if_sealed(TableName.AGREEMENTS, agreement_id)
    problems = content_problems(terms)
    if problems:
        raise AgreementIncompleteError(problems)
    if terms.supersedes_id is not None:
        corrected = agreement_record(store, terms.supersedes_id)
        if corrected is None or corrected.status is not AgreementStatus.SIGNED:
            raise SaveRejectedError("supersedes_id", "a correction names a signed agreement")
        if corrected.case_id != terms.case_id:
            raise SaveRejectedError("supersedes_id", "the corrected agreement is of another case")
    fields = {name: to_json_value(getattr(terms, name)) for name in TERM_FIELDS}
    current = agreement_record(store, agreement_id)
    if current is not None:
        before = {name: to_json_value(getattr(current, name)) for name in TERM_FIELDS}
        if before != fields and current.signatures:
            fields["signatures"] = []
            for signature in current.signatures:
                _drop_attachment(store, signature.attachment_id)
    else:
        fields["status"] = AgreementStatus.DRAFT.value
    return as_record(
        AgreementRecord, store.records.save(TableName.AGREEMENTS, agreement_id, fields)
    )


# -- signing ----------------------------------------------------------------------------


def add_signature(
    store: LocalStore,
    blobs: LocalBlobStore,
    agreement_id: UUID,
    signer_index: int,
    image: bytes,
    kind: SignatureKind = SignatureKind.SIGNATURE,
    at: datetime | None = None,
) -> AgreementRecord:
    """Record signer ``signer_index``'s signature or fingerprint
    (``signature_images``). Signing again replaces that signer's earlier
    image (a draft's images are its own: the replaced one is dropped)."""
    store.records.refuse_if_sealed(TableName.AGREEMENTS, agreement_id)
    record = agreement_record(store, agreement_id)
    if record is None:
        raise SaveRejectedError(None, "there is no such agreement")
    fields = sealed_fields(record)
    problems = content_problems(fields)
    if problems:
        raise AgreementIncompleteError(problems)
    people = signers(fields)
    if not 0 <= signer_index < len(people):
        raise SaveRejectedError("signatures", "no such signer in this agreement")
    signer = people[signer_index]
    who = SignedBy(signer.role, signer.name, signer.party_id)
    owner = AttachmentOwner.AGREEMENTS
    signature = store_signature(store, blobs, owner, agreement_id, who, image, kind, at)
    previous = assigned_signatures(fields)[signer_index]
    kept = [s for s in fields.signatures if s is not previous]
    saved = store.records.save(
        TableName.AGREEMENTS,
        agreement_id,
        {"signatures": to_json_value([*kept, signature])},
    )
    if previous is not None:
        _drop_attachment(store, previous.attachment_id)
    return as_record(AgreementRecord, saved)


def seal(store: LocalStore, agreement_id: UUID, at: datetime | None = None) -> AgreementRecord:
    """签署完成: status signed, ``signed_at`` and the content hash, by the
    shared rule. Refuses while anyone has not signed (``AgreementIncompleteError``)."""
    store.records.refuse_if_sealed(TableName.AGREEMENTS, agreement_id)
    record = agreement_record(store, agreement_id)
    if record is None:
        raise SaveRejectedError(None, "there is no such agreement")
    try:
        sealed = seal_agreement(sealed_fields(record), at or store.now())
    except NotReadyToSealError as refused:
        raise AgreementIncompleteError(refused.problems) from None
    # Sealing is the written agreement's step: the case must be in mediation.
    check_step(store, record.case_id, CaseStep.WRITTEN_AGREEMENT, sealed, MediationSettings())
    fields = {
        name: to_json_value(getattr(sealed, name))
        for name in ("signatures", "status", "signed_at", "content_hash")
    }
    return as_record(
        AgreementRecord, store.records.save(TableName.AGREEMENTS, agreement_id, fields)
    )


def _drop_attachment(store: LocalStore, attachment_id: UUID) -> None:
    if store.records.get(TableName.ATTACHMENTS, attachment_id) is not None:
        store.records.delete(TableName.ATTACHMENTS, attachment_id)


# -- printing ---------------------------------------------------------------------------


def agreement_pdf(
    store: LocalStore, blobs: LocalBlobStore, agreement_id: UUID, zone: tzinfo = DEFAULT_ZONE
) -> bytes:
    """The agreement as an A4 PDF, made on the phone (offline): the same
    text as the server's (``agreement_text``, dates on the district's clock
    ``zone``), with the signature images from this phone's blob store."""
    record = agreement_record(store, agreement_id)
    if record is None:
        raise SaveRejectedError(None, "there is no such agreement")
    fields = sealed_fields(record)
    images = {s.sha256: blobs.read(s.sha256) for s in fields.signatures if blobs.has(s.sha256)}
    return render_agreement_pdf(printed_agreement(store, record, zone), images)


def printed_agreement(
    store: LocalStore, record: AgreementRecord, zone: tzinfo = DEFAULT_ZONE
) -> AgreementDocument:
    """What the agreement prints, numbered with its case's number once the
    district gave it (``agreement_text.agreement_number``)."""
    case = store.records.get(TableName.CASES, record.case_id) or {}
    number = case.get("case_number")
    case_number = number if isinstance(number, str) else None
    return agreement_document(record.id, sealed_fields(record), zone, case_number)
