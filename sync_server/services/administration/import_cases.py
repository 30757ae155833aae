"""The importer of open mediation cases with their parties: one row per
party, the rows of one case sharing its committee and ledger number (台账
编号); the case's own columns are filled on its first row and either
repeated or left empty on the others.

A case's id is derived from its committee's code and ledger number
(``uuid5``), and each party's from the case and its place among the case's
rows, so importing the same ledger again finds every case already there
and changes nothing. A case with one bad row is not imported at all: a
case without one of its parties would be wrong in a way nobody sees.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.district_time import day_start, district_zone
from shared_models.domain.cases import CaseRecord, PartyKind, PartyRecord
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.protocol.administration import ImportProblem, NewAccount
from shared_models.protocol.tables import TableName
from sync_server.repositories.scope import RowScope, Work
from sync_server.services.administration.import_rows import Cells, Importer
from sync_server.services.administration.values import (
    clean_text,
    read_date,
    read_id_number,
    read_phone,
)
from sync_server.services.sync.placement import works_there
from sync_server.services.sync.seeding import load_records
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import CaseRow, OrgUnitRow, UserRow

LEDGER_NAMESPACE = UUID("9a4f3a52-6c1e-4d55-9a59-3f1c2a7d8e10")
"""Names the ids of imported cases: the same ledger line is the same case."""

_CHUNK = 1000
_CASE_KEYS = ("title", "category", "source", "opened_on", "status", "mediator", "description")
_CASE_COLUMNS = {"title": "title", "description": "description", "opened_at": "opened_on"}
_PARTY_COLUMNS = {"name": "party_name", "phone": "party_phone", "id_number": "party_id_number"}


def case_id(unit_code: str, ledger_no: str) -> UUID:
    """The id of the case on a ledger line. An export writes a case's own id
    as its ledger number, so an exported sheet imports as the same cases."""
    try:
        return UUID(ledger_no)
    except ValueError:
        return uuid5(LEDGER_NAMESPACE, f"case/{unit_code}/{ledger_no}")


class _Case:
    """One case as its rows are read."""

    def __init__(self, first_row: int, record: CaseRecord | None, values: dict[str, str]) -> None:
        self.first_row = first_row
        self.record = record
        self.values = values
        self.rows: list[int] = []
        self.fine_rows: list[int] = []
        self.parties: list[PartyRecord] = []
        self.bad = False


class CaseImporter(Importer):
    def __init__(self, session: Session, sheet: str, time_zone: str) -> None:
        super().__init__(session, sheet, time_zone)
        self.zone = district_zone(time_zone)
        self.units = {
            row.code: row
            for row in session.scalars(select(OrgUnitRow).where(col(OrgUnitRow.deleted).is_(False)))
            if row.code
        }
        self.mediators = {
            row.username: row.id
            for row in session.scalars(select(UserRow).where(col(UserRow.role) != Role.OFFICER))
        }
        self.workspace = Workspace(session)
        self.cases: dict[UUID, _Case] = {}
        self.existing: set[UUID] = set()
        self._works: dict[tuple[UUID, UUID], bool] = {}

    def prepare(self, rows: list[Cells]) -> None:
        """The cases of the file already in the district, in chunks of ids."""
        keys = sorted(
            {
                case_id(unit, ledger)
                for cells in rows
                if (unit := clean_text(cells.raw("unit_code")))
                and (ledger := clean_text(cells.raw("ledger_no")))
            }
        )
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            self.existing.update(
                self.session.scalars(select(col(CaseRow.id)).where(col(CaseRow.id).in_(chunk)))
            )

    def check(self, cells: Cells) -> None:
        ledger_no = cells.text("ledger_no", required=True, max_length=60)
        unit_code = cells.text("unit_code", required=True, max_length=40)
        if not ledger_no or not unit_code:
            return
        key = case_id(unit_code, ledger_no)
        case = self.cases.get(key)
        if case is None:
            if key in self.existing:
                self.unchanged += 1
                return
            case = _Case(cells.number, self._case(cells, key, unit_code), self._case_values(cells))
            self.cases[key] = case
        else:
            self._same_case(cells, case)
        case.rows.append(cells.number)
        party = self._party(cells, key, len(case.rows))
        if party is not None:
            case.parties.append(party)
        if cells.ok and case.record is not None:
            case.fine_rows.append(cells.number)
        else:
            case.bad = True

    @staticmethod
    def _case_values(cells: Cells) -> dict[str, str]:
        return {name: clean_text(cells.raw(name)) for name in _CASE_KEYS}

    def _same_case(self, cells: Cells, case: _Case) -> None:
        """A later row of a case repeats its columns or leaves them empty."""
        for name, value in self._case_values(cells).items():
            if value and value != case.values[name]:
                cells.fail(
                    name,
                    f"与同一案件第 {case.first_row} 行的“{case.values[name]}”不一致",
                    "同一台账编号的各行，案件信息须相同（或只在第一行填写）",
                )

    def _case(self, cells: Cells, key: UUID, unit_code: str) -> CaseRecord | None:
        unit = self.units.get(unit_code)
        if unit is None or unit.closed or unit.kind == OrgUnitKind.DISTRICT:
            cells.fail("unit_code", f"“{unit_code}”不是在用的调委会或司法所编码", "核对编码")
        opened_on = cells.read("opened_on", read_date, None)
        if opened_on is None and cells.ok:
            cells.fail("opened_on", "受理日期没有填写", "该列必填，如 2026-03-01")
        values: dict[str, Any] = {
            "title": cells.text("title", required=True),
            "category": cells.choice("category", "category", "纠纷类型"),
            "source": cells.choice("source", "source", "来源"),
            "status": cells.choice("status", "case_status", "状态"),
            "description": cells.text("description", max_length=20_000),
        }
        mediator = self._mediator(cells, unit)
        if not cells.ok or unit is None or opened_on is None:
            return None
        try:
            return CaseRecord.model_validate(
                {
                    "id": key,
                    "org_unit_id": unit.id,
                    "mediator_id": mediator,
                    "opened_at": day_start(opened_on, self.zone),
                    **values,
                },
                strict=False,
            )
        except ValidationError as error:
            cells.model_problem(error, _CASE_COLUMNS)
            return None

    def _mediator(self, cells: Cells, unit: OrgUnitRow | None) -> UUID | None:
        username = cells.text("mediator", max_length=64).lower()
        if not username:
            return None
        mediator = self.mediators.get(username)
        if mediator is None:
            cells.fail("mediator", f"没有用户名为“{username}”的调解员", "先导入人员，或核对用户名")
            return None
        if unit is not None:
            pair = (mediator, unit.id)
            if pair not in self._works:
                where = RowScope(unit.id, None, Work.MEDIATION)
                self._works[pair] = works_there(self.workspace, "mediator_id", mediator, where)
            if not self._works[pair]:
                cells.fail(
                    "mediator", f"“{username}”不在该调委会工作（或已停用）", "填该调委会的调解员"
                )
        return mediator

    def _party(self, cells: Cells, key: UUID, place: int) -> PartyRecord | None:
        values: dict[str, Any] = {
            "role": cells.choice("party_role", "party_role", "当事人角色"),
            "kind": cells.choice(
                "party_kind", "party_kind", "当事人类型", default=PartyKind.PERSON
            ),
            "name": cells.text("party_name", required=True),
            "phone": cells.read("party_phone", read_phone, "") or None,
            "id_number": None,
            "address": cells.text("party_address"),
        }
        if clean_text(cells.raw("party_id_number")):
            values["id_number"] = cells.read("party_id_number", read_id_number, None)
        if not cells.ok:
            return None
        try:
            return PartyRecord.model_validate(
                {"id": uuid5(key, f"party/{place}"), "case_id": key, **values}, strict=False
            )
        except ValidationError as error:
            cells.model_problem(error, _PARTY_COLUMNS)
            return None

    def finish(self) -> list[ImportProblem]:
        """The rows of a refused case that were fine themselves are refused too."""
        problems: list[ImportProblem] = []
        for case in self.cases.values():
            if not case.bad:
                continue
            problems.extend(
                self.problem(
                    row, None, "同一案件的其他行有错误，整个案件未导入", "改正该案件其他行的错误"
                )
                for row in case.fine_rows
            )
        return problems

    def write(
        self, bad: set[int], now: datetime, created_by: UUID | None
    ) -> tuple[int, list[NewAccount]]:
        cases = [
            case
            for case in self.cases.values()
            if not case.bad and case.record is not None and not bad.intersection(case.rows)
        ]
        records: Sequence[CaseRecord] = [case.record for case in cases if case.record is not None]
        for record in records:
            record.created_by = created_by
        created = load_records(self.session, TableName.CASES, records)
        parties = [party for case in cases for party in case.parties]
        for party in parties:
            party.created_by = created_by
        load_records(self.session, TableName.PARTIES, parties)
        return created, []
