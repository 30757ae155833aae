"""Dispute cases on the device: intake, edits, closing, lists and the case page.

Every write goes through ``Records.save`` (record and outbox entry in one
transaction). A new case and its parties are validated together before the
first of them is written, so a mistyped ID number on the third party does
not leave a case behind without its parties.
"""

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import JsonValue
from sqlalchemy import select
from sqlmodel import Session, col

from field_app.errors import SaveRejectedError
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
from shared_models.domain.cases import CaseCategory, CaseSource, CaseStatus, PartyKind, PartyRole
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
    follow_up_due: date | None = None


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
        "follow_up_due": to_json_value(intake.follow_up_due),
    }
    validate_fields(CaseFields, case_fields)
    for index, party in enumerate(parties):
        validate_fields(PartyFields, party.fields(case_id), prefix=f"parties.{index}.")
    record = store.records.save(TableName.CASES, case_id, case_fields)
    for party in parties:
        store.records.save(TableName.PARTIES, uuid.uuid4(), party.fields(case_id))
    return as_record(CaseRecord, record)


def add_party(store: LocalStore, case_id: UUID, party: NewParty) -> PartyRecord:
    record = store.records.save(TableName.PARTIES, uuid.uuid4(), party.fields(case_id))
    return as_record(PartyRecord, record)


def update_case(store: LocalStore, case_id: UUID, changes: Mapping[str, JsonValue]) -> CaseRecord:
    """Change some of a case's fields; closing goes through ``close_case``."""
    if changes.get("status") == CaseStatus.CLOSED.value:
        raise SaveRejectedError("status", "close a case with close_case")
    record = store.records.save(TableName.CASES, case_id, dict(changes))
    return as_record(CaseRecord, record)


def close_case(store: LocalStore, case_id: UUID, at: datetime | None = None) -> CaseRecord:
    """结案: status closed and the time it was closed."""
    record = store.records.save(
        TableName.CASES,
        case_id,
        {"status": CaseStatus.CLOSED.value, "closed_at": to_json_value(at or store.now())},
    )
    return as_record(CaseRecord, record)


def list_cases(
    store: LocalStore,
    status: CaseStatus | Collection[CaseStatus] | None = None,
    org_unit: UUID | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[CaseRecord]:
    """Cases, newest first: of one status (or several), of a unit and every
    unit below it, matching a search (title, description, party names, notes)."""
    query = live(TableName.CASES)
    if status is not None:
        wanted = [status] if isinstance(status, CaseStatus) else list(status)
        query = query.where(col(LocalCase.status).in_([s.value for s in wanted]))
    with store.transaction() as session:
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
            return found if limit is None else found[:limit]
        query = query.order_by(col(LocalCase.opened_at).desc(), col(LocalCase.id))
        if limit is not None:
            query = query.limit(limit)
        return read_rows(store, session, TableName.CASES, CaseRecord, query)


def case_title(store: LocalStore, case_id: UUID) -> str:
    """A live case's title; empty when the device holds no such case."""
    with store.transaction() as session:
        found = read_rows(
            store,
            session,
            TableName.CASES,
            CaseRecord,
            live(TableName.CASES).where(col(LocalCase.id) == case_id),
        )
    return found[0].title if found else ""


def case_detail(store: LocalStore, case_id: UUID) -> CaseDetail | None:
    """The case with its parties, visit timeline, attachments, agreements and reviews."""
    with store.transaction() as session:
        found = read_rows(
            store,
            session,
            TableName.CASES,
            CaseRecord,
            live(TableName.CASES).where(col(LocalCase.id) == case_id),
        )
        if not found:
            return None
        case = found[0]
        parties = read_rows(
            store,
            session,
            TableName.PARTIES,
            PartyRecord,
            live(TableName.PARTIES).where(col(LocalParty.case_id) == case_id),
        )
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
