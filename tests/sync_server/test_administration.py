"""A district's set-up and administration: ``init`` and the server's start-up
checks, the org tree (create, move, close), staff (list, create, move, role)
and what each change does on the devices at their next pull."""

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.main import create_app
from sync_server.services.accounts.actions import Actor
from sync_server.services.administration.district import (
    DistrictNotReadyError,
    init_district,
    mark_demo,
    serving_settings,
)
from sync_server.tables import AuditEntry, UserRow
from tests.case_forms import acceptance, document
from tests.factories import PASSWORD, District, case_fields, mutation
from tests.sync_server.conftest import Device


def _init(engine: Engine, settings: ServerSettings) -> Any:
    with write_session(engine) as session:
        return init_district(
            session,
            settings,
            name="和平区司法局",
            short_name="和平",
            code="HP",
            time_zone="Asia/Shanghai",
            admin_username="admin",
            admin_name="管理员",
            now=datetime.now(UTC),
            operator=Actor(operator="test"),
        )


def _serving(engine: Engine, settings: ServerSettings) -> ServerSettings:
    with read_session(engine) as session:
        return serving_settings(session, settings)


def test_init_makes_a_district_the_server_starts_on_only_with_its_key(
    engine: Engine, settings: ServerSettings, tmp_path: Path
) -> None:
    with pytest.raises(DistrictNotReadyError, match="admin init"):
        _serving(engine, settings)
    made = _init(engine, settings)
    assert made.key_created
    assert made.key_file == (tmp_path / "district-signing-key.pem").resolve()
    with read_session(engine) as session:
        admin = session.scalars(select(UserRow)).one()
        assert admin.must_change_password
        assert session.scalars(select(AuditEntry.action)).all()[-1] == "district_initialised"
    served = _serving(engine, settings)
    assert served.signing_key == made.key_file
    with pytest.raises(DistrictNotReadyError, match="runs once"):
        _init(engine, settings)
    made.key_file.rename(tmp_path / "moved.pem")
    with pytest.raises(DistrictNotReadyError, match="no district signing key"):
        _serving(engine, settings)
    assert not made.key_file.exists()  # refused, never generated in its place
    other_zone = settings.model_copy(update={"district_time_zone": "Asia/Urumqi"})
    other_zone.model_fields_set.add("district_time_zone")
    (tmp_path / "moved.pem").rename(made.key_file)
    with pytest.raises(DistrictNotReadyError, match="Asia/Urumqi"):
        _serving(engine, other_zone)


def test_the_demo_may_start_without_a_key(
    engine: Engine, settings: ServerSettings, district: District
) -> None:
    with write_session(engine) as session:
        mark_demo(session, "Asia/Shanghai", datetime.now(UTC))
    served = _serving(engine, settings)
    assert served.signing_key is None  # generated on first use, as before


def test_the_first_admin_signs_in_once_to_choose_a_password(
    engine: Engine, settings: ServerSettings
) -> None:
    made = _init(engine, settings)
    with TestClient(create_app(settings, engine)) as client:
        _first_sign_in(client, made)


def _first_sign_in(client: TestClient, made: Any) -> None:
    login = {"username": "admin", "device_id": "admin-desk-1", "device_name": "desk"}
    response = client.post("/api/v1/auth/login", json={**login, "password": made.one_time_password})
    assert response.status_code == 200
    assert response.json()["must_change_password"] is True
    token = {"Authorization": f"Bearer {response.json()['token']}"}
    refused = client.get("/api/v1/admin/org-units", headers=token)
    assert refused.json()["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    new = {"old_password": made.one_time_password, "new_password": "和平区的新密码-2026"}
    assert client.post("/api/v1/auth/password", json=new, headers=token).status_code < 300
    units = client.get("/api/v1/admin/org-units", headers=token)
    assert [unit["code"] for unit in units.json()] == ["HP"]
    district = client.get("/api/v1/admin/district", headers=token).json()
    assert (district["name"], district["demo"], district["signing_key_id"]) == (
        "和平区司法局",
        False,
        made.key_id,
    )


def _post(client: TestClient, device: Device, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/admin/{path}", json=body, headers=device.headers)


def test_org_tree_changes_reach_devices_and_closing_keeps_records(
    client: TestClient, district: District
) -> None:
    admin = Device(client, "admin", "admin-desk-1")
    office_supervisor = Device(client, "supervisor.baijia", "baijia-desk")
    refused = _post(
        client,
        office_supervisor,
        "org-units",
        {
            "kind": "committee",
            "parent_id": str(district.baijia.id),
            "name": "甲",
            "short_name": "甲",
            "code": "J1",
            "reason": "新设",
        },
    )
    assert refused.status_code == 403
    # A case at Baijia's committee, seen by Baijia's supervisor.
    mediator = Device(client, "mediator.baijia", "baijia-phone")
    case_id = uuid.uuid4()
    mediator.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    office_supervisor.pull()
    assert str(case_id) in office_supervisor.ids("cases")
    # The committee moves to Xiyuan: Baijia's devices drop its case, Xiyuan's receive it.
    xiyuan_supervisor = Device(client, "supervisor.xiyuan", "xiyuan-desk")
    xiyuan_supervisor.pull()
    moved = _post(
        client,
        admin,
        f"org-units/{district.baijia_committee.id}/move",
        {"parent_id": str(district.xiyuan.id), "reason": "区划调整"},
    )
    assert moved.status_code == 200, moved.text
    office_supervisor.pull()
    xiyuan_supervisor.pull()
    mediator.pull()
    assert str(case_id) not in office_supervisor.ids("cases")
    assert str(case_id) in xiyuan_supervisor.ids("cases")
    # mediator.baijia sits at the Baijia office, which no longer holds the committee.
    assert str(case_id) not in mediator.ids("cases")
    # Closing: refused while staff work there; a closed unit keeps its records.
    busy = _post(client, admin, f"org-units/{district.xiyuan.id}/close", {"reason": "撤并"})
    assert busy.status_code == 422
    new = _post(
        client,
        admin,
        "org-units",
        {"kind": "committee", "parent_id": str(district.xiyuan.id), "name": "乙村调委会",
         "short_name": "乙", "code": "Y1", "reason": "新设"},
    )  # fmt: skip
    assert new.status_code == 201, new.text
    unit_id = new.json()["id"]
    closed = _post(client, admin, f"org-units/{unit_id}/close", {"reason": "撤并"})
    assert closed.json()["closed"] is True
    staff = {
        "username": "new.mediator",
        "display_name": "新调解员",
        "role": "mediator",
        "org_unit_id": unit_id,
        "reason": "入职",
    }
    assert _post(client, admin, "users", staff).status_code == 422  # a closed unit takes nobody
    xiyuan_supervisor.pull()
    assert xiyuan_supervisor.records[("org_units", unit_id)]["closed"] is True


def test_each_units_case_numbers_carry_a_short_name_of_its_own(
    client: TestClient, district: District
) -> None:
    admin = Device(client, "admin", "admin-desk-1")
    office = str(district.baijia.id)

    def committee(short_name: str, code: str) -> Any:
        body = {"kind": "committee", "parent_id": office, "name": f"{code}调委会",
                "short_name": short_name, "code": code, "reason": "新设"}  # fmt: skip
        return _post(client, admin, "org-units", body)

    def rename(unit_id: object, short_name: str) -> Any:
        body = {"short_name": short_name, "reason": "更名"}
        return client.patch(f"/api/v1/admin/org-units/{unit_id}", json=body, headers=admin.headers)

    def refused_field(response: Any) -> object:
        assert response.status_code == 422, response.text
        return response.json()["error"]["details"]["field"]

    first = committee("甲村", "J1")
    assert first.status_code == 201, first.text
    assert refused_field(committee("甲村", "J2")) == "short_name"
    # A unit without a short name numbers its cases with its name.
    assert refused_field(committee("百家村调委会", "J3")) == "short_name"
    assert refused_field(rename(first.json()["id"], "西苑社区调委会")) == "short_name"
    # Numbers already given keep their prefix: renamed away, it stays taken.
    mediator = Device(client, "mediator.baijia", "baijia-phone")
    case_id = uuid.uuid4()
    accepted = document(case_id, acceptance())
    mediator.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("case_documents", uuid.uuid4(), accepted),
        ]
    )
    mediator.pull()
    number = mediator.records[("cases", str(case_id))]["case_number"]
    assert number == "（2026）百家村调委会人调字第1号"
    assert rename(district.baijia_committee.id, "百家村").status_code == 200
    taken = committee("百家村调委会", "J4")
    assert refused_field(taken) == "short_name"
    assert number in taken.json()["error"]["message"]
    assert rename(district.baijia_committee.id, "百家村调委会").status_code == 200


def test_staff_are_listed_per_office_created_moved_and_resynced(
    client: TestClient, district: District
) -> None:
    admin = Device(client, "admin", "admin-desk-1")
    office_supervisor = Device(client, "supervisor.baijia", "baijia-desk")
    listed = client.get("/api/v1/admin/users", headers=office_supervisor.headers).json()
    names = {item["username"] for item in listed["items"]}
    assert "mediator.baijia" in names
    assert not any(name.endswith(".xiyuan") for name in names)
    found = client.get("/api/v1/admin/users", params={"q": "xiyuan"}, headers=admin.headers)
    assert {item["username"] for item in found.json()["items"]} == {
        "mediator.xiyuan",
        "officer.xiyuan",
        "supervisor.xiyuan",
    }
    body = {
        "username": "li.si",
        "display_name": "李四",
        "role": "mediator",
        "org_unit_id": str(district.baijia_committee.id),
        "phone": "+86 139 0000 1111",
        "reason": "入职",
    }
    assert _post(client, office_supervisor, "users", body).status_code == 403
    created = _post(client, admin, "users", body)
    assert created.status_code == 201, created.text
    assert created.json()["member"]["phone"] == "13900001111"
    assert created.json()["member"]["must_change_password"] is True
    # Moving a mediator: their device resyncs and holds the new office's cases only.
    baijia_case, xiyuan_case = uuid.uuid4(), uuid.uuid4()
    mediator = Device(client, "mediator.baijia", "baijia-phone")
    mine = case_fields(district.baijia.id, mediator_id=str(district.user("mediator.baijia").id))
    mediator.push([mutation("cases", baijia_case, mine)])
    other = Device(client, "mediator.xiyuan", "xiyuan-phone")
    other.push([mutation("cases", xiyuan_case, case_fields(district.xiyuan.id))])
    mediator.pull()
    target = district.user("mediator.baijia").id
    role = _post(
        client, office_supervisor, f"users/{target}/role", {"role": "officer", "reason": "x"}
    )
    assert role.status_code == 403  # only admins change roles
    move = {"org_unit_id": str(district.xiyuan.id), "reason": "调动"}
    assert (
        _post(
            client,
            Device(client, "supervisor.xiyuan", "xiyuan-desk-2"),
            f"users/{target}/move",
            move,
        ).status_code
        == 404
    )
    moved = _post(client, admin, f"users/{target}/move", move)
    assert moved.status_code == 422  # the case they mediate must be transferred first
    transfer = {
        "table": "cases",
        "record_id": str(baijia_case),
        "org_unit_id": str(district.baijia.id),
        "mediator_id": None,
        "reason": "调动前移交",
    }
    assert client.post("/api/v1/transfers", json=transfer, headers=admin.headers).status_code == 200
    moved = _post(client, admin, f"users/{target}/move", move)
    assert moved.status_code == 200, moved.text
    resync = client.get(
        "/api/v1/sync/pull", params={"cursor": mediator.cursor}, headers=mediator.headers
    )
    assert resync.json()["error"]["code"] == "RESYNC_REQUIRED"
    mediator.cursor, mediator.records = None, {}
    mediator.pull()
    assert str(xiyuan_case) in mediator.ids("cases")
    assert str(baijia_case) not in mediator.ids("cases")
    # Deactivating ends every token at once; a reset password must be changed.
    officer = Device(client, "officer.baijia", "officer-phone")
    officer_id = district.user("officer.baijia").id
    assert (
        _post(client, admin, f"users/{officer_id}/deactivate", {"reason": "离职"}).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=officer.headers).status_code == 401
    reset = _post(
        client,
        admin,
        f"users/{district.user('officer2.baijia').id}/reset-password",
        {"reason": "忘记密码"},
    )
    login = {"username": "officer2.baijia", "device_id": "o2-phone-1", "device_name": "phone"}
    again = client.post(
        "/api/v1/auth/login", json={**login, "password": reset.json()["one_time_password"]}
    )
    assert again.json()["must_change_password"] is True
    assert (
        client.post("/api/v1/auth/login", json={**login, "password": PASSWORD}).status_code == 401
    )
