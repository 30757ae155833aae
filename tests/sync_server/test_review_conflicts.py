"""Reviews and conflict resolution through the HTTP API, on both databases:
a supervisor's verdict reaches the owning devices, and an overwritten value
can be brought back by a person (docs/protocol.md "Review and conflicts")."""

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from shared_models.domain.agreements import AgreementFields
from shared_models.integrity import agreement_hash
from sync_server.core.audit import verify_audit
from sync_server.tables import AuditEntry
from tests.case_forms import to_mediation
from tests.factories import District, case_fields, mutation, visit_fields

SIG_SHA = "ab" * 32


def _case(device: Any, district: District, **overrides: Any) -> tuple[uuid.UUID, int]:
    case_id = uuid.uuid4()
    fields = case_fields(district.baijia_committee.id, **overrides)
    [created] = device.push([mutation("cases", case_id, fields)])
    assert created["status"] == "applied", created
    return case_id, created["version"]


def _title_conflict(device_for: Any, district: District) -> tuple[Any, Any, uuid.UUID, str]:
    """Two devices of Baijia change a case's title from the same base version."""
    first = device_for("mediator.baijia")
    second = device_for("mediator.baijia")
    case_id, base = _case(first, district)
    first.push([mutation("cases", case_id, {"title": "甲的标题"}, base_version=base)])
    [late] = second.push([mutation("cases", case_id, {"title": "乙的标题"}, base_version=base)])
    assert late["status"] == "conflict"
    return first, second, case_id, late["conflict_id"]


def _resolve(device: Any, conflict_id: str, keep: str) -> Any:
    return device.client.post(
        f"/api/v1/conflicts/{conflict_id}/resolve", json={"keep": keep}, headers=device.headers
    )


def _conflicts(device: Any, **params: Any) -> list[dict[str, Any]]:
    response = device.client.get("/api/v1/conflicts", params=params, headers=device.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _audit(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as session:
        assert verify_audit(session) == []
        return list(session.scalars(select(AuditEntry).where(col(AuditEntry.action) == action)))


# --- reviews ---------------------------------------------------------------------


def _post_review(device: Any, target_id: uuid.UUID, **body: Any) -> Any:
    payload = {"target_table": "visits", "target_id": str(target_id), "state": "needs_changes"}
    payload.update(body)
    return device.client.post("/api/v1/reviews", json=payload, headers=device.headers)


def _mediator_visit(device_for: Any, district: District) -> tuple[Any, uuid.UUID, int]:
    mediator = device_for("mediator.baijia")
    case_id, _ = _case(mediator, district)
    visit_id = uuid.uuid4()
    [visit] = mediator.push([mutation("visits", visit_id, visit_fields(case_id=case_id))])
    assert visit["status"] == "applied"
    return mediator, visit_id, visit["version"]


def test_supervisors_review_reaches_the_mediators_device(
    device_for: Any, district: District, engine: Engine
) -> None:
    mediator, visit_id, visit_version = _mediator_visit(device_for, district)
    supervisor = device_for("supervisor.baijia")

    response = _post_review(supervisor, visit_id, comment="请补充当事人签字照片")

    assert response.status_code == 201, response.text
    review = response.json()
    assert review["state"] == "needs_changes"
    assert review["target_version"] == visit_version
    assert review["created_by"] == str(district.user("supervisor.baijia").id)
    assert review["version"] > visit_version
    mediator.pull()
    pulled = mediator.records[("reviews", review["id"])]
    assert pulled["comment"] == "请补充当事人签字照片"
    assert pulled["target_id"] == str(visit_id)
    [entry] = _audit(engine, "review")
    assert entry.detail == {
        "review_id": review["id"],
        "target_table": "visits",
        "target_id": str(visit_id),
    }


def test_review_outside_the_jurisdiction_is_not_found(device_for: Any, district: District) -> None:
    _, visit_id, _ = _mediator_visit(device_for, district)
    other_office = device_for("supervisor.xiyuan")

    response = _post_review(other_office, visit_id)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    unknown = _post_review(device_for("supervisor.baijia"), uuid.uuid4())
    assert unknown.status_code == 404
    xiyuan_mediator = device_for("mediator.xiyuan")
    xiyuan_mediator.pull()
    assert xiyuan_mediator.ids("reviews") == set()


def test_review_of_a_deleted_record_is_not_found(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    case_id, version = _case(mediator, district)
    mediator.push([mutation("cases", case_id, op="delete", base_version=version)])

    response = _post_review(device_for("supervisor.baijia"), case_id, target_table="cases")

    assert response.status_code == 404


def test_only_supervisors_and_admins_review(device_for: Any, district: District) -> None:
    mediator, visit_id, _ = _mediator_visit(device_for, district)

    response = _post_review(mediator, visit_id, state="approved")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    [pushed] = mediator.push(
        [
            mutation(
                "reviews",
                uuid.uuid4(),
                {"target_table": "visits", "target_id": str(visit_id), "state": "approved"},
            )
        ]
    )
    assert pushed["status"] == "rejected"
    assert pushed["error"]["code"] == "FORBIDDEN"
    assert _post_review(device_for("admin"), visit_id, state="approved").status_code == 201


def test_a_retried_review_is_stored_once(device_for: Any, district: District) -> None:
    mediator, visit_id, _ = _mediator_visit(device_for, district)
    supervisor = device_for("supervisor.baijia")
    review_id = str(uuid.uuid4())

    first = _post_review(supervisor, visit_id, id=review_id, comment="好")
    again = _post_review(supervisor, visit_id, id=review_id, comment="好")
    different = _post_review(supervisor, visit_id, id=review_id, comment="不好")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert different.status_code == 409
    assert different.json()["error"]["code"] == "VALIDATION_FAILED"
    mediator.pull()
    assert mediator.ids("reviews") == {review_id}


def test_malformed_review_is_a_validation_error(device_for: Any, district: District) -> None:
    _, visit_id, _ = _mediator_visit(device_for, district)

    response = _post_review(device_for("supervisor.baijia"), visit_id, state="fine")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_FAILED"


# --- conflicts -------------------------------------------------------------------


def test_conflict_is_listed_in_scope_only(device_for: Any, district: District) -> None:
    first, _, _, conflict_id = _title_conflict(device_for, district)

    assert [c["id"] for c in _conflicts(first, state="open")] == [conflict_id]
    assert [c["id"] for c in _conflicts(device_for("supervisor.fuxing"))] == [conflict_id]
    assert _conflicts(device_for("supervisor.xiyuan")) == []
    assert _conflicts(device_for("supervisor.baijia"), state="resolved") == []
    assert _conflicts(device_for("supervisor.baijia"), table="visits") == []
    [listed] = _conflicts(device_for("supervisor.baijia"), table="cases")
    assert (listed["field"], listed["overwritten_value"]) == ("title", "甲的标题")


def test_conflicts_page_by_offset_and_by_version(device_for: Any, district: District) -> None:
    ids = [_title_conflict(device_for, district)[3] for _ in range(3)]
    supervisor = device_for("supervisor.baijia")

    by_offset = [
        _conflicts(supervisor, limit=2, offset=0),
        _conflicts(supervisor, limit=2, offset=2),
    ]
    first_page = _conflicts(supervisor, limit=2)
    second_page = _conflicts(supervisor, limit=2, after=first_page[-1]["version"])

    assert [c["id"] for page in by_offset for c in page] == ids
    assert [c["id"] for c in first_page + second_page] == ids


def test_keeping_the_overwritten_value_restores_it_on_every_device(
    device_for: Any, district: District, engine: Engine
) -> None:
    first, second, case_id, conflict_id = _title_conflict(device_for, district)
    first.pull()
    before = first.records[("cases", str(case_id))]
    assert before["title"] == "乙的标题"
    supervisor = device_for("supervisor.baijia")

    response = _resolve(supervisor, conflict_id, "overwritten")

    assert response.status_code == 200, response.text
    resolved = response.json()
    assert resolved["state"] == "resolved"
    assert resolved["resolution"] == "overwritten"
    assert resolved["resolved_by"] == str(district.user("supervisor.baijia").id)
    assert resolved["resolved_at"] is not None
    for device in (first, second):
        device.pull()
        case = device.records[("cases", str(case_id))]
        assert case["title"] == "甲的标题"
        assert case["version"] > before["version"]
        assert device.records[("conflicts", conflict_id)]["state"] == "resolved"
    assert _conflicts(supervisor, state="open") == []
    # The restored title is the record's newest change: an edit made on top
    # of it merges cleanly, one made from before it is a new conflict.
    restored_version = first.records[("cases", str(case_id))]["version"]
    [on_top] = first.push(
        [mutation("cases", case_id, {"title": "丙"}, base_version=restored_version)]
    )
    assert on_top["status"] == "applied"
    [entry] = _audit(engine, "resolve_conflict")
    assert entry.detail == {
        "conflict_id": conflict_id,
        "table": "cases",
        "record_id": str(case_id),
        "keep": "overwritten",
    }


def test_keeping_the_current_value_only_closes_the_conflict(
    device_for: Any, district: District
) -> None:
    first, _, case_id, conflict_id = _title_conflict(device_for, district)
    first.pull()
    before = first.records[("cases", str(case_id))]

    response = _resolve(device_for("admin"), conflict_id, "current")

    assert response.status_code == 200
    assert response.json()["resolution"] == "current"
    fresh = device_for("supervisor.baijia")
    fresh.pull()
    assert fresh.records[("cases", str(case_id))] == before
    assert fresh.records[("conflicts", conflict_id)]["state"] == "resolved"


def test_resolving_twice_is_refused(device_for: Any, district: District) -> None:
    _, _, _, conflict_id = _title_conflict(device_for, district)
    supervisor = device_for("supervisor.baijia")
    assert _resolve(supervisor, conflict_id, "current").status_code == 200

    again = _resolve(supervisor, conflict_id, "overwritten")

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "CONFLICT_ALREADY_RESOLVED"


def test_resolving_is_for_supervisors_of_the_jurisdiction(
    device_for: Any, district: District
) -> None:
    first, _, _, conflict_id = _title_conflict(device_for, district)

    other_office = _resolve(device_for("supervisor.xiyuan"), conflict_id, "overwritten")
    own_mediator = _resolve(first, conflict_id, "overwritten")
    unknown = _resolve(device_for("supervisor.baijia"), str(uuid.uuid4()), "current")

    assert other_office.status_code == 404
    assert other_office.json()["error"]["code"] == "NOT_FOUND"
    assert own_mediator.status_code == 403
    assert own_mediator.json()["error"]["code"] == "FORBIDDEN"
    assert unknown.status_code == 404
    assert [c["state"] for c in _conflicts(first)] == ["open"]


def test_keeping_values_a_delete_hid_brings_the_record_back(
    device_for: Any, district: District
) -> None:
    deleter = device_for("mediator.baijia")
    editor = device_for("mediator.baijia")
    case_id, base = _case(deleter, district)
    editor.push([mutation("cases", case_id, {"description": "新的情况说明"}, base_version=base)])
    [deleted] = deleter.push([mutation("cases", case_id, op="delete", base_version=base)])
    assert deleted["status"] == "conflict"
    editor.pull()
    assert ("cases", str(case_id)) not in editor.records

    response = _resolve(device_for("supervisor.baijia"), deleted["conflict_id"], "overwritten")

    assert response.status_code == 200, response.text
    for device in (editor, deleter):
        device.pull()
        case = device.records[("cases", str(case_id))]
        assert case["deleted"] is False
        assert case["description"] == "新的情况说明"
    [edited] = editor.push(
        [mutation("cases", case_id, {"title": "恢复后"}, base_version=case["version"])]
    )
    assert edited["status"] == "applied"


def test_a_record_deleted_after_the_conflict_is_not_brought_back(
    device_for: Any, district: District
) -> None:
    first, _, case_id, conflict_id = _title_conflict(device_for, district)
    first.pull()
    version = first.records[("cases", str(case_id))]["version"]
    first.push([mutation("cases", case_id, op="delete", base_version=version)])

    response = _resolve(device_for("supervisor.baijia"), conflict_id, "overwritten")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "RECORD_DELETED"
    assert _resolve(device_for("supervisor.baijia"), conflict_id, "current").status_code == 200


def _signed(case_id: uuid.UUID, facts: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "case_id": str(case_id),
        "mediator_name": "王桂兰",
        "parties": [
            {"role": "applicant", "name": "李某"},
            {"role": "respondent", "name": "张某"},
        ],
        "facts": facts,
        "obligations": [{"obligor": "张某", "action": "赔偿煤棚修理费800元"}],
        "performance_deadline": "2026-12-31",
        "status": "signed",
        "signatures": [
            {
                "signer_role": role,
                "signer_name": name,
                "attachment_id": str(uuid.uuid4()),
                "sha256": SIG_SHA,
                "signed_at": "2026-11-28T10:00:00Z",
            }
            for role, name in (("party", "李某"), ("party", "张某"), ("mediator", "王桂兰"))
        ],
        "signed_at": "2026-11-28T10:00:00Z",
        "content_hash": "0" * 64,
    }
    fields["content_hash"] = agreement_hash(AgreementFields.model_validate(fields))
    return fields


def test_a_sealed_agreement_keeps_its_signed_text(device_for: Any, district: District) -> None:
    first = device_for("mediator.baijia")
    second = device_for("mediator.baijia")
    case_id, _ = _case(first, district)
    assert {r["status"] for r in first.push(to_mediation(case_id))} == {"applied"}
    agreement_id = uuid.uuid4()
    [draft] = first.push([mutation("agreements", agreement_id, {"case_id": str(case_id)})])
    base = draft["version"]
    first.push([mutation("agreements", agreement_id, {"facts": "甲的事实"}, base_version=base)])
    [late] = second.push(
        [mutation("agreements", agreement_id, {"facts": "乙的事实"}, base_version=base)]
    )
    assert late["status"] == "conflict"
    second.pull()
    current = second.records[("agreements", str(agreement_id))]["version"]
    [signed] = second.push(
        [mutation("agreements", agreement_id, _signed(case_id, "乙的事实"), base_version=current)]
    )
    assert signed["status"] == "applied", signed
    supervisor = device_for("supervisor.baijia")

    response = _resolve(supervisor, late["conflict_id"], "overwritten")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "RECORD_SEALED"
    second.pull()
    assert second.records[("agreements", str(agreement_id))]["facts"] == "乙的事实"
    assert second.records[("conflicts", late["conflict_id"])]["state"] == "open"


def test_unknown_filters_and_bodies_are_validation_errors(
    client: TestClient, device_for: Any
) -> None:
    supervisor = device_for("supervisor.baijia")
    listing = client.get("/api/v1/conflicts?table=nope", headers=supervisor.headers)
    resolving = _resolve(supervisor, str(uuid.uuid4()), "both")

    assert listing.status_code == 422
    assert resolving.status_code == 422
    assert resolving.json()["error"]["code"] == "VALIDATION_FAILED"
