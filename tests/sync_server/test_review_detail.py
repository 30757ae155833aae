"""A queued record opened by a supervisor, on both databases: the visit with
its GPS fix, photos and the case, the agreement with its PDF path, earlier
reviews newest first, and 404 outside the jurisdiction or for other roles' 403."""

import hashlib
import uuid
from typing import Any

from sqlalchemy import Engine

from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.services.sync.seeding import load_records
from tests.factories import District, case_fields, mutation, subject_fields, visit_fields
from tests.sync_server.conftest import Device
from tests.sync_server.supervision_data import local, signed_agreement


def _detail(device: Device, table: str, record_id: Any, status: int = 200) -> dict[str, Any]:
    response = device.client.get(
        f"/api/v1/review-queue/{table}/{record_id}", headers=device.headers
    )
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _photo(owner_table: str, owner_id: uuid.UUID, content: bytes) -> dict[str, Any]:
    return {
        "owner_table": owner_table,
        "owner_id": str(owner_id),
        "kind": "photo",
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "mime": "image/jpeg",
        "caption": "调解现场",
    }


def test_a_visit_opens_with_its_case_gps_photos_and_reviews(
    device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    supervisor = device_for("supervisor.baijia")
    case_id, visit_id, photo_id, other_photo = (uuid.uuid4() for _ in range(4))
    results = mediator.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation(
                "visits",
                visit_id,
                visit_fields(case_id=case_id, lat=36.6123, lon=114.4871, accuracy_m=12.5),
            ),
            mutation("attachments", photo_id, _photo("visits", visit_id, b"visit photo")),
            mutation("attachments", other_photo, _photo("cases", case_id, b"case photo")),
        ]
    )
    assert [r["status"] for r in results] == ["applied"] * 4
    first = supervisor.client.post(
        "/api/v1/reviews",
        json={
            "target_table": "visits",
            "target_id": str(visit_id),
            "state": "needs_changes",
            "comment": "请补充现场照片",
        },
        headers=supervisor.headers,
    )
    second = supervisor.client.post(
        "/api/v1/reviews",
        json={"target_table": "visits", "target_id": str(visit_id), "state": "approved"},
        headers=supervisor.headers,
    )
    assert first.status_code == second.status_code == 201

    detail = _detail(supervisor, "visits", visit_id)
    assert detail["kind"] == "visit"
    assert detail["version"] == results[1]["version"]
    assert detail["author_id"] == str(district.user("mediator.baijia").id)
    assert detail["author_name"] == "mediator.baijia"
    assert detail["org_unit_id"] == str(district.baijia_committee.id)
    assert detail["org_unit_name"] == "百家村调委会"
    assert detail["visit"]["notes"] == "本人到所报到，状态良好"
    assert detail["case"]["id"] == str(case_id)
    assert detail["case"]["title"] == "煤棚损坏纠纷"
    assert detail["gps"] == {"lat": 36.6123, "lon": 114.4871, "accuracy_m": 12.5}
    # Only the visit's own photo: the case's photo belongs to the case.
    assert [a["id"] for a in detail["attachments"]] == [str(photo_id)]
    assert [r["state"] for r in detail["reviews"]] == ["approved", "needs_changes"]
    assert detail["reviews"][1]["comment"] == "请补充现场照片"
    assert detail["agreement_pdf"] is None

    case = _detail(supervisor, "cases", case_id)
    assert case["kind"] == "case"
    assert case["visit"] is None
    assert case["gps"] is None
    assert [a["id"] for a in case["attachments"]] == [str(other_photo)]


def test_a_checkin_names_its_subject_and_nothing_else_personal(
    device_for: Any, district: District
) -> None:
    officer = device_for("officer.baijia")
    supervisor = device_for("supervisor.fuxing")
    subject_id, checkin_id = uuid.uuid4(), uuid.uuid4()
    officer.push(
        [
            mutation(
                "subjects",
                subject_id,
                subject_fields(
                    district.baijia.id, district.user("officer.baijia").id, name="张某某"
                ),
            ),
            mutation("visits", checkin_id, visit_fields(subject_id=subject_id)),
        ]
    )
    detail = _detail(supervisor, "visits", checkin_id)
    assert detail["kind"] == "checkin"
    assert detail["subject_name"] == "张某某"
    assert detail["case"] is None
    assert detail["gps"] is None
    assert "id_number" not in str(detail)


def test_an_agreement_carries_its_pdf_and_its_case_points_at_it(
    device_for: Any, district: District, engine: Engine
) -> None:
    mediator = device_for("mediator.baijia")
    supervisor = device_for("supervisor.baijia")
    case_id = uuid.uuid4()
    mediator.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    agreement = signed_agreement(case_id, local(11, 20))
    with write_session(engine) as session:
        load_records(
            session,
            TableName.AGREEMENTS,
            [agreement],
            created_by=district.user("mediator.baijia").id,
        )
    detail = _detail(supervisor, "agreements", agreement.id)
    assert detail["kind"] == "agreement"
    assert detail["agreement"]["facts"] == "邻居翻修时损坏了煤棚"
    assert detail["case"]["id"] == str(case_id)
    assert detail["agreement_pdf"] == f"/api/v1/agreements/{agreement.id}.pdf"
    case = _detail(supervisor, "cases", case_id)
    assert case["agreement_pdf"] == f"/api/v1/agreements/{agreement.id}.pdf"


def test_outside_the_jurisdiction_deleted_or_unknown_is_404(
    device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    xiyuan = device_for("supervisor.xiyuan")
    baijia = device_for("supervisor.baijia")
    case_id, gone_id = uuid.uuid4(), uuid.uuid4()
    mediator.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("cases", gone_id, case_fields(district.baijia_committee.id)),
        ]
    )
    [deleted] = mediator.push([mutation("cases", gone_id, op="delete", base_version=None)])
    assert deleted["status"] in ("applied", "conflict")
    outside = _detail(xiyuan, "cases", case_id, status=404)
    unknown = _detail(baijia, "cases", uuid.uuid4(), status=404)
    assert outside["error"]["code"] == unknown["error"]["code"] == "NOT_FOUND"
    assert outside["error"]["message"] == unknown["error"]["message"]
    _detail(baijia, "cases", gone_id, status=404)
    _detail(baijia, "subjects", uuid.uuid4(), status=404)
    _detail(baijia, "parties", case_id, status=422)


def test_field_roles_have_no_review_detail(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    mediator.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    refused = _detail(mediator, "cases", case_id, status=403)
    assert refused["error"]["code"] == "FORBIDDEN"
