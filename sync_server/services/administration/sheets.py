"""The ledgers' sheets: their Chinese columns, the words people write in
them, and writing a sheet out (a template, or an export) as XLSX or CSV.

One definition per kind serves the template, the import and the export, so
an exported sheet imports again unchanged (and changes nothing).
docs/admin.md explains every column.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from openpyxl import Workbook

from shared_models.domain.cases import CaseCategory, CaseSource, CaseStatus, PartyKind, PartyRole
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.domain.people import Gender
from shared_models.domain.subjects import CorrectionType, SubjectStatus
from shared_models.protocol.administration import SheetFormat, SheetKind


@dataclass(frozen=True)
class Column:
    """One column: ``key`` is how the code knows it, ``header`` how the sheet does."""

    key: str
    header: str
    required: bool
    note: str


@dataclass(frozen=True)
class SheetSpec:
    kind: SheetKind
    sheet: str
    columns: tuple[Column, ...]

    def header_row(self) -> list[str]:
        return [c.header + ("*" if c.required else "") for c in self.columns]


def _c(key: str, header: str, note: str, required: bool = False) -> Column:
    return Column(key, header, required, note)


SPECS: Final[dict[SheetKind, SheetSpec]] = {
    SheetKind.ORG_UNITS: SheetSpec(
        SheetKind.ORG_UNITS,
        "单位",
        (
            _c("code", "单位编码", "全区唯一，重复导入按它匹配", True),
            _c("name", "单位名称", "正式全称，如“百家镇司法所”", True),
            _c("short_name", "简称", "用于案号，如“百家”；全区唯一（各单位案号不能相同）", True),
            _c("kind", "类型", "司法所 或 调委会", True),
            _c("parent_code", "上级单位编码", "司法所填区的编码，调委会填所属司法所的编码", True),
            _c("address", "地址", "办公地址"),
            _c("contact_person", "联系人", ""),
            _c("contact_phone", "联系电话", "手机或带区号的固定电话"),
        ),
    ),
    SheetKind.STAFF: SheetSpec(
        SheetKind.STAFF,
        "人员",
        (
            _c("username", "用户名", "登录用，小写字母、数字、点、横线；全区唯一", True),
            _c("display_name", "姓名", "", True),
            _c("role", "角色", "调解员、矫正工作人员、主管 或 管理员", True),
            _c("unit_code", "所在单位编码", "调解员在调委会或司法所，矫正工作人员在司法所", True),
            _c("phone", "手机号", "仅管理端可见，不下发到手机"),
        ),
    ),
    SheetKind.SUBJECTS: SheetSpec(
        SheetKind.SUBJECTS,
        "社区矫正对象",
        (
            _c("name", "姓名", "", True),
            _c("id_number", "身份证号", "18 位，检查校验位；重复导入按它匹配", True),
            _c("gender", "性别", "男 或 女；不填按身份证号"),
            _c("birth_date", "出生日期", "不填按身份证号"),
            _c("address", "住址", ""),
            _c("phone", "联系电话", ""),
            _c("correction_type", "矫正类别", "管制、缓刑、假释 或 暂予监外执行", True),
            _c("term_start", "矫正起始日期", "如 2026-03-01", True),
            _c("term_end", "矫正结束日期", "不早于起始日期", True),
            _c("key_person", "重点人员", "是 或 否，不填为否"),
            _c("checkin_interval_days", "报到间隔天数", "1–90，不填为 7"),
            _c("unit_code", "司法所编码", "负责的司法所", True),
            _c("officer", "矫正工作人员用户名", "负责的工作人员，须在该司法所"),
            _c("status", "状态", "在矫、解矫 或 收监，不填为在矫"),
        ),
    ),
    SheetKind.CASES: SheetSpec(
        SheetKind.CASES,
        "调解案件",
        (
            _c("ledger_no", "台账编号", "调委会台账上的编号；同一案件的几位当事人各占一行", True),
            _c("unit_code", "调委会编码", "受理的调委会（或司法所）", True),
            _c("title", "纠纷名称", "", True),
            _c(
                "category",
                "纠纷类型",
                "邻里纠纷、婚姻家庭、物业纠纷、合同债务、劳动争议、损害赔偿、土地宅基地、其他",
                True,
            ),
            _c("source", "来源", "来访、电话、微信、公安移交、法院委托、排查", True),
            _c("opened_on", "受理日期", "如 2026-03-01", True),
            _c("status", "状态", "受理、调查、调解中、达成协议 或 回访（只导入未结案件）", True),
            _c("mediator", "调解员用户名", "须在该调委会"),
            _c("description", "简要情况", ""),
            _c("party_role", "当事人角色", "申请人、被申请人 或 其他", True),
            _c("party_name", "当事人姓名", "个人姓名或单位名称", True),
            _c("party_kind", "当事人类型", "个人 或 单位，不填为个人"),
            _c("party_phone", "当事人电话", ""),
            _c("party_id_number", "当事人身份证号", "个人可填，检查校验位"),
            _c("party_address", "当事人地址", ""),
        ),
    ),
}

LABELS: Final[dict[str, dict[str, str]]] = {
    "kind": {"司法所": OrgUnitKind.OFFICE, "调委会": OrgUnitKind.COMMITTEE,
             "街道司法所": OrgUnitKind.OFFICE, "乡镇司法所": OrgUnitKind.OFFICE,
             "人民调解委员会": OrgUnitKind.COMMITTEE, "村调委会": OrgUnitKind.COMMITTEE,
             "社区调委会": OrgUnitKind.COMMITTEE},
    "role": {"调解员": Role.MEDIATOR, "矫正工作人员": Role.OFFICER, "主管": Role.SUPERVISOR,
             "管理员": Role.ADMIN, "人民调解员": Role.MEDIATOR,
             "社区矫正工作人员": Role.OFFICER},
    "gender": {"男": Gender.MALE, "女": Gender.FEMALE, "未填": Gender.UNSPECIFIED},
    "correction_type": {"管制": CorrectionType.CONTROL, "缓刑": CorrectionType.SUSPENDED_SENTENCE,
                        "假释": CorrectionType.PAROLE,
                        "暂予监外执行": CorrectionType.TEMPORARY_OUTSIDE},
    "subject_status": {"在矫": SubjectStatus.UNDER_SUPERVISION, "解矫": SubjectStatus.RELEASED,
                       "收监": SubjectStatus.REVOKED},
    "category": {"邻里纠纷": CaseCategory.NEIGHBOURHOOD, "婚姻家庭": CaseCategory.MARRIAGE_FAMILY,
                 "物业纠纷": CaseCategory.PROPERTY_MANAGEMENT,
                 "合同债务": CaseCategory.DEBT_CONTRACT, "劳动争议": CaseCategory.LABOUR,
                 "损害赔偿": CaseCategory.DAMAGES, "土地宅基地": CaseCategory.LAND,
                 "其他": CaseCategory.OTHER},
    "source": {"来访": CaseSource.WALK_IN, "电话": CaseSource.PHONE, "微信": CaseSource.WECHAT,
               "公安移交": CaseSource.POLICE_REFERRAL, "法院委托": CaseSource.COURT_REFERRAL,
               "排查": CaseSource.PATROL},
    "case_status": {"受理": CaseStatus.ACCEPTED, "调查": CaseStatus.INVESTIGATING,
                    "调解中": CaseStatus.MEDIATING, "达成协议": CaseStatus.AGREED,
                    "回访": CaseStatus.FOLLOW_UP},
    "party_role": {"申请人": PartyRole.APPLICANT, "被申请人": PartyRole.RESPONDENT,
                   "其他": PartyRole.OTHER},
    "party_kind": {"个人": PartyKind.PERSON, "单位": PartyKind.ORGANISATION},
}  # fmt: skip
"""Chinese words → stored values, per kind of choice; the first word of
each value is the one exports write."""


def label(choice: str, value: str) -> str:
    """The word an export writes for a stored value."""
    for word, stored in LABELS[choice].items():
        if stored == value:
            return word
    return value


XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE: Final = "text/csv; charset=utf-8"


def write_sheet(spec: SheetSpec, rows: Iterable[Sequence[str]], file_format: SheetFormat) -> bytes:
    """The sheet with its header row and ``rows`` (text cells), as a file."""
    if file_format is SheetFormat.CSV:
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(spec.header_row())
        writer.writerows(rows)
        # The byte-order mark: spreadsheet programs otherwise read the
        # Chinese text in the local code page.
        return out.getvalue().encode("utf-8-sig")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spec.sheet)
    sheet.append(spec.header_row())
    for row in rows:
        # Every cell as text: an ID number written as a number would lose
        # its last digits in the spreadsheet program.
        sheet.append(list(row))
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for column in spec.columns:
        notes.append([column.header, "是" if column.required else "", column.note])
    notes.append([])
    notes.append(["第一张工作表的第一行是列名，请勿修改；从第二行起每行一条。"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template(kind: SheetKind, file_format: SheetFormat) -> bytes:
    """An empty sheet of ``kind`` to fill in."""
    return write_sheet(SPECS[kind], [], file_format)
