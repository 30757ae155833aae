"""A signed mediation agreement pushed the way a phone does it: the case and
a draft, the signature images uploaded as blobs and attached to the draft,
then the sealed agreement. Also small tools to tamper with what was stored,
the way someone with access to the database or the blob folder might."""

import hashlib
import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import Engine, update

from shared_models.domain.agreements import AgreementFields
from shared_models.protocol.push import Mutation
from shared_models.sealing import seal_agreement
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.core.district_key import district_key
from sync_server.core.versions import VersionBlock
from sync_server.services.agreements.countersign import countersign_pushed
from sync_server.tables import AgreementRow, AttachmentRow
from tests.case_forms import to_mediation
from tests.factories import District, case_fields, id_number, mutation

SIGNED_AT = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
SIGNERS = (("party", "李某"), ("party", "张某"), ("mediator", "王桂兰"))


def signature_png(seed: str, size: tuple[int, int] = (360, 120)) -> bytes:
    """A signature-like stroke, the same for the same seed."""
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    rng = random.Random(seed)
    points = [(15 + i * 17, size[1] // 2 + rng.randint(-40, 40)) for i in range(20)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 70, 255), width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def flip_one_pixel(png: bytes) -> bytes:
    """The same image with one pixel's colour changed by one step."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    r, g, b, a = image.getpixel((5, 5))  # type: ignore[misc]
    image.putpixel((5, 5), (r ^ 1, g, b, a))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload_blob(client: TestClient, device: Any, data: bytes) -> str:
    sha256 = sha(data)
    response = client.patch(
        f"/api/v1/blobs/{sha256}",
        content=data,
        headers={
            **device.headers,
            "Upload-Offset": "0",
            "Upload-Length": str(len(data)),
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status_code == 201, response.text
    return sha256


@dataclass
class Signed:
    """A sealed agreement on the server and what went into it."""

    agreement_id: UUID
    case_id: UUID
    fields: AgreementFields
    images: dict[str, bytes]
    attachment_ids: list[UUID] = field(default_factory=list)


def draft_fields(case_id: UUID, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "case_id": str(case_id),
        "committee_name": "百家村人民调解委员会",
        "mediator_name": "王桂兰",
        "parties": [
            {
                "role": "applicant",
                "name": "李某",
                "id_number": id_number(serial="456"),
                "phone": "13800138000",
                "address": "百家村3号",
            },
            {"role": "respondent", "name": "张某", "address": "百家村5号"},
        ],
        "facts": "2026年11月10日，张某翻修房屋时损坏了李某家的煤棚，双方就赔偿发生争议。",
        "obligations": [
            {"obligor": "张某", "action": "赔偿李某煤棚修理费800元", "due": "2026-12-15"},
            {"obligor": "李某", "action": "收款后不再追究张某其他责任"},
        ],
        "performance_method": "当面交付现金，由人民调解员见证",
        "performance_deadline": "2026-12-31",
    }
    values.update(overrides)
    return values


def push_case(device: Any, district: District) -> UUID:
    """A case taken to mediation (parties, their notices, a session): where
    a written agreement is signed."""
    case_id = uuid.uuid4()
    case = mutation("cases", case_id, case_fields(district.baijia_committee.id))
    results = device.push([case, *to_mediation(case_id)])
    assert all(result["status"] == "applied" for result in results), results
    return case_id


def push_signed(
    client: TestClient,
    device: Any,
    district: District | None,
    *,
    case_id: UUID | None = None,
    supersedes_id: UUID | None = None,
    facts: str | None = None,
) -> Signed:
    """Push a case (unless ``case_id`` names one), a draft, its signature
    images and the seal."""
    if case_id is None:
        assert district is not None, "a new case needs the district"
        case_id = push_case(device, district)
    agreement_id = uuid.uuid4()
    overrides: dict[str, Any] = {}
    if supersedes_id is not None:
        overrides["supersedes_id"] = str(supersedes_id)
    if facts is not None:
        overrides["facts"] = facts
    draft = draft_fields(case_id, **overrides)
    [created] = device.push([mutation("agreements", agreement_id, draft)])
    assert created["status"] == "applied", created
    images: dict[str, bytes] = {}
    signatures: list[dict[str, Any]] = []
    attachments: list[dict[str, Any]] = []
    attachment_ids: list[UUID] = []
    for role, name in SIGNERS:
        png = signature_png(f"{agreement_id}{name}")
        sha256 = upload_blob(client, device, png)
        images[sha256] = png
        attachment_id = uuid.uuid4()
        attachment_ids.append(attachment_id)
        attachments.append(
            mutation(
                "attachments",
                attachment_id,
                {
                    "owner_table": "agreements",
                    "owner_id": str(agreement_id),
                    "kind": "signature",
                    "sha256": sha256,
                    "size": len(png),
                    "mime": "image/png",
                },
            )
        )
        signatures.append(
            {
                "signer_role": role,
                "signer_name": name,
                "attachment_id": str(attachment_id),
                "sha256": sha256,
                "signed_at": SIGNED_AT.isoformat(),
            }
        )
    results = device.push(attachments)
    assert all(r["status"] == "applied" for r in results), results
    sealed = seal_agreement(
        AgreementFields.model_validate({**draft, "signatures": signatures}), SIGNED_AT
    )
    seal = sealed.model_dump(mode="json", include={"signatures", "status", "signed_at"})
    seal["content_hash"] = sealed.content_hash
    [signed] = device.push(
        [mutation("agreements", agreement_id, seal, base_version=created["version"])]
    )
    assert signed["status"] == "applied", signed
    return Signed(agreement_id, case_id, sealed, images, attachment_ids)


def countersign_now(engine: Engine, settings: ServerSettings, *agreement_ids: UUID) -> list[UUID]:
    """Countersign in a write transaction, as ``apply_push`` does right after
    writing the rows (for records that lost their countersignature)."""
    mutations = [
        Mutation.model_validate(mutation("agreements", agreement_id, {}))
        for agreement_id in agreement_ids
    ]
    with write_session(engine) as session:
        return countersign_pushed(
            session, VersionBlock(session), district_key(settings), mutations, datetime.now(UTC)
        )


def tamper_agreement(engine: Engine, agreement_id: UUID, **values: Any) -> None:
    """Change stored columns directly, past every check of the API."""
    with write_session(engine) as session:
        session.execute(
            update(AgreementRow).where(AgreementRow.id == agreement_id).values(**values)  # type: ignore[arg-type]
        )


def tamper_attachment(engine: Engine, attachment_id: UUID, **values: Any) -> None:
    with write_session(engine) as session:
        session.execute(
            update(AttachmentRow).where(AttachmentRow.id == attachment_id).values(**values)  # type: ignore[arg-type]
        )


def blob_path(settings: ServerSettings, sha256: str) -> Path:
    """Where the file store keeps a complete blob (see sync_server/blobs/store.py)."""
    return settings.blobs / sha256[:2] / sha256[2:4] / sha256


def verify_id(client: TestClient, device: Any, signed: Signed) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/agreements/{signed.agreement_id}/verify", headers=device.headers
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def verify_pdf(client: TestClient, device: Any, pdf: bytes) -> dict[str, Any]:
    response = client.post(
        "/api/v1/verify",
        files={"file": ("agreement.pdf", pdf, "application/pdf")},
        headers=device.headers,
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def failed(report: dict[str, Any]) -> list[str]:
    return [check["name"] for check in report["checks"] if not check["ok"]]


def detail(report: dict[str, Any], name: str) -> str:
    return str(next(c["detail"] for c in report["checks"] if c["name"] == name))


def stored(engine: Engine, signed: Signed) -> AgreementRow:
    """The stored row, detached (read, not to be written back)."""
    with read_session(engine) as session:
        row = session.get(AgreementRow, signed.agreement_id)
        assert row is not None
        return row


# --- fixtures: a mediator's phone, a supervisor's, and one sealed agreement ---------


@pytest.fixture(name="mediator")
def mediator_fixture(device_for: Any) -> Any:
    return device_for("mediator.baijia")


@pytest.fixture(name="supervisor")
def supervisor_fixture(device_for: Any) -> Any:
    return device_for("supervisor.baijia")


@pytest.fixture(name="sealed")
def sealed_fixture(client: TestClient, mediator: Any, district: District) -> Signed:
    """Pushed, sealed and (by the push) countersigned."""
    return push_signed(client, mediator, district)
