"""Blobs attacked: hash guessing, quota exhaustion, abandoned uploads and
unreferenced blobs (docs/security.md "Blobs"), on SQLite and PostgreSQL.

A hash is not a secret: it travels in attachment records, logs and exports.
So every way a caller could learn of another scope's blob from its hash alone
(``GET``, ``HEAD``, ``/missing``, the upload status a ``PATCH`` answers, an
attachment record of their own naming the hash) is tried by users of another
office and of another role, and each answer must be the one an unknown hash
gets.
"""

import hashlib
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from shared_models.domain.agreements import AgreementFields, SignatureRef
from shared_models.domain.attachments import MAX_BLOB_BYTES
from shared_models.sealing import seal_agreement
from sync_server.blobs.files import FileBlobStore
from sync_server.core.audit import verify_audit
from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from sync_server.tables import AuditEntry
from tests.attack.tally import Attack
from tests.case_forms import to_mediation
from tests.factories import District, case_fields, mutation, subject_fields
from tests.sync_server.agreement_data import SIGNED_AT, draft_fields, push_signed
from tests.sync_server.conftest import Device

CHUNK_TYPE = "application/offset+octet-stream"
MEGABYTE = 1_000_000
ISSUE_FIGURE = 100 * MEGABYTE
"""The issue's finding: one device stored 104 MB of blobs no record used."""

DeviceFor = Callable[[str], Device]


@pytest.fixture
def device_for(client: TestClient) -> DeviceFor:
    counter = iter(range(1, 1000))

    def make(username: str) -> Device:
        return Device(client, username, f"attack-{next(counter):04d}")

    return make


def content(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def url(sha256: str) -> str:
    return f"/api/v1/blobs/{sha256}"


def patch(client: TestClient, device: Device, sha256: str, offset: int, length: int, body: bytes):  # type: ignore[no-untyped-def]
    return client.patch(
        url(sha256),
        content=body,
        headers={
            **device.headers,
            "Upload-Offset": str(offset),
            "Upload-Length": str(length),
            "Content-Type": CHUNK_TYPE,
        },
    )


def upload(client: TestClient, device: Device, data: bytes) -> Any:
    """The whole blob in chunks the server accepts; the last answer."""
    sha256, offset, chunk = sha(data), 0, 8 * 1024 * 1024
    while True:
        response = patch(client, device, sha256, offset, len(data), data[offset : offset + chunk])
        if response.status_code != 204:
            return response
        offset = int(response.headers["Upload-Offset"])


def attach_to_case(device: Device, unit_id: uuid.UUID, sha256: str, size: int) -> uuid.UUID:
    """A case in ``unit_id`` and an attachment on it naming ``sha256``."""
    case_id, attachment_id = uuid.uuid4(), uuid.uuid4()
    results = device.push(
        [
            mutation("cases", case_id, case_fields(unit_id)),
            mutation("attachments", attachment_id, _attachment("cases", case_id, sha256, size)),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return attachment_id


def attach_to_subject(
    device: Device, unit_id: uuid.UUID, officer_id: uuid.UUID, sha256: str, size: int
) -> None:
    subject_id, attachment_id = uuid.uuid4(), uuid.uuid4()
    results = device.push(
        [
            mutation("subjects", subject_id, subject_fields(unit_id, officer_id)),
            mutation(
                "attachments", attachment_id, _attachment("subjects", subject_id, sha256, size)
            ),
        ]
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results


def _attachment(owner_table: str, owner_id: uuid.UUID, sha256: str, size: int) -> dict[str, Any]:
    return {
        "owner_table": owner_table,
        "owner_id": str(owner_id),
        "kind": "photo",
        "sha256": sha256,
        "size": size,
        "mime": "image/jpeg",
    }


def observe(
    client: TestClient, device: Device, sha256: str, size: int, *, get: bool = True
) -> dict[str, Any]:
    """Everything the blob routes tell ``device`` about ``sha256`` without its
    bytes: GET, HEAD, /missing, and what a PATCH holding no bytes answers.

    ``get=False`` leaves out the download for a caller of the victim's own
    office: whether their role may read the victim's record is the role
    rules' promise (``repositories/scope.py``, their own attack tests); the
    oracles and the forged record are this suite's."""
    answers: dict[str, Any] = {}
    if get:
        got = client.get(url(sha256), headers=device.headers)
        answers["GET"] = (got.status_code, got.content if got.status_code == 200 else got.json())
    head = client.head(url(sha256), headers=device.headers)
    missing = client.post(
        "/api/v1/blobs/missing", json={"sha256": [sha256]}, headers=device.headers
    )
    empty = patch(client, device, sha256, 0, size, b"")
    return {
        **answers,
        "HEAD": (head.status_code, head.headers.get("Upload-Offset")),
        "missing": missing.json(),
        "PATCH without bytes": (empty.status_code, empty.headers.get("Upload-Offset")),
    }


def unknown_answers(client: TestClient, device: Device, sha256: str, size: int) -> dict[str, Any]:
    """What an unknown hash gets: the answer a secret hash must get too."""
    answers = observe(client, device, sha256, size)
    answers["missing"] = {"missing": [sha256]}
    return answers


def test_hash_guessing_reveals_nothing(
    attack: Attack, client: TestClient, device_for: DeviceFor, district: District
) -> None:
    officer_id = district.user("officer.baijia").id
    victims = {
        "Baijia case photo": (device_for("mediator.baijia"), "case"),
        "Baijia check-in photo": (device_for("officer.baijia"), "subject"),
    }
    secrets: dict[str, tuple[str, int]] = {}
    for seed, (name, (victim, owner)) in enumerate(victims.items(), start=1):
        data = content(30_000 + seed, seed)
        assert upload(client, victim, data).status_code == 201
        if owner == "case":
            attach_to_case(victim, district.baijia_committee.id, sha(data), len(data))
        else:
            attach_to_subject(victim, district.baijia.id, officer_id, sha(data), len(data))
        secrets[name] = (sha(data), len(data))
    # An upload half done is a secret too: its offset says someone is sending it.
    half = content(40_000, 99)
    victim = victims["Baijia case photo"][0]
    assert patch(client, victim, sha(half), 0, len(half), half[:20_000]).status_code == 204
    secrets["Baijia upload in progress"] = (sha(half), len(half))

    attackers = {
        "mediator.xiyuan": (district.xiyuan_committee.id, None, ["case", "subject", "progress"]),
        "supervisor.xiyuan": (district.xiyuan.id, None, ["case", "subject", "progress"]),
        "officer.xiyuan": (district.xiyuan.id, "officer.xiyuan", ["case", "subject", "progress"]),
        # Another role of the same office: a mediator has no business with the
        # check-in photos of people under correction (role rules: docs/security.md).
        "mediator.baijia (2nd device)": (district.baijia_committee.id, None, ["subject"]),
    }
    for username, (unit_id, officer, aims) in attackers.items():
        attacker = device_for(username.split(" ")[0])
        for name, (sha256, size) in secrets.items():
            aim = "progress" if "progress" in name else "case" if "case" in name else "subject"
            if aim not in aims:
                continue
            decoy = sha(f"{username} {name} decoy".encode())
            expected = unknown_answers(client, attacker, decoy, size)
            same_office = "2nd device" in username
            _compare(
                attack,
                f"{username} on {name}",
                observe(client, attacker, sha256, size, get=not same_office),
                expected,
                sha256,
                decoy,
            )
            # A forged record in the attacker's own scope naming the hash.
            if officer is not None:
                owner_id = district.user(officer).id
                attach_to_subject(attacker, unit_id, owner_id, sha256, size)
                attach_to_subject(attacker, unit_id, owner_id, decoy, size)
            else:
                attach_to_case(attacker, unit_id, sha256, size)
                attach_to_case(attacker, unit_id, decoy, size)
            expected = unknown_answers(client, attacker, decoy, size)
            _compare(
                attack,
                f"{username} on {name} through a forged attachment",
                observe(client, attacker, sha256, size, get=not same_office),
                expected,
                sha256,
                decoy,
            )


def _compare(
    attack: Attack,
    who: str,
    seen: dict[str, Any],
    unknown: dict[str, Any],
    sha256: str,
    decoy: str,
) -> None:
    for route, answer in seen.items():
        expected = unknown[route]
        if route == "missing":
            expected = {"missing": [sha256]}
        elif isinstance(expected, tuple) and isinstance(expected[1], dict):
            expected = (expected[0], _swap(expected[1], decoy, sha256))
        attack.check(
            answer == expected, f"{who}: {route} answered {answer!r:.120} ≠ {expected!r:.120}"
        )


def _swap(value: Any, old: str, new: str) -> Any:
    return (
        {k: _swap(v, old, new) for k, v in value.items()}
        if isinstance(value, dict)
        else (value.replace(old, new) if isinstance(value, str) else value)
    )


def test_one_device_cannot_fill_the_store_with_unused_blobs(
    attack: Attack, client: TestClient, device_for: DeviceFor, settings: ServerSettings
) -> None:
    """The issue's attack: blobs of the largest size, no record, until refused."""
    user = "mediator.xiyuan"
    stored = 0
    refusals = []
    for phone in (device_for(user), device_for(user)):
        for seed in range(5):
            data = content(MAX_BLOB_BYTES, 1000 + seed + (10 if refusals else 0))
            answer = upload(client, phone, data)
            attack.tried()
            if answer.status_code == 201:
                stored += len(data)
                continue
            refusals.append(answer)
            break
    attack.check(
        stored < ISSUE_FIGURE, f"one user stored {stored / MEGABYTE:.0f} MB no record uses"
    )
    attack.check(len(refusals) == 2, f"{len(refusals)} of 2 devices were ever refused")
    for answer in refusals:
        error = answer.json().get("error", {})
        attack.check(
            answer.status_code == 403 and error.get("code") == "QUOTA_EXCEEDED",
            f"a refusal is {answer.status_code} {error.get('code')}, not 403 QUOTA_EXCEEDED",
        )
        attack.check("quota" in error.get("message", ""), "the refusal does not say why")


def test_referencing_blobs_does_not_lift_every_limit(
    attack: Attack, engine: Engine, district: District, tmp_path: Path, db_url: str
) -> None:
    """Records naming the uploads move them out of the unreferenced quota; the
    daily quota still bounds what one device sends (small limits, same rules)."""
    small = ServerSettings(
        db=db_url,
        blobs=tmp_path / "small",
        blob_unreferenced_quota_device_bytes=300_000,
        blob_unreferenced_quota_user_bytes=400_000,
        blob_daily_quota_device_bytes=1_000_000,
        blob_daily_quota_user_bytes=1_500_000,
    )
    with TestClient(create_app(small, engine)) as client:
        phone = Device(client, "mediator.baijia", "attack-daily")
        stored = 0
        for seed in range(20):
            data = content(200_000, 5000 + seed)
            answer = upload(client, phone, data)
            attack.tried()
            if answer.status_code != 201:
                break
            stored += len(data)
            attach_to_case(phone, district.baijia_committee.id, sha(data), len(data))
        attack.check(stored <= 1_000_000, f"one device stored {stored} bytes in a day (≤ 1 MB)")


def _collect(settings: ServerSettings, engine: Engine, later: timedelta) -> Any:
    from sync_server.services.blobs.collection import collect_blobs

    return collect_blobs(engine, FileBlobStore(settings.blobs), settings, datetime.now(UTC) + later)


def test_abandoned_uploads_expire(
    attack: Attack,
    client: TestClient,
    device_for: DeviceFor,
    settings: ServerSettings,
    engine: Engine,
) -> None:
    phone = device_for("mediator.baijia")
    data = content(500_000, 7)
    assert patch(client, phone, sha(data), 0, len(data), data[:300_000]).status_code == 204
    partial_bytes = _partial_bytes(settings.blobs)
    attack.check(partial_bytes == 300_000, f"{partial_bytes} bytes held for the upload")
    try:
        _collect(settings, engine, timedelta(hours=1))
        attack.check(_partial_bytes(settings.blobs) == 300_000, "a fresh upload was expired")
        _collect(settings, engine, timedelta(days=30))
    except ImportError as missing:
        attack.check(False, f"no collection of abandoned uploads: {missing}")
    left = _partial_bytes(settings.blobs)
    attack.check(left == 0, f"{left} bytes of an upload abandoned 30 days ago are kept")
    head = client.head(url(sha(data)), headers=phone.headers)
    attack.check(head.headers.get("Upload-Offset") == "0", "HEAD still offers to resume it")


def _partial_bytes(root: Path) -> int:
    folder = root / "partial"
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_unreferenced_blobs_are_collected_and_audited(
    attack: Attack,
    client: TestClient,
    device_for: DeviceFor,
    settings: ServerSettings,
    engine: Engine,
    district: District,
) -> None:
    phone = device_for("mediator.baijia")
    unused, used, dropped = (content(100_000, seed) for seed in (11, 12, 13))
    for data in (unused, used, dropped):
        assert upload(client, phone, data).status_code == 201
    attach_to_case(phone, district.baijia_committee.id, sha(used), len(used))
    dropped_id = attach_to_case(phone, district.baijia_committee.id, sha(dropped), len(dropped))
    phone.pull()
    version = phone.records[("attachments", str(dropped_id))]["version"]
    [deleted] = phone.push([mutation("attachments", dropped_id, op="delete", base_version=version)])
    assert deleted["status"] == "applied"
    try:
        _collect(settings, engine, timedelta(hours=1))
        attack.check(_stored(settings.blobs) == 3, "blobs were collected before the grace period")
        _collect(settings, engine, timedelta(days=60))
    except ImportError as missing:
        attack.check(False, f"no collection of unreferenced blobs: {missing}")
    kept = _stored(settings.blobs)
    attack.check(kept == 1, f"{kept} blobs kept after collection; only the used one should be")
    got = client.get(url(sha(used)), headers=phone.headers)
    attack.check(got.status_code == 200 and got.content == used, "the used blob was collected")
    with Session(engine) as session:
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "blobs_collected")
        ).all()
        attack.check(len(entries) >= 1, "collection left no audit entry")
        named = {name for entry in entries for name in entry.detail.get("deleted", [])}  # type: ignore[union-attr]
        attack.check(named == {sha(unused), sha(dropped)}, f"the audit names {sorted(named)}")
        attack.check(verify_audit(session) == [], "the audit chain is broken")


def _stored(root: Path) -> int:
    return sum(
        1
        for path in root.rglob("*")
        if path.is_file() and "partial" not in path.parts and len(path.name) == 64
    )


def test_a_forged_agreement_prints_no_one_elses_signature(
    attack: Attack, client: TestClient, device_for: DeviceFor, district: District
) -> None:
    """Signature images are blobs too: an agreement of one's own naming another
    office's images must neither print them nor verify them as stored."""
    victim = push_signed(client, device_for("mediator.baijia"), district)
    attacker = device_for("supervisor.xiyuan")
    forged = _forge_agreement(attacker, district, victim.fields.signatures)
    decoys = [
        SignatureRef.model_validate({**ref.model_dump(), "sha256": sha(f"decoy{n}".encode())})
        for n, ref in enumerate(victim.fields.signatures)
    ]
    decoy = _forge_agreement(attacker, district, decoys)
    for name, agreement_id in (("forged", forged), ("decoy", decoy)):
        pdf = client.get(f"/api/v1/agreements/{agreement_id}.pdf", headers=attacker.headers)
        attack.check(
            pdf.status_code == 409, f"the {name} agreement's PDF answered {pdf.status_code}"
        )
    reports = [
        client.get(f"/api/v1/agreements/{agreement_id}/verify", headers=attacker.headers).json()
        for agreement_id in (forged, decoy)
    ]
    images = [
        next(c for c in report["checks"] if c["name"] == "signature_images")["ok"]
        for report in reports
    ]
    attack.check(images == [False, False], f"signature images verified as stored: {images}")


def _forge_agreement(device: Device, district: District, refs: list[SignatureRef]) -> uuid.UUID:
    """A sealed agreement in the attacker's own office whose signatures name
    ``refs``' images through attachment records of its own."""
    case_id, agreement_id = uuid.uuid4(), uuid.uuid4()
    draft = draft_fields(case_id)
    mutations = [
        mutation("cases", case_id, case_fields(district.xiyuan_committee.id)),
        *to_mediation(case_id),  # where a written agreement is sealed
        mutation("agreements", agreement_id, draft),
    ]
    signatures = []
    for ref in refs:
        attachment_id = uuid.uuid4()
        fields = _attachment("agreements", agreement_id, ref.sha256, 1000)
        mutations.append(mutation("attachments", attachment_id, {**fields, "kind": "signature"}))
        signatures.append({**ref.model_dump(mode="json"), "attachment_id": str(attachment_id)})
    results = device.push(mutations)
    assert all(r["status"] == "applied" for r in results), results
    sealed = seal_agreement(
        AgreementFields.model_validate({**draft, "signatures": signatures}), SIGNED_AT
    )
    seal = sealed.model_dump(mode="json", include={"signatures", "status", "signed_at"})
    seal["content_hash"] = sealed.content_hash
    [signed] = device.push(
        [
            mutation(
                "agreements", agreement_id, seal, base_version=results[-len(refs) - 1]["version"]
            )
        ]
    )
    assert signed["status"] == "applied", signed
    return agreement_id
