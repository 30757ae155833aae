"""Every query, path and header parameter of every route the server publishes, with
hostile values: no value may bring a 5xx, every refusal is the error
envelope (a 422 names the parameter), and SQLite and PostgreSQL answer
alike.

The parameters are read from the app's own ``/openapi.json``, so a new
route or parameter is attacked as soon as it exists.
"""

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from tests.attack.tally import Attack
from tests.attack.twin import Answer, Twin, twin_servers

HOSTILE_VALUES = (
    "\x00",
    "2026\x00-11",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "9999-12",
    "0001-01",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "-1",
    "../../../../etc/passwd",
    "..",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "' OR 1=1 --",
    "x" * 5000,
    "",
)

_PLACEHOLDERS = {
    "sha256": "ab" * 32,
    "table": "cases",
    "device_id": "some-device-0001",
}
"""A valid-looking value for the path parameters not under attack."""


@dataclass(frozen=True)
class Parameter:
    method: str
    path: str
    name: str
    where: str


def published_parameters() -> list[Parameter]:
    document = create_app(ServerSettings(db="sqlite://")).openapi()
    found: list[Parameter] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "path", "header"):
                    found.append(
                        Parameter(method.upper(), path, parameter["name"], parameter["in"])
                    )
    return found


def _header_safe(value: str) -> bool:
    """What an HTTP client can put in a header at all (no controls, no non-ASCII)."""
    return value.isascii() and value.isprintable()


def _url(parameter: Parameter, value: str) -> tuple[str, dict[str, str]]:
    path = parameter.path
    for name in _path_names(path):
        filler = value if (parameter.where == "path" and name == parameter.name) else None
        replacement = quote(filler, safe="") if filler is not None else _placeholder(name)
        path = path.replace("{" + name + "}", replacement)
    query = {parameter.name: value} if parameter.where == "query" else {}
    return path, query


def _path_names(path: str) -> Iterator[str]:
    rest = path
    while "{" in rest:
        start = rest.index("{")
        end = rest.index("}", start)
        yield rest[start + 1 : end]
        rest = rest[end + 1 :]


def _placeholder(name: str) -> str:
    return _PLACEHOLDERS.get(name, str(uuid.UUID(int=7)))


def _problems(
    parameter: Parameter,
    value: str,
    answers: dict[str, Answer],
    unchanged: dict[str, Answer] | None = None,
) -> list[str]:
    """``unchanged``: the answers to the same request without the parameter; a
    422 that is the same refusal (of the body, say) owes the parameter no word."""
    where = f"{parameter.method} {parameter.path} {parameter.name}={value[:40]!r}"
    problems: list[str] = []
    reduced = {(a.status, a.envelope_code) for a in answers.values()}
    if len(reduced) > 1:
        problems.append(f"{where}: SQLite and PostgreSQL differ: {answers}")
    for backend, answer in answers.items():
        if answer.status >= 500:
            problems.append(f"{where}: {backend} answered {answer.status}")
        elif answer.status >= 400 and parameter.method != "HEAD":
            if answer.envelope_code is None:
                problems.append(f"{where}: {backend} {answer.status} without the error envelope")
            elif (
                answer.status == 422
                and not _names(answer.body["error"], parameter.name)
                and (unchanged is None or unchanged[backend] != answer)
            ):
                problems.append(f"{where}: {backend} 422 does not name the parameter")
    return problems


def _names(error: Any, name: str) -> bool:
    """Whether ``error`` names the parameter (header names in any case, ``-`` or ``_``)."""
    said = str(error).lower().replace("_", "-")
    return name.lower().replace("_", "-") in said


@pytest.fixture
def admin_twin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Twin]:
    """The admin reaches every route (supervision, export, admin)."""
    with twin_servers(request, tmp_path, "admin") as both:
        yield both


def test_no_parameter_value_brings_a_server_error(attack: Attack, admin_twin: Twin) -> None:
    parameters = published_parameters()
    assert len(parameters) >= 20, parameters
    for parameter in parameters:
        if parameter.path.endswith("/logout") or parameter.path.endswith("/revoke"):
            continue  # would sign the attacker out; they take no query anyway
        unchanged = None
        if parameter.where == "header":
            # An optional header left out: what the same request is told anyway.
            path, query = _url(parameter, "")
            unchanged = admin_twin.request(
                parameter.method, path, params=query, **_body(parameter, {})
            )
        for value in HOSTILE_VALUES:
            if parameter.where == "header" and not _header_safe(value):
                continue
            path, query = _url(parameter, value)
            headers = {parameter.name: value} if parameter.where == "header" else {}
            answers = admin_twin.request(
                parameter.method, path, params=query, **_body(parameter, headers)
            )
            attack.tried()
            for problem in _problems(parameter, value, answers, unchanged):
                attack.violation(problem)


def _body(parameter: Parameter, headers: dict[str, str]) -> dict[str, Any]:
    """The request's body and headers: a small body for the routes that take one."""
    headers = dict(headers)
    body: dict[str, Any] = {}
    if parameter.method == "POST":
        body = {"content": b"{}"}
        headers["Content-Type"] = "application/json"
    elif parameter.method == "PATCH":
        body = {"content": b"0123456789"}
        headers.setdefault("Upload-Offset", "0")
        headers.setdefault("Upload-Length", "10")
        headers["Content-Type"] = "application/offset+octet-stream"
    return {**body, "headers": headers}


def _crafted(cursor: str, version: object) -> str:
    """A cursor of this server (its epoch) naming ``version``: an opaque
    string to the app, but anyone can decode it."""
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw = json.dumps({**data, "v": version}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_crafted_pull_cursor_brings_no_server_error(attack: Attack, admin_twin: Twin) -> None:
    cursors = {
        backend: answer.body["cursor"]
        for backend, answer in admin_twin.request("GET", "/api/v1/sync/pull").items()
    }
    for version in (2**31, 2**63, 2**64, -1, -(2**63) - 1, 10**40, 1.5, "1", None, [1]):
        answers: dict[str, Answer] = {}
        for server in admin_twin.servers:
            response = server.client.get(
                "/api/v1/sync/pull",
                params={"cursor": _crafted(cursors[server.backend], version)},
                headers={"Authorization": f"Bearer {server.token}"},
            )
            answers[server.backend] = Answer(response.status_code, response.json())
        attack.tried()
        for problem in _problems(
            Parameter("GET", "/api/v1/sync/pull", "cursor", "query"), str(version), answers
        ):
            attack.violation(problem)
