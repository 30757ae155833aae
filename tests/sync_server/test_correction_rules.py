"""The rules a push of subject events obeys and who reads them
(docs/protocol.md, "Community correction"): leave limits and overlaps from
the district's settings, closed subjects, answers to the right request,
and only the subject's office and the district — never mediators."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import District, mutation
from tests.sync_server.correction_data import (
    ENTRY,
    WARNING,
    enrol,
    event_fields,
    leave,
    push_event,
)


def test_leave_limits_and_overlaps_are_refused_alone(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer = device_for("officer.baijia")
    subject_id = enrol(officer, district)
    results = officer.push(
        [
            mutation("subject_events", uuid.uuid4(), event_fields(subject_id, leave(*span)))
            for span in (
                ("2026-03-01", "2026-03-31"),  # 31 days: one trip is at most 30
                ("2026-03-01", "2026-03-30"),  # 30: fine
                ("2026-03-30", "2026-04-02"),  # overlaps the one before
                ("2026-05-01", "2026-05-30"),  # 30 more: the year's 60
                ("2026-07-01", "2026-07-01"),  # a 61st day in 2026
                ("2027-01-01", "2027-01-05"),  # a new year
            )
        ]
    )
    codes = [r["error"]["code"] if r["status"] == "rejected" else r["status"] for r in results]
    assert codes == [
        "LEAVE_LIMIT_EXCEEDED",
        "applied",
        "LEAVE_OVERLAPS",
        "applied",
        "LEAVE_LIMIT_EXCEEDED",
        "applied",
    ]
    assert results[0]["error"]["field"] == "content.end"
    assert results[2]["error"]["field"] == "content.start"


def test_the_districts_settings_set_the_limits(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, bureau = device_for("officer.baijia"), device_for("supervisor.fuxing")
    settings = client.get("/api/v1/correction/settings", headers=officer.headers).json()
    assert settings["leave_trip_max_days"] == 30
    assert settings["normal"] == {"checkin_days": 15, "visit_days": 60}
    tighter = {**settings, "leave_trip_max_days": 10, "office_leave_max_days": 3}
    for someone in (officer, device_for("supervisor.baijia")):
        refused = client.put("/api/v1/correction/settings", json=tighter, headers=someone.headers)
        assert refused.status_code == 403, refused.text
    wrong = {**tighter, "office_leave_max_days": 11}
    assert (
        client.put("/api/v1/correction/settings", json=wrong, headers=bureau.headers).status_code
        == 422
    )
    done = client.put("/api/v1/correction/settings", json=tighter, headers=bureau.headers)
    assert done.status_code == 200, done.text
    subject_id = enrol(officer, district)
    _, result = push_event(officer, subject_id, leave("2026-03-01", "2026-03-11"))
    assert result["error"]["code"] == "LEAVE_LIMIT_EXCEEDED"
    assert "10 days" in result["error"]["message"]


def test_answers_name_a_request_of_the_same_subject(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer = device_for("officer.baijia")
    subject_id, other_id = enrol(officer, district), enrol(officer, district)
    entry_id, _ = push_event(officer, subject_id, ENTRY)
    leave_id, _ = push_event(officer, other_id, leave("2026-03-01", "2026-03-02"))
    cases = [
        ({"kind": "leave_departure"}, None, "VALIDATION_FAILED", "request_id"),
        ({"kind": "leave_departure"}, entry_id, "VALIDATION_FAILED", "request_id"),
        ({"kind": "leave_departure"}, leave_id, "VALIDATION_FAILED", "request_id"),
        ({"kind": "leave_return"}, uuid.uuid4(), "UNKNOWN_REFERENCE", "request_id"),
        (ENTRY, entry_id, "VALIDATION_FAILED", "request_id"),
    ]
    for content, request_id, code, field in cases:
        _, result = push_event(officer, subject_id, content, request_id=request_id)
        assert (result["error"]["code"], result["error"]["field"]) == (code, field), content


def test_a_released_subject_takes_no_new_events(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer = device_for("officer.baijia")
    subject_id = enrol(officer, district, status="released", released_on="2026-12-31")
    _, talk = push_event(
        officer, subject_id, {"kind": "conversation", "summary": "谈话"}, occurred_on="2027-01-02"
    )
    assert talk["error"]["code"] == "SUBJECT_CLOSED"
    release = {"kind": "release_announcement", "place": "百家街道司法所"}
    assert push_event(officer, subject_id, release)[1]["status"] == "applied"


def test_content_is_checked_by_kind_naming_the_field(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer = device_for("officer.baijia")
    subject_id = enrol(officer, district)
    bad = [
        ({**leave("2026-03-02", "2026-03-01")}, "content.end"),
        ({**leave("2026-03-01", "2026-03-02"), "destination": ""}, "content.destination"),
        ({"kind": "education", "hours": 30, "topic": "法治"}, "content.hours"),
        ({"kind": "no_such_kind"}, "kind"),
        ({**WARNING, "kind": "conversation"}, "content."),
    ]
    for content, field in bad:
        fields = event_fields(subject_id, content)
        [result] = officer.push([mutation("subject_events", uuid.uuid4(), fields)])
        assert result["error"]["code"] == "VALIDATION_FAILED", content
        assert result["error"]["field"].startswith(field), (content, result)
    mismatched = {**event_fields(subject_id, ENTRY), "kind": "conversation"}
    [result] = officer.push([mutation("subject_events", uuid.uuid4(), mismatched)])
    assert result["error"]["field"] == "content"


def test_mediators_never_see_or_touch_correction(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, mediator = device_for("officer.baijia"), device_for("mediator.baijia")
    subject_id = enrol(officer, district)
    event_id, _ = push_event(officer, subject_id, leave("2026-03-01", "2026-03-02"))
    mediator.pull()
    assert not any(table in ("subjects", "subject_events") for table, _ in mediator.records)
    [pushed] = mediator.push(
        [mutation("subject_events", uuid.uuid4(), event_fields(subject_id, ENTRY))]
    )
    assert pushed["error"]["code"] == "FORBIDDEN"
    base = "/api/v1/correction"
    assert (
        client.get(f"{base}/subjects/{subject_id}/timeline", headers=mediator.headers).status_code
        == 404
    )
    assert client.get(f"{base}/requests/waiting", headers=mediator.headers).status_code == 403
    decided = client.post(
        f"{base}/requests/{event_id}/decision",
        json={"outcome": "approved"},
        headers=mediator.headers,
    )
    assert decided.status_code == 404
    # Another office's officer and the admin do not decide either.
    other = device_for("officer.xiyuan")
    assert (
        client.get(f"{base}/subjects/{subject_id}/timeline", headers=other.headers).status_code
        == 404
    )
    admin = device_for("admin")
    by_admin = client.post(
        f"{base}/requests/{event_id}/decision", json={"outcome": "approved"}, headers=admin.headers
    )
    assert by_admin.status_code == 403


def test_the_timeline_shows_everything_in_order_with_what_is_due(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, office = device_for("officer.baijia"), device_for("supervisor.baijia")
    subject_id = enrol(officer, district, enrolled_on="2026-01-03")
    push_event(officer, subject_id, ENTRY, occurred_on="2026-01-03")
    warning_id, _ = push_event(officer, subject_id, WARNING, occurred_on="2026-02-01")
    push_event(officer, subject_id, {**WARNING, "measure": "reprimand"}, occurred_on="2026-01-20")
    response = client.get(
        f"/api/v1/correction/subjects/{subject_id}/timeline", headers=office.headers
    )
    assert response.status_code == 200, response.text
    timeline = response.json()
    assert [e["occurred_on"] for e in timeline["events"]] == [
        "2026-01-03",
        "2026-01-20",
        "2026-02-01",
    ]
    assert timeline["warnings"] == 1
    states = {r["request_id"]: r for r in timeline["requests"]}
    assert states[str(warning_id)]["waiting_for"] == "office"
    kinds = {item["kind"] for item in timeline["due"]}
    assert {"checkin", "visit", "conversation"} <= kinds
    assert all(item["overdue"] for item in timeline["due"] if item["kind"] == "checkin")
