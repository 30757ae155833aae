"""The administration commands, on both databases."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text, update
from typer.testing import CliRunner

from lastmile_cli import app
from sync_server.core.audit_key import audit_key_path, forget_loaded_keyrings
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.tables import AuditEntry, CaseRow, OrgUnitRow, SyncState, UserRow
from tests.factories import District, case_fields, mutation

runner = CliRunner()


@pytest.fixture(autouse=True)
def same_keys_as_the_server(monkeypatch: pytest.MonkeyPatch, settings: ServerSettings) -> None:
    """The commands find the audit key where the test's server keeps it."""
    monkeypatch.setenv("LASTMILE_BLOBS", str(settings.blobs))


def run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_seed_demo_loads_the_district_once(db_url: str, engine: Engine) -> None:
    result = run("admin", "seed-demo", "--db", db_url, "--password", "pw-for-demo", "--size", "300")
    assert result.exit_code == 0, result.output
    assert "mediator.baijia" in result.output
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OrgUnitRow)) == 117
        assert session.scalar(select(func.count()).select_from(CaseRow)) > 0
    again = run("admin", "seed-demo", "--db", db_url, "--password", "pw-for-demo")
    assert again.exit_code == 1
    assert "already has org units" in again.output


def test_create_user_then_duplicate_is_refused(
    db_url: str, engine: Engine, district: District
) -> None:
    args = [
        "admin",
        "create-user",
        "--db",
        db_url,
        "--username",
        "mediator.new",
        "--display-name",
        "新调解员",
        "--role",
        "mediator",
        "--unit",
        "百家村调委会",
        "--password",
        "a-long-password",
    ]
    assert run(*args).exit_code == 0
    with read_session(engine) as session:
        user = session.scalars(select(UserRow).where(UserRow.username == "mediator.new")).one()
        assert user.org_unit_id == district.baijia_committee.id
        assert user.password_hash.startswith("$argon2id$")
    assert run(*args).exit_code == 1
    unknown_unit = [*args[:-4], "--unit", "nowhere", "--password", "a-long-password"]
    unknown_unit[5] = "mediator.other"
    result = run(*unknown_unit)
    assert result.exit_code == 1
    assert "no org unit" in result.output


def test_verify_audit_detects_an_edited_entry(
    db_url: str, engine: Engine, device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia")
    device.push([mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))])
    assert run("admin", "verify-audit", "--db", db_url).exit_code == 0
    with write_session(engine) as session:
        first = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).first()  # type: ignore[arg-type]
        assert first is not None
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == first.seq).values(action="tampered")  # type: ignore[arg-type]
        )
    result = run("admin", "verify-audit", "--db", db_url)
    assert result.exit_code == 1
    assert "changed after it was written" in result.output


def test_verify_audit_says_what_it_checked_and_survives_a_key_rotation(
    db_url: str, device_for: Any, district: District, settings: ServerSettings
) -> None:
    device_for("mediator.baijia")
    first = run("admin", "verify-audit", "--db", db_url)
    assert first.exit_code == 0, first.output
    assert "entries keyed (HMAC-SHA-256), MAC verified, by key" in first.output
    assert "head: entry" in first.output
    rotated = run("admin", "rotate-audit-key", "--db", db_url)
    assert rotated.exit_code == 0, rotated.output
    new_id = rotated.output.split()[3]
    assert new_id in audit_key_path(settings).read_text()
    # The test's server keeps the key it loaded (a real one is restarted).
    again = run("admin", "verify-audit", "--db", db_url)
    assert again.exit_code == 0, again.output
    assert "audit log intact" in again.output


def test_verify_audit_without_the_key_file_is_broken(
    db_url: str, device_for: Any, district: District, settings: ServerSettings
) -> None:
    device_for("mediator.baijia")
    audit_key_path(settings).rename(audit_key_path(settings).with_suffix(".moved"))
    forget_loaded_keyrings()
    result = run("admin", "verify-audit", "--db", db_url)
    assert result.exit_code == 1
    assert "no audit key file at" in result.output


def test_verify_audit_detects_a_truncated_log(
    db_url: str, engine: Engine, device_for: Any, district: District
) -> None:
    device_for("mediator.baijia")
    with write_session(engine) as session:
        last = session.scalar(select(func.max(AuditEntry.seq)))
        session.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": last})
    result = run("admin", "verify-audit", "--db", db_url)
    assert result.exit_code == 1
    assert "the log ends at entry" in result.output


def test_revoke_device_takes_effect_on_the_next_request(
    db_url: str, device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia", "phone-of-mediator")
    assert run("admin", "revoke-device", "phone-of-mediator", "--db", db_url).exit_code == 0
    response = device.client.get("/api/v1/me", headers=device.headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_REVOKED"
    assert run("admin", "revoke-device", "no-such-phone", "--db", db_url).exit_code == 1


def test_purged_tombstones_make_old_cursors_resync(
    db_url: str, engine: Engine, device_for: Any, district: District
) -> None:
    device = device_for("mediator.baijia")
    case_id = uuid.uuid4()
    [created] = device.push([mutation("cases", case_id, case_fields(district.baijia_committee.id))])
    device.pull()
    old_cursor = device.cursor
    device.push([mutation("cases", case_id, op="delete", base_version=created["version"])])
    with write_session(engine) as session:
        session.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id)  # type: ignore[arg-type]
            .values(updated_at=datetime.now(UTC) - timedelta(days=400))
        )
    result = run("admin", "purge-tombstones", "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "purged 1 tombstones" in result.output
    with read_session(engine) as session:
        assert session.get(CaseRow, case_id) is None
        assert (session.get(SyncState, 1) or SyncState(epoch=uuid.uuid4())).purged_through > 0
    response = device.client.get(
        "/api/v1/sync/pull", params={"cursor": old_cursor}, headers=device.headers
    )
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "RESYNC_REQUIRED"


def test_migrate_is_idempotent(db_url: str) -> None:
    assert run("admin", "migrate", "--db", db_url).exit_code == 0
    assert run("admin", "migrate", "--db", db_url).exit_code == 0
