"""The importers of org units, staff and community-correction subjects
(cases: ``import_cases.py``). Each matches a row to the district by its
natural key (unit code, username, ID number): a row already there is
counted unchanged and never touched."""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from shared_models.domain.case_numbers import unit_short_name
from shared_models.domain.org import OrgUnitKind, OrgUnitRecord, Role, UserRecord
from shared_models.domain.people import Gender
from shared_models.domain.subjects import SubjectRecord
from shared_models.protocol.administration import ImportProblem, NewAccount, SheetKind
from shared_models.protocol.tables import TableName
from sync_server.core.security import hash_password, new_one_time_password
from sync_server.repositories.scope import RowScope, Work
from sync_server.services.administration.import_cases import CaseImporter
from sync_server.services.administration.import_rows import Cells, Importer
from sync_server.services.administration.number_prefixes import prefix_holder
from sync_server.services.administration.org_tree import PARENT_KIND
from sync_server.services.administration.staff import WORKS_AT
from sync_server.services.administration.values import (
    read_date,
    read_id_number,
    read_int,
    read_phone,
    read_yes_no,
)
from sync_server.services.sync.placement import works_there
from sync_server.services.sync.seeding import load_records
from sync_server.services.sync.workspace import Workspace
from sync_server.tables import OrgUnitRow, SubjectRow, UserRow

_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def units_by_code(session: Session) -> dict[str, OrgUnitRow]:
    return {
        row.code: row
        for row in session.scalars(select(OrgUnitRow).where(col(OrgUnitRow.deleted).is_(False)))
        if row.code
    }


class OrgUnitImporter(Importer):
    """Offices and committees; a parent may be in the district or earlier
    or later in the same file (offices are written before committees)."""

    def __init__(self, session: Session, sheet: str, time_zone: str) -> None:
        super().__init__(session, sheet, time_zone)
        self.known = units_by_code(session)
        self.planned: dict[str, tuple[int, OrgUnitRecord, str]] = {}
        self.prefixes: dict[str, int] = {}
        """The case-number prefix of each planned unit → its row."""

    def check(self, cells: Cells) -> None:
        code = cells.text("code", required=True, max_length=40)
        if code in self.known:
            self.unchanged += 1
            return
        if code in self.planned:
            first = self.planned[code][0]
            cells.fail("code", f"单位编码“{code}”与第 {first} 行重复", "每个单位一行，编码不能重复")
            return
        kind = cells.choice("kind", "kind", "类型")
        record_values: dict[str, Any] = {
            "name": cells.text("name", required=True),
            "short_name": cells.text("short_name", required=True, max_length=20),
            "address": cells.text("address"),
            "contact_person": cells.text("contact_person"),
            "contact_phone": cells.read("contact_phone", read_phone, ""),
        }
        parent_code = cells.text("parent_code", required=True, max_length=40)
        if not cells.ok:
            return
        try:
            record = OrgUnitRecord(id=uuid4(), kind=OrgUnitKind(kind), code=code, **record_values)
        except ValidationError as error:
            cells.model_problem(error, {"name": "name", "short_name": "short_name"})
            return
        if not self._prefix_free(cells, record):
            return
        self.planned[code] = (cells.number, record, parent_code)

    def _prefix_free(self, cells: Cells, record: OrgUnitRecord) -> bool:
        """Each unit's case numbers carry a short name of their own
        (``number_prefixes``): in the district and within the file."""
        prefix = unit_short_name(record.short_name, record.name)
        holder = prefix_holder(self.session, prefix)
        first = self.prefixes.get(prefix)
        if holder is None and first is None:
            self.prefixes[prefix] = cells.number
            return True
        if holder is None:
            taken = f"已是第 {first} 行单位的案号简称"
        elif holder.unit_name:
            taken = f"已是“{holder.unit_name}”的案号简称"
        else:
            taken = f"已用于案号“{holder.case_number}”"
        cells.fail(
            "short_name",
            f"简称“{prefix}”{taken}",
            "每个单位的案号要用自己的简称，换一个简称",
        )
        return False

    def finish(self) -> list[ImportProblem]:
        problems: list[ImportProblem] = []
        for code, (number, record, parent_code) in self.planned.items():
            wanted = PARENT_KIND[OrgUnitKind(record.kind)]
            known = self.known.get(parent_code)
            planned = self.planned.get(parent_code)
            parent_kind = (
                OrgUnitKind(known.kind) if known else None if planned is None else planned[1].kind
            )
            if known is None and planned is None:
                problems.append(
                    self.problem(
                        number,
                        "上级单位编码",
                        f"找不到编码为“{parent_code}”的上级单位",
                        "先导入上级单位，或核对编码（区的编码见管理端“本区”）",
                    )
                )
            elif parent_kind != wanted:
                problems.append(
                    self.problem(
                        number,
                        "上级单位编码",
                        f"“{code}”的上级“{parent_code}”类型不对",
                        "司法所的上级是区，调委会的上级是司法所",
                    )
                )
            elif known is not None and known.closed:
                problems.append(
                    self.problem(
                        number, "上级单位编码", f"上级单位“{parent_code}”已撤销", "换一个上级单位"
                    )
                )
        return problems

    def write(
        self, bad: set[int], now: datetime, created_by: UUID | None
    ) -> tuple[int, list[NewAccount]]:
        created = 0
        ids = {code: row.id for code, row in self.known.items()}
        for kind in (OrgUnitKind.OFFICE, OrgUnitKind.COMMITTEE):
            batch: list[OrgUnitRecord] = []
            for code, (number, record, parent_code) in self.planned.items():
                if number in bad or record.kind != kind or parent_code not in ids:
                    continue
                record.parent_id = ids[parent_code]
                record.created_by = created_by
                ids[code] = record.id
                batch.append(record)
            created += load_records(self.session, TableName.ORG_UNITS, batch)
        return created, []


class StaffImporter(Importer):
    """Accounts, each with a one-time password to change at first sign-in."""

    def __init__(self, session: Session, sheet: str, time_zone: str) -> None:
        super().__init__(session, sheet, time_zone)
        self.units = units_by_code(session)
        self.usernames = set(session.scalars(select(col(UserRow.username))))
        self.planned: dict[str, tuple[int, UserRecord, str]] = {}

    def check(self, cells: Cells) -> None:
        username = cells.text("username", required=True, max_length=64).lower()
        if username in self.usernames:
            self.unchanged += 1
            return
        if username in self.planned:
            first = self.planned[username][0]
            cells.fail("username", f"用户名“{username}”与第 {first} 行重复", "每人一个不同的用户名")
            return
        if username and (len(username) < 2 or not set(username) <= _USERNAME_CHARS):
            cells.fail(
                "username",
                f"用户名“{username}”含不允许的字符",
                "只用小写字母、数字、点、横线、下划线，至少 2 个字符",
            )
        name = cells.text("display_name", required=True)
        role = cells.choice("role", "role", "角色")
        unit_code = cells.text("unit_code", required=True, max_length=40)
        phone = cells.read("phone", read_phone, "")
        unit = self.units.get(unit_code)
        if unit_code and unit is None:
            cells.fail("unit_code", f"找不到编码为“{unit_code}”的单位", "先导入单位，或核对编码")
        elif unit is not None and unit.closed:
            cells.fail("unit_code", f"单位“{unit.name}”已撤销", "换一个单位")
        elif unit is not None and role and OrgUnitKind(unit.kind) not in WORKS_AT[Role(role)]:
            cells.fail(
                "unit_code",
                f"{unit.name}不能安排该角色",
                "调解员在调委会或司法所，矫正工作人员在司法所，主管在司法所或区，管理员在区",
            )
        if not cells.ok or unit is None:
            return
        record = UserRecord(
            id=uuid4(), username=username, display_name=name, role=Role(role), org_unit_id=unit.id
        )
        self.planned[username] = (cells.number, record, phone)

    def write(
        self, bad: set[int], now: datetime, created_by: UUID | None
    ) -> tuple[int, list[NewAccount]]:
        records: list[UserRecord] = []
        hashes: dict[UUID, str] = {}
        extra: dict[UUID, dict[str, Any]] = {}
        accounts: list[NewAccount] = []
        for number, record, phone in self.planned.values():
            if number in bad:
                continue
            one_time = new_one_time_password()
            record.created_by = created_by
            records.append(record)
            hashes[record.id] = hash_password(one_time)
            extra[record.id] = {"must_change_password": True, "phone": phone}
            accounts.append(
                NewAccount(
                    username=record.username,
                    display_name=record.display_name,
                    one_time_password=one_time,
                )
            )
        created = load_records(
            self.session, TableName.USERS, records, password_hashes=hashes, server_columns=extra
        )
        return created, accounts


_SUBJECT_COLUMNS = {
    "name": "name",
    "id_number": "id_number",
    "term_end": "term_end",
    "term_start": "term_start",
    "phone": "phone",
    "birth_date": "birth_date",
}


class SubjectImporter(Importer):
    """Subjects under community correction, matched by ID number."""

    def __init__(self, session: Session, sheet: str, time_zone: str) -> None:
        super().__init__(session, sheet, time_zone)
        self.units = units_by_code(session)
        self.workspace = Workspace(session)
        self.officers = {
            row.username: row.id
            for row in session.scalars(select(UserRow).where(col(UserRow.role) == Role.OFFICER))
        }
        self.id_numbers = set(
            session.scalars(
                select(col(SubjectRow.id_number)).where(col(SubjectRow.deleted).is_(False))
            )
        )
        self.planned: dict[str, tuple[int, SubjectRecord]] = {}
        self._works: dict[tuple[UUID, UUID], bool] = {}

    def check(self, cells: Cells) -> None:
        if not cells.text("id_number", required=True):
            return
        id_number = cells.read("id_number", read_id_number, "")
        if not id_number:
            return
        if id_number in self.id_numbers:
            self.unchanged += 1
            return
        if id_number in self.planned:
            first = self.planned[id_number][0]
            cells.fail("id_number", f"身份证号与第 {first} 行重复", "每名矫正对象一行")
            return
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        from_id = Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE
        values: dict[str, Any] = {
            "name": cells.text("name", required=True),
            "id_number": id_number,
            "gender": cells.choice("gender", "gender", "性别", default=from_id),
            "birth_date": cells.read("birth_date", read_date, None) or born,
            "address": cells.text("address"),
            "phone": cells.read("phone", read_phone, "") or None,
            "correction_type": cells.choice("correction_type", "correction_type", "矫正类别"),
            "term_start": self._day(cells, "term_start"),
            "term_end": self._day(cells, "term_end"),
            "key_person": cells.read("key_person", read_yes_no, False),
            "checkin_interval_days": cells.read(
                "checkin_interval_days",
                lambda v: (
                    7 if v is None or str(v).strip() == "" else read_int(v, 1, 90, "报到间隔")
                ),
                7,
            ),
            "status": cells.choice("status", "subject_status", "状态", default="under_supervision"),
        }
        unit = self._office(cells)
        officer = self._officer(cells, unit)
        if not cells.ok or unit is None:
            return
        try:
            record = SubjectRecord.model_validate(
                {"id": uuid4(), "org_unit_id": unit.id, "officer_id": officer, **values},
                strict=False,
            )
        except ValidationError as error:
            cells.model_problem(error, _SUBJECT_COLUMNS)
            return
        self.planned[id_number] = (cells.number, record)

    @staticmethod
    def _day(cells: Cells, key: str) -> date | None:
        day = cells.read(key, read_date, None)
        if day is None and cells.ok:
            cells.fail(key, f"“{cells.headers[key]}”没有填写", "该列必填，如 2026-03-01")
        return day

    def _office(self, cells: Cells) -> OrgUnitRow | None:
        code = cells.text("unit_code", required=True, max_length=40)
        unit = self.units.get(code)
        if code and (unit is None or unit.kind != OrgUnitKind.OFFICE or unit.closed):
            cells.fail("unit_code", f"“{code}”不是在用的司法所编码", "填负责该对象的司法所的编码")
            return None
        return unit

    def _officer(self, cells: Cells, unit: OrgUnitRow | None) -> UUID | None:
        username = cells.text("officer", max_length=64).lower()
        if not username:
            return None
        officer = self.officers.get(username)
        if officer is None:
            cells.fail(
                "officer", f"没有用户名为“{username}”的矫正工作人员", "先导入人员，或核对用户名"
            )
            return None
        if unit is None:
            return officer
        key = (officer, unit.id)
        if key not in self._works:
            where = RowScope(unit.id, None, Work.CORRECTION)
            self._works[key] = works_there(self.workspace, "officer_id", officer, where)
        if not self._works[key]:
            cells.fail(
                "officer", f"“{username}”不在该司法所工作（或已停用）", "填该司法所的矫正工作人员"
            )
        return officer

    def write(
        self, bad: set[int], now: datetime, created_by: UUID | None
    ) -> tuple[int, list[NewAccount]]:
        records = [record for number, record in self.planned.values() if number not in bad]
        for record in records:
            record.created_by = created_by
        return load_records(self.session, TableName.SUBJECTS, records), []


KIND_IMPORTERS: dict[SheetKind, type[Importer]] = {
    SheetKind.ORG_UNITS: OrgUnitImporter,
    SheetKind.STAFF: StaffImporter,
    SheetKind.SUBJECTS: SubjectImporter,
    SheetKind.CASES: CaseImporter,
}
