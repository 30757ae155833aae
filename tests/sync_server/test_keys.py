"""``lastmile admin keys``: the district's keys made by an admin command,
kept in a private folder outside the database, rotated with what the old
key signed still verifying; a real district's server refuses to start
without its key, or with a key others may read."""

import io
import logging
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.core.audit import check_audit
from sync_server.core.audit_key import audit_keyring, forget_loaded_keyrings, load_keyring
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.core.district_key import (
    GENERATED_KEY_FILE,
    RETIRED_DIR,
    SigningKeyError,
    forget_loaded_keys,
    load_district_key,
    write_new_key_file,
)
from sync_server.services.administration.district import DistrictNotReadyError, serving_settings
from sync_server.tables import AuditEntry, DistrictRow
from tests.factories import District
from tests.published_keys import verifying_key_id
from tests.sync_server.agreement_data import (
    detail,
    mediator_fixture,  # noqa: F401  (the fixture)
    push_signed,
    stored,
    supervisor_fixture,  # noqa: F401  (the fixture)
    verify_id,
    verify_pdf,
)


def keys(*args: str) -> Any:
    return CliRunner().invoke(app, ["admin", "keys", *args])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_writes_private_files_once(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "keys"
    made = keys("create", "--db", db_url, "--key-dir", str(folder))
    assert made.exit_code == 0, made.output
    assert "BACK UP" in made.output
    assert mode(folder) == 0o700
    assert mode(folder / GENERATED_KEY_FILE) == 0o600
    assert mode(folder / "audit-mac-keys.json") == 0o600
    again = keys("create", "--db", db_url, "--key-dir", str(folder))
    assert again.exit_code == 1
    assert "already" in again.output
    listed = keys("list", "--db", db_url, "--key-dir", str(folder))
    assert listed.exit_code == 0, listed.output
    assert "signing (current)" in listed.output
    (folder / GENERATED_KEY_FILE).chmod(0o644)
    loose = keys("list", "--db", db_url, "--key-dir", str(folder))
    assert loose.exit_code == 1
    assert "readable by others" in loose.output


def test_a_real_districts_server_refuses_a_missing_or_loose_key(
    engine: Engine, district: District, settings: ServerSettings, tmp_path: Path
) -> None:
    with write_session(engine) as session:
        row = session.get(DistrictRow, 1)
        assert row is not None
        row.demo = False
    folder = tmp_path / "keys"
    configured = settings.model_copy(update={"key_dir": folder})
    with read_session(engine) as session, pytest.raises(DistrictNotReadyError, match="keys create"):
        serving_settings(session, configured)
    assert not folder.exists(), "a real district's key is never generated"
    assert keys("create", "--db", settings.db, "--key-dir", str(folder)).exit_code == 0
    with read_session(engine) as session:
        serving = serving_settings(session, configured)
    assert serving.signing_key == (folder / GENERATED_KEY_FILE).resolve()
    assert serving.audit_key == (folder / "audit-mac-keys.json").resolve()
    (folder / "audit-mac-keys.json").rename(folder / "elsewhere.json")
    with read_session(engine) as session, pytest.raises(DistrictNotReadyError, match="audit key"):
        serving_settings(session, configured)
    (folder / "elsewhere.json").rename(folder / "audit-mac-keys.json")
    (folder / GENERATED_KEY_FILE).chmod(0o640)
    with read_session(engine) as session, pytest.raises(DistrictNotReadyError, match="chmod 600"):
        serving_settings(session, configured)


def _embedded_certificate(pdf: bytes) -> bytes:
    """The DER certificate a signed PDF carries (what a PDF reader checks)."""
    [signature] = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    der: bytes = signature.signer_cert.dump()
    return der


def _der(pem: str) -> bytes:
    return x509.load_pem_x509_certificate(pem.encode("ascii")).public_bytes(
        serialization.Encoding.DER
    )


def test_a_running_server_rotates_and_what_the_old_key_signed_still_verifies(
    client: TestClient,
    engine: Engine,
    settings: ServerSettings,
    district: District,
    mediator: Any,
    supervisor: Any,
    tmp_path: Path,
) -> None:
    old = push_signed(client, mediator, district)
    old_id = stored(engine, old).countersignature.partition(":")[0]  # type: ignore[union-attr]
    old_pdf = client.get(f"/api/v1/agreements/{old.agreement_id}.pdf", headers=supervisor.headers)
    assert old_pdf.status_code == 200
    before = client.get("/api/v1/keys/district").json()
    assert (before["key_id"], before["retired"]) == (old_id, [])
    key_file = tmp_path / GENERATED_KEY_FILE  # the test district's, beside its blobs
    assert key_file.exists()

    rotated = keys("rotate", "--db", settings.db, "--key-dir", str(tmp_path))
    assert rotated.exit_code == 0, rotated.output
    assert (tmp_path / RETIRED_DIR / f"{old_id}.pem").exists()
    assert mode(tmp_path / RETIRED_DIR / f"{old_id}.pem") == 0o600

    # The same server, not restarted: it signs with the new key from now on.
    published = client.get("/api/v1/keys/district").json()
    new_id = published["key_id"]
    assert new_id != old_id
    assert [retired["key_id"] for retired in published["retired"]] == [old_id]
    assert published["retired"][0]["certificate_pem"] == before["certificate_pem"]
    report = verify_id(client, supervisor, old)
    assert report["ok"] is True, report
    assert report["key_id"] == old_id
    assert old_id in detail(report, "countersignature")
    old_pdf_report = verify_pdf(client, supervisor, old_pdf.content)
    assert old_pdf_report["ok"] is True, old_pdf_report
    assert old_id in detail(old_pdf_report, "pdf_unaltered")
    fresh = push_signed(client, mediator, district)
    fresh_signature = stored(engine, fresh).countersignature
    assert fresh_signature is not None
    assert fresh_signature.startswith(f"{new_id}:")
    fresh_report = verify_id(client, supervisor, fresh)
    assert fresh_report["ok"] is True, fresh_report
    assert fresh_report["key_id"] == new_id
    fresh_pdf = client.get(
        f"/api/v1/agreements/{fresh.agreement_id}.pdf", headers=supervisor.headers
    )
    assert verify_pdf(client, supervisor, fresh_pdf.content)["ok"] is True
    # The old agreement printed again after the rotation: signed with the new key.
    reprinted = client.get(f"/api/v1/agreements/{old.agreement_id}.pdf", headers=supervisor.headers)
    assert verify_pdf(client, supervisor, reprinted.content)["ok"] is True

    # An outsider checks both with nothing but the published keys.
    old_signature = stored(engine, old).countersignature
    assert old_signature is not None
    assert verifying_key_id(published, old.agreement_id, old.fields, old_signature) == old_id
    assert verifying_key_id(published, fresh.agreement_id, fresh.fields, fresh_signature) == new_id
    assert _embedded_certificate(old_pdf.content) == _der(
        published["retired"][0]["certificate_pem"]
    )
    assert _embedded_certificate(fresh_pdf.content) == _der(published["certificate_pem"])

    with read_session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "keys_rotated")).one()
    assert entry.detail["retired_key_id"] == old_id
    assert entry.detail["key_id"] == new_id
    with read_session(engine) as session:
        audit = check_audit(session, audit_keyring(settings))
    assert audit.problems == [], audit.problems
    assert len(audit.keyed_by) == 2, "entries keyed before and after the rotation"

    # Without the retired key, what it signed no longer verifies: it must be kept.
    (tmp_path / RETIRED_DIR / f"{old_id}.pem").unlink()
    report = verify_id(client, supervisor, old)
    assert report["ok"] is False
    assert "not one of the district's keys" in detail(report, "countersignature")


def test_a_key_file_that_breaks_under_a_running_server_leaves_it_signing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / GENERATED_KEY_FILE
    write_new_key_file(path)
    first = load_district_key(path)
    path.unlink()
    path.write_bytes(b"half a copy")
    with caplog.at_level(logging.ERROR, logger="sync_server.core.district_key"):
        assert load_district_key(path).key_id == first.key_id
    assert "cannot read the district key now" in caplog.text
    forget_loaded_keys()
    with pytest.raises(SigningKeyError, match="Ed25519"):
        load_district_key(path)  # a server starting on it refuses


def test_a_running_server_keys_audit_entries_with_a_key_another_process_added(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit-mac-keys.json"
    running = load_keyring(path, generate=True)
    old_id, old_mac = running.sign(b"entry")
    forget_loaded_keyrings()  # the rotation runs in another process
    new_id = load_keyring(path).rotate()
    forget_loaded_keyrings()
    assert new_id != old_id
    assert running.sign(b"entry")[0] == new_id
    assert running.check(old_id, b"entry", old_mac) is True
