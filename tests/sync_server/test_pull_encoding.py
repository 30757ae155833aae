"""Pulled changes are the canonical wire form of the stored rows.

On PostgreSQL the database writes each change's JSON itself; on SQLite the
server converts column values. Either way a device must receive exactly
what ``row_to_wire`` makes of the row: every table, every column type
(ids, times, dates, floats, JSON columns, nulls), tombstones for deletes
and removals for records that left the caller's jurisdiction.
"""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select

from shared_models.protocol.pull import PullPage
from shared_models.protocol.tables import TableName
from sync_server.core.db import read_session
from sync_server.services.sync.pull import _pg_page_statement_of, prepare_statements
from sync_server.services.sync.records import ROWS, row_to_wire
from tests.factories import (
    District,
    case_fields,
    mutation,
    party_fields,
    subject_fields,
    visit_fields,
)
from tests.sync_server.agreement_data import push_signed
from tests.sync_server.supervision_data import load_known_data

_TOMBSTONE = ("id", "version", "updated_at", "deleted")

_AWKWARD_TEXT = (
    'quotes "" \' % backslash \\ newline \n tab \t return \r '
    "separators \u2028\u2029 emoji \U0001f600 汉字 é"
)
"""Every kind of character JSON escapes, or carries as it is, in one string
a device may send (other control characters are refused: tests/attack/)."""


def _pull_pages(device: Any) -> list[dict[str, Any]]:
    """Every page until nothing is pending, each checked against the schema."""
    pages = []
    while True:
        params: dict[str, Any] = {"limit": 40}
        if device.cursor:
            params["cursor"] = device.cursor
        response = device.client.get("/api/v1/sync/pull", params=params, headers=device.headers)
        assert response.status_code == 200, response.text
        PullPage.model_validate_json(response.content)
        page: dict[str, Any] = response.json()
        pages.append(page)
        device.cursor = page["cursor"]
        if not page["more"]:
            return pages


def _stored(engine: Engine, table: TableName, record_id: str) -> Any:
    model: Any = ROWS[table]
    with read_session(engine) as session:
        return session.scalars(select(model).where(model.id == uuid.UUID(record_id))).one()


def test_every_table_is_pulled_as_its_stored_rows(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    load_known_data(engine, district)
    mediator = device_for("mediator.baijia")
    push_signed(client, mediator, district)  # attachments, a sealed agreement
    case_id, visit_id, awkward_id, bare_id = (uuid.uuid4() for _ in range(4))
    awkward = visit_fields(
        case_id=case_id, notes=_AWKWARD_TEXT, lat=-12.0, lon=1e-7, accuracy_m=1e-7
    )
    results = mediator.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("parties", uuid.uuid4(), party_fields(case_id)),
            mutation(
                "visits",
                visit_id,
                visit_fields(case_id=case_id, lat=36.61, lon=114.0, accuracy_m=1e-3),
            ),
            mutation("visits", visit_id, {"notes": '补记："引号" \\ 与换行\n\t'}),
            mutation("visits", awkward_id, awkward),
            mutation("visits", bare_id, visit_fields(case_id=case_id)),  # optional fields NULL
        ]
    )
    assert results[3]["status"] == "conflict"  # the notes edit: a conflicts row
    officer = device_for("officer.baijia")
    subject_id = uuid.uuid4()
    leave = {
        "kind": "leave_request",
        "start": "2026-12-05",
        "end": "2026-12-14",
        "destination": '石家庄 "引号" \\ \u2028 \U0001f600',
        "reason": "medical",
        "reason_text": _AWKWARD_TEXT,
        "guarantor": "王某某",
    }
    event = {"subject_id": str(subject_id), "kind": "leave_request", "occurred_on": "2026-12-01"}
    officer_id = district.user("officer.baijia").id
    done = officer.push(
        [
            mutation("subjects", subject_id, subject_fields(district.baijia.id, officer_id)),
            mutation("subject_events", uuid.uuid4(), {**event, "content": leave}),
        ]
    )
    assert [r["status"] for r in done] == ["applied", "applied"], done
    supervisor = device_for("supervisor.fuxing")
    review = supervisor.client.post(
        "/api/v1/reviews",
        json={"target_table": "visits", "target_id": str(visit_id), "state": "approved"},
        headers=supervisor.headers,
    )
    assert review.status_code in (200, 201), review.text

    pages = _pull_pages(supervisor)
    seen: set[str] = set()
    pulled: dict[str, dict[str, Any]] = {}
    for change in (change for page in pages for change in page["changes"]):
        table = TableName(change["table"])
        wire = row_to_wire(table, _stored(engine, table, change["record"]["id"]))
        if change["op"] == "delete":  # deleted after an earlier page was served
            assert change["record"] == {key: wire[key] for key in _TOMBSTONE}
            continue
        assert change["op"] == "upsert", change
        assert change["record"] == wire, table
        seen.add(table)
        pulled[change["record"]["id"]] = change["record"]
    assert seen == set(TableName)
    assert {key: pulled[str(awkward_id)][key] for key in awkward} == {
        **awkward,
        "case_id": str(case_id),
        "started_at": "2026-11-28T01:30:00Z",
    }
    bare = pulled[str(bare_id)]
    optional = ("subject_id", "method", "ended_at", "lat", "lon", "accuracy_m", "agreement_id")
    assert {key: bare[key] for key in optional} == dict.fromkeys(optional)


def test_deletes_arrive_as_tombstones_and_leavers_as_removals(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    writer = device_for("supervisor.fuxing")  # may transfer a case to another office
    case_id, moved_id, visit_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    writer.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("cases", moved_id, case_fields(district.baijia_committee.id)),
            mutation("visits", visit_id, visit_fields(case_id=case_id)),
        ]
    )
    reader = device_for("mediator.baijia")
    _pull_pages(reader)
    version = _stored(engine, TableName.VISITS, str(visit_id)).version
    [deleted_result] = writer.push(
        [mutation("visits", visit_id, op="delete", base_version=version)]
    )
    assert deleted_result["status"] == "applied"
    transfer = {
        "table": "cases",
        "record_id": str(moved_id),
        "org_unit_id": str(district.xiyuan_committee.id),
        "reason": "移送",
    }
    moved = client.post("/api/v1/transfers", json=transfer, headers=writer.headers)
    assert moved.status_code == 200, moved.text

    changes = [change for page in _pull_pages(reader) for change in page["changes"]]
    by_op = {change["op"]: change for change in changes}
    deleted = _stored(engine, TableName.VISITS, str(visit_id))
    assert by_op["delete"] == {
        "table": "visits",
        "op": "delete",
        "record": {key: row_to_wire(TableName.VISITS, deleted)[key] for key in _TOMBSTONE},
    }
    assert by_op["delete"]["record"]["deleted"] is True
    assert by_op["remove"] == {
        "table": "cases",
        "op": "remove",
        "record": {"id": str(moved_id), "version": moved.json()["version"]},
    }


# Only PostgreSQL builds page statements: on SQLite this could not fail.
@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_pull_builds_no_statement_of_its_own(device_for: Any, district: District) -> None:
    """The server builds its page statements when it starts (about 45 ms on
    PostgreSQL), not in the first device's pull."""
    device = device_for("supervisor.fuxing")
    built = _pg_page_statement_of.cache_info().misses
    device.push([mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))])
    device.pull()
    device.pull()
    assert _pg_page_statement_of.cache_info().misses == built


def test_a_second_engine_finds_the_page_statements_compiled() -> None:
    """Every engine has a ``Dialect`` of its own; the statements are compiled
    once per driver, not again for each new engine (about 0.2 s of CPU)."""
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"  # never connected
    prepare_statements(create_engine(url).dialect)
    built = _pg_page_statement_of.cache_info().misses
    prepare_statements(create_engine(url).dialect)
    assert _pg_page_statement_of.cache_info().misses == built
    assert _pg_page_statement_of.cache_info().currsize >= 2


def test_small_pages_after_a_cursor_keep_version_order_across_tables(
    device_for: Any, district: District
) -> None:
    """Changes of several tables interleave in version order; a page after a
    cursor must take the lowest versions of all tables, or the next cursor
    steps over the changes of another table."""
    writer = device_for("mediator.baijia")
    reader = device_for("supervisor.baijia")
    _pull_pages(reader)
    case_id = uuid.uuid4()
    writer.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    batch = []
    for _ in range(6):
        batch.append(mutation("parties", uuid.uuid4(), party_fields(case_id)))
        batch.append(mutation("visits", uuid.uuid4(), visit_fields(case_id=case_id)))
    writer.push(batch)

    versions = []
    while True:
        params: dict[str, Any] = {"limit": 3, "cursor": reader.cursor}
        page = reader.client.get("/api/v1/sync/pull", params=params, headers=reader.headers)
        versions += [change["record"]["version"] for change in page.json()["changes"]]
        reader.cursor = page.json()["cursor"]
        if not page.json()["more"]:
            break
    assert versions == sorted(versions)
    assert len(versions) == 13  # the case, six parties, six visits
