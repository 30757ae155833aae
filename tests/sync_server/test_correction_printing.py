"""The desk prints a subject's announcement records and release certificate
from the server (``GET /api/v1/correction/events/{id}/record.pdf`` and
``…/certificate.pdf``): the same pages the phone prints, with the subject's
signature once its image is on the server, audited, read like the
timeline (the office and the district, never mediators)."""

import hashlib
import uuid
from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import col

from sync_server.services.blobs.signature_prints import signatures_not_uploaded
from sync_server.tables import AuditEntry
from tests.factories import District, mutation
from tests.sync_server.agreement_data import signature_png, upload_blob
from tests.sync_server.correction_data import ENTRY, enrol, push_event

RELEASE = {
    "kind": "release_announcement",
    "place": "百家街道司法所",
    "present": ["张所长"],
    "items_read": ["assessment", "certificate"],
    "certificate_number": "（2026）复司矫解字第3号",
}


def _signed(device: Any, event_id: uuid.UUID, image: bytes) -> uuid.UUID:
    """The subject's signature on the event, as the phone records it."""
    attachment_id = uuid.uuid4()
    fields = {
        "owner_table": "subject_events",
        "owner_id": str(event_id),
        "kind": "signature",
        "sha256": hashlib.sha256(image).hexdigest(),
        "size": len(image),
        "mime": "image/png",
        "taken_at": "2026-12-01T02:30:00Z",
    }
    [result] = device.push([mutation("attachments", attachment_id, fields)])
    assert result["status"] == "applied", result
    return attachment_id


def _get(client: TestClient, device: Any, event_id: uuid.UUID, document: str) -> Any:
    return client.get(
        f"/api/v1/correction/events/{event_id}/{document}.pdf", headers=device.headers
    )


def test_the_desk_prints_the_signed_record_once_the_signature_is_uploaded(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    officer, office = device_for("officer.baijia"), device_for("supervisor.baijia")
    subject_id = enrol(officer, district)
    entry_id, result = push_event(officer, subject_id, ENTRY)
    assert result["status"] == "applied", result
    image = signature_png("entry")
    _signed(officer, entry_id, image)

    waiting = _get(client, office, entry_id, "record")
    # The agreement's answer (tests/sync_server/test_verify_pdf.py): one place says it.
    answer = signatures_not_uploaded([hashlib.sha256(image).hexdigest()])
    assert waiting.status_code == answer.status == 409
    assert waiting.json()["error"] == {
        "code": answer.code.value,
        "message": answer.message,
        "details": answer.details,
    }

    upload_blob(client, officer, image)
    printed = _get(client, office, entry_id, "record")
    assert printed.status_code == 200, printed.text
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF-")
    disposition = printed.headers["content-disposition"]
    assert f'filename="announcement-{entry_id}.pdf"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "入矫宣告记录-王某.pdf"
    with engine.connect() as connection:
        actions = connection.execute(select(col(AuditEntry.action))).scalars().all()
    assert actions.count("print_correction_record") == 1


def test_the_certificate_is_the_release_announcements_and_nothing_elses(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer, bureau = device_for("officer.baijia"), device_for("supervisor.fuxing")
    subject_id = enrol(officer, district)
    entry_id, _ = push_event(officer, subject_id, ENTRY)
    release_id, result = push_event(officer, subject_id, RELEASE, occurred_on="2026-12-20")
    assert result["status"] == "applied", result

    certificate = _get(client, bureau, release_id, "certificate")
    assert certificate.status_code == 200, certificate.text
    assert certificate.content.startswith(b"%PDF-")
    record = _get(client, bureau, release_id, "record")
    assert record.status_code == 200, record.text
    assert "解矫宣告记录" in unquote(record.headers["content-disposition"])

    wrong = _get(client, bureau, entry_id, "certificate")
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["error"]["code"] == "VALIDATION_FAILED"
    assert wrong.json()["error"]["details"]["field"] == "event_id"


def test_no_one_outside_the_subjects_office_learns_the_record_exists(
    client: TestClient, device_for: Any, district: District
) -> None:
    officer = device_for("officer.baijia")
    subject_id = enrol(officer, district)
    entry_id, _ = push_event(officer, subject_id, ENTRY)
    for username in ("mediator.baijia", "supervisor.xiyuan", "officer.xiyuan"):
        refused = _get(client, device_for(username), entry_id, "record")
        assert (refused.status_code, refused.json()["error"]["code"]) == (404, "NOT_FOUND")
    never = _get(client, device_for("supervisor.baijia"), uuid.uuid4(), "record")
    assert never.status_code == 404
