"""The case file on the desk, on both databases: a closed case's file is
complete and prints every document with the images its records name;
an image a record names but nobody uploaded prints as a note; another
office's case is 404, a mediator is refused; the download is audited."""

import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import col

from shared_models.domain import (
    AgreementRecord,
    CaseDocumentRecord,
    CaseRecord,
    PartyRecord,
)
from shared_models.protocol.tables import TableName
from shared_models.wire import to_json_value
from sync_server.core.db import write_session
from sync_server.services.sync.seeding import load_records
from sync_server.tables import AuditEntry
from tests.factories import District, mutation
from tests.shared_models.case_file_records import CASE, CaseRecords, closed_case
from tests.sync_server.agreement_data import upload_blob
from tests.sync_server.conftest import Device

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def seed(
    engine: Engine, records: CaseRecords, author: uuid.UUID, device: Device | None = None
) -> None:
    """The case's records as the server holds them after its devices synced;
    the attachments pushed by ``device`` (they are not loaded in bulk)."""

    def wire(model: Any, pairs: list[tuple[uuid.UUID, Any]]) -> list[Any]:
        return [model(id=i, **fields.model_dump()) for i, fields in pairs]

    with write_session(engine) as session:
        load_records(session, TableName.CASES, wire(CaseRecord, [(CASE, records.case)]), author)
        load_records(session, TableName.PARTIES, wire(PartyRecord, records.parties), author)
        documents = wire(CaseDocumentRecord, records.documents)
        load_records(session, TableName.CASE_DOCUMENTS, documents, author)
        load_records(
            session, TableName.AGREEMENTS, wire(AgreementRecord, records.agreements), author
        )
    if device is not None and records.attachments:
        results = device.push(
            [
                mutation(TableName.ATTACHMENTS, i, to_json_value(a.model_dump()))  # type: ignore[arg-type]
                for i, a in records.attachments
            ]
        )
        assert all(r["status"] == "applied" for r in results), results


def pages(pdf: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
        ).stdout.decode()
    return [page.replace(" ", "") for page in text.split("\f")[:-1]]


def test_a_closed_case_file_is_complete_and_prints_every_document(
    client: TestClient, engine: Engine, district: District
) -> None:
    records = closed_case(photos=2, unit=district.baijia_committee.id)
    mediator = Device(client, "mediator.baijia", "desk-mediator.baijia")
    seed(engine, records, uuid.UUID(mediator.user["id"]), mediator)
    # Photos only: the signature images never reach the server in this case.
    photos = {a.sha256 for _, a in records.attachments}
    for sha256 in photos:
        upload_blob(client, mediator, records.images[sha256])
    supervisor = Device(client, "supervisor.baijia", "desk-supervisor.baijia")

    status = client.get(f"/api/v1/cases/{CASE}/file", headers=supervisor.headers)
    pdf = client.get(f"/api/v1/cases/{CASE}/file.pdf", headers=supervisor.headers)

    assert status.status_code == 200, status.text
    assert status.json()["complete"] is True
    assert status.json()["gaps"] == []
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = pages(pdf.content)
    assert "人民调解卷宗" in text[0]
    assert "（2026）百家人调字第12号" in text[0]
    assert "百家村调委会" in text[0]
    contents = text[1]
    for title in (
        "人民调解申请书",
        "人民调解权利义务告知书",
        "调解记录",
        "人民调解协议书",
        "回访记录",
    ):
        assert title in contents
    whole = "".join(text)
    assert "本卷材料齐全" in whole
    # The agreement is numbered with its case (案号), not with its id.
    assert "编号：（2026）百家人调字第12号" in whole
    # The signatures were never uploaded: noted in their place, never guessed.
    signatures = len(records.images) - len(photos)
    assert whole.count("未打印") >= signatures > 0
    with engine.connect() as connection:
        actions = connection.execute(select(col(AuditEntry.action))).scalars().all()
    assert "print_case_file" in actions


def test_the_file_names_what_a_case_lacks(
    client: TestClient, engine: Engine, district: District
) -> None:
    records = closed_case(photos=0, unit=district.baijia_committee.id).without("rights_notice")
    seed(engine, records, district.user("mediator.baijia").id)
    supervisor = Device(client, "supervisor.fuxing", "desk-supervisor.fuxing")

    status = client.get(f"/api/v1/cases/{CASE}/file", headers=supervisor.headers).json()

    assert status["complete"] is False
    assert [gap["text"] for gap in status["gaps"]] == [
        "李某：缺少权利义务告知书",
        "李某：未核验或留存身份证明",
        "张某：缺少权利义务告知书",
        "张某：未核验或留存身份证明",
    ]


def test_another_office_and_other_roles_get_nothing(
    client: TestClient, engine: Engine, district: District
) -> None:
    seed(
        engine,
        closed_case(photos=0, unit=district.baijia_committee.id),
        district.user("mediator.baijia").id,
    )

    for username, expected in (
        ("supervisor.xiyuan", 404),
        ("mediator.baijia", 403),
        ("officer.baijia", 403),
    ):
        device = Device(client, username, f"desk-{username}")
        for path in (f"/api/v1/cases/{CASE}/file", f"/api/v1/cases/{CASE}/file.pdf"):
            response = client.get(path, headers=device.headers)
            assert response.status_code == expected, (username, path, response.text)
            assert "李某" not in response.text
    nobody = Device(client, "supervisor.baijia", "desk-nobody")
    missing = client.get(f"/api/v1/cases/{uuid.uuid4()}/file.pdf", headers=nobody.headers)
    assert missing.status_code == 404
    bad = client.get("/api/v1/cases/not-a-uuid/file", headers=nobody.headers)
    assert bad.status_code == 422
