"""The office dashboard on known data, on both databases: every figure of
every office checked against a hand count (tests/sync_server/supervision_data.py),
the district roll-up, and the jurisdiction of each view."""

import json
import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from shared_models.domain.case_documents import CaseDocumentRecord
from shared_models.domain.case_lifecycle import MediationSettings
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.protocol.supervision import Dashboard
from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.core.errors import ApiError
from sync_server.repositories.scope import scope_for
from sync_server.services.supervision.dashboard import DashboardQuery, dashboard
from sync_server.services.sync.seeding import load_records
from sync_server.tables import UserRow
from tests import case_forms as forms
from tests.factories import District
from tests.sync_server.conftest import Device
from tests.sync_server.supervision_data import (
    EXPECTED_BAIJIA,
    EXPECTED_BAIJIA_OVERDUE,
    EXPECTED_DISTRICT_LEVEL,
    EXPECTED_XIYUAN,
    EXPECTED_XIYUAN_OVERDUE,
    MONTH,
    NOW,
    TODAY,
    Known,
    figures_of,
    load_known_data,
)


@pytest.fixture
def known(engine: Engine, district: District) -> Known:
    return load_known_data(engine, district)


def _dashboard(engine: Engine, district: District, username: str, unit: Any = None) -> Dashboard:
    with Session(engine) as session:
        user = session.get(UserRow, district.user(username).id)
        assert user is not None
        scope = scope_for(session, user)
        return dashboard(session, scope, DashboardQuery(MONTH, TODAY, NOW, unit))


def _overdue(row: Any, known: Known) -> list[tuple[str, int, Any]]:
    names = {subject_id: key for key, subject_id in known.subjects.items()}
    return [(names[item.subject_id], item.days_overdue, item.due) for item in row.overdue_checkins]


def test_office_figures_on_known_data(engine: Engine, district: District, known: Known) -> None:
    board = _dashboard(engine, district, "supervisor.baijia")

    assert board.unit_id == district.baijia.id
    assert (board.month, board.today, board.silent_after_days) == ("2026-11", TODAY, 3)
    [office] = board.offices
    assert office.office_id == district.baijia.id
    assert office.office_name == district.baijia.name
    assert figures_of(office) == EXPECTED_BAIJIA
    assert figures_of(board.total) == EXPECTED_BAIJIA


def test_overdue_checkins_most_overdue_first(
    engine: Engine, district: District, known: Known
) -> None:
    [office] = _dashboard(engine, district, "supervisor.baijia").offices

    assert _overdue(office, known) == EXPECTED_BAIJIA_OVERDUE
    b4, b3, b1 = office.overdue_checkins
    assert [b4.key_person, b3.key_person, b1.key_person] == [False, True, False]
    assert b3.last_checkin_at is None  # never checked in: due from the entry announcement
    assert b4.checkin_interval_days == 30
    assert b1.last_checkin_at is not None
    assert b1.last_checkin_at.isoformat() == "2026-11-20T01:00:00+00:00"
    for item in office.overdue_checkins:
        assert item.name == f"对象{_key(known, item.subject_id)}"
        assert item.officer_id == district.user("officer.baijia").id
        assert item.officer_name == "officer.baijia"
        assert item.office_id == district.baijia.id


def _key(known: Known, subject_id: Any) -> str:
    return next(key for key, value in known.subjects.items() if value == subject_id)


def test_devices_with_last_sync_and_silence(
    engine: Engine, district: District, known: Known
) -> None:
    [office] = _dashboard(engine, district, "supervisor.baijia").offices

    listed = [(d.device_id, d.display_name, d.silent) for d in office.device_list]
    # Longest silent first; the revoked phone is not listed; the mediator's two
    # sign-ins on one phone are one device, last seen at the newer one.
    assert listed == [
        ("phone-off-b", "officer.baijia", True),
        ("tablet-sup-b", "supervisor.baijia", False),
        ("phone-med-b", "mediator.baijia", False),
    ]
    mediator_phone = office.device_list[2]
    assert (NOW - mediator_phone.last_seen_at).total_seconds() == 3600
    assert {d.office_id for d in office.device_list} == {district.baijia.id}


def test_district_roll_up_has_one_row_per_office(
    engine: Engine, district: District, known: Known
) -> None:
    board = _dashboard(engine, district, "supervisor.fuxing")

    assert board.unit_id == district.district.id
    rows = {row.office_id: row for row in board.offices}
    assert [row.office_id for row in board.offices] == [
        district.baijia.id,
        district.xiyuan.id,
        district.district.id,  # the district's own level: its supervisor's tablet
    ]
    assert figures_of(rows[district.baijia.id]) == EXPECTED_BAIJIA
    assert figures_of(rows[district.xiyuan.id]) == EXPECTED_XIYUAN
    assert figures_of(rows[district.district.id]) == EXPECTED_DISTRICT_LEVEL
    assert _overdue(rows[district.xiyuan.id], known) == EXPECTED_XIYUAN_OVERDUE
    assert figures_of(board.total) == {
        "open_cases": {"days_0_7": 3, "days_8_30": 2, "days_31_90": 1, "over_90": 2},
        "open_cases_total": 8,
        "closed_this_month": 3,
        "agreements_signed_this_month": 2,
        "mediations_agreed": 5,
        "mediations_failed": 2,
        "success_rate": 5 / 7,
        "follow_ups_due": 2,
        "subjects_under_supervision": 7,
        "checkins_overdue": 4,
        "devices": 5,
        "devices_silent": 2,
    }


def test_district_user_picks_one_office(engine: Engine, district: District, known: Known) -> None:
    board = _dashboard(engine, district, "supervisor.fuxing", district.xiyuan.id)

    [office] = board.offices
    assert office.office_id == district.xiyuan.id
    assert figures_of(office) == EXPECTED_XIYUAN
    assert figures_of(_dashboard(engine, district, "admin").total) == figures_of(
        _dashboard(engine, district, "supervisor.fuxing").total
    )


def test_a_month_without_activity_has_no_monthly_figures(
    engine: Engine, district: District, known: Known
) -> None:
    with Session(engine) as session:
        user = session.get(UserRow, district.user("supervisor.baijia").id)
        assert user is not None
        query = DashboardQuery(MONTH.parse("2026-09"), TODAY, NOW)
        [office] = dashboard(session, scope_for(session, user), query).offices
    assert office.closed_this_month == 0
    assert office.agreements_signed_this_month == 0
    assert (office.mediations_agreed, office.mediations_failed) == (0, 0)
    assert office.success_rate is None
    assert office.open_cases_total == EXPECTED_BAIJIA["open_cases_total"]


def test_a_baijia_supervisor_never_sees_xiyuan(
    engine: Engine, district: District, known: Known
) -> None:
    board = _dashboard(engine, district, "supervisor.baijia")

    text = board.model_dump_json()
    xiyuan_ids = [
        district.xiyuan.id,
        district.xiyuan_committee.id,
        known.subjects["x1"],
        known.subjects["x2"],
        district.user("mediator.xiyuan").id,
        district.user("officer.xiyuan").id,
    ]
    for record_id in xiyuan_ids:
        assert str(record_id) not in text
    assert "phone-med-x" not in text
    assert "tablet-fuxing" not in text
    for unit in (district.xiyuan.id, district.district.id, district.xiyuan_committee.id):
        with pytest.raises(ApiError) as raised:
            _dashboard(engine, district, "supervisor.baijia", unit)
        assert raised.value.status == 404


def test_a_committee_is_not_an_office(engine: Engine, district: District, known: Known) -> None:
    with pytest.raises(ApiError) as raised:
        _dashboard(engine, district, "supervisor.fuxing", district.baijia_committee.id)
    assert raised.value.status == 404


# --- through HTTP ------------------------------------------------------------------


def test_dashboard_over_http(client: TestClient, district: District, known: Known) -> None:
    baijia = Device(client, "supervisor.baijia", "sup-baijia-1")

    response = client.get("/api/v1/dashboard", params={"month": "2026-11"}, headers=baijia.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["month"] == "2026-11"
    [office] = body["offices"]
    assert office["office_id"] == str(district.baijia.id)
    # Figures that do not depend on the day the test runs.
    assert office["subjects_under_supervision"] == 5
    assert office["open_cases_total"] == 7
    assert office["agreements_signed_this_month"] == 1
    assert office["closed_this_month"] == 2
    assert str(district.xiyuan.id) not in json.dumps(body)
    assert "sup-baijia-1" in {device["device_id"] for device in office["device_list"]}


def test_dashboard_errors_over_http(client: TestClient, district: District, known: Known) -> None:
    baijia = Device(client, "supervisor.baijia", "sup-baijia-1")
    mediator = Device(client, "mediator.baijia", "med-baijia-1")
    officer = Device(client, "officer.baijia", "off-baijia-1")

    for device in (mediator, officer):
        denied = client.get("/api/v1/dashboard", headers=device.headers)
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "FORBIDDEN"
    foreign = client.get(
        "/api/v1/dashboard", params={"office_id": str(district.xiyuan.id)}, headers=baijia.headers
    )
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "NOT_FOUND"
    for month in ("2026-13", "November", "2026-1"):
        bad = client.get("/api/v1/dashboard", params={"month": month}, headers=baijia.headers)
        assert bad.status_code == 422, month
        assert bad.json()["error"]["code"] == "VALIDATION_FAILED"
    assert client.get("/api/v1/dashboard").status_code == 401


def test_district_roll_up_over_http(client: TestClient, district: District, known: Known) -> None:
    admin = Device(client, "admin", "admin-desktop")

    response = client.get("/api/v1/dashboard", headers=admin.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    offices = [row["office_id"] for row in body["offices"]]
    assert offices[:2] == [str(district.baijia.id), str(district.xiyuan.id)]
    assert body["total"]["subjects_under_supervision"] == 7
    assert body["total"]["open_cases_total"] == 8


def _out_on_leave(
    subject_id: Any, start: date, end: date, back: bool | None
) -> list[SubjectEventRecord]:
    """A leave the subject left on; ``back``: returned (``None``: the return
    recorded and then deleted)."""
    request_id = uuid.uuid4()

    def event(kind: str, day: date, content: dict[str, Any], **extra: Any) -> SubjectEventRecord:
        return SubjectEventRecord.model_validate(
            {
                "id": str(uuid.uuid4()),
                "subject_id": str(subject_id),
                "kind": kind,
                "occurred_on": day.isoformat(),
                "content": {"kind": kind, **content},
                **extra,
            }
        )

    leave = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "destination": "石家庄",
        "reason": "family",
        "guarantor": "王某某",
    }
    events = [
        event("leave_request", start, leave, id=str(request_id)),
        event("leave_departure", start, {}, request_id=str(request_id)),
    ]
    if back is not False:
        events.append(event("leave_return", end, {}, request_id=str(request_id), deleted=not back))
    return events


def test_subjects_not_back_from_leave_are_overdue_on_the_dashboard(
    engine: Engine, district: District, known: Known
) -> None:
    s = known.subjects
    events = [
        *_out_on_leave(s["b1"], date(2026, 11, 1), date(2026, 11, 3), None),  # return deleted
        *_out_on_leave(s["b2"], date(2026, 11, 10), date(2026, 11, 20), False),
        *_out_on_leave(s["b7"], date(2026, 11, 1), date(2026, 11, 5), True),  # back
        *_out_on_leave(s["b5"], date(2026, 11, 1), date(2026, 11, 5), False),  # released
        *_out_on_leave(s["x2"], date(2026, 11, 25), date(2026, 11, 28), False),  # ends today
    ]
    with write_session(engine) as session:
        load_records(session, TableName.SUBJECT_EVENTS, events)
    [office] = _dashboard(engine, district, "supervisor.baijia").offices
    names = {subject_id: key for key, subject_id in s.items()}
    assert office.leaves_overdue == 2
    assert [(names[i.subject_id], i.days_overdue, i.leave_end) for i in office.overdue_leaves] == [
        ("b1", 25, date(2026, 11, 3)),
        ("b2", 8, date(2026, 11, 20)),
    ]
    assert office.overdue_leaves[0].officer_name == "officer.baijia"
    board = _dashboard(engine, district, "supervisor.fuxing")
    assert board.total.leaves_overdue == 2
    assert not any(row.overdue_leaves for row in board.offices if row.office_id != office.office_id)


def test_leave_taken_in_the_month_is_listed_whatever_the_subject_is_now(
    engine: Engine, district: District, known: Known
) -> None:
    """Away during the month: departed by its last day, back on or after its
    first or not back; a released subject's leave counts, a deleted return
    does not, the other office's leave shows only in the roll-up."""
    s = known.subjects
    events = [
        *_out_on_leave(s["b1"], date(2026, 11, 1), date(2026, 11, 3), None),  # return deleted
        *_out_on_leave(s["b2"], date(2026, 11, 10), date(2026, 11, 20), False),
        *_out_on_leave(s["b7"], date(2026, 11, 2), date(2026, 11, 5), True),  # back
        *_out_on_leave(s["b5"], date(2026, 11, 4), date(2026, 11, 5), False),  # released
        *_out_on_leave(s["b3"], date(2026, 10, 5), date(2026, 10, 8), True),  # October only
        *_out_on_leave(s["b4"], date(2026, 10, 28), date(2026, 11, 1), True),  # both months
        *_out_on_leave(s["x2"], date(2026, 11, 25), date(2026, 11, 28), False),
    ]
    with write_session(engine) as session:
        load_records(session, TableName.SUBJECT_EVENTS, events)
    names = {subject_id: key for key, subject_id in s.items()}

    [office] = _dashboard(engine, district, "supervisor.baijia").offices

    assert office.leaves_taken_this_month == 5
    assert [
        (names[i.subject_id], i.departed_on, i.returned_on, i.days) for i in office.leaves_taken
    ] == [
        ("b4", date(2026, 10, 28), date(2026, 11, 1), 5),
        ("b1", date(2026, 11, 1), None, 3),
        ("b7", date(2026, 11, 2), date(2026, 11, 5), 4),
        ("b5", date(2026, 11, 4), None, 2),
        ("b2", date(2026, 11, 10), None, 11),
    ]
    assert office.leaves_taken[0].officer_name == "officer.baijia"
    board = _dashboard(engine, district, "supervisor.fuxing")
    assert board.total.leaves_taken_this_month == 6
    with Session(engine) as session:
        user = session.get(UserRow, district.user("supervisor.baijia").id)
        assert user is not None
        october = DashboardQuery(MONTH.parse("2026-10"), TODAY, NOW)
        [earlier] = dashboard(session, scope_for(session, user), october).offices
    assert [names[i.subject_id] for i in earlier.leaves_taken] == ["b3", "b4"]


def _applied(case_id: Any, agreement_id: Any, on: date) -> CaseDocumentRecord:
    """The parties' application for judicial confirmation, recorded the day it was made."""
    form = {
        "kind": "judicial_application",
        "agreement_id": str(agreement_id),
        "applied_on": on.isoformat(),
        "court": "复兴区人民法院",
        "applicants": ["李某", "张某"],
    }
    return CaseDocumentRecord.model_validate(
        {
            **forms.document(case_id, form, recorded_at=f"{on.isoformat()}T02:00:00Z"),
            "id": str(uuid.uuid4()),
        }
    )


def test_late_applications_for_judicial_confirmation_by_the_districts_window(
    engine: Engine, district: District, known: Known
) -> None:
    """Applied in the month after the window closed: October's agreement
    (took effect 10-25, window to 11-24) applied for on 11-26 is late; the
    office's agreement of 11-06 applied for on 11-20 is not."""
    c, a = known.cases, known.agreements
    with write_session(engine) as session:
        load_records(
            session,
            TableName.CASE_DOCUMENTS,
            [
                _applied(c["b_closed_signed"], a["b_october"], date(2026, 11, 26)),
                _applied(c["b_office"], a["b_signed"], date(2026, 11, 20)),
            ],
        )

    [office] = _dashboard(engine, district, "supervisor.baijia").offices
    assert office.judicial_applications_late == 1
    assert _dashboard(engine, district, "supervisor.fuxing").total.judicial_applications_late == 1
    assert _dashboard(engine, district, "supervisor.xiyuan").total.judicial_applications_late == 0
    with Session(engine) as session:
        user = session.get(UserRow, district.user("supervisor.baijia").id)
        assert user is not None
        scope = scope_for(session, user)
        october = DashboardQuery(MONTH.parse("2026-10"), TODAY, NOW)
        assert dashboard(session, scope, october).total.judicial_applications_late == 0
        longer = DashboardQuery(
            MONTH, TODAY, NOW, mediation=MediationSettings(judicial_window_days=35)
        )
        assert dashboard(session, scope, longer).total.judicial_applications_late == 0
