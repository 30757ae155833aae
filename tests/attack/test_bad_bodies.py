"""Request bodies no honest app sends, to every route that takes one: bytes
that are not UTF-8, JSON nested a hundred thousand deep, numbers of
thousands of digits, NaN, the wrong JSON type, and a NUL in every string of
the sign-in. Each must get a 4xx error envelope, the same on SQLite and
PostgreSQL. (The gzip bomb, corrupt gzip and oversized bodies are attacked
in ``tests/sync_server/test_compression.py``; lying lengths on a real
connection in ``test_server_errors.py``.)"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from tests.attack.tally import Attack
from tests.attack.twin import Answer, Twin, twin_servers
from tests.factories import PASSWORD

DEPTH = 100_000

HOSTILE_BODIES: dict[str, bytes] = {
    "invalid UTF-8": b'{"username": "\xff\xfe\xc3\x28", "mutations": []}',
    "UTF-8 surrogate bytes": b'{"username": "\xed\xa0\x80"}',
    "nested arrays": b"[" * DEPTH + b"]" * DEPTH,
    "nested objects": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "nested in a field": b'{"mutations": [' + b"[" * DEPTH + b"]" * DEPTH + b"]}",
    "a 5000-digit number": b'{"protocol": 1' + b"0" * 5000 + b', "mutations": []}',
    "NaN": b'{"protocol": NaN, "mutations": []}',
    "Infinity": b'{"sha256": [Infinity], "keep": -Infinity}',
    "null": b"null",
    "a string": b'"\\u0000"',
    "empty": b"",
    "truncated": b'{"username": "adm',
    "NUL byte": b'{"username": "a\x00b"}',
    "escaped surrogates": b'{"\\ud800": 1, "username": "\\udfff", "mutations": [{"\\ud800": 2}]}',
}


def json_routes() -> list[tuple[str, str]]:
    document = create_app(ServerSettings(db="sqlite://")).openapi()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
        and not path.endswith("/logout")
    ]


def _problems(what: str, answers: dict[str, Answer]) -> list[str]:
    problems: list[str] = []
    if len({(a.status, a.envelope_code) for a in answers.values()}) > 1:
        problems.append(f"{what}: SQLite and PostgreSQL differ: {answers}")
    for backend, answer in answers.items():
        if not 400 <= answer.status < 500:
            problems.append(f"{what}: {backend} answered {answer.status}")
        elif answer.envelope_code is None:
            problems.append(f"{what}: {backend} {answer.status} without the error envelope")
    return problems


@pytest.fixture
def admin_twin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Twin]:
    with twin_servers(request, tmp_path, "admin") as both:
        yield both


def test_hostile_bodies_get_a_4xx_envelope_on_every_json_route(
    attack: Attack, admin_twin: Twin
) -> None:
    routes = json_routes()
    assert len(routes) >= 5, routes
    for method, path in routes:
        for name, body in HOSTILE_BODIES.items():
            answers = admin_twin.request(
                method, path, content=body, headers={"Content-Type": "application/json"}
            )
            attack.tried()
            for problem in _problems(f"{method} {path} with {name}", answers):
                attack.violation(problem)


def test_a_nul_in_any_sign_in_field_is_refused_naming_it(attack: Attack, admin_twin: Twin) -> None:
    good = {
        "username": "admin",
        "password": PASSWORD,
        "device_id": "attack-device-0002",
        "device_name": "phone",
    }
    for field in good:
        for spoilt in ("\x00", "a\x00b", good[field] + "\x00", "\ud800"):
            # ASCII JSON (``\\u`` escapes), so that a lone surrogate can travel.
            answers = admin_twin.request(
                "POST",
                "/api/v1/auth/login",
                content=json.dumps({**good, field: spoilt}).encode(),
                headers={"Content-Type": "application/json"},
                signed_in=False,
            )
            attack.tried()
            what = f"login with {field}={spoilt!r}"
            for problem in _problems(what, answers):
                attack.violation(problem)
            for backend, answer in answers.items():
                if answer.status == 422 and field not in str(answer.body):
                    attack.violation(f"{what}: {backend} 422 does not name {field}")
