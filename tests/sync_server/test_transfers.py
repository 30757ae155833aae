"""Transfers (docs/protocol.md, "Transfers"): a district decision moves a
subject or a case with everything hanging off it; the old jurisdiction's
devices drop the records at their next pull, the new one's receive them;
the move is in the audit chain. And a user whose role or unit changes
drops, at the next pull, what the new jurisdiction does not hold."""

import hashlib
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.core.audit import verify_audit
from sync_server.core.db import read_session, write_session
from sync_server.tables import AuditEntry, UserRow
from tests.case_forms import acceptance, document
from tests.factories import (
    District,
    case_fields,
    mutation,
    party_fields,
    subject_fields,
    visit_fields,
)
from tests.sync_server.jurisdiction_scenario import attachment_fields, png


def _subject_with_checkin(device: Any, district: District) -> dict[str, uuid.UUID]:
    ids = {"subject": uuid.uuid4(), "checkin": uuid.uuid4(), "photo": uuid.uuid4()}
    officer = district.user("officer.baijia").id
    results = device.push(
        [
            mutation("subjects", ids["subject"], subject_fields(district.baijia.id, officer)),
            mutation("visits", ids["checkin"], visit_fields(subject_id=ids["subject"])),
            mutation(
                "attachments",
                ids["photo"],
                attachment_fields("visits", ids["checkin"], png((1, 2, 3))),
            ),
        ]
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results
    return ids


def _transfer(client: TestClient, device: Any, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/transfers", json=body, headers=device.headers)


def test_a_transferred_subject_leaves_the_old_office_and_reaches_the_new(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    old, new = device_for("officer.baijia"), device_for("officer.xiyuan")
    mediator = device_for("mediator.baijia")
    ids = _subject_with_checkin(old, district)
    old.pull()
    new.pull()
    mediator.pull()
    held = {("subjects", ids["subject"]), ("visits", ids["checkin"]), ("attachments", ids["photo"])}
    assert {(t, uuid.UUID(i)) for t, i in old.records} >= held
    assert not {(t, uuid.UUID(i)) for t, i in new.records} & held

    body = {
        "table": "subjects",
        "record_id": str(ids["subject"]),
        "org_unit_id": str(district.xiyuan.id),
        "officer_id": str(district.user("officer.xiyuan").id),
        "reason": "执行地变更（区局决定 2026-12-07）",
    }
    response = _transfer(client, device_for("supervisor.fuxing"), body)
    assert response.status_code == 200, response.text
    assert response.json()["moved"] == 2  # the check-in and its photo

    # The mediator of the old office never held them: not even a removal names them.
    page = client.get(
        "/api/v1/sync/pull", params={"cursor": mediator.cursor}, headers=mediator.headers
    )
    assert page.status_code == 200, page.text
    assert not any(str(record_id) in page.text for record_id in ids.values())
    old.pull()
    new.pull()
    assert not {(t, uuid.UUID(i)) for t, i in old.records} & held
    assert {(t, uuid.UUID(i)) for t, i in new.records} >= held
    with read_session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "transfer")).one()
        assert entry.detail["reason"] == body["reason"]
        assert entry.detail["to_unit"] == str(district.xiyuan.id)
        assert verify_audit(session) == []

    again = _transfer(client, device_for("admin"), body)
    assert again.status_code == 200, again.text
    assert again.json()["moved"] == 0


def test_a_transferred_case_moves_with_its_parties(
    client: TestClient, device_for: Any, district: District
) -> None:
    old, new = device_for("mediator.baijia"), device_for("mediator.xiyuan")
    case_id, party_id, form_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    old.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("parties", party_id, party_fields(case_id)),
            mutation("case_documents", form_id, document(case_id, acceptance())),
        ]
    )
    old.pull()
    assert ("parties", str(party_id)) in old.records
    number = old.records[("cases", str(case_id))]["case_number"]
    assert number is not None
    body = {
        "table": "cases",
        "record_id": str(case_id),
        "org_unit_id": str(district.xiyuan_committee.id),
        "mediator_id": str(district.user("mediator.xiyuan").id),
        "reason": "当事人申请移送",
    }
    assert _transfer(client, device_for("admin"), body).status_code == 200
    old.pull()
    new.pull()
    assert ("cases", str(case_id)) not in old.records
    assert ("parties", str(party_id)) not in old.records
    assert ("parties", str(party_id)) in new.records
    # Its forms go along; the number stays the one its first committee gave.
    assert ("case_documents", str(form_id)) not in old.records
    assert ("case_documents", str(form_id)) in new.records
    assert new.records[("cases", str(case_id))]["case_number"] == number


def test_only_the_district_transfers_and_only_to_people_who_work_there(
    client: TestClient, device_for: Any, district: District
) -> None:
    ids = _subject_with_checkin(device_for("officer.baijia"), district)
    body = {
        "table": "subjects",
        "record_id": str(ids["subject"]),
        "org_unit_id": str(district.baijia.id),
        "officer_id": str(district.user("officer2.baijia").id),
        "reason": "工作调整",
    }
    for username in ("officer.baijia", "supervisor.baijia", "mediator.baijia"):
        response = _transfer(client, device_for(username), body)
        assert response.status_code == 403, (username, response.text)
    elsewhere = {**body, "officer_id": str(district.user("officer.xiyuan").id)}
    response = _transfer(client, device_for("supervisor.fuxing"), elsewhere)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"] == {"field": "officer_id"}
    response = _transfer(
        client, device_for("supervisor.fuxing"), {**body, "mediator_id": body["officer_id"]}
    )
    assert response.status_code == 422, response.text
    # Within the office, between its officers: allowed to the district.
    response = _transfer(client, device_for("supervisor.fuxing"), body)
    assert response.status_code == 200, response.text


def test_the_command_line_transfers_too(
    db_url: str, client: TestClient, device_for: Any, district: District
) -> None:
    ids = _subject_with_checkin(device_for("officer.baijia"), district)
    args = ["admin", "transfer", "subjects", str(ids["subject"]), "--db", db_url]
    args += ["--to", str(district.xiyuan.id), "--person", "officer.xiyuan"]
    refused = CliRunner().invoke(
        app, [*args, "--reason", "执行地变更", "--by", "supervisor.baijia"]
    )
    assert refused.exit_code == 1, refused.output
    done = CliRunner().invoke(app, [*args, "--reason", "执行地变更", "--by", "supervisor.fuxing"])
    assert done.exit_code == 0, done.output
    new = device_for("officer.xiyuan")
    new.pull()
    assert ("visits", str(ids["checkin"])) in new.records


def test_a_role_change_drops_what_the_new_role_may_not_hold(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    """A supervisor's device holds subjects; demoted to mediator, the next
    pull asks for a full resync, and that holds no subject any more."""
    ids = _subject_with_checkin(device_for("officer.baijia"), district)
    device = device_for("supervisor.baijia")
    device.pull()
    assert ("subjects", str(ids["subject"])) in device.records
    with write_session(engine) as session:
        session.execute(
            update(UserRow)
            .where(UserRow.username == "supervisor.baijia")  # type: ignore[arg-type]
            .values(role="mediator")
        )
    response = client.get(
        "/api/v1/sync/pull", params={"cursor": device.cursor}, headers=device.headers
    )
    assert response.status_code == 410, response.text
    assert response.json()["error"]["code"] == "RESYNC_REQUIRED"
    device.cursor, device.records = None, {}  # what the app does on RESYNC_REQUIRED
    device.pull()
    assert not device.ids("subjects")
    assert not device.ids("visits") & {str(ids["checkin"])}
    photo = hashlib.sha256(png((1, 2, 3))).hexdigest()
    blob = client.get(f"/api/v1/blobs/{photo}", headers=device.headers)
    assert blob.status_code == 404
