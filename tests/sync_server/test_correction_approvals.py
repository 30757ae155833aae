"""Leave and other requests from the officer's phone to the desk's
decision and back (docs/protocol.md, "Community correction"): a request
waits for the office head, then for the district where its length asks
for it; the decision is a record the officer's phone pulls."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import District, mutation
from tests.sync_server.correction_data import ENTRY, enrol, leave, push_event


def _waiting(client: TestClient, device: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/correction/requests/waiting", headers=device.headers)
    assert response.status_code == 200, response.text
    requests: list[dict[str, Any]] = response.json()["requests"]
    return requests


def _decide(
    client: TestClient, device: Any, request_id: uuid.UUID, outcome: str, comment: str = ""
) -> Any:
    return client.post(
        f"/api/v1/correction/requests/{request_id}/decision",
        json={"outcome": outcome, "comment": comment},
        headers=device.headers,
    )


def test_a_ten_day_leave_goes_office_then_district_and_reaches_the_phone(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer = device_for("officer.baijia")
    office, head_elsewhere = device_for("supervisor.baijia"), device_for("supervisor.xiyuan")
    bureau = device_for("supervisor.fuxing")
    subject_id = enrol(officer, district)
    assert push_event(officer, subject_id, ENTRY)[1]["status"] == "applied"
    request_id, result = push_event(officer, subject_id, leave("2026-12-05", "2026-12-14"))
    assert result["status"] == "applied", result

    [waiting] = _waiting(client, office)
    assert waiting["request"]["id"] == str(request_id)
    assert (waiting["waiting_for"], waiting["leave_days"]) == ("office", 10)
    assert waiting["subject_name"] == "王某"
    assert _waiting(client, bureau) == []
    assert _waiting(client, head_elsewhere) == []
    # Another office's head does not even learn the request exists; the
    # district is not asked before the office has given its opinion.
    assert _decide(client, head_elsewhere, request_id, "approved").status_code == 404
    early = _decide(client, bureau, request_id, "approved")
    assert early.status_code == 403, early.text

    opinion = _decide(client, office, request_id, "approved", "同意，报区局审批")
    assert opinion.status_code == 201, opinion.text
    assert (opinion.json()["status"], opinion.json()["waiting_for"]) == ("pending", "district")
    assert _waiting(client, office) == []
    [at_district] = _waiting(client, bureau)
    assert [d["content"]["comment"] for d in at_district["decisions"]] == ["同意，报区局审批"]

    final = _decide(client, bureau, request_id, "approved")
    assert final.status_code == 201, final.text
    assert final.json()["status"] == "approved"
    again = _decide(client, bureau, request_id, "refused", "重复")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "ALREADY_DECIDED")

    officer.pull()
    decisions = [
        record
        for (table, _), record in officer.records.items()
        if table == "subject_events" and record["kind"] == "decision"
    ]
    assert sorted(d["content"]["level"] for d in decisions) == ["district", "office"]
    assert {d["request_id"] for d in decisions} == {str(request_id)}
    left = push_event(officer, subject_id, {"kind": "leave_departure"}, request_id=request_id)
    back = push_event(officer, subject_id, {"kind": "leave_return"}, request_id=request_id)
    assert left[1]["status"] == back[1]["status"] == "applied"


def test_a_short_leave_is_the_office_heads_alone_and_a_refusal_gives_its_reason(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, office = device_for("officer.baijia"), device_for("supervisor.baijia")
    subject_id = enrol(officer, district)
    request_id, _ = push_event(officer, subject_id, leave("2026-12-05", "2026-12-11"))
    no_reason = _decide(client, office, request_id, "refused")
    assert no_reason.status_code == 422, no_reason.text
    refused = _decide(client, office, request_id, "refused", "事由证明不足")
    assert refused.json()["status"] == "refused"
    # Refused: not a leave the subject may go on, and no longer counted.
    _, departure = push_event(
        officer, subject_id, {"kind": "leave_departure"}, request_id=request_id
    )
    assert departure["error"]["code"] == "APPROVAL_REQUIRED"
    _, same_days = push_event(officer, subject_id, leave("2026-12-05", "2026-12-11"))
    assert same_days["status"] == "applied", same_days


def test_decided_requests_and_decisions_are_the_desks(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, office = device_for("officer.baijia"), device_for("supervisor.baijia")
    subject_id = enrol(officer, district)
    request_id, _ = push_event(officer, subject_id, leave("2026-12-05", "2026-12-06"))
    assert _decide(client, office, request_id, "approved").status_code == 201
    changed = officer.push(
        [
            mutation(
                "subject_events",
                request_id,
                {"content": leave("2026-12-05", "2026-12-07")},
                base_version=1,
            ),
            mutation("subject_events", request_id, op="delete"),
        ]
    )
    assert [r["error"]["code"] for r in changed] == ["ALREADY_DECIDED"] * 2
    forged = {
        "kind": "decision",
        "outcome": "approved",
        "level": "district",
        "decided_by": str(district.user("supervisor.fuxing").id),
    }
    for device in (officer, office):
        _, result = push_event(device, subject_id, forged, request_id=request_id)
        assert result["error"]["code"] == "APPROVAL_REQUIRED", result


def test_a_level_change_is_requested_and_the_approval_sets_the_level(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, office = device_for("officer.baijia"), device_for("supervisor.baijia")
    subject_id = enrol(officer, district, supervision_level="strict", checkin_interval_days=7)
    officer.pull()
    version = officer.records[("subjects", str(subject_id))]["version"]
    [direct] = officer.push(
        [mutation("subjects", subject_id, {"supervision_level": "normal"}, base_version=version)]
    )
    assert (direct["error"]["code"], direct["error"]["field"]) == (
        "APPROVAL_REQUIRED",
        "supervision_level",
    )
    change = {"kind": "level_change", "from_level": "normal", "to_level": "lenient", "reason": "x"}
    _, wrong_from = push_event(officer, subject_id, change)
    assert wrong_from["error"]["field"] == "content.from_level"
    request_id, result = push_event(officer, subject_id, {**change, "from_level": "strict"})
    assert result["status"] == "applied"
    assert _decide(client, office, request_id, "approved").json()["status"] == "approved"
    officer.pull()
    subject = officer.records[("subjects", str(subject_id))]
    assert (subject["supervision_level"], subject["checkin_interval_days"]) == ("lenient", 30)


def test_an_approved_change_of_residence_hands_the_record_to_the_new_office(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, office = device_for("officer.baijia"), device_for("supervisor.baijia")
    bureau, new_office = device_for("supervisor.fuxing"), device_for("supervisor.xiyuan")
    subject_id = enrol(officer, district)
    move = {
        "kind": "residence_change",
        "new_address": "西苑街道幸福路1号",
        "new_unit_id": str(district.xiyuan.id),
        "reason": "随子女居住",
    }
    _, too_soon = push_event(officer, subject_id, {**move, "move_on": "2026-12-20"})
    assert too_soon["error"]["field"] == "content.move_on"
    request_id, result = push_event(officer, subject_id, {**move, "move_on": "2027-01-05"})
    assert result["status"] == "applied", result
    assert _decide(client, office, request_id, "approved").status_code == 201
    assert _decide(client, bureau, request_id, "approved").json()["status"] == "approved"
    officer.pull()
    new_office.pull()
    assert ("subjects", str(subject_id)) not in officer.records
    assert ("subjects", str(subject_id)) in new_office.records
    moved = new_office.records[("subjects", str(subject_id))]
    assert (moved["address"], moved["org_unit_id"]) == (
        "西苑街道幸福路1号",
        str(district.xiyuan.id),
    )
    assert ("subject_events", str(request_id)) in new_office.records
