"""The lifecycle of a case on the device: recording its steps (the forms of
``case_documents``), what the case page shows of them, and the status a
case has with the steps this device has not synced yet.

Every step is checked here with the contract's rule
(``shared_models/domain/case_lifecycle.py``) before it is saved, against
what the device holds of the case; the server checks it again. The
status, follow-up date and number are the server's (``CaseRecord``
fields it sets): the device never writes them, it *shows* a case as the
server holds it moved on by its own unsynced steps (``effective_cases``),
so a step the server refuses leaves nothing to undo.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID, uuid4

from pydantic import JsonValue
from sqlalchemy import func, select, true
from sqlmodel import Session, col

from field_app.errors import SaveRejectedError, StepRefusedError
from field_app.services.records import as_record, live, read_rows, validate_fields
from field_app.services.signature_images import SignedBy, store_signature
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.storage.tables import (
    LocalAgreement,
    LocalCase,
    LocalCaseDocument,
    LocalParty,
    OutboxEntry,
)
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain import (
    AgreementRecord,
    CaseDocumentFields,
    CaseDocumentRecord,
    CaseRecord,
    PartyRecord,
)
from shared_models.domain.agreements import AgreementStatus, SignatureKind, SignatureRef
from shared_models.domain.attachments import AttachmentOwner
from shared_models.domain.case_forms import AcceptanceForm, CaseDocumentKind, CaseForm
from shared_models.domain.case_lifecycle import (
    CaseFacts,
    CaseStep,
    MediationSettings,
    ProblemKind,
    StepOption,
    StepProblem,
    facts_of,
    follow_up_due,
    form_problem,
    next_steps,
    status_after,
    step_of,
    step_problem,
)
from shared_models.domain.case_numbers import provisional_case_number, unit_short_name
from shared_models.domain.cases import CaseStatus
from shared_models.domain.judicial_window import JudicialWindow, judicial_window
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value

_UNSENT = ("pending", "sent")


def refuse(problem: StepProblem) -> SaveRejectedError:
    """The device's refusal of a step, as the server would refuse it."""
    if problem.kind is ProblemKind.INVALID:
        return SaveRejectedError(problem.field, problem.message)
    return StepRefusedError(problem.field, problem.message, problem.kind is ProblemKind.MISSING)


# -- the case as the device shows it -------------------------------------------


def unsynced_steps(session: Session, case_ids: Iterable[UUID] | None) -> dict[UUID, list[CaseStep]]:
    """Per case (of ``case_ids``; ``None``: every case), the steps this
    device recorded that the server has not acknowledged yet (refused ones
    excluded), in the order they were made."""
    wanted = None if case_ids is None else list(case_ids)
    found: dict[UUID, list[tuple[int, CaseStep]]] = defaultdict(list)
    if wanted == []:
        return {}
    documents = session.execute(
        select(
            col(LocalCaseDocument.case_id), col(LocalCaseDocument.kind), func.min(OutboxEntry.seq)
        )
        .join(OutboxEntry, col(OutboxEntry.record_id) == col(LocalCaseDocument.id))
        .where(
            col(OutboxEntry.table_name) == TableName.CASE_DOCUMENTS.value,
            col(OutboxEntry.state).in_(_UNSENT),
            col(LocalCaseDocument.version) == 0,
            col(LocalCaseDocument.deleted).is_(False),
            true() if wanted is None else col(LocalCaseDocument.case_id).in_(wanted),
        )
        .group_by(col(LocalCaseDocument.id))
    )
    for case_id, kind, seq in documents:
        found[case_id].append((seq, CaseStep(kind)))
    # A sealed agreement changes no more: an unsent change of one is its seal.
    seals = session.execute(
        select(col(LocalAgreement.case_id), func.min(OutboxEntry.seq))
        .join(OutboxEntry, col(OutboxEntry.record_id) == col(LocalAgreement.id))
        .where(
            col(OutboxEntry.table_name) == TableName.AGREEMENTS.value,
            col(OutboxEntry.state).in_(_UNSENT),
            col(LocalAgreement.status) == AgreementStatus.SIGNED.value,
            true() if wanted is None else col(LocalAgreement.case_id).in_(wanted),
        )
        .group_by(col(LocalAgreement.id))
    )
    for case_id, seq in seals:
        found[case_id].append((seq, CaseStep.WRITTEN_AGREEMENT))
    return {case_id: [step for _, step in sorted(steps)] for case_id, steps in found.items()}


def effective_cases(
    store: LocalStore,
    session: Session,
    cases: Sequence[CaseRecord],
    settings: MediationSettings | None = None,
    zone: tzinfo = DEFAULT_ZONE,
) -> list[CaseRecord]:
    """``cases`` as the user sees them: the server's status moved on by
    this device's unsynced steps, and the follow-up date that follows."""
    pending = unsynced_steps(session, [case.id for case in cases])
    if not pending:
        return list(cases)
    shown = []
    for case in cases:
        steps = pending.get(case.id)
        if steps is None:
            shown.append(case)
            continue
        status = CaseStatus(case.status)
        for step in steps:
            status = status_after(status, step)
        facts = _facts(store, session, case.id, status, zone)
        due = follow_up_due(facts, settings or MediationSettings())
        shown.append(case.model_copy(update={"status": status, "follow_up_due": due}))
    return shown


def _facts(
    store: LocalStore, session: Session, case_id: UUID, status: CaseStatus, zone: tzinfo
) -> CaseFacts:
    parties = case_parties(store, session, case_id)
    agreements = _signed_agreements(store, session, case_id)
    return facts_of(
        status,
        [(party.id, party.name) for party in parties],
        [(document.id, document) for document in _documents(store, session, case_id)],
        [(agreement.id, agreement) for agreement in agreements],
        zone,
    )


def case_parties(store: LocalStore, session: Session, case_id: UUID) -> list[PartyRecord]:
    """The case's live parties."""
    return read_rows(
        store,
        session,
        TableName.PARTIES,
        PartyRecord,
        live(TableName.PARTIES).where(col(LocalParty.case_id) == case_id),
    )


def _signed_agreements(
    store: LocalStore, session: Session, *case_ids: UUID
) -> list[AgreementRecord]:
    return read_rows(
        store,
        session,
        TableName.AGREEMENTS,
        AgreementRecord,
        live(TableName.AGREEMENTS).where(
            col(LocalAgreement.case_id).in_(case_ids),
            col(LocalAgreement.status) == AgreementStatus.SIGNED.value,
        ),
    )


def _documents(store: LocalStore, session: Session, case_id: UUID) -> list[CaseDocumentRecord]:
    return read_rows(
        store,
        session,
        TableName.CASE_DOCUMENTS,
        CaseDocumentRecord,
        live(TableName.CASE_DOCUMENTS)
        .where(col(LocalCaseDocument.case_id) == case_id)
        .order_by(col(LocalCaseDocument.recorded_at), col(LocalCaseDocument.id)),
    )


def live_case(
    store: LocalStore, session: Session, case_id: UUID, zone: tzinfo = DEFAULT_ZONE
) -> CaseRecord | None:
    """The one read of a live case on the device: as the user sees it
    (``effective_cases``), or ``None`` when the device holds no such case
    (or only its deletion). Every screen and document of one case starts
    from it, so none shows a status the others do not."""
    found = read_rows(
        store,
        session,
        TableName.CASES,
        CaseRecord,
        live(TableName.CASES).where(col(LocalCase.id) == case_id),
    )
    return effective_cases(store, session, found, zone=zone)[0] if found else None


def case_facts(
    store: LocalStore, case_id: UUID, zone: tzinfo = DEFAULT_ZONE
) -> tuple[CaseRecord, CaseFacts]:
    """The case as the user sees it and its facts (``SaveRejectedError``
    when the device holds no such case)."""
    with store.transaction() as session:
        case = live_case(store, session, case_id, zone)
        if case is None:
            raise SaveRejectedError("case_id", "there is no such case on this device")
        return case, _facts(store, session, case_id, CaseStatus(case.status), zone)


# -- recording steps ------------------------------------------------------------


def check_step(
    store: LocalStore,
    case_id: UUID,
    step: CaseStep,
    form: Any,
    settings: MediationSettings,
    zone: tzinfo = DEFAULT_ZONE,
) -> CaseRecord:
    """Refuse ``step`` (with ``form``) if the case does not allow it now;
    the case as the user sees it otherwise."""
    case, facts = case_facts(store, case_id, zone)
    if case.status == CaseStatus.ARCHIVED:
        raise SaveRejectedError("case_id", "the case is archived: its file is closed")
    problem = step_problem(step, facts, settings, form)
    if problem is not None:
        raise refuse(problem)
    return case


def record_step(
    store: LocalStore,
    case_id: UUID,
    form: CaseForm,
    settings: MediationSettings,
    signatures: Sequence[SignatureRef] = (),
    at: datetime | None = None,
    zone: tzinfo = DEFAULT_ZONE,
    document_id: UUID | None = None,
) -> CaseDocumentRecord:
    """Record a step: its form becomes a document of the case, checked by
    the lifecycle rule first. ``document_id``: an id chosen beforehand (a
    photo or signature attached before the form is saved)."""
    fields: dict[str, JsonValue] = {
        "case_id": str(case_id),
        "kind": form.kind,
        "content": to_json_value(form),
        "signatures": to_json_value(list(signatures)),
        "recorded_at": to_json_value(at or store.now()),
    }
    validate_fields(CaseDocumentFields, fields)
    check_step(store, case_id, step_of(CaseDocumentKind(form.kind)), form, settings, zone)
    record = store.records.save(TableName.CASE_DOCUMENTS, document_id or uuid4(), fields)
    return as_record(CaseDocumentRecord, record)


def edit_document(
    store: LocalStore,
    document_id: UUID,
    form: CaseForm | None = None,
    signatures: Sequence[SignatureRef] | None = None,
    zone: tzinfo = DEFAULT_ZONE,
) -> CaseDocumentRecord:
    """Correct a recorded document: its form (of the same kind) or its
    signatures. A recorded step is never deleted, only corrected."""
    stored = store.records.get(TableName.CASE_DOCUMENTS, document_id)
    if stored is None:
        raise SaveRejectedError(None, "there is no such document")
    document = as_record(CaseDocumentRecord, stored)
    changes: dict[str, JsonValue] = {}
    if form is not None:
        if form.kind != document.kind:
            raise SaveRejectedError("kind", "a document's kind never changes")
        changes["content"] = to_json_value(form)
    if signatures is not None:
        changes["signatures"] = to_json_value(list(signatures))
    case, facts = case_facts(store, document.case_id, zone)
    if case.status == CaseStatus.ARCHIVED:
        raise SaveRejectedError("case_id", "the case is archived: its file is closed")
    if form is not None:
        problem = form_problem(form, facts)
        if problem is not None:
            raise refuse(problem)
    record = store.records.save(TableName.CASE_DOCUMENTS, document_id, changes)
    return as_record(CaseDocumentRecord, record)


def add_document_signature(
    store: LocalStore,
    blobs: LocalBlobStore,
    document_id: UUID,
    signer: SignedBy,
    image: bytes,
    kind: SignatureKind = SignatureKind.SIGNATURE,
    at: datetime | None = None,
) -> CaseDocumentRecord:
    """A signature or fingerprint (``signature_images``) on a document: a
    party acknowledging the notice, signing the application or a record.
    Signing again replaces that signer's earlier signature."""
    stored = store.records.get(TableName.CASE_DOCUMENTS, document_id)
    if stored is None:
        raise SaveRejectedError(None, "there is no such document")
    document = as_record(CaseDocumentRecord, stored)
    owner = AttachmentOwner.CASE_DOCUMENTS
    signature = store_signature(store, blobs, owner, document_id, signer, image, kind, at)
    same = {(signer.party_id, signer.name, signer.role)}
    kept = [
        s for s in document.signatures if (s.party_id, s.signer_name, s.signer_role) not in same
    ]
    return edit_document(store, document_id, signatures=[*kept, signature])


# -- the case page ----------------------------------------------------------------


@dataclass(frozen=True)
class StepDone:
    """One recorded step: what, which record, who recorded it and when,
    and whether the server has it yet."""

    step: CaseStep
    record_id: UUID
    recorded_at: datetime
    recorded_by: UUID | None
    synced: bool


@dataclass(frozen=True)
class CaseProgress:
    """What the case page shows of the lifecycle."""

    case: CaseRecord
    number: str
    """The case number; a provisional one (``provisional``) until the
    server numbers an accepted case; empty before acceptance."""
    provisional: bool
    done: list[StepDone]
    next: list[StepOption]
    judicial: JudicialWindow | None
    """The window for judicial confirmation of its written agreement."""


def case_documents(store: LocalStore, case_id: UUID) -> list[CaseDocumentRecord]:
    """The case's documents in the order they were recorded."""
    with store.transaction() as session:
        return _documents(store, session, case_id)


def case_progress(
    store: LocalStore, case_id: UUID, settings: MediationSettings, zone: tzinfo = DEFAULT_ZONE
) -> CaseProgress:
    """The steps done (documents and sealed agreements, oldest first), what
    may come next with what each still needs, the number, the judicial
    window."""
    case, facts = case_facts(store, case_id, zone)
    with store.transaction() as session:
        documents = _documents(store, session, case_id)
        agreements = _signed_agreements(store, session, case_id)
    done = [
        StepDone(step_of(d.kind), d.id, d.recorded_at, d.created_by, d.version > 0)
        for d in documents
    ] + [
        StepDone(CaseStep.WRITTEN_AGREEMENT, a.id, a.signed_at, a.created_by, a.version > 0)
        for a in agreements
        if a.signed_at is not None
    ]
    done.sort(key=lambda item: item.recorded_at)
    number, provisional = case.case_number or "", False
    acceptance = next((d.content for d in documents if isinstance(d.content, AcceptanceForm)), None)
    if not number and acceptance is not None:
        number, provisional = _provisional(store, case, acceptance.accepted_on.year), True
    judicial = judicial_window(facts, settings)
    return CaseProgress(case, number, provisional, done, next_steps(facts, settings), judicial)


def judicial_windows(
    store: LocalStore,
    cases: Sequence[CaseRecord],
    settings: MediationSettings,
    zone: tzinfo = DEFAULT_ZONE,
) -> dict[UUID, JudicialWindow]:
    """The judicial-confirmation windows of the agreed ``cases`` (as the
    user sees them), by case: nobody has applied for them yet (an
    application moves a case on), so their signed agreements say it all,
    read for all of them at once (what Home lists)."""
    agreed = [case.id for case in cases if case.status is CaseStatus.AGREED]
    if not agreed:
        return {}
    with store.transaction() as session:
        signed = _signed_agreements(store, session, *agreed)
    by_case: dict[UUID, list[tuple[UUID, AgreementRecord]]] = defaultdict(list)
    for agreement in signed:
        by_case[agreement.case_id].append((agreement.id, agreement))
    found = {}
    for case_id, agreements in by_case.items():
        facts = facts_of(CaseStatus.AGREED, [], [], agreements, zone)
        window = judicial_window(facts, settings)
        if window is not None:
            found[case_id] = window
    return found


def _provisional(store: LocalStore, case: CaseRecord, year: int) -> str:
    unit = store.records.get(TableName.ORG_UNITS, case.org_unit_id) or {}
    short = unit_short_name(str(unit.get("short_name") or ""), str(unit.get("name") or ""))
    return provisional_case_number(year, short)
