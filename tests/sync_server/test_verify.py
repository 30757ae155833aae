"""Verification finds every change: one character of the text, one pixel of
a signature image, one byte of the PDF, a forged countersignature, a broken
chain of corrections; and it names exactly which check failed. Run on
SQLite and PostgreSQL."""

import copy
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from shared_models.integrity import agreement_hash
from sync_server.core.config import ServerSettings
from sync_server.tables import AgreementRow
from tests.factories import District, mutation
from tests.sync_server.agreement_data import (
    Signed,
    blob_path,
    detail,
    failed,
    flip_one_pixel,
    mediator_fixture,  # noqa: F401  (the fixture)
    push_signed,
    sealed_fixture,  # noqa: F401  (the fixture)
    stored,
    supervisor_fixture,  # noqa: F401  (the fixture)
    tamper_agreement,
    tamper_attachment,
    upload_blob,
    verify_id,
)

ALL_CHECKS = {
    "record_sealed",
    "content_hash",
    "countersignature",
    "signature_images",
    "supersession_chain",
}


# --- verifying the stored agreement --------------------------------------------------


def test_a_sealed_countersigned_agreement_verifies(
    client: TestClient, supervisor: Any, sealed: Signed
) -> None:
    report = verify_id(client, supervisor, sealed)

    assert report["ok"] is True, report
    assert {c["name"] for c in report["checks"]} == ALL_CHECKS
    assert report["content_hash"] == sealed.fields.content_hash
    assert report["key_id"] == client.get("/api/v1/keys/district").json()["key_id"]


def test_an_agreement_not_countersigned_yet_says_exactly_that(
    client: TestClient, mediator: Any, supervisor: Any, district: District, engine: Engine
) -> None:
    """Sealed before this server countersigned at push (or restored from a
    backup without it): verification names exactly the missing signature."""
    signed = push_signed(client, mediator, district)
    tamper_agreement(engine, signed.agreement_id, countersignature=None)

    report = verify_id(client, supervisor, signed)

    assert failed(report) == ["countersignature"]
    assert "not countersigned yet" in detail(report, "countersignature")


def _one_character_changed(row: AgreementRow, where: str) -> dict[str, Any]:
    # The row's JSON columns hold plain lists of dicts, whatever the model says.
    if where == "facts":
        return {"facts": row.facts.replace("煤棚", "煤房", 1)}
    if where == "obligation":
        obligations: Any = copy.deepcopy(row.obligations)
        obligations[0]["action"] = obligations[0]["action"].replace("800", "300")
        return {"obligations": obligations}
    if where == "party":
        parties: Any = copy.deepcopy(row.parties)
        parties[1]["name"] = "张杲"  # was 张某
        return {"parties": parties}
    return {"committee_name": row.committee_name.replace("百", "白")}


@pytest.mark.parametrize("where", ["facts", "obligation", "party", "committee"])
def test_one_changed_character_in_the_record_fails_the_content_hash(
    client: TestClient, supervisor: Any, sealed: Signed, engine: Engine, where: str
) -> None:
    row = stored(engine, sealed)
    changed = _one_character_changed(row, where)
    assert all(value != getattr(row, name) for name, value in changed.items())
    tamper_agreement(engine, sealed.agreement_id, **changed)

    report = verify_id(client, supervisor, sealed)

    assert report["ok"] is False
    assert failed(report) == ["content_hash"]
    assert "changed after signing" in detail(report, "content_hash")


def test_a_changed_text_with_a_recomputed_hash_fails_the_countersignature(
    client: TestClient, supervisor: Any, sealed: Signed, engine: Engine
) -> None:
    forged = sealed.fields.model_copy(update={"facts": sealed.fields.facts + "另补偿200元。"})
    tamper_agreement(
        engine, sealed.agreement_id, facts=forged.facts, content_hash=agreement_hash(forged)
    )

    report = verify_id(client, supervisor, sealed)

    assert failed(report) == ["countersignature"]
    assert "does not verify" in detail(report, "countersignature")


def test_one_flipped_pixel_of_a_signature_image_fails_the_signature_images(
    client: TestClient, mediator: Any, supervisor: Any, sealed: Signed, engine: Engine
) -> None:
    original = next(iter(sealed.images.values()))
    changed = flip_one_pixel(original)
    assert changed != original
    new_sha = upload_blob(client, mediator, changed)
    tamper_attachment(engine, sealed.attachment_ids[0], sha256=new_sha, size=len(changed))

    report = verify_id(client, supervisor, sealed)

    assert failed(report) == ["signature_images"]
    assert "another image than was sealed" in detail(report, "signature_images")


def test_a_flipped_pixel_rewritten_into_the_agreement_fails_the_content_hash(
    client: TestClient, mediator: Any, supervisor: Any, sealed: Signed, engine: Engine
) -> None:
    first = sealed.fields.signatures[0]
    changed = flip_one_pixel(sealed.images[first.sha256])
    new_sha = upload_blob(client, mediator, changed)
    tamper_attachment(engine, first.attachment_id, sha256=new_sha, size=len(changed))
    signatures = copy.deepcopy(stored(engine, sealed).signatures)
    signatures[0]["sha256"] = new_sha  # type: ignore[index]
    tamper_agreement(engine, sealed.agreement_id, signatures=signatures)

    report = verify_id(client, supervisor, sealed)

    assert failed(report) == ["content_hash"]


def test_a_signature_image_changed_on_disk_fails_the_signature_images(
    client: TestClient, supervisor: Any, sealed: Signed, settings: ServerSettings
) -> None:
    target = sealed.fields.signatures[2].sha256
    path = blob_path(settings, target)
    path.write_bytes(flip_one_pixel(path.read_bytes()))

    report = verify_id(client, supervisor, sealed)

    assert failed(report) == ["signature_images"]
    assert "王桂兰's signature: the stored image is not the one sealed" in detail(
        report, "signature_images"
    )


def test_a_missing_signature_image_is_named(
    client: TestClient, supervisor: Any, sealed: Signed, settings: ServerSettings
) -> None:
    blob_path(settings, sealed.fields.signatures[1].sha256).unlink()

    report = verify_id(client, supervisor, sealed)

    assert failed(report) == ["signature_images"]
    assert "张某's signature: the image has not reached the server" in detail(
        report, "signature_images"
    )


def test_a_correction_of_a_draft_breaks_the_chain(
    client: TestClient,
    mediator: Any,
    supervisor: Any,
    sealed: Signed,
    engine: Engine,
    settings: ServerSettings,
) -> None:
    draft_id = uuid.uuid4()
    mediator.push([mutation("agreements", draft_id, {"case_id": str(sealed.case_id)})])
    correction = push_signed(client, mediator, None, case_id=sealed.case_id, supersedes_id=draft_id)

    report = verify_id(client, supervisor, correction)

    assert failed(report) == ["supersession_chain"]
    assert f"it corrects {draft_id}, which is draft, not sealed" in detail(
        report, "supersession_chain"
    )


def test_a_loop_of_corrections_is_reported(
    client: TestClient,
    mediator: Any,
    supervisor: Any,
    sealed: Signed,
    engine: Engine,
    settings: ServerSettings,
) -> None:
    correction = push_signed(
        client, mediator, None, case_id=sealed.case_id, supersedes_id=sealed.agreement_id
    )
    tamper_agreement(engine, sealed.agreement_id, supersedes_id=correction.agreement_id)

    report = verify_id(client, supervisor, correction)

    assert failed(report) == ["supersession_chain"]
    chain = detail(report, "supersession_chain")
    assert f"loops back to {correction.agreement_id}" in chain
    assert f"it corrects {sealed.agreement_id}, whose content no longer matches its hash" in chain


def test_verification_is_scoped_like_every_read(
    client: TestClient, device_for: Any, sealed: Signed
) -> None:
    elsewhere = device_for("supervisor.xiyuan")
    unknown = uuid.uuid4()

    outside = client.get(
        f"/api/v1/agreements/{sealed.agreement_id}/verify", headers=elsewhere.headers
    )
    missing = client.get(f"/api/v1/agreements/{unknown}/verify", headers=elsewhere.headers)
    district_wide = client.get(
        f"/api/v1/agreements/{sealed.agreement_id}/verify",
        headers=device_for("supervisor.fuxing").headers,
    )

    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert outside.json()["error"]["code"] == "NOT_FOUND"
    assert district_wide.json()["ok"] is True
    assert client.get(f"/api/v1/agreements/{sealed.agreement_id}/verify").status_code == 401
