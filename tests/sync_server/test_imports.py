"""Importing the district's ledgers through the admin routes and the command
line: every row checked first, problems named by row and column in
Chinese, nothing written on a problem (or only the valid rows, on request),
the same file twice changes nothing, exports import again unchanged, and
imported records reach the devices of their office."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from lastmile_cli import app
from shared_models.protocol.administration import SheetKind
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session
from sync_server.tables import CaseRow, OrgUnitRow, PartyRow, SubjectRow, UserRow
from tests.factories import District, id_number
from tests.sheet_files import csv_text, xlsx
from tests.sync_server.conftest import Device

ORG = SheetKind.ORG_UNITS
STAFF = SheetKind.STAFF
SUBJECTS = SheetKind.SUBJECTS
CASES = SheetKind.CASES


@pytest.fixture
def admin(client: TestClient, district: District) -> Device:
    """The admin, with the test district's units given codes (FX, BJ, XY, …)."""
    device = Device(client, "admin", "admin-desk")
    coded = (
        (district.district, "FX"),
        (district.baijia, "BJ"),
        (district.xiyuan, "XY"),
        (district.baijia_committee, "BJ-C1"),
        (district.xiyuan_committee, "XY-C1"),
    )
    for unit, code in coded:
        response = client.patch(
            f"/api/v1/admin/org-units/{unit.id}",
            json={"code": code, "reason": "编码"},
            headers=device.headers,
        )
        assert response.status_code == 200, response.text
    return device


def upload(client: TestClient, device: Device, kind: SheetKind, data: bytes, **params: Any) -> Any:
    response = client.post(
        f"/api/v1/admin/sheets/{kind.value}/import",
        content=data,
        params={key: str(value).lower() for key, value in params.items()},
        headers=device.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def count(engine: Engine, model: Any) -> int:
    with read_session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


ORG_ROWS = [
    # A committee before its office: the file's order does not matter.
    ["NEW1-C1", "新华村人民调解委员会", "新华村", "调委会", "NEW1", "新华村", "", ""],
    ["NEW1", "新华镇司法所", "新华", "司法所", "FX", "新华镇人民路1号", "张三", "0571-87654321"],
    ["BJ-C2", "百家社区调委会", "百家社区", "村调委会", "BJ", "", "", "138 1234 5678"],
]


def test_org_units_import_once_and_the_same_file_changes_nothing(
    client: TestClient, admin: Device, engine: Engine
) -> None:
    before = count(engine, OrgUnitRow)
    report = upload(client, admin, ORG, xlsx(ORG_ROWS))
    assert report["problems"] == []
    assert report["written"]
    assert (report["created"], report["unchanged"]) == (3, 0)
    with read_session(engine) as session:
        units = {row.code: row for row in session.scalars(select(OrgUnitRow))}
    assert units["NEW1-C1"].parent_id == units["NEW1"].id
    assert units["BJ-C2"].contact_phone == "13812345678"
    assert units["NEW1"].short_name == "新华"
    again = upload(client, admin, ORG, xlsx(ORG_ROWS))
    assert (again["created"], again["unchanged"]) == (0, 3)
    assert count(engine, OrgUnitRow) == before + 3
    mediator = Device(client, "mediator.xiyuan", "phone-xiyuan")
    mediator.pull()
    assert str(units["NEW1"].id) in mediator.ids("org_units")  # the tree is public


def test_a_bad_row_stops_the_whole_file_unless_only_valid_is_asked(
    client: TestClient, admin: Device, engine: Engine
) -> None:
    rows = [
        *ORG_ROWS[1:],
        ["BAD1", "坏单位", "坏", "居委会", "NOPE", "", "", "12345"],
        ["NEW1", "重复", "重", "司法所", "FX", "", "", ""],
    ]
    before = count(engine, OrgUnitRow)
    report = upload(client, admin, ORG, xlsx(rows))
    assert not report["written"]
    assert report["created"] == 0
    assert count(engine, OrgUnitRow) == before
    found = {(p["row"], p["column"]) for p in report["problems"]}
    assert (4, "类型") in found
    assert (4, "联系电话") in found
    assert (5, "单位编码") in found
    assert all(p["sheet"] == "Sheet1" and p["fix"] for p in report["problems"])
    assert any("重复" in p["problem"] for p in report["problems"])
    partial = upload(client, admin, ORG, xlsx(rows), only_valid=True)
    assert partial["written"]
    assert partial["created"] == 2
    assert partial["refused"] == 2
    assert count(engine, OrgUnitRow) == before + 2


def test_imported_units_need_a_case_number_prefix_of_their_own(
    client: TestClient, admin: Device
) -> None:
    rows = [
        ["NEW2-C1", "东街村人民调解委员会", "东街", "调委会", "BJ", "", "", ""],
        ["NEW2-C2", "东街社区人民调解委员会", "东街", "调委会", "BJ", "", "", ""],
        ["NEW2-C3", "百家村第二调委会", "百家村调委会", "调委会", "BJ", "", "", ""],
    ]
    report = upload(client, admin, ORG, xlsx(rows))
    assert not report["written"]
    problems = {p["row"]: p for p in report["problems"]}
    assert set(problems) == {3, 4}
    assert all(p["column"] == "简称" for p in problems.values())
    assert "第 2 行" in problems[3]["problem"]
    assert "百家村调委会" in problems[4]["problem"]


def test_a_dry_run_checks_and_writes_nothing(
    client: TestClient, admin: Device, engine: Engine
) -> None:
    before = count(engine, OrgUnitRow)
    report = upload(client, admin, ORG, xlsx(ORG_ROWS), dry_run=True)
    assert report["dry_run"]
    assert not report["written"]
    assert report["problems"] == []
    assert count(engine, OrgUnitRow) == before


def test_staff_subjects_and_cases_reach_their_office_devices(
    client: TestClient, admin: Device, engine: Engine
) -> None:
    upload(client, admin, ORG, xlsx(ORG_ROWS))
    staff = [
        ["li.mediator", "李调解", "调解员", "NEW1-C1", "13900001111"],
        ["wang.officer", "王矫正", "矫正工作人员", "BJ", ""],
        ["Zhao.Sup", "赵主管", "主管", "NEW1", ""],
    ]
    report = upload(client, admin, STAFF, xlsx(staff, kind=STAFF))
    assert report["created"] == 3, report
    passwords = {a["username"]: a["one_time_password"] for a in report["accounts"]}
    assert set(passwords) == {"li.mediator", "wang.officer", "zhao.sup"}
    login = client.post(
        "/api/v1/auth/login",
        json={
            "username": "li.mediator",
            "password": passwords["li.mediator"],
            "device_id": "li-phone-01",
            "device_name": "phone",
        },
    )
    assert login.status_code == 200
    assert login.json()["must_change_password"] is True
    subjects = [
        ["孙某", id_number(serial="231"), "", "2026/3/1", "百家街道", "１３８１２３４５６７８",
         "缓刑", "2026年3月1日", 46447, "是", "", "BJ", "wang.officer", ""],
        ["周某", id_number(serial="442"), "女", "", "", "", "假释", "20260101", "2026.12.31",
         "", "14", "BJ", "", "在矫"],
    ]  # fmt: skip
    report = upload(client, admin, SUBJECTS, xlsx(subjects, kind=SUBJECTS))
    assert report["problems"] == [], report
    assert report["created"] == 2
    cases = [
        ["TZ-001", "NEW1-C1", "宅基地边界纠纷", "土地宅基地", "来访", "2026-11-02", "调解中",
         "li.mediator", "两户争地界", "申请人", "甲", "", "13900002222", "", ""],
        ["TZ-001", "NEW1-C1", "", "", "", "", "", "", "", "被申请人", "乙", "个人", "", "", ""],
        ["TZ-002", "NEW1-C1", "物业费纠纷", "物业纠纷", "电话", "2026/11/5", "受理", "", "",
         "申请人", "某物业公司", "单位", "", "", ""],
    ]  # fmt: skip
    report = upload(client, admin, CASES, xlsx(cases, kind=CASES))
    assert report["problems"] == [], report
    assert report["created"] == 2
    assert count(engine, PartyRow) >= 3
    officer = Device(client, "officer.baijia", "officer-phone")
    officer.pull()
    with read_session(engine) as session:
        imported = {row.id_number: row for row in session.scalars(select(SubjectRow))}
        li = session.scalars(select(UserRow).where(UserRow.username == "li.mediator")).one()
        case_ids = {
            str(row.id)
            for row in session.scalars(select(CaseRow).where(CaseRow.mediator_id == li.id))
        }
    sun = imported[id_number(serial="231")]
    assert sun.phone == "13812345678"
    assert sun.key_person
    assert sun.term_end.isoformat() == "2027-03-01"
    assert str(sun.id) in officer.ids("subjects")  # officer.baijia works at BJ
    mediator = Device(client, "mediator.baijia", "baijia-phone")
    mediator.pull()
    assert not officer.ids("cases")
    assert not case_ids & mediator.ids("cases")
    district_wide = Device(client, "supervisor.fuxing", "district-desk")
    district_wide.pull()
    assert case_ids <= district_wide.ids("cases")
    assert len(case_ids) == 1
    again = upload(client, admin, CASES, xlsx(cases, kind=CASES))
    assert (again["created"], again["unchanged"]) == (0, 3)


def test_exports_import_again_unchanged(client: TestClient, admin: Device, engine: Engine) -> None:
    upload(client, admin, ORG, xlsx(ORG_ROWS))
    upload(
        client, admin, STAFF, xlsx([["li.mediator", "李调解", "调解员", "NEW1-C1", ""]], kind=STAFF)
    )
    subjects = [["孙某", id_number(serial="231"), "男", "", "", "", "缓刑", "2026-03-01",
                 "2027-03-01", "否", "7", "BJ", "", "在矫"]]  # fmt: skip
    assert upload(client, admin, SUBJECTS, xlsx(subjects, kind=SUBJECTS))["created"] == 1
    cases = [["TZ-9", "NEW1-C1", "纠纷", "其他", "排查", "2026-11-02", "受理", "li.mediator", "",
              "申请人", "甲", "", "", "", ""]]  # fmt: skip
    assert upload(client, admin, CASES, xlsx(cases, kind=CASES))["created"] == 1
    for kind in SheetKind:
        for file_format in ("xlsx", "csv"):
            exported = client.get(
                f"/api/v1/admin/sheets/{kind.value}/export",
                params={"format": file_format},
                headers=admin.headers,
            )
            assert exported.status_code == 200, exported.text
            report = upload(client, admin, kind, exported.content)
            assert report["problems"] == [], (kind, report)
            assert report["created"] == 0, (kind, report)
            assert report["unchanged"] >= 1, (kind, report)


def test_csv_in_gbk_and_with_a_bom_imports(client: TestClient, admin: Device) -> None:
    gbk = upload(client, admin, ORG, csv_text(ORG_ROWS[1:2], ORG, "gbk"))
    assert gbk["created"] == 1, gbk
    bom = upload(client, admin, ORG, csv_text(ORG_ROWS[0:1], ORG, "utf-8-sig"))
    assert bom["created"] == 1, bom


def test_templates_are_chinese_and_only_for_admins(client: TestClient, admin: Device) -> None:
    template = client.get("/api/v1/admin/sheets/staff/template?format=csv", headers=admin.headers)
    assert template.status_code == 200
    assert template.content.decode("utf-8-sig").startswith("用户名*,姓名*,角色*")
    empty = upload(client, admin, STAFF, template.content)
    assert (empty["rows"], empty["problems"]) == (0, [])
    officer = Device(client, "officer.baijia", "officer-phone-2")
    refused = client.get("/api/v1/admin/sheets/staff/template", headers=officer.headers)
    assert refused.status_code == 403
    refused = client.post(
        "/api/v1/admin/sheets/staff/import", content=b"x", headers=officer.headers
    )
    assert refused.status_code == 403


def test_the_command_line_imports_the_same_way(
    client: TestClient,
    admin: Device,
    engine: Engine,
    db_url: str,
    settings: ServerSettings,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LASTMILE_BLOBS", str(settings.blobs))
    upload(client, admin, ORG, xlsx(ORG_ROWS))
    sheet = tmp_path / "人员.xlsx"
    sheet.write_bytes(
        xlsx(
            [["li.mediator", "李调解", "调解员", "NEW1-C1", ""], ["x", "", "", "", ""]], kind=STAFF
        )
    )
    args = ["admin", "import", "staff", str(sheet), "--db", db_url]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1
    assert "第3行" in refused.output
    assert "NOTHING written" in refused.output
    done = CliRunner().invoke(
        app, [*args, "--only-valid", "--accounts-out", str(tmp_path / "pw.csv")]
    )
    assert done.exit_code == 0, done.output
    assert "li.mediator" in (tmp_path / "pw.csv").read_text("utf-8-sig")
    exported = tmp_path / "out.csv"
    out = CliRunner().invoke(
        app, ["admin", "export", "staff", str(exported), "--db", db_url, "--format", "csv"]
    )
    assert out.exit_code == 0, out.output
    assert "li.mediator" in exported.read_text("utf-8-sig")
