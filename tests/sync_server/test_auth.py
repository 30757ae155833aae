"""Sign-in, throttling, sign-out, device revocation and who-am-I through the
HTTP API, on both databases."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select, update

from sync_server.core import security
from sync_server.core.audit import verify_audit
from sync_server.core.config import ServerSettings
from sync_server.core.db import make_engine, read_session, write_session
from sync_server.main import create_app
from sync_server.services.accounts.devices import UnknownDeviceError, revoke_device
from sync_server.tables import AuditEntry, CaseRow, DeviceToken, LoginFailure, UserRow
from tests.factories import PASSWORD, District, case_fields, mutation


def login(
    client: TestClient,
    username: str,
    password: str = PASSWORD,
    device_id: str | None = None,
) -> Response:
    """A sign-in; each user on a device of their own (a device id stays with its user)."""
    return client.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "device_id": device_id or f"device-of-{username}",
            "device_name": "test phone",
        },
    )


def error_code(response: Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


class CountingHasher:
    """Stands in for the server's argon2 hasher and notes each hash it verifies."""

    def __init__(self, real: PasswordHasher) -> None:
        self.real = real
        self.verified: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return self.real.verify(password_hash, password)


# --- login ------------------------------------------------------------------


def test_login_returns_a_token_and_the_user(client: TestClient, district: District) -> None:
    response = login(client, "mediator.baijia")
    assert response.status_code == 200, response.text
    body = response.json()
    user = district.user("mediator.baijia")
    assert body["user"] == {
        "id": str(user.id),
        "username": "mediator.baijia",
        "display_name": user.display_name,
        "role": "mediator",
        "org_unit_id": str(district.baijia.id),
    }
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["user"]["id"] == str(user.id)


def test_wrong_password_and_unknown_user_answer_alike(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_cost = extract_parameters(security.hash_password("any password"))
    hasher = CountingHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", hasher)

    wrong_password = login(client, "mediator.baijia", "not-the-password")
    assert len(hasher.verified) == 1
    unknown_user = login(client, "nobody.baijia", "not-the-password")
    assert len(hasher.verified) == 2

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
    assert error_code(unknown_user) == "INVALID_CREDENTIALS"
    # Both answers pay for one argon2 verification, and the stand-in hash for
    # an unknown user costs what a real user's hash costs on this server.
    assert extract_parameters(hasher.verified[1]) == server_cost


def test_an_inactive_user_cannot_sign_in_and_loses_their_sessions(
    client: TestClient, engine: Engine, device_for: Any
) -> None:
    device = device_for("officer.baijia")
    with write_session(engine) as session:
        session.execute(
            update(UserRow).where(UserRow.username == "officer.baijia").values(active=False)  # type: ignore[arg-type]
        )
    # The right password learns the account is off; a wrong one learns nothing.
    refused = login(client, "officer.baijia")
    assert refused.status_code == 403
    assert error_code(refused) == "ACCOUNT_DISABLED"
    assert error_code(login(client, "officer.baijia", "not-the-password")) == "INVALID_CREDENTIALS"
    stale = client.get("/api/v1/me", headers=device.headers)
    assert stale.status_code == 401
    assert error_code(stale) == "TOKEN_REVOKED"


# --- throttling -------------------------------------------------------------


def at(client: TestClient, address: str) -> TestClient:
    """The same server, seen from another client address."""
    return TestClient(client.app, client=(address, 50000))


def _age_failures(engine: Engine, seconds: int) -> None:
    """Move every recorded failure ``seconds`` into the past (instead of waiting)."""
    with write_session(engine) as session:
        for failure in session.scalars(select(LoginFailure)):
            stored = failure.at if failure.at.tzinfo else failure.at.replace(tzinfo=UTC)
            failure.at = stored - timedelta(seconds=seconds)


def test_failures_of_one_pair_bring_growing_delays_not_a_lock(
    client: TestClient, engine: Engine, settings: ServerSettings
) -> None:
    for _ in range(settings.login_free_failures_per_pair):
        assert login(client, "mediator.baijia", "guess").status_code == 401
    waits = []
    for _ in range(3):
        throttled = login(client, "mediator.baijia")
        assert throttled.status_code == 429
        assert error_code(throttled) == "TOO_MANY_ATTEMPTS"
        waits.append(int(throttled.headers["Retry-After"]))
        assert throttled.json()["error"]["details"]["retry_after_s"] == waits[-1]
        _age_failures(engine, waits[-1])
        # The delay is over: one more wrong guess is checked, and counted.
        assert login(client, "mediator.baijia", "guess").status_code == 401
    assert waits == [settings.login_delay_base_s * 2**n for n in range(3)]
    # A colleague at the same address is not held up, nor the user elsewhere.
    assert login(client, "mediator.xiyuan").status_code == 200
    assert login(at(client, "192.0.2.7"), "mediator.baijia").status_code == 200
    # The delay over, the right password signs in and clears the pair's count.
    _age_failures(engine, settings.login_delay_max_s)
    assert login(client, "mediator.baijia").status_code == 200
    assert login(client, "mediator.baijia", "typo").status_code == 401


def test_the_throttle_holds_across_server_processes(
    client: TestClient, settings: ServerSettings, db_url: str
) -> None:
    """The counts are in the database: failures made at one server process
    throttle the next try at another (its own app, engine and memory)."""
    other_engine = make_engine(db_url)
    try:
        with TestClient(create_app(settings, other_engine)) as other:
            for number in range(settings.login_free_failures_per_pair):
                front = client if number % 2 else other
                assert login(front, "mediator.baijia", "guess").status_code == 401
            for front in (client, other):
                assert login(front, "mediator.baijia").status_code == 429
    finally:
        other_engine.dispose()


def test_failures_across_many_usernames_throttle_the_address(
    client: TestClient, settings: ServerSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unknown users are checked against a hash at the server's full argon2
    # cost (about half a second each); the throttle is what is tested here.
    cheap = PasswordHasher(time_cost=1, memory_cost=1024).hash("lastmile-timing-equaliser")
    monkeypatch.setattr(security, "_dummy_hash", lambda: cheap)
    for number in range(settings.login_free_failures_per_address):
        response = login(client, f"stranger.{number}", "guess")
        assert response.status_code == 401, number
    throttled = login(client, "supervisor.baijia")
    assert throttled.status_code == 429
    assert error_code(throttled) == "TOO_MANY_ATTEMPTS"
    assert 0 < int(throttled.headers["Retry-After"]) <= settings.login_delay_max_s
    assert login(at(client, "192.0.2.7"), "supervisor.baijia").status_code == 200


def test_the_account_wide_limit_spares_an_address_the_user_signed_in_from(
    client: TestClient, engine: Engine, settings: ServerSettings
) -> None:
    home = at(client, "198.51.100.20")
    assert login(home, "officer.baijia").status_code == 200
    now = datetime.now(UTC)
    with write_session(engine) as session:
        session.add_all(
            LoginFailure(username="officer.baijia", client=f"203.0.113.{n % 250}", at=now)
            for n in range(settings.login_free_failures_per_account)
        )
    assert login(home, "officer.baijia").status_code == 200
    new_place = login(at(client, "198.51.100.21"), "officer.baijia")
    assert new_place.status_code == 429
    assert error_code(new_place) == "TOO_MANY_ATTEMPTS"


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "counted_as"),
    [
        ([], "198.51.100.1", "203.0.113.5", "198.51.100.1"),
        (["10.0.0.0/8"], "198.51.100.1", "203.0.113.5", "198.51.100.1"),
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.5", "203.0.113.5"),
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9, 203.0.113.5, 10.9.9.9", "203.0.113.5"),
        (["10.0.0.0/8"], "10.1.2.3", "not-an-address", "10.1.2.3"),
        (["10.0.0.0/8"], "10.1.2.3", "", "10.1.2.3"),
    ],
)
def test_forwarded_for_is_believed_only_from_a_configured_proxy(
    settings: ServerSettings,
    engine: Engine,
    district: District,
    proxies: list[str],
    peer: str,
    forwarded: str,
    counted_as: str,
) -> None:
    # Which address the throttle counts, apart from the HTTPS guard that
    # refuses plain HTTP past a proxy (tests/attack/test_operations_routes.py).
    configured = settings.model_copy(update={"trusted_proxies": proxies, "insecure_http": True})
    with TestClient(create_app(configured, engine), client=(peer, 50000)) as client:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        response = client.post(
            "/api/v1/auth/login",
            json={"username": "nobody", "password": "guess", "device_id": "device-xff-0001"},
            headers=headers,
        )
    assert response.status_code == 401
    with read_session(engine) as session:
        assert session.scalars(select(LoginFailure.client)).all() == [counted_as]


def test_a_proxy_setting_that_is_no_address_stops_the_server_at_start() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        ServerSettings(trusted_proxies=["proxy.example"])


# --- tokens -----------------------------------------------------------------


def test_the_token_is_stored_only_as_its_hash(client: TestClient, engine: Engine) -> None:
    token = login(client, "supervisor.xiyuan").json()["token"]
    with read_session(engine) as session:
        rows = [
            [str(value) for value in row]
            for row in session.execute(select(*DeviceToken.__table__.columns))  # type: ignore[attr-defined]
        ]
        audit = [str(entry.detail) for entry in session.scalars(select(AuditEntry))]
    assert rows
    assert not any(token in value for row in rows for value in row)
    assert not any(token in detail for detail in audit)
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert any(digest in row for row in rows)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/sync/pull"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/admin/devices"),
        ("POST", "/api/v1/admin/devices/device-0001/revoke"),
    ],
)
def test_a_request_without_a_bearer_token_is_refused(
    client: TestClient, method: str, path: str
) -> None:
    for authorization in (None, "Basic bWU6cHc=", "Bearer ", "Bearer"):
        headers = {} if authorization is None else {"Authorization": authorization}
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, authorization
        assert set(response.json()) == {"error"}
        assert error_code(response) == "TOKEN_MISSING"
        assert response.json()["error"]["message"]
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer made-up-token"})
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_REVOKED"


def _last_seen(engine: Engine, digest_of: str) -> datetime:
    digest = hashlib.sha256(digest_of.encode()).hexdigest()
    with read_session(engine) as session:
        seen = session.scalars(
            select(DeviceToken.last_seen_at).where(DeviceToken.token_hash == digest)  # type: ignore[arg-type]
        ).one()
    return seen if seen.tzinfo else seen.replace(tzinfo=UTC)


@pytest.mark.parametrize("mutations", ["none", "some"])
def test_a_push_notes_when_the_device_was_last_seen(
    client: TestClient, engine: Engine, device_for: Any, district: District, mutations: str
) -> None:
    """A push authenticates inside its own transaction (a non-empty one) or
    in a read (an empty one); either way a token unused for a while is
    marked as seen, as on every other route."""
    phone = device_for("mediator.baijia")
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    with write_session(engine) as session:
        session.execute(update(DeviceToken).values(last_seen_at=long_ago))
    sent = (
        []
        if mutations == "none"
        else [mutation("cases", uuid.uuid4(), case_fields(district.baijia_committee.id))]
    )
    results = phone.push(sent)
    assert [r["status"] for r in results] == ["applied"] * len(sent)
    assert _last_seen(engine, phone.token) > long_ago


def test_a_revoked_token_pushes_nothing(
    client: TestClient, engine: Engine, device_for: Any, district: District
) -> None:
    phone = device_for("mediator.baijia")
    assert client.post("/api/v1/auth/logout", headers=phone.headers).status_code == 204
    case_id = uuid.uuid4()
    response = phone.push_raw(
        [mutation("cases", case_id, case_fields(district.baijia_committee.id))]
    )
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_REVOKED"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    with read_session(engine) as session:
        assert session.get(CaseRow, case_id) is None
        pushes = session.scalars(select(AuditEntry).where(AuditEntry.action == "push")).all()
    assert not pushes


@pytest.mark.parametrize("authorization", [None, "Bearer "])
def test_a_push_without_a_token_is_refused_before_its_body_is_read(
    client: TestClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.post("/api/v1/sync/push", json={"not": "a push"}, headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_MISSING"


def test_logout_revokes_only_the_calling_token(client: TestClient, device_for: Any) -> None:
    phone = device_for("mediator.baijia")
    tablet = device_for("mediator.baijia")
    response = client.post("/api/v1/auth/logout", headers=phone.headers)
    assert response.status_code == 204
    after = client.get("/api/v1/me", headers=phone.headers)
    assert after.status_code == 401
    assert error_code(after) == "TOKEN_REVOKED"
    assert client.get("/api/v1/me", headers=tablet.headers).status_code == 200


# --- device administration --------------------------------------------------


def test_admin_revokes_one_device_of_a_user(
    client: TestClient, engine: Engine, device_for: Any, district: District
) -> None:
    lost = device_for("officer.baijia", "phone-lost-0001")
    kept = device_for("officer.baijia", "tablet-kept-0001")
    admin = device_for("admin")
    lost.pull()

    response = client.post(f"/api/v1/admin/devices/{lost.device_id}/revoke", headers=admin.headers)
    assert response.status_code == 204, response.text

    refused = client.get("/api/v1/sync/pull", headers=lost.headers)
    assert refused.status_code == 401
    assert error_code(refused) == "TOKEN_REVOKED"
    kept.pull()

    listed = client.get("/api/v1/admin/devices", headers=admin.headers)
    assert listed.status_code == 200
    by_device = {entry["device_id"]: entry for entry in listed.json()}
    assert by_device[lost.device_id]["revoked_at"] is not None
    assert by_device[kept.device_id]["revoked_at"] is None
    assert by_device[lost.device_id]["user_id"] == str(district.user("officer.baijia").id)

    with read_session(engine) as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "revoke_device")  # type: ignore[arg-type]
        ).all()
        assert entry.actor_id == district.user("admin").id
        assert entry.detail == {"device_id": lost.device_id, "tokens": 1}
        assert verify_audit(session) == []


def test_revoking_an_unknown_device_is_not_found(client: TestClient, device_for: Any) -> None:
    admin = device_for("admin")
    response = client.post("/api/v1/admin/devices/no-such-device/revoke", headers=admin.headers)
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"


@pytest.mark.parametrize("username", ["supervisor.fuxing", "mediator.baijia", "officer.baijia"])
def test_only_an_admin_revokes_devices(client: TestClient, device_for: Any, username: str) -> None:
    target = device_for("mediator.baijia")
    caller = device_for(username)
    response = client.post(
        f"/api/v1/admin/devices/{target.device_id}/revoke", headers=caller.headers
    )
    assert response.status_code == 403
    assert error_code(response) == "FORBIDDEN"
    assert client.get("/api/v1/me", headers=target.headers).status_code == 200


def test_device_list_follows_the_jurisdiction(client: TestClient, device_for: Any) -> None:
    for username in ("mediator.baijia", "officer.baijia", "mediator.xiyuan"):
        device_for(username)
    supervisor = device_for("supervisor.baijia")
    admin = device_for("admin")

    def usernames(device: Any) -> set[str]:
        response = client.get("/api/v1/admin/devices", headers=device.headers)
        assert response.status_code == 200, response.text
        return {entry["username"] for entry in response.json()}

    assert usernames(supervisor) == {"mediator.baijia", "officer.baijia", "supervisor.baijia"}
    assert usernames(admin) == {
        "mediator.baijia",
        "officer.baijia",
        "mediator.xiyuan",
        "supervisor.baijia",
        "admin",
    }
    for username in ("mediator.baijia", "officer.baijia"):
        refused = client.get("/api/v1/admin/devices", headers=device_for(username).headers)
        assert refused.status_code == 403
        assert error_code(refused) == "FORBIDDEN"


def test_a_device_signed_in_twice_is_listed_once(client: TestClient, device_for: Any) -> None:
    first = device_for("mediator.baijia", "phone-0001")
    device_for("mediator.baijia", "phone-0001")
    client.post("/api/v1/auth/logout", headers=first.headers)
    admin = device_for("admin")
    entries = [
        entry
        for entry in client.get("/api/v1/admin/devices", headers=admin.headers).json()
        if entry["device_id"] == "phone-0001"
    ]
    assert len(entries) == 1
    assert entries[0]["device_name"] == "test phone"
    assert entries[0]["revoked_at"] is None  # the second sign-in is still live


def test_revoke_device_service_counts_live_tokens(
    client: TestClient, engine: Engine, device_for: Any
) -> None:
    """The command line calls the service directly, without an actor."""
    device_for("mediator.baijia", "shared-phone-01")
    device_for("mediator.baijia", "shared-phone-01")
    now = datetime.now(UTC)
    with write_session(engine) as session:
        assert revoke_device(session, "shared-phone-01", now) == 2
    with write_session(engine) as session:
        assert revoke_device(session, "shared-phone-01", now) == 0
    with write_session(engine) as session, pytest.raises(UnknownDeviceError):
        revoke_device(session, "never-seen-0001", now)
    with read_session(engine) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "revoke_device")  # type: ignore[arg-type]
        ).all()
        assert [(e.actor_id, e.detail["tokens"]) for e in entries] == [(None, 2), (None, 0)]
        assert verify_audit(session) == []


# --- who am I ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "unit", "jurisdiction"),
    [
        ("mediator.baijia", "baijia", {"baijia", "baijia_committee"}),
        ("officer.xiyuan", "xiyuan", {"xiyuan", "xiyuan_committee"}),
        (
            "supervisor.fuxing",
            "district",
            {"district", "baijia", "xiyuan", "baijia_committee", "xiyuan_committee"},
        ),
    ],
)
def test_me_names_the_jurisdiction(
    client: TestClient,
    device_for: Any,
    district: District,
    username: str,
    unit: str,
    jurisdiction: set[str],
) -> None:
    response = client.get("/api/v1/me", headers=device_for(username).headers)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == username
    assert body["org_unit"]["id"] == str(getattr(district, unit).id)
    assert sorted(body["jurisdiction"]) == sorted(
        str(getattr(district, name).id) for name in jurisdiction
    )
