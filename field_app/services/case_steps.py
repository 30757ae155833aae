"""TEMPORARY stand-in for med-flow's device services (to be replaced by theirs on merge)."""

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import JsonValue, TypeAdapter, ValidationError
from sqlmodel import col

from field_app.errors import SaveRejectedError
from field_app.services.cases import case_detail
from field_app.services.photos import prepare_photo
from field_app.services.records import as_record, live, read_rows
from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalCaseDocument
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.agreements import SignatureKind, SignatureRef, SignerRole
from shared_models.domain.attachments import AttachmentKind, AttachmentOwner
from shared_models.domain.case_documents import CaseDocumentRecord
from shared_models.domain.case_forms import CaseDocumentKind, CaseForm
from shared_models.domain.case_lifecycle import (
    CaseFacts,
    CaseStep,
    MediationSettings,
    StepOption,
    StepProblem,
    facts_of,
    next_steps,
    status_after,
    step_of,
    step_problem,
)
from shared_models.domain.case_numbers import provisional_case_number, unit_short_name
from shared_models.domain.cases import CaseStatus
from shared_models.problems import first_problem
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value

_FORM: TypeAdapter[CaseForm] = TypeAdapter(CaseForm)


class StepRefusedError(SaveRejectedError):
    def __init__(self, problem: StepProblem) -> None:
        super().__init__(problem.field, problem.message)
        self.problem = problem


def mediation_settings(store: LocalStore) -> MediationSettings:
    return MediationSettings()


def case_documents(store: LocalStore, case_id: UUID) -> list[CaseDocumentRecord]:
    with store.transaction() as session:
        found = read_rows(
            store,
            session,
            TableName.CASE_DOCUMENTS,
            CaseDocumentRecord,
            live(TableName.CASE_DOCUMENTS).where(col(LocalCaseDocument.case_id) == case_id),
        )
    return sorted(found, key=lambda d: d.recorded_at)


def _facts(store: LocalStore, case_id: UUID) -> CaseFacts:
    detail = case_detail(store, case_id)
    if detail is None:
        raise SaveRejectedError("case_id", "no such case")
    docs = case_documents(store, case_id)
    status = detail.case.status
    for d in docs:
        status = status_after(status, step_of(d.kind))
    return facts_of(
        status,
        [(p.id, p.name) for p in detail.parties],
        [(d.id, d) for d in docs],
        [(a.id, a) for a in detail.agreements],
        DEFAULT_ZONE,
    )


def record_step(
    store: LocalStore, case_id: UUID, content: dict[str, JsonValue], settings: MediationSettings
) -> CaseDocumentRecord:
    try:
        form = _FORM.validate_python(content)
    except ValidationError as error:
        where, message = first_problem(error)
        raise SaveRejectedError(f"content.{where}", message) from None
    step = step_of(CaseDocumentKind(form.kind))
    problem = step_problem(step, _facts(store, case_id), settings, form)
    if problem is not None:
        raise StepRefusedError(problem)
    doc_id = uuid.uuid4()
    record = store.records.save(
        TableName.CASE_DOCUMENTS,
        doc_id,
        {
            "case_id": str(case_id),
            "kind": form.kind,
            "content": to_json_value(form),
            "signatures": [],
            "recorded_at": to_json_value(store.now()),
        },
    )
    return as_record(CaseDocumentRecord, record)


def add_document_signature(
    store: LocalStore,
    blobs: LocalBlobStore,
    document_id: UUID,
    signer_role: SignerRole,
    signer_name: str,
    party_id: UUID | None,
    image: bytes,
    kind: SignatureKind,
) -> None:
    if kind is SignatureKind.FINGERPRINT:
        photo = prepare_photo(image)
        data, mime = photo.jpeg, "image/jpeg"
    else:
        data, mime = image, "image/png"
    sha = hashlib.sha256(data).hexdigest()
    blobs.put(data, mime)
    attachment_id = uuid.uuid4()
    store.records.save(
        TableName.ATTACHMENTS,
        attachment_id,
        {
            "owner_table": AttachmentOwner.CASE_DOCUMENTS.value,
            "owner_id": str(document_id),
            "kind": AttachmentKind(kind.value).value,
            "sha256": sha,
            "size": len(data),
            "mime": mime,
            "taken_at": to_json_value(store.now()),
        },
    )
    current = store.records.get(TableName.CASE_DOCUMENTS, document_id) or {}
    signatures = list(current.get("signatures") or [])  # type: ignore[arg-type]
    signatures.append(
        to_json_value(
            SignatureRef(
                signer_role=signer_role,
                signer_name=signer_name,
                party_id=party_id,
                kind=kind,
                attachment_id=attachment_id,
                sha256=sha,
                signed_at=store.now(),
            )
        )
    )
    store.records.save(TableName.CASE_DOCUMENTS, document_id, {"signatures": signatures})


@dataclass(frozen=True)
class StepDone:
    document: CaseDocumentRecord
    step: CaseStep
    who: UUID | None
    when: datetime


@dataclass(frozen=True)
class CaseProgress:
    status: CaseStatus
    case_number: str | None
    provisional: bool
    steps_done: list[StepDone]
    next: list[StepOption]
    facts: CaseFacts


def case_progress(store: LocalStore, case_id: UUID, settings: MediationSettings) -> CaseProgress:
    detail = case_detail(store, case_id)
    assert detail is not None
    facts = _facts(store, case_id)
    number = detail.case.case_number
    if number is None and facts.status not in (CaseStatus.APPLIED, CaseStatus.REFUSED):
        unit = store.records.get(TableName.ORG_UNITS, detail.case.org_unit_id) or {}
        short = unit_short_name(str(unit.get("short_name") or ""), str(unit.get("name") or ""))
        number = provisional_case_number(store.now().year, short)
    done = [
        StepDone(d, step_of(d.kind), d.created_by, d.recorded_at)
        for d in case_documents(store, case_id)
    ]
    return CaseProgress(
        facts.status,
        number,
        detail.case.case_number is None,
        done,
        next_steps(facts, settings),
        facts,
    )


_ = Counter
