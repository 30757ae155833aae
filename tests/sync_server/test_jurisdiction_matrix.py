"""Jurisdiction (architecture invariant 7) as a matrix: every route that reads
or writes records × every role × a record in and out of the caller's scope
(office and line of work), on the district of ``jurisdiction_scenario.py``.

The scenario is built once for the module per backend. Sharing it is safe
because no test changes what another one checks: pushes only change text
fields of existing records (never their scope), new reviews and conflicts
get fresh ids, and the records checked are never deleted or moved.
"""

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from shared_models.protocol.tables import TableName
from sync_server.core.db import read_session
from sync_server.tables import ConflictRow, ReviewRow
from tests.factories import mutation, party_fields, visit_fields
from tests.sync_server.jurisdiction_scenario import (
    BACKENDS,
    ROLES,
    SEES,
    SUPERVISORY,
    TABLE_OF,
    WRITES,
    Scenario,
    outcome,
    route_exists,
    scenario_on,
)

_TEXT_FIELD = {
    TableName.CASES: "title",
    TableName.PARTIES: "name",
    TableName.VISITS: "notes",
    TableName.ATTACHMENTS: "caption",
    TableName.AGREEMENTS: "facts",
    TableName.REVIEWS: "comment",
    TableName.SUBJECTS: "name",
}
"""The field each push of the matrix changes: text only, so no record moves."""


def _edit(table: TableName, tag: str) -> dict[str, Any]:
    """The text edit of a record of ``table`` (a talk's summary for an event)."""
    if table is TableName.SUBJECT_EVENTS:
        return {"content": {"kind": "conversation", "summary": tag}}
    return {_TEXT_FIELD[table]: tag}


@pytest.fixture(scope="module", params=BACKENDS)
def scenario(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    """The district and its records, built once per backend for this module."""
    yield from scenario_on(request, tmp_path_factory.mktemp("matrix"))


# --- sync -------------------------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_pull_returns_exactly_the_records_in_scope(scenario: Scenario, username: str) -> None:
    device = scenario.device(username)
    device.cursor, device.records = None, {}
    device.pull()
    pulled = {
        label
        for label, record_id in scenario.ids.items()
        if (TABLE_OF[label], str(record_id)) in device.records
    }
    assert pulled == {label for label, users in SEES.items() if username in users}


def _expected_push(username: str, table: TableName, owner_label: str) -> str:
    if table not in WRITES[username]:
        return "FORBIDDEN"
    if username not in SEES[owner_label]:
        return "OUT_OF_SCOPE"
    return "applied"


@pytest.mark.parametrize("username", ROLES)
def test_push_changes_only_what_the_role_may_write_in_scope(
    scenario: Scenario, username: str
) -> None:
    ids = scenario.ids
    tag = f"{username} {uuid.uuid4().hex[:6]}"
    labels = [label for label, table in TABLE_OF.items() if table is not TableName.CONFLICTS]
    versions = scenario.versions(labels)
    mutations = [
        mutation(
            TABLE_OF[label],
            ids[label],
            _edit(TABLE_OF[label], tag),
            base_version=versions[label],
        )
        for label in labels
    ]
    # New records hanging off a record in scope or not.
    mutations.append(mutation("parties", uuid.uuid4(), party_fields(ids["case"], name=tag)))
    mutations.append(
        mutation("visits", uuid.uuid4(), visit_fields(subject_id=ids["assigned_subject"]))
    )
    expected = {label: _expected_push(username, TABLE_OF[label], label) for label in labels}
    expected["new party of case"] = _expected_push(username, TableName.PARTIES, "case")
    expected["new check-in of assigned_subject"] = _expected_push(
        username, TableName.VISITS, "assigned_subject"
    )

    results = scenario.device(username).push(mutations)
    got = {
        label: result["status"] if result["status"] != "rejected" else result["error"]["code"]
        for label, result in zip(expected, results, strict=True)
    }
    assert got == expected


# --- blobs ------------------------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_blob_download_needs_an_attachment_in_scope(scenario: Scenario, username: str) -> None:
    headers = scenario.device(username).headers
    got: dict[str, str] = {}
    expected: dict[str, str] = {}
    for label, content in scenario.blobs.items():
        path = f"/api/v1/blobs/{hashlib.sha256(content).hexdigest()}"
        assert route_exists(scenario.client, "GET", path)
        response = scenario.client.get(path, headers=headers)
        got[label] = outcome(response)
        uploaded = label != "photo_not_uploaded"
        expected[label] = "200" if uploaded and username in SEES[label] else "404 NOT_FOUND"
        if response.status_code == 200:
            assert response.content == content
    assert got == expected


# --- export -----------------------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_export_holds_only_rows_in_scope(scenario: Scenario, username: str) -> None:
    headers = scenario.device(username).headers
    for table in sorted(set(TABLE_OF.values())):
        path = f"/api/v1/export/{table}.csv"
        assert route_exists(scenario.client, "GET", path)
        response = scenario.client.get(path, headers=headers)
        if username not in SUPERVISORY:
            assert outcome(response) == "403 FORBIDDEN", table
            continue
        assert response.status_code == 200, response.text
        exported = {label for label in SEES if TABLE_OF[label] is table}
        present = {label for label in exported if str(scenario.ids[label]) in response.text}
        assert present == {label for label in exported if username in SEES[label]}, table


# --- review and conflicts ---------------------------------------------------


@pytest.mark.parametrize("username", ROLES)
def test_reviews_are_posted_only_on_records_in_scope(scenario: Scenario, username: str) -> None:
    assert route_exists(scenario.client, "POST", "/api/v1/reviews")
    got: dict[str, str] = {}
    expected: dict[str, str] = {}
    posted: dict[str, UUID] = {}
    for label in ("case", "assigned_subject", "xiyuan_case"):
        posted[label] = uuid.uuid4()
        body = {
            "id": str(posted[label]),
            "target_table": TABLE_OF[label].value,
            "target_id": str(scenario.ids[label]),
            "state": "needs_changes",
            "comment": "请补充照片",
        }
        response = scenario.client.post(
            "/api/v1/reviews", json=body, headers=scenario.device(username).headers
        )
        got[label] = outcome(response)
        if TableName.REVIEWS not in WRITES[username]:
            expected[label] = "403 FORBIDDEN"
        else:
            expected[label] = "201" if username in SEES[label] else "404 NOT_FOUND"
    assert got == expected
    with read_session(scenario.engine) as session:
        stored = {label for label, review_id in posted.items() if session.get(ReviewRow, review_id)}
    assert stored == {label for label, result in got.items() if result == "201"}


@pytest.mark.parametrize("username", ROLES)
def test_conflict_list_holds_only_conflicts_in_scope(scenario: Scenario, username: str) -> None:
    assert route_exists(scenario.client, "GET", "/api/v1/conflicts")
    response = scenario.client.get(
        "/api/v1/conflicts",
        params={"state": "open", "limit": 1000},
        headers=scenario.device(username).headers,
    )
    assert response.status_code == 200, response.text
    listed = {record["id"] for record in response.json()}
    labels = [label for label, table in TABLE_OF.items() if table is TableName.CONFLICTS]
    present = {label for label in labels if str(scenario.ids[label]) in listed}
    assert present == {label for label in labels if username in SEES[label]}


@pytest.mark.parametrize("username", ROLES)
def test_conflicts_are_resolved_only_in_scope(scenario: Scenario, username: str) -> None:
    fresh = {
        "conflict": scenario.make_conflict("case", "mediator.baijia", "supervisor.baijia"),
        "xiyuan_conflict": scenario.make_conflict(
            "xiyuan_case", "mediator.xiyuan", "supervisor.xiyuan"
        ),
    }
    got: dict[str, str] = {}
    expected: dict[str, str] = {}
    for label, conflict_id in fresh.items():
        path = f"/api/v1/conflicts/{conflict_id}/resolve"
        assert route_exists(scenario.client, "POST", path)
        response = scenario.client.post(
            path, json={"keep": "current"}, headers=scenario.device(username).headers
        )
        got[label] = outcome(response)
        if username not in SUPERVISORY:
            expected[label] = "403 FORBIDDEN"
        else:
            expected[label] = "200" if username in SEES[label] else "404 NOT_FOUND"
    assert got == expected
    with read_session(scenario.engine) as session:
        states = {label: session.get(ConflictRow, cid) for label, cid in fresh.items()}
        resolved = {label for label, row in states.items() if row and row.state == "resolved"}
    assert resolved == {label for label, result in got.items() if result == "200"}
