"""Jurisdiction (architecture invariant 7) as a matrix: every route that reads
or writes records × every role × a record in and out of the caller's scope.

One district per backend is built once for the module: records of Baijia
(a case with a party, a visit, photos with and without their bytes uploaded,
a draft agreement, a review, a conflict; a subject of officer.baijia with a
check-in; a Baijia subject assigned to officer.xiyuan with a check-in) and
of Xiyuan (a case with a photo and a conflict). Sharing it is safe because
no test changes what another one checks: pushes only change text fields of
existing records (never their scope), new reviews and conflicts get fresh
ids, and the records checked are never deleted or moved.

The expectations below are written out by hand, not derived from
``repositories/scope.py``, so a change to the rules there fails here.
"""

import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine

from shared_models.protocol.tables import TableName
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, read_session
from sync_server.main import create_app
from sync_server.services.records import ROWS
from sync_server.tables import ConflictRow, ReviewRow
from tests.conftest import fresh_database_url
from tests.factories import (
    District,
    case_fields,
    id_number,
    load_district,
    mutation,
    party_fields,
    subject_fields,
    visit_fields,
)
from tests.sync_server.conftest import Device

BAIJIA = frozenset(
    {"mediator.baijia", "officer.baijia", "supervisor.baijia", "supervisor.fuxing", "admin"}
)
XIYUAN = frozenset(
    {"mediator.xiyuan", "officer.xiyuan", "supervisor.xiyuan", "supervisor.fuxing", "admin"}
)
ROLES = [
    "mediator.baijia",
    "officer.baijia",
    "supervisor.baijia",
    "mediator.xiyuan",
    "officer.xiyuan",
    "supervisor.xiyuan",
    "supervisor.fuxing",
    "admin",
]
SUPERVISORY = frozenset({"supervisor.baijia", "supervisor.xiyuan", "supervisor.fuxing", "admin"})

SEES: dict[str, frozenset[str]] = {
    "case": BAIJIA,
    "party": BAIJIA,
    "case_visit": BAIJIA,
    "photo": BAIJIA,
    "photo_not_uploaded": BAIJIA,
    "agreement": BAIJIA,
    "review": BAIJIA,
    "conflict": BAIJIA,
    "subject": BAIJIA,
    "checkin": BAIJIA,
    # Officers also work on the subjects assigned to them, wherever they are.
    "assigned_subject": BAIJIA | {"officer.xiyuan"},
    "assigned_checkin": BAIJIA | {"officer.xiyuan"},
    "xiyuan_case": XIYUAN,
    "xiyuan_photo": XIYUAN,
    "xiyuan_conflict": XIYUAN,
}
"""Who pulls each record of the scenario."""

TABLE_OF: dict[str, TableName] = {
    "case": TableName.CASES,
    "party": TableName.PARTIES,
    "case_visit": TableName.VISITS,
    "photo": TableName.ATTACHMENTS,
    "photo_not_uploaded": TableName.ATTACHMENTS,
    "agreement": TableName.AGREEMENTS,
    "review": TableName.REVIEWS,
    "conflict": TableName.CONFLICTS,
    "subject": TableName.SUBJECTS,
    "checkin": TableName.VISITS,
    "assigned_subject": TableName.SUBJECTS,
    "assigned_checkin": TableName.VISITS,
    "xiyuan_case": TableName.CASES,
    "xiyuan_photo": TableName.ATTACHMENTS,
    "xiyuan_conflict": TableName.CONFLICTS,
}

_MEDIATOR = frozenset(
    {
        TableName.CASES,
        TableName.PARTIES,
        TableName.VISITS,
        TableName.ATTACHMENTS,
        TableName.AGREEMENTS,
    }
)
_OFFICER = frozenset({TableName.SUBJECTS, TableName.VISITS, TableName.ATTACHMENTS})
_SUPERVISOR = _MEDIATOR | _OFFICER | {TableName.REVIEWS}
WRITES: dict[str, frozenset[TableName]] = {
    "mediator.baijia": _MEDIATOR,
    "mediator.xiyuan": _MEDIATOR,
    "officer.baijia": _OFFICER,
    "officer.xiyuan": _OFFICER,
    "supervisor.baijia": _SUPERVISOR,
    "supervisor.xiyuan": _SUPERVISOR,
    "supervisor.fuxing": _SUPERVISOR,
    "admin": _SUPERVISOR,
}
"""Which tables each user may write (docs: repositories/scope.py WRITABLE_BY_ROLE)."""

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


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), colour).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Scenario:
    client: TestClient
    engine: Engine
    district: District
    devices: dict[str, Device] = field(default_factory=dict)
    ids: dict[str, UUID] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    """Attachment label → the bytes its sha256 names."""

    def device(self, username: str) -> Device:
        return self.devices[username]

    def versions(self, labels: list[str]) -> dict[str, int]:
        """The current version of each record, read in one go."""
        with read_session(self.engine) as session:
            found: dict[str, int] = {}
            for label in labels:
                row: Any = session.get(ROWS[TABLE_OF[label]], self.ids[label])
                assert row is not None, label
                found[label] = int(row.version)
            return found

    def push_one(self, username: str, item: dict[str, Any]) -> dict[str, Any]:
        [result] = self.device(username).push([item])
        assert result["status"] in ("applied", "conflict"), result
        return result

    def make_conflict(self, case_label: str, first: str, second: str) -> UUID:
        """Two users change the same case title from the same version."""
        case_id, base = self.ids[case_label], self.versions([case_label])[case_label]
        for username in (first, second):
            title = {"title": f"{username} {uuid.uuid4().hex[:6]}"}
            result = self.push_one(username, mutation("cases", case_id, title, base_version=base))
        assert result["status"] == "conflict", result
        return UUID(result["conflict_id"])

    def upload(self, username: str, content: bytes) -> None:
        sha = hashlib.sha256(content).hexdigest()
        response = self.client.patch(
            f"/api/v1/blobs/{sha}",
            content=content,
            headers={
                **self.device(username).headers,
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": "0",
                "Upload-Length": str(len(content)),
            },
        )
        assert response.status_code == 201, response.text


def _attachment(owner_table: str, owner_id: UUID, content: bytes) -> dict[str, Any]:
    return {
        "owner_table": owner_table,
        "owner_id": str(owner_id),
        "kind": "photo",
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "mime": "image/png",
        "caption": "现场照片",
    }


def build_scenario(client: TestClient, engine: Engine) -> Scenario:
    district = load_district(engine)
    s = Scenario(client, engine, district)
    for number, username in enumerate(ROLES, start=1):
        s.devices[username] = Device(client, username, f"matrix-device-{number:02d}")
    s.ids = {label: uuid.uuid4() for label in TABLE_OF}
    s.blobs = {
        "photo": png((200, 30, 30)),
        "photo_not_uploaded": png((30, 200, 30)),
        "xiyuan_photo": png((30, 30, 200)),
    }
    ids = s.ids
    officer_xiyuan = district.user("officer.xiyuan").id
    created: list[tuple[str, list[dict[str, Any]]]] = [
        (
            "mediator.baijia",
            [
                mutation("cases", ids["case"], case_fields(district.baijia_committee.id)),
                mutation("parties", ids["party"], party_fields(ids["case"])),
                mutation("visits", ids["case_visit"], visit_fields(case_id=ids["case"])),
                mutation(
                    "attachments", ids["photo"], _attachment("cases", ids["case"], s.blobs["photo"])
                ),
                mutation(
                    "attachments",
                    ids["photo_not_uploaded"],
                    _attachment("visits", ids["case_visit"], s.blobs["photo_not_uploaded"]),
                ),
                mutation(
                    "agreements", ids["agreement"], {"case_id": str(ids["case"]), "facts": "草稿"}
                ),
            ],
        ),
        (
            "officer.baijia",
            [
                mutation(
                    "subjects",
                    ids["subject"],
                    subject_fields(district.baijia.id, district.user("officer.baijia").id),
                ),
                mutation("visits", ids["checkin"], visit_fields(subject_id=ids["subject"])),
            ],
        ),
        (
            "supervisor.baijia",
            [
                mutation(
                    "reviews",
                    ids["review"],
                    {"target_table": "cases", "target_id": str(ids["case"]), "state": "approved"},
                ),
                mutation(
                    "subjects",
                    ids["assigned_subject"],
                    subject_fields(
                        district.baijia.id,
                        officer_xiyuan,
                        name="赵某",
                        id_number=id_number(serial="789"),
                    ),
                ),
                mutation(
                    "visits",
                    ids["assigned_checkin"],
                    visit_fields(subject_id=ids["assigned_subject"]),
                ),
            ],
        ),
        (
            "mediator.xiyuan",
            [
                mutation("cases", ids["xiyuan_case"], case_fields(district.xiyuan_committee.id)),
                mutation(
                    "attachments",
                    ids["xiyuan_photo"],
                    _attachment("cases", ids["xiyuan_case"], s.blobs["xiyuan_photo"]),
                ),
            ],
        ),
    ]
    for username, mutations in created:
        results = s.device(username).push(mutations)
        assert [r["status"] for r in results] == ["applied"] * len(mutations), results
    s.ids["conflict"] = s.make_conflict("case", "mediator.baijia", "supervisor.baijia")
    s.ids["xiyuan_conflict"] = s.make_conflict(
        "xiyuan_case", "mediator.xiyuan", "supervisor.xiyuan"
    )
    s.upload("mediator.baijia", s.blobs["photo"])
    s.upload("mediator.xiyuan", s.blobs["xiyuan_photo"])
    return s


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def scenario(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    """The district and its records, built once per backend for this module."""
    folder = tmp_path_factory.mktemp("matrix")
    for url in fresh_database_url(request, request.param, folder):
        engine = make_engine(url)
        try:
            settings = ServerSettings(db=url, blobs=folder / "blobs")
            with TestClient(create_app(settings, engine)) as client:
                yield build_scenario(client, engine)
        finally:
            engine.dispose()


def route_exists(client: TestClient, method: str, path: str) -> bool:
    """Whether the app serves ``method path`` at all (per its OpenAPI document),
    so that a 404 the matrix expects cannot be the 404 of a route nobody wrote."""
    app: Any = client.app
    for template, operations in app.openapi()["paths"].items():
        parts = re.split(r"\{[^}]+\}", template)
        pattern = "[^/]+".join(re.escape(part) for part in parts)
        if method.lower() in operations and re.fullmatch(pattern, path):
            return True
    return False


def outcome(response: Any) -> str:
    """``"200"`` or ``"404 NOT_FOUND"``: status plus the error code, if any."""
    if response.status_code < 400:
        return str(response.status_code)
    return f"{response.status_code} {response.json()['error']['code']}"


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
            {_TEXT_FIELD[TABLE_OF[label]]: tag},
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
    present = {
        label for label in ("conflict", "xiyuan_conflict") if str(scenario.ids[label]) in listed
    }
    assert present == {
        label for label in ("conflict", "xiyuan_conflict") if username in SEES[label]
    }


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
