"""Tokens and sign-in, attacked: a token that should be dead (signed out,
revoked, idle too long, too old, its user deactivated, its password changed
or reset) is tried on every authenticated route of the OpenAPI; a token that
must change its password is tried everywhere else; an attacker hammers an
account to lock its real user out, and rotates ``X-Forwarded-For`` to slip
past the throttle of a real server process. On SQLite and PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from shared_models.protocol.version import PROTOCOL_VERSION
from sync_server.core.config import ServerSettings
from sync_server.core.db import write_session
from sync_server.core.security import token_digest
from sync_server.main import create_app
from sync_server.tables import DeviceToken
from tests.attack.tally import Attack
from tests.factories import PASSWORD, District

REPO = Path(__file__).resolve().parents[2]
LASTMILE = Path(sys.executable).parent / "lastmile"
NEW_PASSWORD = "a-much-longer-passphrase-2026"
DEAD_TOKEN_CODES = frozenset({"TOKEN_REVOKED", "TOKEN_EXPIRED"})
PUBLIC = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("POST", "/api/v1/auth/login"),
        ("GET", "/api/v1/keys/district"),
    }
)
"""The routes anyone may call; every other route of the OpenAPI needs a live
device token, except ``OWN_TOKEN``'s."""
OWN_TOKEN = frozenset({("GET", "/metrics")})
"""Routes with a token of their own that no device holds (the metrics token:
tests/attack/test_operations_routes.py)."""
CHANGE_ROUTE = ("POST", "/api/v1/auth/password")


def sign_in(
    client: TestClient, username: str, password: str = PASSWORD, device_id: str | None = None
) -> httpx.Response:
    return client.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "device_id": device_id or f"attack-{uuid.uuid4().hex[:16]}",
            "device_name": "attack phone",
        },
    )


def token_of(client: TestClient, username: str, device_id: str | None = None) -> str:
    response = sign_in(client, username, device_id=device_id)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def authenticated_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path template) of the OpenAPI that is not public."""
    return list(_operations())


@cache
def _operations() -> tuple[tuple[str, str], ...]:
    schema = create_app(ServerSettings(db="sqlite://")).openapi()
    operations = [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete", "head"}
    ]
    assert set(operations) >= PUBLIC, "a public route is gone: update PUBLIC"
    # Signing out last: a sign-out that worked would end the token for the rest.
    return tuple(
        sorted(
            (operation for operation in operations if operation not in PUBLIC | OWN_TOKEN),
            key=lambda operation: operation == ("POST", "/api/v1/auth/logout"),
        )
    )


def _concrete(path: str) -> str:
    """A path template with plausible values: authentication comes before
    any parameter is looked at, so the values need only route."""
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and "}" in part:
            name, _, rest = part[1:].partition("}")
            value = {"sha256": "0" * 64, "table": "cases", "device_id": "device-0001"}.get(
                name, str(uuid.uuid4())
            )
            part = value + rest
        parts.append(part)
    return "/".join(parts)


def call(client: TestClient, method: str, path: str, token: str) -> httpx.Response:
    body: dict[str, Any] = {}
    if path == "/api/v1/sync/push":
        # A push's body is read before its token (in the push's own
        # transaction): send one the server would apply.
        body["json"] = {
            "device_id": "attack-device",
            "protocol": PROTOCOL_VERSION,
            "app_version": "attack",
            "mutations": [],
        }
    elif method in {"POST", "PATCH", "PUT"}:
        body["json"] = {}
    return client.request(method, _concrete(path), headers=bearer(token), **body)


def _code(response: httpx.Response) -> str | None:
    try:
        code: str = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code


def sweep_dead(attack: Attack, client: TestClient, token: str, what: str) -> None:
    """Every authenticated route must answer 401 with a dead-token code."""
    for method, path in authenticated_operations(client):
        response = call(client, method, path, token)
        ok = response.status_code == 401 and (
            method == "HEAD" or _code(response) in DEAD_TOKEN_CODES
        )
        attack.check(ok, f"{what}: {method} {path} answered {response.status_code}")


def _set_token_times(engine: Engine, token: str, **values: datetime) -> None:
    with write_session(engine) as session:
        session.execute(
            update(DeviceToken)
            .where(DeviceToken.token_hash == token_digest(token))  # type: ignore[arg-type]
            .values(**values)
        )


def _admin_action(
    attack: Attack, client: TestClient, admin: str, user_id: uuid.UUID, action: str
) -> httpx.Response:
    response = client.post(
        f"/api/v1/admin/users/{user_id}/{action}",
        json={"reason": f"attack suite: {action}"},
        headers=bearer(admin),
    )
    attack.check(response.status_code in (200, 204), f"{action} answered {response.status_code}")
    return response


def kill_token(
    scenario: str,
    attack: Attack,
    client: TestClient,
    engine: Engine,
    district: District,
    settings: ServerSettings,
    token: str,
) -> None:
    """Whatever ``scenario`` names happens to ``token`` (of mediator.baijia)."""
    now = datetime.now(UTC)
    user_id = district.user("mediator.baijia").id
    if scenario == "logout":
        response = client.post("/api/v1/auth/logout", headers=bearer(token))
        attack.check(response.status_code == 204, f"logout answered {response.status_code}")
    elif scenario == "revoke":
        admin = token_of(client, "admin")
        device = client.get("/api/v1/me", headers=bearer(token))
        assert device.status_code == 200
        devices = client.get("/api/v1/admin/devices", headers=bearer(admin)).json()
        [mine] = [d["device_id"] for d in devices if d["user_id"] == str(user_id)]
        response = client.post(f"/api/v1/admin/devices/{mine}/revoke", headers=bearer(admin))
        attack.check(response.status_code == 204, f"revoke answered {response.status_code}")
    elif scenario == "idle":
        idle = timedelta(days=settings.token_idle_days, hours=1)
        _set_token_times(engine, token, created_at=now - idle, last_seen_at=now - idle)
    elif scenario == "absolute":
        # Used every day, but signed in longer ago than a token may live.
        age = timedelta(days=settings.token_lifetime_days, hours=1)
        _set_token_times(engine, token, created_at=now - age, last_seen_at=now)
    elif scenario in ("deactivate", "reactivate"):
        admin = token_of(client, "admin")
        _admin_action(attack, client, admin, user_id, "deactivate")
        refused = sign_in(client, "mediator.baijia")
        attack.check(
            refused.status_code in (401, 403),
            f"a deactivated user signed in: {refused.status_code}",
        )
        if scenario == "reactivate":
            _admin_action(attack, client, admin, user_id, "reactivate")
            attack.check(
                sign_in(client, "mediator.baijia").status_code == 200,
                "a reactivated user cannot sign in",
            )
    elif scenario == "password_change":
        # The user changes the password on another device: this one is forced out,
        # the one that changed it goes on.
        other = token_of(client, "mediator.baijia")
        response = client.post(
            "/api/v1/auth/password",
            json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=bearer(other),
        )
        attack.check(response.status_code == 204, f"password change: {response.status_code}")
        attack.check(
            client.get("/api/v1/me", headers=bearer(other)).status_code == 200,
            "the device that changed the password was signed out",
        )
    elif scenario == "reset":
        admin = token_of(client, "admin")
        _admin_action(attack, client, admin, user_id, "reset-password")
        old = sign_in(client, "mediator.baijia")
        attack.check(old.status_code == 401, f"the old password still works: {old.status_code}")
    else:
        raise AssertionError(scenario)


@pytest.mark.parametrize(
    "scenario",
    [
        "logout",
        "revoke",
        "idle",
        "absolute",
        "deactivate",
        "reactivate",
        "password_change",
        "reset",
    ],
)
def test_a_dead_token_opens_no_route(
    attack: Attack,
    client: TestClient,
    engine: Engine,
    district: District,
    settings: ServerSettings,
    scenario: str,
) -> None:
    token = token_of(client, "mediator.baijia")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    kill_token(scenario, attack, client, engine, district, settings, token)
    sweep_dead(attack, client, token, scenario)


def test_a_fresh_token_is_refused_nowhere(attack: Attack, client: TestClient) -> None:
    """The control: the sweep's requests do reach past authentication with a
    live token (so a 401 above is the token's doing, not the request's)."""
    token = token_of(client, "admin")
    for method, path in authenticated_operations(client):
        if (method, path) in {("POST", "/api/v1/auth/logout"), CHANGE_ROUTE}:
            continue
        response = call(client, method, path, token)
        attack.check(response.status_code != 401, f"live token: {method} {path} answered 401")


def test_a_must_change_token_reaches_only_the_change_route(
    attack: Attack, client: TestClient, district: District
) -> None:
    admin = token_of(client, "admin")
    user_id = district.user("officer.baijia").id
    reset = _admin_action(attack, client, admin, user_id, "reset-password")
    one_time = reset.json().get("one_time_password", "") if reset.status_code == 200 else ""
    signed_in = sign_in(client, "officer.baijia", one_time or PASSWORD)
    attack.check(signed_in.status_code == 200, f"one-time sign-in: {signed_in.status_code}")
    body = signed_in.json() if signed_in.status_code == 200 else {}
    attack.check(
        body.get("must_change_password") is True, "the sign-in does not say: change the password"
    )
    token = body.get("token", "none")
    for method, path in authenticated_operations(client):
        if (method, path) == CHANGE_ROUTE:
            continue
        response = call(client, method, path, token)
        ok = response.status_code == 403 and (
            method == "HEAD" or _code(response) == "PASSWORD_CHANGE_REQUIRED"
        )
        attack.check(ok, f"must-change token: {method} {path} answered {response.status_code}")
    changed = client.post(
        "/api/v1/auth/password",
        json={"old_password": one_time, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    attack.check(changed.status_code == 204, f"change answered {changed.status_code}")
    attack.check(
        client.get("/api/v1/me", headers=bearer(token)).status_code == 200,
        "after the change the token still cannot work",
    )


def test_a_throttled_attacker_cannot_lock_out_the_real_user(
    attack: Attack, client: TestClient
) -> None:
    app = client.app
    home = TestClient(app, client=("198.51.100.10", 40000))
    # The real user signed in from home before: that address is known.
    attack.check(sign_in(home, "mediator.baijia").status_code == 200, "first sign-in failed")
    attacker = TestClient(app, client=("203.0.113.66", 40000))
    for _ in range(60):
        response = sign_in(attacker, "mediator.baijia", "guess-guess")
        attack.check(response.status_code in (401, 429), f"attacker got {response.status_code}")
    attack.check(
        sign_in(home, "mediator.baijia").status_code == 200,
        "one attacker locked the real user out of their own address",
    )
    fresh = TestClient(app, client=("198.51.100.11", 40000))
    attack.check(
        sign_in(fresh, "mediator.baijia").status_code == 200,
        "one attacker locked the real user out of a new address",
    )
    # Many attackers: the account-wide limit is reached, and still the real
    # user's known address lets them in.
    for number in range(40):
        spread = TestClient(app, client=(f"203.0.113.{100 + number}", 40000))
        for _ in range(6):
            sign_in(spread, "mediator.baijia", "guess-guess")
    attack.check(
        sign_in(home, "mediator.baijia").status_code == 200,
        "a spread attack locked the real user out of their own address",
    )
    # The attacker's own address stays throttled.
    again = sign_in(attacker, "mediator.baijia", PASSWORD)
    attack.check(again.status_code == 429, f"the attacker's address is free: {again.status_code}")


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


START_DEADLINE_S = 60.0
FREE_PER_ADDRESS = 5


@pytest.fixture
def real_server(db_url: str, district: District, tmp_path: Path) -> Iterator[str]:
    """``lastmile server`` in a process of its own, as a district runs it."""
    port = _free_port()
    env = {
        **os.environ,
        "LASTMILE_BLOBS": str(tmp_path / "blobs"),
        "LASTMILE_LOGIN_FREE_FAILURES_PER_ADDRESS": str(FREE_PER_ADDRESS),
    }
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(LASTMILE), "server", "--db", db_url, "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise AssertionError(log.read_text(errors="replace"))
            time.sleep(0.2)
        else:
            raise AssertionError(f"server did not start:\n{log.read_text(errors='replace')}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def test_forwarded_for_rotation_does_not_escape_the_throttle(
    attack: Attack, real_server: str, district: District
) -> None:
    """Password spraying from one machine, a new ``X-Forwarded-For`` on every
    try: with no proxy configured the socket's address is the client, so
    after the address's free failures every try is throttled."""
    usernames = list(district.users) + [f"stranger.{n}" for n in range(3)]
    checked = 0
    with httpx.Client(base_url=real_server, timeout=30) as http:
        for number, username in enumerate(usernames):
            response = http.post(
                "/api/v1/auth/login",
                json={
                    "username": username,
                    "password": "spray-spray-1",
                    "device_id": f"spray-{number:04d}",
                },
                headers={"X-Forwarded-For": f"198.18.{number}.{number + 1}"},
            )
            attack.check(response.status_code in (401, 429), f"spray: {response.status_code}")
            checked += response.status_code == 401
    # One delay may run out during the spray; more is the header at work.
    attack.tried()
    if checked > FREE_PER_ADDRESS + 1:
        attack.violation(
            f"{checked} of {len(usernames)} rotated tries had their password checked "
            f"(at most {FREE_PER_ADDRESS + 1} expected)"
        )
