"""The ledgers back out: the same sheets the imports read, filled from the
district database, within the caller's jurisdiction. An exported sheet
imports again unchanged (every row matches what is there).

Exports of subjects and cases hold personal data: each is written to the
audit chain (who, which kind, how many rows)."""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.district_time import district_day, district_zone
from shared_models.domain.cases import OPEN_CASE_STATUSES
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.protocol.administration import SheetFormat, SheetKind
from shared_models.protocol.tables import TableName
from sync_server.core.audit import append_audit
from sync_server.repositories.scope import JurisdictionScope
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.authority import in_jurisdiction, require_supervisory
from sync_server.services.administration.sheets import SPECS, label, write_sheet
from sync_server.tables import CaseRow, OrgUnitRow, PartyRow, SubjectRow, UserRow


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _org_rows(
    session: Session, scope: JurisdictionScope, codes: dict[Any, str]
) -> Iterator[list[str]]:
    units = session.scalars(
        select(OrgUnitRow)
        .where(col(OrgUnitRow.deleted).is_(False), col(OrgUnitRow.kind) != OrgUnitKind.DISTRICT)
        .order_by(col(OrgUnitRow.kind).desc(), col(OrgUnitRow.code))
    )
    for unit in units:
        if not in_jurisdiction(scope, unit.id):
            continue
        yield [
            unit.code,
            unit.name,
            unit.short_name,
            label("kind", unit.kind),
            codes.get(unit.parent_id, ""),
            unit.address,
            unit.contact_person,
            unit.contact_phone,
        ]


def _staff_rows(
    session: Session, scope: JurisdictionScope, codes: dict[Any, str]
) -> Iterator[list[str]]:
    query = select(UserRow).where(col(UserRow.deleted).is_(False), col(UserRow.active))
    if scope.role is not Role.ADMIN:
        query = query.where(scope.row_filter(TableName.USERS, UserRow))
    for user in session.scalars(query.order_by(col(UserRow.username))):
        yield [
            user.username,
            user.display_name,
            label("role", user.role),
            codes.get(user.org_unit_id, ""),
            user.phone,
        ]


def _subject_rows(
    session: Session, scope: JurisdictionScope, codes: dict[Any, str], usernames: dict[Any, str]
) -> Iterator[list[str]]:
    query = select(SubjectRow).where(
        col(SubjectRow.deleted).is_(False), scope.row_filter(TableName.SUBJECTS, SubjectRow)
    )
    for subject in session.scalars(query.order_by(col(SubjectRow.id_number))):
        yield [
            subject.name,
            subject.id_number,
            label("gender", subject.gender),
            _day(subject.birth_date),
            subject.address,
            subject.phone or "",
            label("correction_type", subject.correction_type),
            _day(subject.term_start),
            _day(subject.term_end),
            "是" if subject.key_person else "否",
            str(subject.checkin_interval_days),
            codes.get(subject.org_unit_id, ""),
            usernames.get(subject.officer_id, ""),
            label("subject_status", subject.status),
        ]


def _case_rows(
    session: Session,
    scope: JurisdictionScope,
    codes: dict[Any, str],
    usernames: dict[Any, str],
    time_zone: str,
) -> Iterator[list[str]]:
    zone = district_zone(time_zone)
    query = select(CaseRow).where(
        col(CaseRow.deleted).is_(False),
        col(CaseRow.status).in_(sorted(OPEN_CASE_STATUSES)),
        scope.row_filter(TableName.CASES, CaseRow),
    )
    parties: dict[Any, list[PartyRow]] = {}
    party_query = select(PartyRow).where(
        col(PartyRow.deleted).is_(False), scope.row_filter(TableName.PARTIES, PartyRow)
    )
    for party in session.scalars(party_query.order_by(col(PartyRow.id))):
        parties.setdefault(party.case_id, []).append(party)
    for case in session.scalars(query.order_by(col(CaseRow.opened_at), col(CaseRow.id))):
        opened: datetime = case.opened_at
        head = [
            str(case.id),  # as the ledger number: importing the export finds the case
            codes.get(case.org_unit_id, ""),
            case.title,
            label("category", case.category),
            label("source", case.source),
            district_day(opened, zone).isoformat(),
            label("case_status", case.status),
            usernames.get(case.mediator_id, ""),
            case.description.replace("\n", " "),
        ]
        if case.id not in parties:
            yield [*head, "", "", "", "", "", ""]  # a case with no party yet
        for party in parties.get(case.id, []):
            yield [
                *head,
                label("party_role", party.role),
                party.name,
                label("party_kind", party.kind),
                party.phone or "",
                party.id_number or "",
                party.address,
            ]


def export_sheet(
    session: Session,
    scope: JurisdictionScope,
    kind: SheetKind,
    file_format: SheetFormat,
    now: datetime,
    actor: Actor,
    time_zone: str,
) -> bytes:
    """The sheet of ``kind`` for the caller's jurisdiction, as a file; audited.
    The caller commits (the audit entry)."""
    require_supervisory(scope, "export ledgers")
    codes = {unit.id: unit.code for unit in session.scalars(select(OrgUnitRow))}
    named = session.execute(select(col(UserRow.id), col(UserRow.username)))
    usernames = {row[0]: row[1] for row in named}
    rows: list[list[str]]
    if kind is SheetKind.ORG_UNITS:
        rows = list(_org_rows(session, scope, codes))
    elif kind is SheetKind.STAFF:
        rows = list(_staff_rows(session, scope, codes))
    elif kind is SheetKind.SUBJECTS:
        rows = list(_subject_rows(session, scope, codes, usernames))
    else:
        rows = list(_case_rows(session, scope, codes, usernames, time_zone))
    append_audit(
        session,
        "export_sheet",
        now,
        actor_id=actor.user_id,
        device_id=actor.device_id,
        detail={"kind": kind.value, "rows": len(rows), **actor.detail()},
    )
    return write_sheet(SPECS[kind], rows, file_format)
