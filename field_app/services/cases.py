"""Dispute cases on the device: intake, edits, lists and the case page (its
steps, closing included, are ``case_steps``).

Every write goes through ``Records.save`` (record and outbox entry in one
transaction). A new case and its parties are validated together before the
first of them is written, so a mistyped ID number on the third party does
not leave a case behind without its parties.
"""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import or_, select
from sqlmodel import Session, col

from field_app.errors import SaveRejectedError
from field_app.services.case_steps import (
    case_facts,
    case_parties,
    effective_cases,
    live_case,
    unsynced_steps,
)
from field_app.services.records import as_record, live, read_rows, units_below, validate_fields
from field_app.services.search import search_ids
from field_app.storage.store import LocalStore
from field_app.storage.tables import (
    LocalAgreement,
    LocalAttachment,
    LocalCase,
    LocalParty,
    LocalReview,
    LocalVisit,
)
from shared_models.domain import (
    AgreementRecord,
    AttachmentRecord,
    CaseFields,
    CaseRecord,
    PartyFields,
    PartyRecord,
    ReviewRecord,
    VisitRecord,
)
from shared_models.domain.case_lifecycle import PARTIES_EDITABLE
from shared_models.domain.cases import (
    INITIAL_CASE_STATUSES,
    CaseCategory,
    CaseSource,
    CaseStatus,
    PartyKind,
    PartyRole,
)
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value

_CHUNK = 500


@dataclass(frozen=True)
class NewParty:
    """A person or organisation named at intake."""

    role: PartyRole
    name: str
    kind: PartyKind = PartyKind.PERSON
    phone: str | None = None
    id_number: str | None = None
    address: str = ""

    def fields(self, case_id: UUID) -> dict[str, Any]:
        return {
            "case_id": str(case_id),
            "role": self.role.value,
            "kind": self.kind.value,
            "name": self.name,
            "phone": self.phone,
            "id_number": self.id_number,
            "address": self.address,
        }


@dataclass(frozen=True)
class CaseIntake:
    """What the intake form (受理登记) asks for."""

    title: str
    category: CaseCategory
    source: CaseSource
    org_unit_id: UUID
    description: str = ""
    mediator_id: UUID | None = None
    opened_at: datetime | None = None
    status: CaseStatus = CaseStatus.ACCEPTED
    """``accepted`` (受理 at once; the registration form may follow) or
    ``applied`` (an application to accept or refuse)."""


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case page shows, read in one transaction."""

    case: CaseRecord
    parties: list[PartyRecord]
    visits: list[VisitRecord]
    attachments: list[AttachmentRecord]
    agreements: list[AgreementRecord]
    reviews: list[ReviewRecord] = field(default_factory=list)


def open_case(store: LocalStore, intake: CaseIntake, parties: Sequence[NewParty]) -> CaseRecord:
    """Register a new case with its parties."""
    case_id = uuid.uuid4()
    case_fields: dict[str, Any] = {
        "title": intake.title,
        "category": intake.category.value,
        "source": intake.source.value,
        "description": intake.description,
        "org_unit_id": str(intake.org_unit_id),
        "mediator_id": str(intake.mediator_id) if intake.mediator_id else None,
        "opened_at": to_json_value(intake.opened_at or store.now()),
        "status": intake.status.value,
    }
    if intake.status not in INITIAL_CASE_STATUSES:
        raise SaveRejectedError("status", "a case starts applied or accepted")
    validate_fields(CaseFields, case_fields)
    for index, party in enumerate(parties):
        validate_fields(PartyFields, party.fields(case_id), prefix=f"parties.{index}.")
    record = store.records.save(TableName.CASES, case_id, case_fields)
    for party in parties:
        store.records.save(TableName.PARTIES, uuid.uuid4(), party.fields(case_id))
    return as_record(CaseRecord, record)


def add_party(store: LocalStore, case_id: UUID, party: NewParty) -> PartyRecord:
    """A party named later: refused once the case's parties are fixed."""
    _parties_editable(store, case_id)
    record = store.records.save(TableName.PARTIES, uuid.uuid4(), party.fields(case_id))
    return as_record(PartyRecord, record)


def edit_party(store: LocalStore, party_id: UUID, changes: Mapping[str, JsonValue]) -> PartyRecord:
    """Correct a party's particulars (not which case they are of)."""
    party = _party(store, party_id)
    if "case_id" in changes and str(changes["case_id"]) != str(party.case_id):
        raise SaveRejectedError("case_id", "a party stays with their case")
    _parties_editable(store, party.case_id)
    record = store.records.save(TableName.PARTIES, party_id, dict(changes))
    return as_record(PartyRecord, record)


def remove_party(store: LocalStore, party_id: UUID) -> None:
    """Remove a party named by mistake, while the parties may change."""
    _parties_editable(store, _party(store, party_id).case_id)
    store.records.delete(TableName.PARTIES, party_id)


def _party(store: LocalStore, party_id: UUID) -> PartyRecord:
    stored = store.records.get(TableName.PARTIES, party_id)
    if stored is None:
        raise SaveRejectedError(None, "there is no such party")
    return as_record(PartyRecord, stored)


def _parties_editable(store: LocalStore, case_id: UUID) -> None:
    case, _ = case_facts(store, case_id)
    if case.status not in PARTIES_EDITABLE:
        raise SaveRejectedError("case_id", f"the parties of a case that is {case.status} are fixed")


def update_case(store: LocalStore, case_id: UUID, changes: Mapping[str, JsonValue]) -> CaseRecord:
    """Edit a case: title, category, source, description, mediator. Its
    status follows its steps (``case_steps.record_step``); its number,
    follow-up date and closing time are the server's."""
    if "status" in changes:
        raise SaveRejectedError("status", "a case's status follows its steps: record the step")
    case, _ = case_facts(store, case_id)
    if case.status == CaseStatus.ARCHIVED:
        raise SaveRejectedError("case_id", "the case is archived: its file is closed")
    record = store.records.save(TableName.CASES, case_id, dict(changes))
    return as_record(CaseRecord, record)


def list_cases(
    store: LocalStore,
    status: CaseStatus | Collection[CaseStatus] | None = None,
    org_unit: UUID | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[CaseRecord]:
    """Cases, newest first: of one status (or several), of a unit and every
    unit below it, matching a search (title, description, party names, notes).
    Each as the user sees it: moved on by this device's unsynced steps
    (``case_steps.effective_cases``), and filtered by that status."""
    query = live(TableName.CASES)
    wanted: list[CaseStatus] | None = None
    with store.transaction() as session:
        if status is not None:
            wanted = [status] if isinstance(status, CaseStatus) else list(status)
            stepped = list(unsynced_steps(session, None))
            query = query.where(
                or_(
                    col(LocalCase.status).in_([s.value for s in wanted]),
                    col(LocalCase.id).in_(stepped),
                )
            )
        if org_unit is not None:
            query = query.where(col(LocalCase.org_unit_id).in_(units_below(session, org_unit)))
        if search is not None:
            # A common word matches thousands of cases: read them in chunks
            # (SQLite bounds the parameters of one statement), order here.
            ids = sorted(_matching_case_ids(store, session, search))
            found = [
                case
                for start in range(0, len(ids), _CHUNK)
                for case in read_rows(
                    store,
                    session,
                    TableName.CASES,
                    CaseRecord,
                    query.where(col(LocalCase.id).in_(ids[start : start + _CHUNK])),
                )
            ]
            found.sort(key=lambda case: (-case.opened_at.timestamp(), str(case.id)))
        else:
            query = query.order_by(col(LocalCase.opened_at).desc(), col(LocalCase.id))
            if limit is not None:
                query = query.limit(limit)
            found = read_rows(store, session, TableName.CASES, CaseRecord, query)
        shown = effective_cases(store, session, found)
    if wanted is not None:
        shown = [case for case in shown if case.status in wanted]
    return shown if limit is None else shown[:limit]


def case_title(store: LocalStore, case_id: UUID) -> str:
    """A live case's title; empty when the device holds no such case."""
    with store.transaction() as session:
        case = live_case(store, session, case_id)
    return case.title if case is not None else ""


def case_detail(store: LocalStore, case_id: UUID) -> CaseDetail | None:
    """The case with its parties, visit timeline, attachments, agreements and reviews."""
    with store.transaction() as session:
        case = live_case(store, session, case_id)
        if case is None:
            return None
        parties = case_parties(store, session, case_id)
        visits = read_rows(
            store,
            session,
            TableName.VISITS,
            VisitRecord,
            live(TableName.VISITS)
            .where(col(LocalVisit.case_id) == case_id)
            .order_by(col(LocalVisit.started_at)),
        )
        agreements = read_rows(
            store,
            session,
            TableName.AGREEMENTS,
            AgreementRecord,
            live(TableName.AGREEMENTS).where(col(LocalAgreement.case_id) == case_id),
        )
        owners = [case_id, *(v.id for v in visits), *(a.id for a in agreements)]
        attachments = read_rows(
            store,
            session,
            TableName.ATTACHMENTS,
            AttachmentRecord,
            live(TableName.ATTACHMENTS)
            .where(col(LocalAttachment.owner_id).in_(owners))
            .order_by(col(LocalAttachment.taken_at)),
        )
        reviews = read_rows(
            store,
            session,
            TableName.REVIEWS,
            ReviewRecord,
            live(TableName.REVIEWS)
            .where(col(LocalReview.target_id).in_(owners))
            .order_by(col(LocalReview.version).desc()),
        )
    return CaseDetail(case, parties, visits, attachments, agreements, reviews)


def _matching_case_ids(store: LocalStore, session: Session, text: str) -> set[UUID]:
    """Cases found directly, through a party's name or through a visit's notes."""
    hits = search_ids(store, session, text, (TableName.CASES, TableName.PARTIES, TableName.VISITS))
    ids = {record_id for table, record_id in hits if table is TableName.CASES}
    others = [record_id for table, record_id in hits if table is not TableName.CASES]
    for start in range(0, len(others), _CHUNK):
        chunk = others[start : start + _CHUNK]
        for owner in (LocalParty, LocalVisit):
            ids.update(
                case_id
                for case_id in session.scalars(
                    select(col(owner.case_id)).where(
                        col(owner.id).in_(chunk), col(owner.deleted).is_(False)
                    )
                )
                if case_id is not None
            )
    return ids
