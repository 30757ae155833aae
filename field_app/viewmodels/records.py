"""Small reads the screens share: which records have not reached the
server yet, where a record is shown, and how a due date is said."""

from datetime import date
from uuid import UUID

from sqlmodel import col

from field_app.i18n import Msg, msg
from field_app.services.records import live, read_rows
from field_app.storage.store import LocalStore
from field_app.storage.tables import LocalCase, LocalParty, LocalSubject, LocalVisit
from field_app.viewmodels.nav import Route, Screen
from shared_models.domain import CaseRecord, SubjectRecord
from shared_models.protocol.tables import TableName


def unsent_ids(store: LocalStore) -> set[UUID]:
    """Records with a change the server has not acknowledged (or refused)."""
    return {item.record_id for item in store.outbox(states=["pending", "sent", "rejected"])}


def route_for(store: LocalStore, table: str, record_id: UUID) -> Route | None:
    """The screen that shows a record (a party or visit: its case or subject)."""
    with store.transaction() as session:
        if table == TableName.CASES:
            return Route.to(Screen.CASE, id=str(record_id))
        if table == TableName.SUBJECTS:
            return Route.to(Screen.SUBJECT, id=str(record_id))
        if table == TableName.AGREEMENTS:
            return Route.to(Screen.AGREEMENT, id=str(record_id))
        if table == TableName.PARTIES:
            party = session.get(LocalParty, record_id)
            return Route.to(Screen.CASE, id=str(party.case_id)) if party else None
        if table == TableName.VISITS:
            visit = session.get(LocalVisit, record_id)
            if visit is not None and visit.case_id is not None:
                return Route.to(Screen.CASE, id=str(visit.case_id))
            if visit is not None and visit.subject_id is not None:
                return Route.to(Screen.SUBJECT, id=str(visit.subject_id))
    return None


def case_title(store: LocalStore, case_id: UUID) -> str:
    with store.transaction() as session:
        found = read_rows(
            store,
            session,
            TableName.CASES,
            CaseRecord,
            live(TableName.CASES).where(col(LocalCase.id) == case_id),
        )
    return found[0].title if found else ""


def subject_of(store: LocalStore, subject_id: UUID) -> SubjectRecord | None:
    with store.transaction() as session:
        found = read_rows(
            store,
            session,
            TableName.SUBJECTS,
            SubjectRecord,
            live(TableName.SUBJECTS).where(col(LocalSubject.id) == subject_id),
        )
    return found[0] if found else None


def due_text(due_on: date, today: date) -> Msg:
    days = (due_on - today).days
    if days < 0:
        return msg("due.overdue_days", count=-days)
    if days == 0:
        return msg("due.today")
    if days == 1:
        return msg("due.tomorrow")
    return msg("due.in_days", count=days)
