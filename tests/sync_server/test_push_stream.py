"""New rows sent to PostgreSQL while the push that creates them still runs.

On PostgreSQL a push streams the new rows of its main table through one
COPY (``RowStream``) while it validates the next mutations. A statement in
the middle of the batch (here: looking up an agreement the prefetch does not
load) must end that COPY first, and every row, streamed before it or
written at the end after it, must be stored exactly once and pulled as sent.
A push that fails half-way must leave none of its rows. On SQLite nothing
streams, and the same must hold.
"""

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sync_server.core.db import read_session
from sync_server.services.sync import push as push_service
from sync_server.services.sync.bulk_insert import RowStream
from sync_server.tables import VisitRow
from tests.factories import District, case_fields, mutation, visit_fields

VISITS = 500
"""A whole push: several buffers of COPY data (psycopg sends 32 KB at a time)."""


def _visits(case_id: uuid.UUID, count: int) -> list[dict[str, Any]]:
    return [
        mutation(
            "visits",
            uuid.uuid4(),
            visit_fields(case_id=case_id, notes=f"第{n}次调解，双方到场", lat=36.6, lon=114.5),
        )
        for n in range(count)
    ]


def _stored(engine: Engine, ids: list[str]) -> int:
    with read_session(engine) as session:
        visit: Any = VisitRow
        query = select(func.count()).where(visit.id.in_([uuid.UUID(i) for i in ids]))
        return int(session.execute(query).scalar_one())


def test_a_statement_mid_batch_ends_the_stream_and_every_row_is_stored_once(
    device_for: Any, district: District, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed_by_statement: list[str] = []
    end_stream = RowStream._before_statement

    def spy(stream: RowStream, *statement: Any) -> None:
        if not stream.closed:
            closed_by_statement.append(str(statement[2]))
        end_stream(stream, *statement)

    monkeypatch.setattr(RowStream, "_before_statement", spy)
    author = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    [case] = author.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    assert case["status"] == "applied"

    before, after = _visits(case_id, 300), _visits(case_id, 199)
    # A follow-up of an agreement the server does not have: rejected, but only
    # after a look-up the prefetch never makes.
    unknown_agreement = mutation(
        "visits",
        uuid.uuid4(),
        visit_fields(case_id=case_id, kind="follow_up", agreement_id=str(uuid.uuid4())),
    )
    results = author.push([*before, unknown_agreement, *after])

    statuses = [result["status"] for result in results]
    assert statuses == ["applied"] * 300 + ["rejected"] + ["applied"] * 199
    assert results[300]["error"]["field"] == "agreement_id"
    if engine.dialect.name == "postgresql":
        assert len(closed_by_statement) == 1
        assert "agreements" in closed_by_statement[0]
    else:
        assert closed_by_statement == []
    sent = [m["record_id"] for m in [*before, *after]]
    assert _stored(engine, sent) == len(sent)

    reader = device_for("supervisor.baijia")
    reader.pull(limit=5000)
    for item in [*before[:3], *before[-2:], *after[:2], *after[-3:]]:
        record = reader.records[("visits", item["record_id"])]
        assert record["notes"] == item["fields"]["notes"]
        assert record["case_id"] == str(case_id)
    assert len(reader.ids("visits")) == len(sent)


def test_a_long_batch_streams_and_is_pulled_as_sent(device_for: Any, district: District) -> None:
    author = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    author.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    batch = _visits(case_id, 500)
    results = author.push(batch)
    assert {result["status"] for result in results} == {"applied"}
    versions = [result["version"] for result in results]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)

    reader = device_for("supervisor.baijia")
    reader.pull(limit=5000)
    for item, version in zip(batch, versions, strict=True):
        record = reader.records[("visits", item["record_id"])]
        assert (record["notes"], record["version"]) == (item["fields"]["notes"], version)


def test_a_push_that_fails_half_way_leaves_none_of_its_rows(
    device_for: Any, district: District, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    author.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    batch = _visits(case_id, VISITS)

    apply = push_service._Applier.apply
    calls = 0

    def failing(applier: Any, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == VISITS - 10:
            raise RuntimeError("the server fails in the middle of a push")
        return apply(applier, *args)

    monkeypatch.setattr(push_service._Applier, "apply", failing)
    failed = author.push_raw(batch)  # the last-resort handler answers it
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "INTERNAL_ERROR"
    monkeypatch.setattr(push_service._Applier, "apply", apply)

    assert _stored(engine, [m["record_id"] for m in batch]) == 0
    # The connection went back to the pool in a usable state: the device's
    # retry goes through whole.
    results = author.push(batch)
    assert {result["status"] for result in results} == {"applied"}
    assert _stored(engine, [m["record_id"] for m in batch]) == VISITS
