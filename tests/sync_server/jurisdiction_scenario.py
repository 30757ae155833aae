"""A district with records of both lines of work in two offices, for the
jurisdiction matrix (``test_jurisdiction_matrix.py``) and the attack suite's
route matrix and push escalation (``tests/attack/``).

Records of Baijia: a mediation case with a party, a session, photos with
and without their bytes uploaded, a draft agreement, a review and a
conflict; a subject of officer.baijia with a check-in, its photo, a review
and a conflict; and a Baijia subject assigned to officer.xiyuan with a
check-in (an assignment across offices from before transfers existed,
loaded directly: pushes refuse it now). Records of Xiyuan: a case with a
photo, a conflict and a draft agreement; a subject.

The expectations (``SEES``, ``WRITES``) are written out by hand, not derived
from ``repositories/scope.py``, so a change to the rules there fails the
tests that use them.
"""

import hashlib
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine

from shared_models.domain.subjects import SubjectRecord
from shared_models.domain.visits import VisitRecord
from shared_models.protocol.tables import TableName
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, read_session, write_session
from sync_server.main import create_app
from sync_server.services.sync.records import ROWS
from sync_server.services.sync.seeding import load_records
from tests.district_db import fresh_database_url
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
DISTRICT_WIDE = frozenset({"supervisor.fuxing", "admin"})

MEDIATION_BAIJIA = frozenset({"mediator.baijia", "supervisor.baijia"}) | DISTRICT_WIDE
CORRECTION_BAIJIA = frozenset({"officer.baijia", "supervisor.baijia"}) | DISTRICT_WIDE
MEDIATION_XIYUAN = frozenset({"mediator.xiyuan", "supervisor.xiyuan"}) | DISTRICT_WIDE
CORRECTION_XIYUAN = frozenset({"officer.xiyuan", "supervisor.xiyuan"}) | DISTRICT_WIDE

SEES: dict[str, frozenset[str]] = {
    "case": MEDIATION_BAIJIA,
    "party": MEDIATION_BAIJIA,
    "case_visit": MEDIATION_BAIJIA,
    "photo": MEDIATION_BAIJIA,
    "photo_not_uploaded": MEDIATION_BAIJIA,
    "agreement": MEDIATION_BAIJIA,
    "review": MEDIATION_BAIJIA,
    "conflict": MEDIATION_BAIJIA,
    "subject": CORRECTION_BAIJIA,
    "checkin": CORRECTION_BAIJIA,
    "checkin_photo": CORRECTION_BAIJIA,
    "checkin_review": CORRECTION_BAIJIA,
    "subject_conflict": CORRECTION_BAIJIA,
    # Officers also work on the subjects assigned to them, wherever they are.
    "assigned_subject": CORRECTION_BAIJIA | {"officer.xiyuan"},
    "assigned_checkin": CORRECTION_BAIJIA | {"officer.xiyuan"},
    "xiyuan_case": MEDIATION_XIYUAN,
    "xiyuan_photo": MEDIATION_XIYUAN,
    "xiyuan_conflict": MEDIATION_XIYUAN,
    "xiyuan_agreement": MEDIATION_XIYUAN,
    "xiyuan_subject": CORRECTION_XIYUAN,
    "subject_event": CORRECTION_BAIJIA,
    "xiyuan_subject_event": CORRECTION_XIYUAN,
}
"""Who pulls each record of the scenario: office and line of work."""

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
    "checkin_photo": TableName.ATTACHMENTS,
    "checkin_review": TableName.REVIEWS,
    "subject_conflict": TableName.CONFLICTS,
    "assigned_subject": TableName.SUBJECTS,
    "assigned_checkin": TableName.VISITS,
    "xiyuan_case": TableName.CASES,
    "xiyuan_photo": TableName.ATTACHMENTS,
    "xiyuan_conflict": TableName.CONFLICTS,
    "xiyuan_agreement": TableName.AGREEMENTS,
    "xiyuan_subject": TableName.SUBJECTS,
    "subject_event": TableName.SUBJECT_EVENTS,
    "xiyuan_subject_event": TableName.SUBJECT_EVENTS,
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
_OFFICER = frozenset(
    {TableName.SUBJECTS, TableName.VISITS, TableName.ATTACHMENTS, TableName.SUBJECT_EVENTS}
)
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

    def make_conflict(self, label: str, first: str, second: str, field_name: str = "title") -> UUID:
        """Two users change the same text field of ``label`` from the same version."""
        record_id, base = self.ids[label], self.versions([label])[label]
        table = TABLE_OF[label].value
        for username in (first, second):
            value = {field_name: f"{username} {uuid.uuid4().hex[:6]}"}
            result = self.push_one(username, mutation(table, record_id, value, base_version=base))
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


def attachment_fields(owner_table: str, owner_id: UUID, content: bytes) -> dict[str, Any]:
    return {
        "owner_table": owner_table,
        "owner_id": str(owner_id),
        "kind": "photo",
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "mime": "image/png",
        "caption": "现场照片",
    }


def talk_fields(subject_id: UUID) -> dict[str, Any]:
    """A monthly conversation (个别谈话) with the subject."""
    return {
        "subject_id": str(subject_id),
        "kind": "conversation",
        "occurred_on": "2026-11-28",
        "content": {"kind": "conversation", "summary": "近况良好"},
    }


def _load_legacy_assignment(s: Scenario) -> None:
    """A Baijia subject assigned to officer.xiyuan, with a check-in: loaded
    the way imports load records, since a push no longer assigns a subject
    to another office's officer."""
    district, ids = s.district, s.ids
    fields = subject_fields(
        district.baijia.id,
        district.user("officer.xiyuan").id,
        name="赵某",
        id_number=id_number(serial="789"),
    )
    subject = SubjectRecord.model_validate({**fields, "id": str(ids["assigned_subject"])})
    checkin = VisitRecord.model_validate(
        {
            **visit_fields(subject_id=ids["assigned_subject"]),
            "id": str(ids["assigned_checkin"]),
        }
    )
    creator = district.user("supervisor.baijia").id
    with write_session(s.engine) as session:
        load_records(session, TableName.SUBJECTS, [subject], created_by=creator)
        load_records(session, TableName.VISITS, [checkin], created_by=creator)


def build_scenario(client: TestClient, engine: Engine) -> Scenario:
    district = load_district(engine)
    s = Scenario(client, engine, district)
    for number, username in enumerate(ROLES, start=1):
        s.devices[username] = Device(client, username, f"matrix-device-{number:02d}")
    s.ids = {label: uuid.uuid4() for label in TABLE_OF}
    s.blobs = {
        "photo": png((200, 30, 30)),
        "photo_not_uploaded": png((30, 200, 30)),
        "checkin_photo": png((200, 200, 30)),
        "xiyuan_photo": png((30, 30, 200)),
    }
    ids = s.ids
    created: list[tuple[str, list[dict[str, Any]]]] = [
        (
            "mediator.baijia",
            [
                mutation("cases", ids["case"], case_fields(district.baijia_committee.id)),
                mutation("parties", ids["party"], party_fields(ids["case"])),
                mutation("visits", ids["case_visit"], visit_fields(case_id=ids["case"])),
                mutation(
                    "attachments",
                    ids["photo"],
                    attachment_fields("cases", ids["case"], s.blobs["photo"]),
                ),
                mutation(
                    "attachments",
                    ids["photo_not_uploaded"],
                    attachment_fields("visits", ids["case_visit"], s.blobs["photo_not_uploaded"]),
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
                mutation(
                    "attachments",
                    ids["checkin_photo"],
                    attachment_fields("visits", ids["checkin"], s.blobs["checkin_photo"]),
                ),
                mutation("subject_events", ids["subject_event"], talk_fields(ids["subject"])),
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
                    "reviews",
                    ids["checkin_review"],
                    {
                        "target_table": "visits",
                        "target_id": str(ids["checkin"]),
                        "state": "needs_changes",
                    },
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
                    attachment_fields("cases", ids["xiyuan_case"], s.blobs["xiyuan_photo"]),
                ),
                mutation(
                    "agreements",
                    ids["xiyuan_agreement"],
                    {"case_id": str(ids["xiyuan_case"]), "facts": "草稿"},
                ),
            ],
        ),
        (
            "officer.xiyuan",
            [
                mutation(
                    "subjects",
                    ids["xiyuan_subject"],
                    subject_fields(
                        district.xiyuan.id,
                        district.user("officer.xiyuan").id,
                        name="钱某",
                        id_number=id_number(serial="321"),
                    ),
                ),
                mutation(
                    "subject_events",
                    ids["xiyuan_subject_event"],
                    talk_fields(ids["xiyuan_subject"]),
                ),
            ],
        ),
    ]
    for username, mutations in created:
        results = s.device(username).push(mutations)
        assert [r["status"] for r in results] == ["applied"] * len(mutations), results
    _load_legacy_assignment(s)
    s.ids["conflict"] = s.make_conflict("case", "mediator.baijia", "supervisor.baijia")
    s.ids["subject_conflict"] = s.make_conflict(
        "subject", "officer.baijia", "supervisor.baijia", "name"
    )
    s.ids["xiyuan_conflict"] = s.make_conflict(
        "xiyuan_case", "mediator.xiyuan", "supervisor.xiyuan"
    )
    s.upload("mediator.baijia", s.blobs["photo"])
    s.upload("officer.baijia", s.blobs["checkin_photo"])
    s.upload("mediator.xiyuan", s.blobs["xiyuan_photo"])
    return s


def scenario_on(request: pytest.FixtureRequest, folder: Path) -> Iterator[Scenario]:
    """The scenario on the backend ``request.param`` names (``"sqlite"`` or
    ``"postgres"``): for a module-scoped fixture of the tests that share it."""
    for url in fresh_database_url(request, request.param, folder):
        engine = make_engine(url)
        try:
            settings = ServerSettings(db=url, blobs=folder / "blobs")
            with TestClient(create_app(settings, engine)) as client:
                yield build_scenario(client, engine)
        finally:
            engine.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
"""The ``params`` of a scenario fixture: every backend."""


def route_exists(client: TestClient, method: str, path: str) -> bool:
    """Whether the app serves ``method path`` at all (per its OpenAPI document),
    so that a 404 a test expects cannot be the 404 of a route nobody wrote."""
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
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "?"
    return f"{response.status_code} {code}"
