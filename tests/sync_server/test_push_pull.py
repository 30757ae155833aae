"""Push and pull end to end through the HTTP API, on both databases."""

import uuid
from typing import Any

import pytest

from tests.factories import (
    District,
    case_fields,
    mutation,
    party_fields,
    subject_fields,
)


def test_created_case_reaches_another_device_in_the_same_office(
    device_for: Any, district: District
) -> None:
    author = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    [result] = author.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    assert result["status"] == "applied"
    assert result["version"] > 0

    supervisor = device_for("supervisor.baijia")
    supervisor.pull()
    record = supervisor.records[("cases", str(case_id))]
    assert record["title"] == "煤棚损坏纠纷"
    assert record["version"] == result["version"]
    assert record["opened_at"] == "2026-11-20T01:00:00Z"


def test_other_office_never_sees_the_case(device_for: Any, district: District) -> None:
    author = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    author.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    other = device_for("mediator.xiyuan")
    other.pull()
    assert ("cases", str(case_id)) not in other.records
    district_wide = device_for("supervisor.fuxing")
    district_wide.pull()
    assert ("cases", str(case_id)) in district_wide.records


def test_replayed_mutation_is_applied_once(device_for: Any, district: District) -> None:
    device = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    m = mutation("cases", case_id, case_fields(district.baijia_committee.id))
    [first] = device.push([m])
    [again] = device.push([m])
    assert again["status"] == "duplicate"
    assert again["version"] == first["version"]
    device.pull()
    assert len(device.ids("cases")) == 1


def test_a_later_edit_in_the_same_push_builds_on_the_earlier_ones(
    device_for: Any, district: District
) -> None:
    """The device never heard the answer to its first edit, so its second
    edit still names the old base; it was made after the first on the same
    device, so it is no conflict. An edit from another device in between
    still is one."""
    a = device_for("mediator.baijia")
    b = device_for("supervisor.baijia")
    case_id = uuid.uuid4()
    [created] = a.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    base = created["version"]
    first = mutation("cases", case_id, {"title": "第一次"}, base_version=base)
    a.push([first])  # the answer is lost on the way back

    second = mutation("cases", case_id, {"title": "第二次"}, base_version=base)
    [again, later] = a.push([first, second])

    assert again["status"] == "duplicate"
    assert later["status"] == "applied", later
    third = mutation("cases", case_id, {"title": "第三次"}, base_version=later["version"])
    [theirs] = b.push([mutation("cases", case_id, {"title": "他人改"}, base_version=base)])
    assert theirs["status"] == "conflict"  # b had not seen a's edits
    fourth = mutation("cases", case_id, {"title": "第四次"}, base_version=base)
    [overwrote, built_on] = a.push([third, fourth])
    assert overwrote["status"] == "conflict"  # b's edit came between: a had not seen it
    assert built_on["status"] == "applied"  # b's value is kept once, by the conflict above
    a.pull()
    assert a.records[("cases", str(case_id))]["title"] == "第四次"
    b.pull()
    conflicts = [r for (t, _), r in b.records.items() if t == "conflicts"]
    assert sorted(c["overwritten_value"] for c in conflicts) == ["他人改", "第二次"]


def test_a_later_edit_in_the_same_push_knows_only_the_fields_it_wrote(
    device_for: Any, district: District
) -> None:
    """b changed the description; a's first edit (title) then reached the
    server, merged, its answer lost; a's second edit (description, still on
    the old base) never saw b's value: that is a conflict, although it comes
    after a's own edit of the record."""
    a = device_for("mediator.baijia")
    b = device_for("supervisor.baijia")
    case_id = uuid.uuid4()
    [created] = a.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    base = created["version"]
    [theirs] = b.push([mutation("cases", case_id, {"description": "b补充"}, base_version=base)])
    assert theirs["status"] == "applied"
    first = mutation("cases", case_id, {"title": "a改标题"}, base_version=base)
    [merged] = a.push([first])  # the answer is lost
    assert merged["status"] == "merged"

    second = mutation("cases", case_id, {"description": "a改说明"}, base_version=base)
    [_, later] = a.push([first, second])

    assert later["status"] == "conflict"
    b.pull()
    conflicts = [r for (t, _), r in b.records.items() if t == "conflicts"]
    assert [c["overwritten_value"] for c in conflicts] == ["b补充"]


def test_concurrent_edits_of_different_fields_merge(device_for: Any, district: District) -> None:
    a = device_for("mediator.baijia")
    b = device_for("supervisor.baijia")
    case_id = uuid.uuid4()
    [created] = a.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    base = created["version"]
    [ra] = a.push([mutation("cases", case_id, {"title": "新标题"}, base_version=base)])
    [rb] = b.push([mutation("cases", case_id, {"description": "补充说明"}, base_version=base)])
    assert ra["status"] == "applied"
    assert rb["status"] == "merged"
    a.pull()
    record = a.records[("cases", str(case_id))]
    assert (record["title"], record["description"]) == ("新标题", "补充说明")


def test_same_field_conflict_keeps_the_overwritten_value(
    device_for: Any, district: District
) -> None:
    a = device_for("mediator.baijia")
    b = device_for("supervisor.baijia")
    case_id = uuid.uuid4()
    [created] = a.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    base = created["version"]
    a.push([mutation("cases", case_id, {"title": "甲的标题"}, base_version=base)])
    [rb] = b.push([mutation("cases", case_id, {"title": "乙的标题"}, base_version=base)])
    assert rb["status"] == "conflict"
    b.pull()
    conflict = b.records[("conflicts", rb["conflict_id"])]
    assert conflict["overwritten_value"] == "甲的标题"
    assert conflict["current_value"] == "乙的标题"
    assert b.records[("cases", str(case_id))]["title"] == "乙的标题"


def test_one_bad_mutation_does_not_block_the_batch(device_for: Any, district: District) -> None:
    device = device_for("mediator.baijia")
    good, bad, later = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    results = device.push(
        [
            mutation("cases", good, case_fields(district.baijia_committee.id)),
            mutation("cases", bad, case_fields(district.baijia_committee.id, category="gossip")),
            mutation("parties", later, party_fields(good)),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["error"]["code"] == "VALIDATION_FAILED"
    assert results[1]["error"]["field"] == "category"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"version": 7}, "version", "version is set by the server"),
        ({"title": "x", "colour": "red", "deleted": True}, "colour", "cases has no field colour"),
        ({"deleted": True, "colour": "red"}, "deleted", "deleted is set by the server"),
    ],
)
def test_fields_a_device_may_not_set_are_refused_by_name(
    device_for: Any, district: District, fields: dict[str, Any], field: str, message: str
) -> None:
    """The first such field in the order sent is the one named."""
    device = device_for("mediator.baijia")
    [result] = device.push(
        [mutation("cases", uuid.uuid4(), {**case_fields(district.baijia_committee.id), **fields})]
    )
    assert result["status"] == "rejected"
    assert result["error"] == {"code": "VALIDATION_FAILED", "message": message, "field": field}


def test_out_of_scope_write_is_refused(device_for: Any, district: District) -> None:
    device = device_for("mediator.baijia")
    [result] = device.push(
        [mutation("cases", uuid.uuid4(), case_fields(district.xiyuan_committee.id))]
    )
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "OUT_OF_SCOPE"


def test_server_tables_are_read_only(device_for: Any, district: District) -> None:
    device = device_for("admin")
    [result] = device.push([mutation("org_units", uuid.uuid4(), {"name": "x", "kind": "office"})])
    assert result["error"]["code"] == "READ_ONLY_TABLE"


def test_reassigning_a_subject_by_push_is_refused(device_for: Any, district: District) -> None:
    """Moving a subject to another office or officer is a transfer
    (``test_transfers.py``), not a field edit, even for the district."""
    old = device_for("officer.baijia")
    subject_id = uuid.uuid4()
    old.push(
        [
            mutation(
                "subjects",
                subject_id,
                subject_fields(district.baijia.id, district.user("officer.baijia").id),
            )
        ]
    )
    supervisor = device_for("supervisor.fuxing")
    supervisor.pull()
    version = supervisor.records[("subjects", str(subject_id))]["version"]
    for fields in (
        {"org_unit_id": str(district.xiyuan.id)},
        {"officer_id": str(district.user("officer2.baijia").id)},
    ):
        [moved] = supervisor.push([mutation("subjects", subject_id, fields, base_version=version)])
        assert moved["status"] == "rejected", moved
        assert moved["error"]["code"] == "TRANSFER_REQUIRED"
        assert moved["error"]["field"] == next(iter(fields))
    old.pull()
    assert ("subjects", str(subject_id)) in old.records


def test_deleted_record_becomes_a_tombstone(device_for: Any, district: District) -> None:
    device = device_for("mediator.baijia")
    other = device_for("supervisor.baijia")
    case_id = uuid.uuid4()
    [created] = device.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    other.pull()
    assert ("cases", str(case_id)) in other.records
    [deleted] = device.push(
        [mutation("cases", case_id, op="delete", base_version=created["version"])]
    )
    assert deleted["status"] == "applied"
    other.pull()
    assert ("cases", str(case_id)) not in other.records
    [again] = device.push(
        [mutation("cases", case_id, {"title": "复活"}, base_version=deleted["version"])]
    )
    assert again["error"]["code"] == "RECORD_DELETED"
