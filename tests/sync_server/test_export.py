"""Scoped CSV export through the HTTP API, on both databases: what a
supervisor opens in a spreadsheet holds their jurisdiction, readable Chinese,
and never a secret or a bookkeeping column."""

import csv
import io
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from shared_models.protocol.tables import TableName
from sync_server.core.audit import verify_audit
from sync_server.services.supervision import export
from sync_server.services.sync.records import WIRE_FIELDS
from sync_server.tables import AuditEntry
from tests.factories import District, case_fields, mutation, party_fields

BOM = b"\xef\xbb\xbf"
HIDDEN_COLUMNS = {"password_hash", "scope_unit_id", "scope_officer_id", "field_versions"}


def _get(device: Any, table: str, **params: Any) -> Any:
    return device.client.get(f"/api/v1/export/{table}.csv", params=params, headers=device.headers)


def _rows(response: Any) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(BOM)
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    header, *lines = list(reader)
    return header, [dict(zip(header, line, strict=True)) for line in lines]


def _case(device: Any, unit_id: uuid.UUID, **overrides: Any) -> uuid.UUID:
    case_id = uuid.uuid4()
    [result] = device.push([mutation("cases", case_id, case_fields(unit_id, **overrides))])
    assert result["status"] == "applied", result
    return case_id


@pytest.fixture
def two_offices(device_for: Any, district: District) -> dict[str, uuid.UUID]:
    """One case in each office, a party in Baijia's."""
    baijia = _case(
        device_for("mediator.baijia"), district.baijia_committee.id, title="百家煤棚纠纷"
    )
    xiyuan = _case(
        device_for("mediator.xiyuan"), district.xiyuan_committee.id, title="西苑漏水纠纷"
    )
    [party] = device_for("mediator.baijia").push(
        [mutation("parties", uuid.uuid4(), party_fields(baijia))]
    )
    assert party["status"] == "applied"
    return {"baijia": baijia, "xiyuan": xiyuan}


def test_office_supervisor_exports_only_their_office(
    device_for: Any, two_offices: dict[str, uuid.UUID]
) -> None:
    header, rows = _rows(_get(device_for("supervisor.baijia"), "cases"))

    assert header == list(WIRE_FIELDS[TableName.CASES])
    assert [row["id"] for row in rows] == [str(two_offices["baijia"])]
    assert rows[0]["title"] == "百家煤棚纠纷"
    assert rows[0]["opened_at"] == "2026-11-20T09:00:00+08:00"  # the district's clock
    assert rows[0]["deleted"] == "false"


def test_district_supervisor_exports_both_offices(
    device_for: Any, two_offices: dict[str, uuid.UUID]
) -> None:
    _, rows = _rows(_get(device_for("supervisor.fuxing"), "cases"))

    assert {row["title"] for row in rows} == {"百家煤棚纠纷", "西苑漏水纠纷"}


def test_no_export_reveals_secrets_or_bookkeeping(
    device_for: Any, district: District, two_offices: dict[str, uuid.UUID]
) -> None:
    supervisor = device_for("supervisor.baijia")
    for table in TableName:
        response = _get(supervisor, table.value)
        header, _ = _rows(response)
        assert header == list(WIRE_FIELDS[table])
        assert not HIDDEN_COLUMNS & set(header)
        assert b"$argon2" not in response.content
    _, users = _rows(_get(supervisor, "users"))
    assert {row["username"] for row in users} == {
        name for name in district.users if name.endswith(".baijia")
    }


def test_only_supervisors_and_admins_export(
    device_for: Any, two_offices: dict[str, uuid.UUID]
) -> None:
    for username in ("mediator.baijia", "officer.baijia"):
        response = _get(device_for(username), "cases")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "FORBIDDEN"
    _, rows = _rows(_get(device_for("admin"), "cases"))
    assert len(rows) == 2


def test_unknown_table_is_not_found(device_for: Any, district: District) -> None:
    response = _get(device_for("supervisor.baijia"), "device_tokens")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "UNKNOWN_TABLE"


def test_deleted_rows_only_on_request(
    device_for: Any, district: District, two_offices: dict[str, uuid.UUID]
) -> None:
    mediator = device_for("mediator.baijia")
    mediator.pull()
    version = mediator.records[("cases", str(two_offices["baijia"]))]["version"]
    mediator.push([mutation("cases", two_offices["baijia"], op="delete", base_version=version)])
    supervisor = device_for("supervisor.baijia")

    _, live = _rows(_get(supervisor, "cases"))
    _, everything = _rows(_get(supervisor, "cases", include_deleted="true"))

    assert live == []
    assert [(row["id"], row["deleted"]) for row in everything] == [
        (str(two_offices["baijia"]), "true")
    ]


def test_filters_by_time_and_org_unit(
    device_for: Any, district: District, two_offices: dict[str, uuid.UUID]
) -> None:
    district_wide = device_for("supervisor.fuxing")

    _, baijia_only = _rows(_get(district_wide, "cases", org_unit_id=str(district.baijia.id)))
    _, future = _rows(_get(district_wide, "cases", updated_since="2199-01-01T08:00:00+08:00"))
    _, past = _rows(_get(district_wide, "cases", updated_since="2020-01-01T00:00:00+08:00"))
    outside = _get(device_for("supervisor.baijia"), "cases", org_unit_id=str(district.xiyuan.id))

    assert [row["id"] for row in baijia_only] == [str(two_offices["baijia"])]
    assert future == []
    assert len(past) == 2
    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "NOT_FOUND"


def test_a_change_window_selects_by_updated_at(
    device_for: Any, district: District, two_offices: dict[str, uuid.UUID]
) -> None:
    """``updated_since`` and ``updated_before`` together are a month on the
    dashboard: the start is included, the end is not."""
    district_wide = device_for("supervisor.fuxing")
    _, everything = _rows(_get(district_wide, "cases"))
    stamps = sorted(row["updated_at"] for row in everything)
    first, last = stamps[0], stamps[-1]

    _, before_last = _rows(_get(district_wide, "cases", updated_before=last))
    _, window = _rows(_get(district_wide, "cases", updated_since=first, updated_before=last))
    _, empty = _rows(
        _get(
            district_wide,
            "cases",
            updated_since="2020-02-01T00:00:00+08:00",
            updated_before="2020-03-01T00:00:00+08:00",
        )
    )
    _, baijia_window = _rows(
        _get(
            district_wide,
            "cases",
            org_unit_id=str(district.baijia.id),
            updated_before="2199-01-01T00:00:00+08:00",
        )
    )

    assert len(everything) == 2
    assert first != last
    assert [row["updated_at"] for row in before_last] == [first]
    assert [row["updated_at"] for row in window] == [first]
    assert empty == []
    assert [row["id"] for row in baijia_window] == [str(two_offices["baijia"])]


def test_json_columns_are_json_text(device_for: Any, district: District) -> None:
    mediator = device_for("mediator.baijia")
    case_id = _case(mediator, district.baijia_committee.id)
    snapshot = [{"role": "applicant", "name": "李某"}, {"role": "respondent", "name": "张某"}]
    mediator.push(
        [mutation("agreements", uuid.uuid4(), {"case_id": str(case_id), "parties": snapshot})]
    )

    [row] = _rows(_get(device_for("supervisor.baijia"), "agreements"))[1]

    assert "李某" in row["parties"]
    assert [p["name"] for p in json.loads(row["parties"])] == ["李某", "张某"]
    assert json.loads(row["signatures"]) == []
    assert row["content_hash"] == ""


def test_spreadsheet_formulas_typed_on_a_device_are_defused(
    device_for: Any, district: District
) -> None:
    _case(device_for("mediator.baijia"), district.baijia_committee.id, title='=HYPERLINK("x")')

    [row] = _rows(_get(device_for("supervisor.baijia"), "cases"))[1]

    assert row["title"] == '\'=HYPERLINK("x")'


def test_many_rows_stream_in_batches(
    device_for: Any, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    mediator = device_for("mediator.baijia")
    expected = [
        str(_case(mediator, district.baijia_committee.id, title=f"案件{n}")) for n in range(7)
    ]
    monkeypatch.setattr(export, "BATCH_ROWS", 2)

    _, rows = _rows(_get(device_for("supervisor.baijia"), "cases"))

    assert [row["id"] for row in rows] == expected


def test_export_is_audited_without_content(
    device_for: Any, engine: Engine, two_offices: dict[str, uuid.UUID]
) -> None:
    supervisor = device_for("supervisor.fuxing")
    _rows(_get(supervisor, "parties"))

    with Session(engine) as session:
        assert verify_audit(session) == []
        [entry] = session.scalars(select(AuditEntry).where(col(AuditEntry.action) == "export"))
    assert entry.actor_id == uuid.UUID(supervisor.user["id"])
    assert entry.detail == {
        "table": "parties",
        "rows": 1,
        "include_deleted": False,
        "org_unit_id": None,
    }
