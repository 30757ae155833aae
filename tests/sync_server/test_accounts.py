"""Accounts and sessions through the HTTP API and the command line, on both
databases: token expiry, a user's password change, an admin's reset,
deactivation and reactivation, and a device id bound to its user."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from lastmile_cli import app as cli_app
from shared_models.protocol.auth import PasswordProblem, password_problem
from sync_server.core.audit import verify_audit
from sync_server.core.config import ServerSettings
from sync_server.core.db import read_session, write_session
from sync_server.core.security import token_digest
from sync_server.tables import AuditEntry, DeviceToken, UserRow
from tests.factories import PASSWORD, District

NEW_PASSWORD = "river-stone-lantern-7"


def login(
    client: TestClient, username: str, password: str = PASSWORD, device_id: str | None = None
) -> Response:
    return client.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "device_id": device_id or f"device-of-{username}",
        },
    )


def code(response: Response) -> str:
    value: str = response.json()["error"]["code"]
    return value


def audit(engine: Engine, action: str) -> list[AuditEntry]:
    with read_session(engine) as session:
        assert verify_audit(session) == []
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def change(client: TestClient, headers: dict[str, str], old: str, new: str) -> Response:
    return client.post(
        "/api/v1/auth/password",
        json={"old_password": old, "new_password": new},
        headers=headers,
    )


# --- expiry -----------------------------------------------------------------


def _age(engine: Engine, token: str, created: timedelta, seen: timedelta) -> None:
    now = datetime.now(UTC)
    with write_session(engine) as session:
        session.execute(
            update(DeviceToken)
            .where(DeviceToken.token_hash == token_digest(token))  # type: ignore[arg-type]
            .values(created_at=now - created, last_seen_at=now - seen)
        )


@pytest.mark.parametrize(
    ("created_days", "seen_days", "expired"),
    [
        (29, 29, False),  # idle just under 30 days: still good
        (31, 30, True),  # idle 30 days
        (400, 400, True),  # the token idle 400 days
        (89, 0, False),  # used daily, 89 days old
        (90, 0, True),  # used daily, but past the absolute lifetime
    ],
)
def test_tokens_expire_when_idle_or_too_old(
    client: TestClient,
    engine: Engine,
    device_for: Any,
    settings: ServerSettings,
    created_days: int,
    seen_days: int,
    expired: bool,
) -> None:
    assert (settings.token_idle_days, settings.token_lifetime_days) == (30, 90)
    phone = device_for("mediator.baijia")
    _age(engine, phone.token, timedelta(days=created_days), timedelta(days=seen_days))
    response = client.get("/api/v1/me", headers=phone.headers)
    if expired:
        assert response.status_code == 401
        assert code(response) == "TOKEN_EXPIRED"
        assert response.headers["WWW-Authenticate"] == "Bearer"
        # Signing in again works and gives a fresh token.
        assert login(client, "mediator.baijia", device_id=phone.device_id).status_code == 200
    else:
        assert response.status_code == 200


def test_a_used_token_stays_alive(client: TestClient, engine: Engine, device_for: Any) -> None:
    """Every request moves the idle time on (at a minute's resolution)."""
    phone = device_for("mediator.baijia")
    _age(engine, phone.token, timedelta(days=29), timedelta(days=29))
    assert client.get("/api/v1/me", headers=phone.headers).status_code == 200
    with read_session(engine) as session:
        seen = session.scalars(
            select(DeviceToken.last_seen_at).where(
                DeviceToken.token_hash == token_digest(phone.token)  # type: ignore[arg-type]
            )
        ).one()
    assert (seen if seen.tzinfo else seen.replace(tzinfo=UTC)) > datetime.now(UTC) - timedelta(
        minutes=5
    )


# --- the user's own password change -----------------------------------------


def test_a_password_change_signs_out_every_other_device(
    client: TestClient, engine: Engine, device_for: Any, district: District
) -> None:
    phone = device_for("officer.baijia")
    tablet = device_for("officer.baijia")
    colleague = device_for("officer2.baijia")
    assert change(client, phone.headers, PASSWORD, NEW_PASSWORD).status_code == 204
    assert client.get("/api/v1/me", headers=phone.headers).status_code == 200
    dead = client.get("/api/v1/me", headers=tablet.headers)
    assert dead.status_code == 401
    assert code(dead) == "TOKEN_REVOKED"
    assert client.get("/api/v1/me", headers=colleague.headers).status_code == 200
    assert login(client, "officer.baijia", PASSWORD, tablet.device_id).status_code == 401
    assert login(client, "officer.baijia", NEW_PASSWORD, tablet.device_id).status_code == 200
    [entry] = audit(engine, "password_changed")
    assert entry.actor_id == district.user("officer.baijia").id
    assert entry.device_id == phone.device_id
    assert entry.detail == {"user_id": str(entry.actor_id), "tokens": 1}


def test_a_wrong_old_password_changes_nothing_and_is_throttled(
    client: TestClient, device_for: Any, settings: ServerSettings
) -> None:
    phone = device_for("officer.baijia")
    for _ in range(settings.login_free_failures_per_pair):
        wrong = change(client, phone.headers, "not-the-password", NEW_PASSWORD)
        assert wrong.status_code == 403
        assert code(wrong) == "INVALID_CREDENTIALS"
    throttled = change(client, phone.headers, PASSWORD, NEW_PASSWORD)
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    # Still signed in, with the old password.
    assert client.get("/api/v1/me", headers=phone.headers).status_code == 200


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ("short-1", PasswordProblem.TOO_SHORT),
        ("aaaabbbbaaaabbbb", PasswordProblem.TOO_FEW_CHARACTERS),
        ("my-officer.baijia-pw", PasswordProblem.CONTAINS_USERNAME),
        (PASSWORD, PasswordProblem.SAME_AS_OLD),
    ],
)
def test_a_weak_password_is_refused_naming_the_rule(
    client: TestClient, device_for: Any, new: str, problem: PasswordProblem
) -> None:
    assert password_problem(new, "officer.baijia", PASSWORD) is problem
    phone = device_for("officer.baijia")
    refused = change(client, phone.headers, PASSWORD, new)
    assert refused.status_code == 422
    assert code(refused) == "PASSWORD_TOO_WEAK"
    assert refused.json()["error"]["details"] == {"field": "new_password", "problem": problem}
    assert login(client, "officer.baijia", device_id=phone.device_id).status_code == 200


# --- admin reset, deactivate, reactivate -------------------------------------


def admin_post(
    client: TestClient, admin: Any, user_id: object, action: str, reason: str = "test"
) -> Response:
    return client.post(
        f"/api/v1/admin/users/{user_id}/{action}", json={"reason": reason}, headers=admin.headers
    )


def test_a_reset_gives_a_one_time_password_that_must_be_changed(
    client: TestClient, engine: Engine, device_for: Any, district: District
) -> None:
    admin = device_for("admin")
    phone = device_for("mediator.baijia")
    user_id = district.user("mediator.baijia").id
    reset = admin_post(client, admin, user_id, "reset-password", "forgot it, phoned the office")
    assert reset.status_code == 200, reset.text
    one_time = reset.json()["one_time_password"]
    assert client.get("/api/v1/me", headers=phone.headers).status_code == 401
    assert login(client, "mediator.baijia", PASSWORD, phone.device_id).status_code == 401

    signed_in = login(client, "mediator.baijia", one_time, phone.device_id)
    assert signed_in.status_code == 200
    assert signed_in.json()["must_change_password"] is True
    headers = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    blocked = client.get("/api/v1/sync/pull", headers=headers)
    assert blocked.status_code == 403
    assert code(blocked) == "PASSWORD_CHANGE_REQUIRED"
    refused = change(client, headers, one_time, one_time)
    assert code(refused) == "PASSWORD_TOO_WEAK"
    assert change(client, headers, one_time, NEW_PASSWORD).status_code == 204
    assert client.get("/api/v1/sync/pull", headers=headers).status_code == 200
    again = login(client, "mediator.baijia", NEW_PASSWORD, phone.device_id)
    assert "must_change_password" not in again.json()

    [entry] = audit(engine, "password_reset")
    assert entry.actor_id == district.user("admin").id
    assert entry.detail == {
        "user_id": str(user_id),
        "reason": "forgot it, phoned the office",
        "tokens": 1,
    }
    assert one_time not in str(entry.detail)


def test_deactivation_ends_every_token_and_reactivation_revives_none(
    client: TestClient, engine: Engine, device_for: Any, district: District
) -> None:
    admin = device_for("admin")
    phones = [device_for("officer.baijia") for _ in range(2)]
    user_id = district.user("officer.baijia").id
    assert admin_post(client, admin, user_id, "deactivate", "left the office").status_code == 204
    for phone in phones:
        assert code(client.get("/api/v1/me", headers=phone.headers)) == "TOKEN_REVOKED"
    assert code(login(client, "officer.baijia", device_id=phones[0].device_id)) == (
        "ACCOUNT_DISABLED"
    )
    # Devices learn it at their next pull: a user is a synced record.
    supervisor = device_for("supervisor.baijia")
    supervisor.pull()
    assert supervisor.records[("users", str(user_id))]["active"] is False

    assert admin_post(client, admin, user_id, "reactivate", "came back").status_code == 204
    for phone in phones:
        assert client.get("/api/v1/me", headers=phone.headers).status_code == 401
    assert login(client, "officer.baijia", device_id=phones[0].device_id).status_code == 200
    supervisor.pull()
    assert supervisor.records[("users", str(user_id))]["active"] is True

    [off] = audit(engine, "user_deactivated")
    [on] = audit(engine, "user_reactivated")
    assert off.detail == {"user_id": str(user_id), "reason": "left the office", "tokens": 2}
    assert on.detail == {"user_id": str(user_id), "reason": "came back", "tokens": 0}
    assert off.actor_id == on.actor_id == district.user("admin").id


@pytest.mark.parametrize("username", ["supervisor.fuxing", "supervisor.baijia", "mediator.baijia"])
@pytest.mark.parametrize("action", ["reset-password", "deactivate", "reactivate"])
def test_only_an_admin_acts_on_accounts(
    client: TestClient, device_for: Any, district: District, username: str, action: str
) -> None:
    caller = device_for(username)
    target = device_for("officer.baijia")
    refused = admin_post(client, caller, district.user("officer.baijia").id, action)
    assert refused.status_code == 403
    assert code(refused) == "FORBIDDEN"
    assert client.get("/api/v1/me", headers=target.headers).status_code == 200


def test_an_admin_cannot_lock_themselves_out_and_unknown_users_are_not_found(
    client: TestClient, device_for: Any, district: District
) -> None:
    admin = device_for("admin")
    for action in ("deactivate", "reset-password"):
        refused = admin_post(client, admin, district.user("admin").id, action)
        assert refused.status_code == 403
        assert code(refused) == "FORBIDDEN"
    missing = admin_post(client, admin, "00000000-0000-4000-8000-000000000000", "deactivate")
    assert missing.status_code == 404
    no_reason = client.post(
        f"/api/v1/admin/users/{district.user('officer.baijia').id}/deactivate",
        json={"reason": ""},
        headers=admin.headers,
    )
    assert no_reason.status_code == 422
    assert client.get("/api/v1/me", headers=admin.headers).status_code == 200


# --- a device id belongs to its user ----------------------------------------


def test_a_device_id_of_another_user_is_refused(
    client: TestClient, engine: Engine, device_for: Any
) -> None:
    mine = device_for("mediator.baijia", "phone-of-baijia")
    theirs = login(client, "mediator.xiyuan", device_id="phone-of-baijia")
    assert theirs.status_code == 403
    assert code(theirs) == "DEVICE_OF_ANOTHER_USER"
    # A wrong password learns nothing about whose device it is.
    guess = login(client, "mediator.xiyuan", "not-the-password", device_id="phone-of-baijia")
    assert code(guess) == "INVALID_CREDENTIALS"
    # The owner signs in on it again; revoking it signs out only its owner.
    assert login(client, "mediator.baijia", device_id="phone-of-baijia").status_code == 200
    other = device_for("mediator.xiyuan", "phone-of-xiyuan")
    admin = device_for("admin")
    revoked = client.post("/api/v1/admin/devices/phone-of-baijia/revoke", headers=admin.headers)
    assert revoked.status_code == 204
    assert client.get("/api/v1/me", headers=mine.headers).status_code == 401
    assert client.get("/api/v1/me", headers=other.headers).status_code == 200
    [entry] = audit(engine, "login_refused")
    assert entry.detail == {"why": "device_of_another_user"}


# --- the command line ---------------------------------------------------------


def cli(*args: str) -> Any:
    return CliRunner().invoke(cli_app, list(args), catch_exceptions=False)


def test_the_admin_commands_reset_deactivate_and_reactivate(
    client: TestClient,
    engine: Engine,
    db_url: str,
    device_for: Any,
    settings: ServerSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The commands key their audit entries with the server's audit key.
    monkeypatch.setenv("LASTMILE_BLOBS", str(settings.blobs))
    phone = device_for("officer.baijia")
    reset = cli("admin", "reset-password", "officer.baijia", "--reason", "lost", "--db", db_url)
    assert reset.exit_code == 0, reset.output
    one_time = reset.output.split("one-time password for officer.baijia: ")[1].split()[0]
    assert client.get("/api/v1/me", headers=phone.headers).status_code == 401
    signed_in = login(client, "officer.baijia", one_time, phone.device_id)
    assert signed_in.json()["must_change_password"] is True

    off = cli("admin", "deactivate-user", "officer.baijia", "--reason", "left", "--db", db_url)
    assert off.exit_code == 0, off.output
    assert code(login(client, "officer.baijia", one_time, phone.device_id)) == "ACCOUNT_DISABLED"
    on = cli("admin", "reactivate-user", "officer.baijia", "--reason", "back", "--db", db_url)
    assert on.exit_code == 0, on.output
    assert login(client, "officer.baijia", one_time, phone.device_id).status_code == 200

    unknown = cli("admin", "deactivate-user", "nobody", "--reason", "x", "--db", db_url)
    assert unknown.exit_code == 1
    assert "no user named nobody" in unknown.output
    [entry] = audit(engine, "user_deactivated")
    assert entry.actor_id is None
    assert entry.detail["via"] == "cli"
    assert entry.detail["reason"] == "left"
    assert entry.detail["operator"]
    with read_session(engine) as session:
        row = session.scalars(select(UserRow).where(UserRow.username == "officer.baijia")).one()
        assert row.active
        assert row.must_change_password


def test_create_user_refuses_a_weak_password(db_url: str, district: District) -> None:
    args = ["admin", "create-user", "--db", db_url, "--username", "mediator.weak"]
    args += ["--display-name", "x", "--role", "mediator", "--unit", "百家村调委会"]
    weak = cli(*args, "--password", "mediator.weak-1")
    assert weak.exit_code == 2
    assert "contains username" in weak.output
    assert cli(*args, "--password", "tea-kettle-harbour").exit_code == 0
