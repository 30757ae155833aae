"""The desk's admin section against the real server in-process: who sees
which actions, an account created and its one-time password, a person moved,
deactivated and reset (and what their phones see next), the org tree
shaped, a refusal said plainly, a reason always asked for."""

import csv
import io
from uuid import UUID, uuid4

from field_app.core import FieldAppCore
from field_app.services.cases import list_cases
from field_app.services.correction_settings import district_settings
from field_app.services.session import SessionState
from field_app.services.subjects import list_subjects
from field_app.viewmodels.admin import Section, rights_of, tree_order
from field_app.viewmodels.admin_imports import ImportsViewModel
from field_app.viewmodels.admin_org import OrgTreeViewModel
from field_app.viewmodels.admin_sections import admin_section_model
from field_app.viewmodels.admin_staff import StaffViewModel
from field_app.viewmodels.admin_transfers import TransfersViewModel
from field_app.viewmodels.app import AppViewModel
from field_app.viewmodels.nav import Screen
from shared_models.domain.cases import CaseRecord
from shared_models.domain.org import OrgUnitKind, Role
from shared_models.domain.subjects import SubjectRecord
from shared_models.protocol.administration import SheetFormat, SheetKind, StaffMember
from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.services.administration.sheets import SPECS
from sync_server.services.sync.seeding import load_records
from tests.factories import case_fields, subject_fields
from tests.integration.viewmodel_fixtures import (
    EN,
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def _member(staff: StaffViewModel, username: str) -> StaffMember:
    staff.set_search(username)
    [found] = [m for m in staff.members if m.username == username]
    staff.open(found)
    return found


def _subjects(core: FieldAppCore) -> set[UUID]:
    listed = list_subjects(core.store, core.now(), district_settings(core.store))
    return {due.subject.id for due in listed}


def _cases(core: FieldAppCore) -> set[UUID]:
    return {case.id for case in list_cases(core.store)}


def _case_at(phones: Phones, unit_id: UUID) -> UUID:
    """An open case of ``unit_id`` with no mediator of its own, as an import leaves it."""
    case = CaseRecord.model_validate(
        {**case_fields(unit_id, status="mediating"), "id": str(uuid4())}
    )
    with write_session(phones.server.engine) as session:
        load_records(session, TableName.CASES, [case])
    return case.id


def _unit_id(model: StaffViewModel | OrgTreeViewModel, name: str) -> UUID:
    return next(unit.id for unit in model.units if unit.name == name)


def test_every_desk_has_the_admin_tab_and_each_sees_what_it_may_do(phones: Phones) -> None:
    admin = phones.signed_in("admin")
    office = phones.signed_in("supervisor.baijia")
    district = phones.signed_in("supervisor.fuxing")
    assert Screen.ADMIN in AppViewModel(office, EN).tabs
    assert rights_of(admin).sections == list(Section)
    assert rights_of(district).sections == list(Section)
    assert rights_of(office).sections == [Section.STAFF, Section.ORG, Section.IMPORTS]
    # A section the user may not open shows the first one they may.
    assert admin_section_model(office, "transfers").section is Section.STAFF

    staff = StaffViewModel(office)
    staff.load()
    assert staff.error is None, say(staff.error)
    # An office supervisor sees their office only, and may edit and move there.
    assert {m.org_unit_name for m in staff.members} == {"百家街道司法所"}
    mediator = _member(staff, "mediator.baijia")
    assert staff.actions(mediator) == ["edit", "move"]
    # Moving a supervisor is an admin's decision, even at the district.
    district_staff = StaffViewModel(district)
    district_staff.load()
    assert district_staff.actions(_member(district_staff, "supervisor.xiyuan")) == ["edit"]
    assert not staff.can_create

    staff = StaffViewModel(admin)
    staff.load()
    mediator = _member(staff, "mediator.baijia")
    assert staff.actions(mediator) == ["edit", "move", "role", "reset", "deactivate"]
    me = _member(staff, "admin")
    assert staff.actions(me) == []


def test_an_account_is_created_with_a_one_time_password_that_must_be_changed(
    phones: Phones,
) -> None:
    staff = StaffViewModel(phones.signed_in("admin"))
    staff.load()
    staff.start_action("create")
    assert staff.form is not None
    for name, value in {
        "display_name": "张调解",
        "username": "Zhang Tiaojie",
        "role": Role.MEDIATOR.value,
        "org_unit_id": str(_unit_id(staff, "百家村调委会")),
    }.items():
        staff.set_value(name, value)
    # No reason, a username the contract refuses: nothing is sent.
    assert not staff.submit()
    assert say(staff.form.errors["reason"]).startswith("Give a reason")
    assert say(staff.form.errors["username"]).startswith("A username has lower-case")
    staff.set_value("username", "mediator.zhang")
    staff.set_value("reason", "新聘调解员")
    assert staff.submit(), say(staff.error)
    assert staff.form is None
    assert staff.one_time is not None
    assert staff.selected is not None
    assert staff.selected.username == "mediator.zhang"
    assert say(staff.notice) == "Account created: 张调解"

    phone = phones.new("zhang")
    phone.login("mediator.zhang", staff.one_time.password)
    assert phone.state is SessionState.CHANGE_PASSWORD
    staff.dismiss_password()
    assert staff.one_time is None


def test_move_deactivate_and_reset_reach_the_phones(phones: Phones) -> None:
    district = phones.server.district
    here, there = (
        _case_at(phones, district.baijia_committee.id),
        _case_at(phones, district.xiyuan_committee.id),
    )
    mediator = phones.signed_in("mediator.baijia")
    officer = phones.signed_in("officer.baijia")
    assert _cases(mediator) >= {here}
    assert there not in _cases(mediator)
    staff = StaffViewModel(phones.signed_in("admin"))
    staff.load()

    member = _member(staff, "mediator.baijia")
    staff.start_action("move")
    staff.set_value("org_unit_id", str(_unit_id(staff, "西苑社区调委会")))
    staff.set_value("reason", "工作调动")
    assert staff.submit(), say(staff.error)
    assert staff.selected is not None
    assert staff.selected.org_unit_name == "西苑社区调委会"
    # The phone drops the old committee's case and receives the new one's.
    mediator.sync_once()
    mediator.sync_once()
    assert there in _cases(mediator)
    assert here not in _cases(mediator)

    _member(staff, "officer.baijia")
    staff.start_action("deactivate")
    assert not staff.submit()  # a reason first
    staff.set_value("reason", "离职")
    assert staff.submit(), say(staff.error)
    assert staff.selected is not None
    assert not staff.selected.active
    assert staff.actions(staff.selected)[-1] == "reactivate"
    officer.sync_once()
    assert officer.state is SessionState.NEEDS_LOGIN

    staff.open(member)
    staff.start_action("reset")
    staff.set_value("reason", "忘记密码")
    assert staff.submit(), say(staff.error)
    assert staff.one_time is not None
    assert staff.one_time.username == "mediator.baijia"
    assert staff.selected is not None
    assert staff.selected.must_change_password
    mediator.sync_once()
    assert mediator.state is SessionState.NEEDS_LOGIN


def test_a_refusal_is_said_plainly(phones: Phones) -> None:
    """What the screen would not offer, forced: the server's no, in words."""
    staff = StaffViewModel(phones.signed_in("supervisor.baijia"))
    staff.load()
    member = _member(staff, "officer.baijia")
    ok, _ = staff._call(lambda: staff.client.set_active(member.id, False, "试一试"))
    assert not ok
    assert say(staff.error).startswith("The server refused: you do not have this right")


def test_the_org_tree_is_shaped_with_reasons(phones: Phones) -> None:
    tree = OrgTreeViewModel(phones.signed_in("supervisor.fuxing"))
    tree.load()
    assert tree.error is None, say(tree.error)
    assert next(row.unit.kind for row in tree.rows) is OrgUnitKind.DISTRICT
    assert tree.rows == sorted(tree.rows, key=lambda r: tree_order(tree.units).index(r.unit))
    baijia = next(r.unit for r in tree.rows if r.unit.name == "百家街道司法所")
    tree.open(baijia)
    assert tree.actions(baijia) == ["create", "edit", "move", "close"]

    tree.start_action("create")
    assert tree.form is not None
    assert tree.form.get("kind") == OrgUnitKind.COMMITTEE.value
    for name, value in {
        "name": "百家东村人民调解委员会",
        "short_name": "百家东",
        "code": "BJD",
    }.items():
        tree.set_value(name, value)
    tree.set_value("reason", "新设调委会")
    assert tree.submit(), say(tree.error)
    created = tree.selected
    assert created is not None
    assert created.parent_id == baijia.id
    assert any(r.unit.id == created.id and r.depth == 2 for r in tree.rows)

    tree.start_action("edit")
    assert not tree.submit()
    assert say(tree.form.errors["name"] if tree.form else None) == "Nothing was changed."
    tree.set_value("name", "百家东村调委会")
    tree.set_value("reason", "更名")
    assert tree.submit(), say(tree.error)
    assert tree.selected is not None
    assert tree.selected.name == "百家东村调委会"

    tree.start_action("close")
    tree.set_value("reason", "合并")
    assert tree.submit(), say(tree.error)
    assert tree.selected is not None
    assert tree.selected.closed
    assert all(r.unit.id != created.id for r in tree.rows)
    tree.set_show_closed(True)
    assert any(r.unit.id == created.id for r in tree.rows)


def test_an_office_supervisor_sees_the_tree_and_changes_nothing(phones: Phones) -> None:
    tree = OrgTreeViewModel(phones.signed_in("supervisor.baijia"))
    tree.load()
    assert tree.rows
    assert all(tree.actions(row.unit) == [] for row in tree.rows)


def test_a_subject_is_transferred_to_another_office_and_officer(phones: Phones) -> None:
    district = phones.server.district
    subject = SubjectRecord.model_validate(
        {
            **subject_fields(district.baijia.id, district.user("officer.baijia").id, name="李某"),
            "id": str(uuid4()),
        }
    )
    with write_session(phones.server.engine) as session:
        load_records(session, TableName.SUBJECTS, [subject])
    officer = phones.signed_in("officer.baijia")
    assert subject.id in _subjects(officer)

    desk = TransfersViewModel(phones.signed_in("supervisor.fuxing"))
    desk.load()
    desk.set_search("李某")
    [found] = desk.found
    assert desk.unit_name(found.org_unit_id) == "百家街道司法所"
    desk.open(found)
    # Offices only: a subject is supervised by a judicial office.
    assert {name for _, name in desk.target_choices()} == {"百家街道司法所", "西苑街道司法所"}
    desk.set_target(district.xiyuan.id)
    assert [m.username for m in desk.people] == ["officer.xiyuan"]
    assert not desk.submit()
    assert desk.form is not None
    assert say(desk.form.errors["reason"]).startswith("Give a reason")
    desk.set_value("person_id", str(district.user("officer.xiyuan").id))
    desk.set_value("reason", "居住地变更")
    assert desk.submit(), say(desk.error)
    assert say(desk.notice).startswith("Transferred: 李某 → 西苑街道司法所")

    officer.sync_once()
    assert subject.id not in _subjects(officer)
    moved = phones.server.live(TableName.SUBJECTS)[subject.id]
    assert moved["org_unit_id"] == str(district.xiyuan.id)


def _csv(kind: SheetKind, rows: list[dict[str, str]]) -> bytes:
    spec = SPECS[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(spec.header_row())
    writer.writerows([row.get(column.key, "") for column in spec.columns] for row in rows)
    return out.getvalue().encode("utf-8")


def test_a_ledger_is_checked_then_its_valid_rows_go_in(phones: Phones) -> None:
    admin = phones.signed_in("admin")
    tree = OrgTreeViewModel(admin)
    tree.load()
    tree.open(tree.rows[0].unit)
    tree.start_action("edit")
    tree.set_value("code", "130404")
    tree.set_value("reason", "区划代码")
    # The test district has no short name yet: the form says so first.
    assert not tree.submit()
    assert tree.form is not None
    assert say(tree.form.errors["short_name"]) == "This is needed."
    tree.set_value("short_name", "复兴")
    assert tree.submit(), say(tree.error)

    imports = admin_section_model(admin, "imports")
    assert isinstance(imports, ImportsViewModel)
    imports.choose("单位.docx", b"PK")
    assert say(imports.file_problem).startswith("Choose an Excel (.xlsx) or CSV")
    imports.choose("单位.csv", None, too_large=True)
    assert say(imports.file_problem).startswith("The file is too large")
    ledger = _csv(
        SheetKind.ORG_UNITS,
        [
            {"code": "DF", "name": "东风街道司法所", "short_name": "东风", "kind": "司法所",
             "parent_code": "130404"},
            {"code": "DF01", "name": "东风社区调委会", "short_name": "东风社区", "kind": "居委会",
             "parent_code": "DF"},
        ],
    )  # fmt: skip
    imports.choose("单位.csv", ledger)
    assert imports.file is not None
    assert imports.check(), say(imports.error)
    report = imports.report
    assert report is not None
    assert not report.written
    [problem] = report.problems
    assert (problem.row, problem.column) == (3, "类型")
    assert imports.can_write_valid_rows
    # All or nothing: nothing.
    assert not imports.import_all()
    assert imports.report is not None
    assert not imports.report.written
    shown, redraws = imports.report, []
    imports.subscribe(lambda: redraws.append(1))
    imports.set_kind(SheetKind.ORG_UNITS)  # the kind already chosen: nothing changes
    assert (imports.report, redraws) == (shown, [])
    assert imports.import_valid(), say(imports.error)
    assert imports.report is not None
    assert (imports.report.created, imports.report.written) == (1, True)
    # Again: the row that went in is there already and stays as it is.
    assert imports.import_valid()
    assert (imports.report.created, imports.report.unchanged) == (0, 1)

    exported = imports.export(SheetFormat.CSV)
    assert exported is not None
    assert "东风街道司法所" in exported[1].decode("utf-8-sig")
    office = admin_section_model(phones.signed_in("supervisor.baijia"), "imports")
    assert isinstance(office, ImportsViewModel)
    assert not office.can_import
    office.choose("单位.csv", ledger)
    assert not office.import_all()
