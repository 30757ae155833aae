"""The operator's routes and the HTTPS guard, attacked.

``/metrics`` with metrics switched on: every way of asking without the
metrics token is refused (401, never a 5xx), a device's own token is not the
metrics token, and what a scrape shows after a day's pushes names no
person, no record and no user. ``/readyz`` and ``/healthz`` take no other
method and tell nothing. Behind a trusted proxy in plain HTTP, a request
that did not reach the proxy over HTTPS is refused before any route reads
its token — whatever ``X-Forwarded-Proto`` a client writes itself.
"""

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from tests.attack.tally import Attack
from tests.factories import District, case_fields, mutation, party_fields
from tests.sync_server.conftest import Device

METRICS_TOKEN = "metrics-token-for-the-attack-suite"
PROXY = "10.0.0.5"


@pytest.fixture
def watched(settings: ServerSettings, engine: Engine, district: District) -> Iterator[TestClient]:
    enabled = settings.model_copy(update={"metrics_token": METRICS_TOKEN})
    with TestClient(create_app(enabled, engine)) as client:
        yield client


def test_metrics_open_only_to_the_metrics_token(
    watched: TestClient, district: District, attack: Attack
) -> None:
    device = Device(watched, "supervisor.fuxing", "metrics-attacker")
    refused = {
        "no header": {},
        "a device's token": device.headers,
        "the token without Bearer": {"Authorization": METRICS_TOKEN},
        "Basic": {"Authorization": f"Basic {METRICS_TOKEN}"},
        "a prefix of the token": {"Authorization": f"Bearer {METRICS_TOKEN[:-1]}"},
        "the token and more": {"Authorization": f"Bearer {METRICS_TOKEN}x"},
        "an empty bearer": {"Authorization": "Bearer "},
        "a huge header": {"Authorization": "Bearer " + "A" * 60_000},
    }
    for what, headers in refused.items():
        response = watched.get("/metrics", headers=headers)
        attack.check(response.status_code == 401, f"/metrics with {what}: {response.status_code}")
    latin = watched.get("/metrics", headers={"Authorization": b"Bearer \xff\xfe"})  # type: ignore[dict-item]
    attack.check(latin.status_code == 401, f"/metrics with bytes not UTF-8: {latin.status_code}")
    as_query = watched.get("/metrics", params={"token": METRICS_TOKEN})
    attack.check(
        as_query.status_code == 401, f"/metrics token in the query: {as_query.status_code}"
    )
    for method in ("POST", "PUT", "DELETE"):
        response = watched.request(method, "/metrics", headers=_metrics_auth())
        attack.check(response.status_code == 405, f"{method} /metrics: {response.status_code}")
    attack.check(watched.get("/metrics", headers=_metrics_auth()).status_code == 200, "scrape")


def _metrics_auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {METRICS_TOKEN}"}


def test_a_scrape_names_no_person_record_or_user(
    watched: TestClient, district: District, attack: Attack
) -> None:
    mediator = Device(watched, "mediator.baijia", "metrics-leak")
    case_id, party_id = uuid.uuid4(), uuid.uuid4()
    party = party_fields(case_id, name="泄露测试甲", phone="13911112222")
    mediator.push(
        [
            mutation("cases", case_id, case_fields(district.baijia_committee.id)),
            mutation("parties", party_id, party),
        ]
    )
    watched.get(f"/api/v1/review/records/cases/{case_id}", headers=mediator.headers)
    # The route label holds the app's own path templates (``/api/v1/admin/…``:
    # a word a username may also be), counted by earlier requests of this
    # process too; a raw path there would show the ids checked below. Every
    # route is in the schema, so the schema's paths are the templates.
    templates = set(watched.app.openapi()["paths"])
    text = re.sub(
        r'route="([^"]*)"',
        lambda label: 'route=""' if label.group(1) in templates else label.group(0),
        watched.get("/metrics", headers=_metrics_auth()).text,
    )
    secrets = [
        str(case_id),
        str(party_id),
        "泄露测试甲",
        "13911112222",
        mediator.token,
        mediator.device_id,
        *district.users,
        *(str(user.id) for user in district.users.values()),
    ]
    for secret in secrets:
        attack.check(secret not in text, f"the scrape shows {secret!r}")


def test_the_probes_take_nothing_and_tell_nothing(client: TestClient, attack: Attack) -> None:
    for path in ("/healthz", "/readyz"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = client.request(method, path, content=b"x" * 1000)
            attack.check(response.status_code == 405, f"{method} {path}: {response.status_code}")
        hostile = client.get(
            path,
            headers={"X-Forwarded-For": "' OR 1=1 --", "X-Request-ID": "\r\nSet-Cookie: a=b"},
        )
        attack.check(
            hostile.status_code == 200, f"{path} with hostile headers: {hostile.status_code}"
        )
        attack.check("set-cookie" not in hostile.headers, f"{path}: a header was injected")


@pytest.fixture
def behind_proxy(settings: ServerSettings, engine: Engine, district: District) -> ServerSettings:
    return settings.model_copy(update={"trusted_proxies": [PROXY]})


def _from(settings: ServerSettings, engine: Engine, peer: str) -> TestClient:
    return TestClient(create_app(settings, engine), client=(peer, 40000))


def _login(client: TestClient, headers: dict[str, str]) -> int:
    body = {
        "username": "nobody",
        "password": "not-the-password",
        "device_id": "device-0001",
        "device_name": "phone",
    }
    return client.post("/api/v1/auth/login", json=body, headers=headers).status_code


def test_behind_a_proxy_only_what_reached_it_over_https_is_served(
    behind_proxy: ServerSettings, engine: Engine, attack: Attack
) -> None:
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    cases = [
        (PROXY, https, 401, "through the proxy over HTTPS: reaches the route"),
        (PROXY, {}, 403, "through the proxy without X-Forwarded-Proto"),
        (PROXY, {"X-Forwarded-Proto": "http"}, 403, "through the proxy over HTTP"),
        (PROXY, {"X-Forwarded-Proto": "https, http"}, 403, "the nearest proxy says HTTP"),
        (PROXY, {"X-Forwarded-Proto": "gopher"}, 403, "a made-up scheme"),
        ("203.0.113.9", https, 403, "past the proxy, claiming HTTPS itself"),
        ("10.0.0.6", https, 403, "a neighbour of the proxy"),
        ("127.0.0.1", {}, 401, "an operator on the machine itself"),
    ]
    for peer, headers, expected, what in cases:
        with _from(behind_proxy, engine, peer) as client:
            status = _login(client, headers)
            attack.check(status == expected, f"{what}: {status}, expected {expected}")
            if expected == 403:
                probe = client.get("/healthz").status_code
                attack.check(probe == 200, f"{what}: the probe answered {probe}")
                scrape = client.get("/metrics").status_code  # off here: 404, not refused
                attack.check(scrape == 404, f"{what}: the scrape answered {scrape}")


def test_without_a_proxy_forwarded_headers_change_nothing(
    settings: ServerSettings, engine: Engine, attack: Attack
) -> None:
    headers = {"X-Forwarded-Proto": "http", "X-Forwarded-For": "10.9.9.9"}
    with _from(settings, engine, "127.0.0.1") as client:
        status = _login(client, headers)
    attack.check(status == 401, f"loopback server, forwarded headers: {status}")
