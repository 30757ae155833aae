"""The review queue on both databases: what came in since it was last
reviewed, the round trip device → supervisor → device and back, filters,
paging and jurisdiction."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.services.supervision.district_calendar import district_today
from sync_server.services.sync.seeding import load_records
from tests.factories import (
    District,
    case_fields,
    id_number,
    mutation,
    subject_fields,
    visit_fields,
)
from tests.sync_server.conftest import Device
from tests.sync_server.supervision_data import local, signed_agreement


def _queue(device: Device, **params: Any) -> dict[str, Any]:
    response = device.client.get("/api/v1/review-queue", params=params, headers=device.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _ids(device: Device, **params: Any) -> list[str]:
    return [item["record_id"] for item in _queue(device, limit=200, **params)["items"]]


def _review(device: Device, table: str, record_id: Any, state: str, comment: str = "") -> Any:
    response = device.client.post(
        "/api/v1/reviews",
        json={
            "target_table": table,
            "target_id": str(record_id),
            "state": state,
            "comment": comment,
        },
        headers=device.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _push_case_and_visit(device: Device, unit: Any) -> tuple[uuid.UUID, uuid.UUID, int]:
    case_id, visit_id = uuid.uuid4(), uuid.uuid4()
    case, visit = device.push(
        [
            mutation("cases", case_id, case_fields(unit)),
            mutation("visits", visit_id, visit_fields(case_id=case_id, notes="第一次调解")),
        ]
    )
    assert case["status"] == visit["status"] == "applied"
    return case_id, visit_id, visit["version"]


def test_review_round_trip_device_supervisor_device(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    supervisor = device_for("supervisor.baijia")
    case_id, visit_id, visit_version = _push_case_and_visit(mediator, district.baijia_committee.id)

    # 1. What the mediator pushed is in the queue, newest first.
    page = _queue(supervisor)
    assert [item["record_id"] for item in page["items"]] == [str(visit_id), str(case_id)]
    visit = page["items"][0]
    assert visit["table"] == "visits"
    assert visit["kind"] == "visit"
    assert visit["visit_kind"] == "mediation_session"
    assert visit["title"] == "煤棚损坏纠纷"
    assert visit["summary"] == "第一次调解"
    assert visit["author_id"] == str(district.user("mediator.baijia").id)
    assert visit["author_name"] == "mediator.baijia"
    assert visit["org_unit_id"] == str(district.baijia_committee.id)
    assert visit["version"] == visit_version
    assert visit["latest_review_state"] is None
    assert visit["resubmitted"] is False
    assert page["next_before"] is None

    # 2. Sent back: out of the queue.
    review = _review(supervisor, "visits", visit_id, "needs_changes", "请补充调解地点照片")
    assert _ids(supervisor) == [str(case_id)]

    # 3. The mediator's device pulls the verdict.
    mediator.pull()
    pulled = mediator.records[("reviews", review["id"])]
    assert pulled["state"] == "needs_changes"
    assert pulled["target_id"] == str(visit_id)
    assert pulled["target_version"] == visit_version
    assert pulled["comment"] == "请补充调解地点照片"

    # 4. The mediator corrects the visit: it is back, marked as a resubmission.
    [edited] = mediator.push(
        [mutation("visits", visit_id, {"notes": "补充了照片"}, base_version=visit_version)]
    )
    assert edited["status"] == "applied"
    back = _queue(supervisor)["items"][0]
    assert back["record_id"] == str(visit_id)
    assert back["version"] == edited["version"]
    assert back["resubmitted"] is True
    assert back["latest_review_state"] == "needs_changes"
    assert back["latest_review_comment"] == "请补充调解地点照片"
    assert back["reviewed_version"] == visit_version
    assert back["summary"] == "补充了照片"

    # 5. Approved: out again, and the case once approved too.
    _review(supervisor, "visits", visit_id, "approved")
    _review(supervisor, "cases", case_id, "approved")
    assert _ids(supervisor) == []


def test_a_review_of_an_older_version_leaves_the_record_queued(
    device_for: Any, district: District, engine: Engine
) -> None:
    mediator = device_for("mediator.baijia")
    supervisor = device_for("supervisor.baijia")
    _, visit_id, version = _push_case_and_visit(mediator, district.baijia_committee.id)
    [edited] = mediator.push(
        [mutation("visits", visit_id, {"notes": "改过"}, base_version=version)]
    )
    # A supervisor's tablet reviewed the first version offline and pushes the verdict now.
    [pushed] = supervisor.push(
        [
            mutation(
                "reviews",
                uuid.uuid4(),
                {
                    "target_table": "visits",
                    "target_id": str(visit_id),
                    "target_version": version,
                    "state": "approved",
                },
            )
        ]
    )
    assert pushed["status"] == "applied", pushed

    [item] = [i for i in _queue(supervisor)["items"] if i["record_id"] == str(visit_id)]
    assert item["version"] == edited["version"]
    assert item["reviewed_version"] == version
    assert item["latest_review_state"] == "approved"


def _mixed_records(device_for: Any, district: District, engine: Engine) -> dict[str, Any]:
    """Cases, visits, check-ins and agreements of both offices, by several authors."""
    mediator = device_for("mediator.baijia")
    officer = device_for("officer.baijia")
    xiyuan = device_for("mediator.xiyuan")
    case_id, visit_id, _ = _push_case_and_visit(mediator, district.baijia_committee.id)
    office_case = uuid.uuid4()
    mediator.push([mutation("cases", office_case, case_fields(district.baijia.id))])
    subject_id, checkin_id, home_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    officer_id = district.user("officer.baijia").id
    results = officer.push(
        [
            mutation("subjects", subject_id, subject_fields(district.baijia.id, officer_id)),
            mutation("visits", checkin_id, visit_fields(subject_id=subject_id)),
            mutation(
                "visits",
                home_id,
                visit_fields(subject_id=subject_id, kind="home_visit", method=None),
            ),
        ]
    )
    assert [r["status"] for r in results] == ["applied"] * 3
    x_case, x_visit, _ = _push_case_and_visit(xiyuan, district.xiyuan_committee.id)
    signed = signed_agreement(case_id, local(11, 20))
    draft = signed_agreement(case_id, local(11, 21)).model_copy(
        update={"id": uuid.uuid4(), "status": "draft", "content_hash": None, "signed_at": None}
    )
    deleted = signed_agreement(case_id, local(11, 22)).model_copy(
        update={"id": uuid.uuid4(), "deleted": True}
    )
    with write_session(engine) as session:
        load_records(
            session,
            TableName.AGREEMENTS,
            [signed, draft, deleted],
            created_by=district.user("mediator.baijia").id,
        )
    return {
        "case": str(case_id),
        "visit": str(visit_id),
        "office_case": str(office_case),
        "checkin": str(checkin_id),
        "home_visit": str(home_id),
        "agreement": str(signed.id),
        "draft": str(draft.id),
        "deleted": str(deleted.id),
        "x_case": str(x_case),
        "x_visit": str(x_visit),
        "subject": str(subject_id),
    }


def test_filters_by_kind_author_office_and_day(
    device_for: Any, district: District, engine: Engine
) -> None:
    ids = _mixed_records(device_for, district, engine)
    baijia = device_for("supervisor.baijia")
    fuxing = device_for("supervisor.fuxing")

    everything = _ids(baijia)
    assert set(everything) == {
        ids["case"],
        ids["visit"],
        ids["office_case"],
        ids["checkin"],
        ids["home_visit"],
        ids["agreement"],
    }
    assert ids["draft"] not in everything
    assert ids["deleted"] not in everything
    assert set(_ids(baijia, kind="case")) == {ids["case"], ids["office_case"]}
    assert set(_ids(baijia, kind="visit")) == {ids["visit"], ids["home_visit"]}
    assert _ids(baijia, kind="checkin") == [ids["checkin"]]
    assert _ids(baijia, kind="agreement") == [ids["agreement"]]
    officer = str(district.user("officer.baijia").id)
    assert set(_ids(baijia, author_id=officer)) == {ids["checkin"], ids["home_visit"]}
    committee = str(district.baijia_committee.id)
    assert set(_ids(baijia, office_id=committee)) == {ids["case"], ids["visit"], ids["agreement"]}
    assert set(_ids(fuxing, office_id=str(district.xiyuan.id))) == {ids["x_case"], ids["x_visit"]}
    assert set(_ids(fuxing)) == set(everything) | {ids["x_case"], ids["x_visit"]}
    today = district_today(datetime.now(UTC))
    assert set(_ids(baijia, since=today.isoformat(), until=today.isoformat())) == set(everything)
    assert _ids(baijia, until=(today - timedelta(days=1)).isoformat()) == []
    assert _ids(baijia, since=(today + timedelta(days=1)).isoformat()) == []


def test_check_ins_are_titled_by_subject_without_personal_data(
    device_for: Any, district: District, engine: Engine
) -> None:
    ids = _mixed_records(device_for, district, engine)
    page = _queue(device_for("supervisor.baijia"), kind="checkin")

    [checkin] = page["items"]
    assert checkin["title"] == "王某"
    assert checkin["subject_id"] == ids["subject"]
    assert checkin["kind"] == "checkin"
    text = str(page)
    assert id_number() not in text  # the subject's ID number never appears


def test_pages_newest_first_without_overlap(
    device_for: Any, district: District, engine: Engine
) -> None:
    _mixed_records(device_for, district, engine)
    supervisor = device_for("supervisor.baijia")
    whole = _queue(supervisor, limit=200)["items"]

    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 4}
    pages = 0
    while True:
        page = _queue(supervisor, **params)
        seen.extend(page["items"])
        pages += 1
        if page["next_before"] is None:
            break
        assert page["next_before"] == page["items"][-1]["version"]
        params["before"] = page["next_before"]
    assert pages == 2
    assert seen == whole
    versions = [item["version"] for item in seen]
    assert versions == sorted(versions, reverse=True)
    assert len(set(versions)) == len(versions) == 6


def test_a_baijia_supervisor_never_sees_xiyuan(
    device_for: Any, district: District, engine: Engine
) -> None:
    ids = _mixed_records(device_for, district, engine)
    baijia = device_for("supervisor.baijia")

    text = str(_queue(baijia, limit=200))
    assert ids["x_case"] not in text
    assert ids["x_visit"] not in text
    assert str(district.xiyuan_committee.id) not in text
    response = baijia.client.get(
        "/api/v1/review-queue",
        params={"office_id": str(district.xiyuan.id)},
        headers=baijia.headers,
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_only_supervisors_and_admins_see_the_queue(device_for: Any, district: District) -> None:
    for username in ("mediator.baijia", "officer.baijia"):
        device = device_for(username)
        response = device.client.get("/api/v1/review-queue", headers=device.headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "FORBIDDEN"
    admin = device_for("admin")
    assert _queue(admin) == {"items": [], "next_before": None}
    bad = admin.client.get("/api/v1/review-queue", params={"kind": "party"}, headers=admin.headers)
    assert bad.status_code == 422
