"""A small district's ledgers (台账) as the bureau keeps them, written with
openpyxl under the templates' Chinese headers: two judicial offices with a
committee each, their staff, people under community correction and open
mediation cases. The end-to-end test imports them into an empty district.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from shared_models.protocol.administration import SheetKind
from sync_server.services.administration.sheets import SPECS
from tests.factories import id_number

DISTRICT_CODE = "130404"
DISTRICT_NAME = "复兴区司法局"


@dataclass(frozen=True)
class Ledgers:
    """The files, and the names the test looks for on the screens."""

    folder: Path
    org_units: Path
    staff: Path
    subjects: Path
    cases: Path
    bad_subjects: Path
    """The subjects' ledger with two mistakes: an ID number whose check
    digit is wrong, and a term that ends on a day that does not exist."""
    mediator: str = "tiaojie.li"
    officer: str = "jiaozheng.wang"
    supervisor: str = "zhuguan.zhao"
    home_cases: tuple[str, ...] = ("百家村楼道堆物纠纷", "百家村宅基地边界纠纷")
    """Cases of the mediator's committee (百家村调委会)."""
    other_cases: tuple[str, ...] = ("西苑社区噪音扰民纠纷",)
    """Cases of the committee the mediator is moved to (西苑社区调委会)."""
    home_subjects: tuple[str, ...] = ("孙某", "周某")
    other_subjects: tuple[str, ...] = ("吴某",)


def _write(path: Path, kind: SheetKind, rows: list[dict[str, str]]) -> Path:
    """A workbook whose first sheet has the template's header row and ``rows``
    (by column key; what a row leaves out stays empty)."""
    spec = SPECS[kind]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = spec.sheet
    sheet.append(spec.header_row())
    for row in rows:
        sheet.append([row.get(column.key, "") for column in spec.columns])
    workbook.save(path)
    return path


def write_ledgers(folder: Path) -> Ledgers:
    folder.mkdir(parents=True, exist_ok=True)
    org_units = _write(
        folder / "单位.xlsx",
        SheetKind.ORG_UNITS,
        [
            {"code": "BJ", "name": "百家街道司法所", "short_name": "百家", "kind": "司法所",
             "parent_code": DISTRICT_CODE, "address": "百家街道人民路 1 号",
             "contact_person": "赵主管", "contact_phone": "0310-3012345"},
            {"code": "XY", "name": "西苑街道司法所", "short_name": "西苑", "kind": "司法所",
             "parent_code": DISTRICT_CODE},
            {"code": "BJ01", "name": "百家村人民调解委员会", "short_name": "百家村",
             "kind": "调委会", "parent_code": "BJ"},
            {"code": "XY01", "name": "西苑社区人民调解委员会", "short_name": "西苑社区",
             "kind": "调委会", "parent_code": "XY"},
        ],
    )  # fmt: skip
    staff = _write(
        folder / "人员.xlsx",
        SheetKind.STAFF,
        [
            {"username": "tiaojie.li", "display_name": "李调解", "role": "调解员",
             "unit_code": "BJ01", "phone": "13800000001"},
            {"username": "tiaojie.chen", "display_name": "陈调解", "role": "调解员",
             "unit_code": "XY01"},
            {"username": "jiaozheng.wang", "display_name": "王矫正", "role": "矫正工作人员",
             "unit_code": "BJ", "phone": "13800000002"},
            {"username": "jiaozheng.liu", "display_name": "刘矫正", "role": "矫正工作人员",
             "unit_code": "XY"},
            {"username": "zhuguan.zhao", "display_name": "赵主管", "role": "主管",
             "unit_code": "BJ"},
        ],
    )  # fmt: skip
    subject_rows = [
            {"name": name, "id_number": id_number(date(1980 + n, 3, 1 + n), f"{n:03d}"),
             "correction_type": "缓刑", "term_start": "2026-03-01", "term_end": "2027-02-28",
             "unit_code": unit, "officer": officer}
            for n, (name, unit, officer) in enumerate(
                [("孙某", "BJ", "jiaozheng.wang"), ("周某", "BJ", "jiaozheng.wang"),
                 ("吴某", "XY", "jiaozheng.liu")],
                start=1,
            )
        ]  # fmt: skip
    subjects = _write(folder / "社区矫正对象.xlsx", SheetKind.SUBJECTS, subject_rows)
    wrong_digit = subject_rows[1]["id_number"][:-1] + (
        "1" if subject_rows[1]["id_number"][-1] != "1" else "2"
    )
    bad_subjects = _write(
        folder / "社区矫正对象（有误）.xlsx",
        SheetKind.SUBJECTS,
        [
            subject_rows[0],
            {**subject_rows[1], "id_number": wrong_digit},
            {**subject_rows[2], "term_end": "2027-02-30"},
        ],
    )
    cases = _write(
        folder / "调解案件.xlsx",
        SheetKind.CASES,
        [
            {"ledger_no": f"2026-{n:03d}", "unit_code": unit, "title": title,
             "category": "邻里纠纷", "source": "来访", "opened_on": "2026-11-0" + str(n),
             "status": "调解中", "party_role": "申请人",
             "party_name": f"当事人{n}"}
            # No mediator named: a mediator with open cases of their own would
            # have to hand them over before a move (docs/protocol.md).
            for n, (title, unit) in enumerate(
                [("百家村楼道堆物纠纷", "BJ01"), ("百家村宅基地边界纠纷", "BJ01"),
                 ("西苑社区噪音扰民纠纷", "XY01")],
                start=1,
            )
        ],
    )  # fmt: skip
    return Ledgers(folder, org_units, staff, subjects, cases, bad_subjects)
