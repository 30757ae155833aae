"""``lastmile admin keys``: the district's keys made by an admin command,
kept in a private folder outside the database, rotated with what the old
key signed still verifying; a real district's server refuses to start
without its key, or with a key others may read."""

import stat
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.core.audit_key import forget_loaded_keyrings
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.core.district_key import GENERATED_KEY_FILE, RETIRED_DIR, load_district_key
from sync_server.main import create_app
from sync_server.services.administration.district import DistrictNotReadyError, serving_settings
from sync_server.tables import AuditEntry, DistrictRow
from tests.factories import District
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


def test_what_the_old_key_signed_verifies_after_a_rotation(
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
    key_file = tmp_path / GENERATED_KEY_FILE  # the test district's, beside its blobs
    assert key_file.exists()

    rotated = keys("rotate", "--db", settings.db, "--key-dir", str(tmp_path))
    assert rotated.exit_code == 0, rotated.output
    assert (tmp_path / RETIRED_DIR / f"{old_id}.pem").exists()
    assert mode(tmp_path / RETIRED_DIR / f"{old_id}.pem") == 0o600
    load_district_key.cache_clear()  # a restarted server loads the new key

    with TestClient(create_app(settings, engine)) as restarted:
        new_id = restarted.get("/api/v1/keys/district").json()["key_id"]
        assert new_id != old_id
        report = verify_id(restarted, supervisor, old)
        assert report["ok"] is True, report
        assert old_id in detail(report, "countersignature")
        assert verify_pdf(restarted, supervisor, old_pdf.content)["ok"] is True
        fresh = push_signed(restarted, mediator, district)
        assert stored(engine, fresh).countersignature.startswith(f"{new_id}:")  # type: ignore[union-attr]
        assert verify_id(restarted, supervisor, fresh)["ok"] is True
    with read_session(engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "keys_rotated")).one()
    assert entry.detail["retired_key_id"] == old_id
    assert entry.detail["key_id"] == new_id

    # Without the retired key, what it signed no longer verifies: it must be kept.
    (tmp_path / RETIRED_DIR / f"{old_id}.pem").unlink()
    load_district_key.cache_clear()
    forget_loaded_keyrings()
    with TestClient(create_app(settings, engine)) as forgetful:
        report = verify_id(forgetful, supervisor, old)
    assert report["ok"] is False
    assert "not one of the district's keys" in detail(report, "countersignature")
    load_district_key.cache_clear()
