"""Sealed agreements on the server: nothing of a signed agreement changes,
the district countersigns it and the signature syncs back, corrections are
new agreements that point at the sealed one, follow-ups mark obligations.
Run on SQLite and PostgreSQL (the ``engine`` fixture)."""

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from shared_models.domain.visits import VisitFields
from shared_models.sealing import countersignature_message, parse_countersignature
from sync_server.core.config import ServerSettings
from sync_server.core.db import write_session
from sync_server.core.district_key import (
    SigningKeyError,
    derived_certificate,
    district_key,
    existing_district_key,
    forget_loaded_keys,
)
from sync_server.services.supervision.follow_ups import follow_up_problem
from sync_server.services.sync.workspace import Workspace
from tests.factories import District, mutation, visit_fields
from tests.sync_server.agreement_data import (
    countersign_now,
    push_case,
    push_signed,
    tamper_agreement,
)


def _record(device: Any, agreement_id: uuid.UUID) -> dict[str, Any]:
    device.pull()
    record: dict[str, Any] = device.records[("agreements", str(agreement_id))]
    return record


def test_a_sealed_agreement_is_countersigned_and_the_signature_syncs_back(
    client: TestClient,
    device_for: Any,
    district: District,
    engine: Engine,
    settings: ServerSettings,
) -> None:
    mediator = device_for("mediator.baijia")
    signed = push_signed(client, mediator, district)

    after = _record(mediator, signed.agreement_id)
    assert after["status"] == "signed"
    published = client.get("/api/v1/keys/district").json()
    public_key = serialization.load_pem_public_key(published["public_key_pem"].encode())
    assert isinstance(public_key, Ed25519PublicKey)
    key_id, encoded = parse_countersignature(after["countersignature"])
    assert key_id == published["key_id"]
    message = countersignature_message(signed.agreement_id, signed.fields, key_id)
    public_key.verify(base64.b64decode(encoded), message)  # raises when invalid
    other_agreement = countersignature_message(uuid.uuid4(), signed.fields, key_id)
    with pytest.raises(InvalidSignature):
        public_key.verify(base64.b64decode(encoded), other_agreement)


def test_countersigning_signs_each_sealed_agreement_once_and_never_a_draft(
    client: TestClient,
    device_for: Any,
    district: District,
    engine: Engine,
    settings: ServerSettings,
) -> None:
    mediator = device_for("mediator.baijia")
    signed = push_signed(client, mediator, district)
    draft_id = uuid.uuid4()
    mediator.push([mutation("agreements", draft_id, {"case_id": str(signed.case_id)})])

    assert _record(mediator, signed.agreement_id)["countersignature"] is not None
    tamper_agreement(engine, signed.agreement_id, countersignature=None)

    first = countersign_now(engine, settings, signed.agreement_id, draft_id)
    again = countersign_now(engine, settings, signed.agreement_id, draft_id)

    assert first == [signed.agreement_id]
    assert again == []
    assert _record(mediator, draft_id)["countersignature"] is None


def test_the_public_key_is_published_without_sign_in(client: TestClient) -> None:
    response = client.get("/api/v1/keys/district")

    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "Ed25519"
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert body["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert len(body["key_id"]) == 16


def test_nothing_of_a_sealed_agreement_can_change(
    client: TestClient, device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    supervisor = device_for("supervisor.baijia")
    signed = push_signed(client, mediator, district)
    version = _record(mediator, signed.agreement_id)["version"]
    attachment = signed.attachment_ids[0]
    attachment_version = mediator.records[("attachments", str(attachment))]["version"]

    attempts = [
        mutation("agreements", signed.agreement_id, {"facts": "改过的事实"}, base_version=version),
        mutation("agreements", signed.agreement_id, {"status": "void"}, base_version=version),
        mutation("agreements", signed.agreement_id, op="delete", base_version=version),
        mutation("attachments", attachment, {"sha256": "0" * 64}, base_version=attachment_version),
        mutation("attachments", attachment, {"caption": "改"}, base_version=attachment_version),
        mutation("attachments", attachment, op="delete", base_version=attachment_version),
    ]
    for device in (mediator, supervisor):
        results = device.push(attempts)
        assert [r["status"] for r in results] == ["rejected"] * len(attempts)
        assert {r["error"]["code"] for r in results} == {"RECORD_SEALED"}
    assert _record(mediator, signed.agreement_id)["version"] == version


def test_a_correction_is_a_new_agreement_pointing_at_the_sealed_one(
    client: TestClient,
    device_for: Any,
    district: District,
    engine: Engine,
    settings: ServerSettings,
) -> None:
    mediator = device_for("mediator.baijia")
    original = push_signed(client, mediator, district)
    correction = push_signed(
        client,
        mediator,
        district,
        case_id=original.case_id,
        supersedes_id=original.agreement_id,
        facts="更正：损坏发生在2026年11月9日。",
    )
    supervisor = device_for("supervisor.baijia")

    newer = client.get(
        f"/api/v1/agreements/{correction.agreement_id}/verify", headers=supervisor.headers
    ).json()
    older = client.get(
        f"/api/v1/agreements/{original.agreement_id}/verify", headers=supervisor.headers
    ).json()

    assert newer["ok"] is True, newer
    assert newer["supersedes"] == [str(original.agreement_id)]
    assert older["ok"] is True, older
    assert older["superseded_by"] == [str(correction.agreement_id)]
    mediator.pull()
    assert mediator.records[("agreements", str(original.agreement_id))]["status"] == "signed"


def test_a_follow_up_marks_the_agreement_obligations(
    client: TestClient, device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    signed = push_signed(client, mediator, district)
    follow_up = uuid.uuid4()
    plain = uuid.uuid4()
    marks = [
        {"obligation_index": 0, "honoured": True, "note": "已当面付清800元"},
        {"obligation_index": 1, "honoured": False, "note": ""},
    ]

    results = mediator.push(
        [
            mutation(
                "visits",
                follow_up,
                visit_fields(
                    case_id=signed.case_id,
                    kind="follow_up",
                    agreement_id=str(signed.agreement_id),
                    obligation_checks=marks,
                ),
            ),
            mutation("visits", plain, visit_fields(case_id=signed.case_id)),
            mutation(
                "visits",
                uuid.uuid4(),
                visit_fields(case_id=signed.case_id, obligation_checks=marks),
            ),
        ]
    )

    assert [r["status"] for r in results] == ["applied", "applied", "rejected"]
    assert results[2]["error"]["field"] == "obligation_checks"
    supervisor = device_for("supervisor.baijia")
    supervisor.pull()
    stored = supervisor.records[("visits", str(follow_up))]
    assert stored["agreement_id"] == str(signed.agreement_id)
    assert stored["obligation_checks"] == marks
    assert supervisor.records[("visits", str(plain))]["obligation_checks"] == []
    assert supervisor.records[("visits", str(plain))]["agreement_id"] is None


def test_a_push_refuses_marks_that_do_not_fit_the_agreement(
    client: TestClient, device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    signed = push_signed(client, mediator, district)
    visit_id = uuid.uuid4()
    fields = visit_fields(
        case_id=signed.case_id,
        kind="follow_up",
        agreement_id=str(signed.agreement_id),
        obligation_checks=[{"obligation_index": 2, "honoured": True}],
    )

    [result] = mediator.push([mutation("visits", visit_id, fields)])

    assert result["status"] == "rejected", result
    assert result["error"] == {
        "code": "VALIDATION_FAILED",
        "message": "the agreement has 2 obligations, not 3",
        "field": "obligation_checks",
    }
    mediator.pull()
    assert ("visits", str(visit_id)) not in mediator.records


def test_a_follow_up_of_a_case_without_agreement_needs_no_marks(
    device_for: Any, district: District
) -> None:
    mediator = device_for("mediator.baijia")
    case_id = push_case(mediator, district)

    [result] = mediator.push(
        [mutation("visits", uuid.uuid4(), visit_fields(case_id=case_id, kind="follow_up"))]
    )

    assert result["status"] == "applied", result


def test_follow_up_marks_are_checked_against_their_agreement(
    client: TestClient, device_for: Any, district: District, engine: Engine
) -> None:
    mediator = device_for("mediator.baijia")
    signed = push_signed(client, mediator, district)
    draft_id = uuid.uuid4()
    mediator.push([mutation("agreements", draft_id, {"case_id": str(signed.case_id)})])
    other_case = push_case(mediator, district)

    def visit(agreement_id: uuid.UUID, index: int = 0, case_id: uuid.UUID = signed.case_id) -> Any:
        marks = [{"obligation_index": index, "honoured": True}]
        fields = visit_fields(
            case_id=case_id,
            kind="follow_up",
            agreement_id=str(agreement_id),
            obligation_checks=marks,
        )
        return VisitFields.model_validate(fields)

    with write_session(engine) as session:
        workspace = Workspace(session)
        fits = follow_up_problem(workspace, visit(signed.agreement_id, index=1))
        too_far = follow_up_problem(workspace, visit(signed.agreement_id, index=2))
        elsewhere = follow_up_problem(workspace, visit(signed.agreement_id, case_id=other_case))
        of_a_draft = follow_up_problem(workspace, visit(draft_id))
        unknown = follow_up_problem(workspace, visit(uuid.uuid4()))

    assert fits is None
    assert too_far == ("obligation_checks", "the agreement has 2 obligations, not 3")
    assert elsewhere == ("agreement_id", "the agreement belongs to another case")
    assert of_a_draft == ("agreement_id", "only a signed agreement's obligations are followed up")
    assert unknown is not None
    assert unknown[0] == "agreement_id"


# --- the district key --------------------------------------------------------------


def test_a_generated_key_is_kept_and_reused(tmp_path: Path) -> None:
    settings = ServerSettings(db="sqlite://", blobs=tmp_path / "data" / "blobs")

    first = district_key(settings)
    forget_loaded_keys()
    second = district_key(settings)

    assert first.key_id == second.key_id
    assert (tmp_path / "data" / "district-signing-key.pem").stat().st_mode & 0o077 == 0
    assert existing_district_key(settings).key_id == first.key_id


def test_a_configured_key_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    settings = ServerSettings(db="sqlite://", signing_key=tmp_path / "nowhere.pem")

    with pytest.raises(SigningKeyError, match=r"nowhere\.pem"):
        district_key(settings)
    assert not (tmp_path / "nowhere.pem").exists()


def test_checking_never_generates_a_key(tmp_path: Path) -> None:
    settings = ServerSettings(db="sqlite://", blobs=tmp_path / "blobs")

    with pytest.raises(SigningKeyError, match="no district signing key"):
        existing_district_key(settings)


def _pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_the_pdf_certificate_derives_from_the_key_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "district.pem"
    path.write_bytes(_pem(Ed25519PrivateKey.generate()))
    settings = ServerSettings(db="sqlite://", signing_key=path)

    first = district_key(settings)
    forget_loaded_keys()
    second = district_key(settings)

    assert first.certificate_pem() == second.certificate_pem()
    assert first.key_id in first.pdf_certificate.subject.rfc4514_string()


def test_a_pdf_certificate_issued_for_the_district_is_used(tmp_path: Path) -> None:
    derived = district_key(ServerSettings(db="sqlite://", blobs=tmp_path / "a" / "blobs"))
    issued_key = ec.generate_private_key(ec.SECP256R1())
    issued = derived_certificate("0123456789abcdef", issued_key)
    path = tmp_path / "district.pem"
    path.write_bytes(
        _pem(Ed25519PrivateKey.generate())
        + _pem(issued_key)
        + issued.public_bytes(serialization.Encoding.PEM)
        + derived.pdf_certificate.public_bytes(serialization.Encoding.PEM)
    )

    key = district_key(ServerSettings(db="sqlite://", signing_key=path))

    assert key.pdf_certificate == issued


@pytest.mark.parametrize(
    ("parts", "problem"),
    [
        (["ed", "certificate"], "comes with exactly one EC private key"),
        (["ed", "ec", "certificate"], "is for its EC private key"),
        (["ec"], "exactly one Ed25519 private key"),
        (["ed", "ed"], "exactly one Ed25519 private key"),
    ],
)
def test_a_key_file_that_does_not_fit_together_is_refused(
    tmp_path: Path, parts: list[str], problem: str
) -> None:
    other = district_key(ServerSettings(db="sqlite://", blobs=tmp_path / "other" / "blobs"))
    pieces = {
        "ed": lambda: _pem(Ed25519PrivateKey.generate()),
        "ec": lambda: _pem(ec.generate_private_key(ec.SECP256R1())),
        "certificate": lambda: other.pdf_certificate.public_bytes(serialization.Encoding.PEM),
    }
    path = tmp_path / "district.pem"
    path.write_bytes(b"".join(pieces[part]() for part in parts))

    with pytest.raises(SigningKeyError, match=problem):
        district_key(ServerSettings(db="sqlite://", signing_key=path))
