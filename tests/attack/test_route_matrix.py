"""Every route of the OpenAPI document × every role × records of the own and
of the other office and line of work: what a signed-in user can read or
change through any route, by any id.

The routes are enumerated from ``create_app().openapi()``: a new route
fails ``test_every_route_has_an_expectation`` until an expectation is
written for it here. Each expectation sends the route's requests as one
role and records a try per request and a violation per answer that breaks
the rules (a record out of reach that shows in the answer, a status other
than the one expected, any 5xx). Who sees what comes from
``tests/sync_server/jurisdiction_scenario.py`` (``SEES``), written by hand.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared_models.protocol.tables import TableName
from sync_server.core.config import ServerSettings
from sync_server.main import create_app
from tests.attack.route_matrix_correction import CORRECTION_EXPECTATIONS
from tests.attack.tally import Attack
from tests.factories import PASSWORD, mutation
from tests.sync_server.conftest import Device
from tests.sync_server.jurisdiction_scenario import (
    BACKENDS,
    DISTRICT_WIDE,
    ROLES,
    SEES,
    SUPERVISORY,
    TABLE_OF,
    WRITES,
    Scenario,
    outcome,
    scenario_on,
)


@pytest.fixture(scope="module", params=BACKENDS)
def scenario(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    yield from scenario_on(request, tmp_path_factory.mktemp("routes"))


Check = Callable[[Scenario, str, Attack], None]
EXPECTATIONS: dict[tuple[str, str], Check] = {}


def expects(method: str, path: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        EXPECTATIONS[(method, path)] = check
        return check

    return register


def _hidden(username: str) -> list[str]:
    """The labels of records ``username`` must never receive."""
    return [label for label, users in SEES.items() if username not in users]


def _leaks(s: Scenario, username: str, text: str) -> list[str]:
    return [label for label in _hidden(username) if str(s.ids[label]) in text]


def _status(
    attack: Attack, username: str, what: str, response: Any, expected: str | set[str]
) -> None:
    """One try: the answer's ``outcome`` must be ``expected`` (or one of them)."""
    got = outcome(response)
    allowed = {expected} if isinstance(expected, str) else expected
    attack.check(got in allowed, f"{what} as {username}: {got}, expected {sorted(allowed)}")


def _no_leak(s: Scenario, attack: Attack, username: str, what: str, response: Any) -> None:
    attack.check(response.status_code < 500, f"{what} as {username}: {response.status_code}")
    leaked = _leaks(s, username, response.text)
    attack.check(not leaked, f"{what} as {username}: leaks {leaked}")


def _supervisor_only(username: str, allowed: str) -> str:
    return allowed if username in SUPERVISORY else "403 FORBIDDEN"


def _office_ids(s: Scenario, username: str) -> tuple[str, str]:
    """(own office, other office) as the caller sees them."""
    baijia, xiyuan = str(s.district.baijia.id), str(s.district.xiyuan.id)
    return (xiyuan, baijia) if username.endswith(".xiyuan") else (baijia, xiyuan)


# --- public and session ------------------------------------------------------


@expects("GET", "/healthz")
@expects("GET", "/readyz")
def _health(s: Scenario, username: str, attack: Attack) -> None:
    for path in ("/healthz", "/readyz"):
        _status(attack, username, path, s.client.get(path), "200")


@expects("GET", "/metrics")
def _metrics(s: Scenario, username: str, attack: Attack) -> None:
    """Off unless a metrics token is configured; a device's token never opens
    it (tests/attack/test_operations_routes.py covers it switched on)."""
    headers = s.device(username).headers
    _status(
        attack, username, "/metrics", s.client.get("/metrics", headers=headers), "404 NOT_FOUND"
    )


@expects("POST", "/api/v1/auth/login")
def _login(s: Scenario, username: str, attack: Attack) -> None:
    """A password guess: refused (or throttled), never a sign-in. The name is
    made up, so no real account of the shared scenario is throttled."""
    body = {
        "username": f"guess.{uuid.uuid4().hex[:8]}",
        "password": PASSWORD,
        "device_id": f"guess-{uuid.uuid4().hex[:8]}",
        "device_name": "guess",
    }
    response = s.client.post("/api/v1/auth/login", json=body)
    expected = {"401 INVALID_CREDENTIALS", "429 TOO_MANY_ATTEMPTS"}
    _status(attack, username, "a password guess", response, expected)


@expects("POST", "/api/v1/auth/logout")
def _logout(s: Scenario, username: str, attack: Attack) -> None:
    device = Device(s.client, username, f"logout-{uuid.uuid4().hex[:8]}")
    response = s.client.post("/api/v1/auth/logout", headers=device.headers)
    attack.check(response.status_code < 300, f"logout as {username}: {response.status_code}")
    after = s.client.get("/api/v1/me", headers=device.headers)
    _status(attack, username, "the token after logout", after, "401 TOKEN_REVOKED")


@expects("GET", "/api/v1/me")
def _me(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get("/api/v1/me", headers=s.device(username).headers)
    _status(attack, username, "me", response, "200")
    _, other = _office_ids(s, username)
    if username not in DISTRICT_WIDE:
        attack.check(
            other not in response.json().get("jurisdiction", []),
            f"me as {username}: the other office is in the jurisdiction",
        )


@expects("POST", "/api/v1/auth/password")
def _password(s: Scenario, username: str, attack: Attack) -> None:
    """A change with a wrong old password is refused and the token keeps working."""
    device = s.device(username)
    body = {"old_password": "not-the-password", "new_password": "a-new-password-2026"}
    response = s.client.post("/api/v1/auth/password", json=body, headers=device.headers)
    # 403, not 401: a wrong old password must not sign the device out.
    expected = {"403 INVALID_CREDENTIALS", "429 TOO_MANY_ATTEMPTS"}
    _status(attack, username, "a password change with a wrong old one", response, expected)
    after = s.client.get("/api/v1/me", headers=device.headers)
    _status(attack, username, "the token after a refused change", after, "200")


def _account_action(s: Scenario, username: str, attack: Attack, action: str) -> None:
    """Only an admin acts on accounts: anyone else is refused whoever the
    target is (their own account, or one that does not exist: no oracle);
    the admin, aimed at a user that does not exist, gets 404 and changes nothing."""
    headers = s.device(username).headers
    body = {"reason": "attack suite"}
    targets = {"own account": s.device(username).user["id"], "no such user": str(uuid.uuid4())}
    for what, user_id in targets.items():
        response = s.client.post(
            f"/api/v1/admin/users/{user_id}/{action}", json=body, headers=headers
        )
        if username != "admin":
            expected = "403 FORBIDDEN"
        elif what == "no such user":
            expected = "404 NOT_FOUND"
        else:
            expected = "403 FORBIDDEN"  # an admin cannot act on their own account
        _status(attack, username, f"{action} of {what}", response, expected)
    after = s.client.get("/api/v1/me", headers=headers)
    _status(attack, username, f"the token after a refused {action}", after, "200")


@expects("POST", "/api/v1/admin/users/{user_id}/reset-password")
def _reset_password(s: Scenario, username: str, attack: Attack) -> None:
    _account_action(s, username, attack, "reset-password")


@expects("POST", "/api/v1/admin/users/{user_id}/deactivate")
def _deactivate(s: Scenario, username: str, attack: Attack) -> None:
    _account_action(s, username, attack, "deactivate")


@expects("POST", "/api/v1/admin/users/{user_id}/reactivate")
def _reactivate(s: Scenario, username: str, attack: Attack) -> None:
    _account_action(s, username, attack, "reactivate")


# --- sync --------------------------------------------------------------------

_TEXT_FIELD = {
    TableName.CASES: "title",
    TableName.PARTIES: "name",
    TableName.VISITS: "notes",
    TableName.ATTACHMENTS: "caption",
    TableName.AGREEMENTS: "facts",
    TableName.REVIEWS: "comment",
    TableName.SUBJECTS: "address",
}


@expects("POST", "/api/v1/sync/push")
def _push(s: Scenario, username: str, attack: Attack) -> None:
    """A text edit of every record: applied only where the role writes the
    table and may read the record. (``test_push_escalation`` tries more.)"""
    labels = [label for label, table in TABLE_OF.items() if table in _TEXT_FIELD]
    versions = s.versions(labels)
    tag = f"{username} {uuid.uuid4().hex[:6]}"
    items = [
        mutation(
            TABLE_OF[label],
            s.ids[label],
            {_TEXT_FIELD[TABLE_OF[label]]: tag},
            base_version=versions[label],
        )
        for label in labels
    ]
    results = s.device(username).push(items)
    for label, result in zip(labels, results, strict=True):
        may = TABLE_OF[label] in WRITES[username] and username in SEES[label]
        applied = result["status"] != "rejected"
        attack.check(applied == may, f"push to {label} as {username}: {result['status']}")


@expects("GET", "/api/v1/sync/pull")
def _pull(s: Scenario, username: str, attack: Attack) -> None:
    device = s.device(username)
    device.cursor, device.records = None, {}
    device.pull()
    pulled = {label for label, i in s.ids.items() if (TABLE_OF[label], str(i)) in device.records}
    expected = {label for label, users in SEES.items() if username in users}
    attack.check(not pulled - expected, f"pull as {username}: leaks {sorted(pulled - expected)}")
    attack.check(not expected - pulled, f"pull as {username}: lacks {sorted(expected - pulled)}")


# --- blobs -------------------------------------------------------------------


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@expects("POST", "/api/v1/blobs/missing")
def _blobs_missing(s: Scenario, username: str, attack: Attack) -> None:
    # Whether /missing may tell a stored blob of another scope is the blob
    # work's test (issue 13, item 4); here: no content, no 5xx.
    hashes = [_sha(content) for content in s.blobs.values()]
    response = s.client.post(
        "/api/v1/blobs/missing", json={"sha256": hashes}, headers=s.device(username).headers
    )
    _status(attack, username, "blobs/missing", response, "200")


@expects("HEAD", "/api/v1/blobs/{sha256}")
def _blob_head(s: Scenario, username: str, attack: Attack) -> None:
    for label, content in s.blobs.items():
        response = s.client.head(
            f"/api/v1/blobs/{_sha(content)}", headers=s.device(username).headers
        )
        attack.check(
            response.status_code in (200, 404) and not response.content,
            f"HEAD blob {label} as {username}: {response.status_code}",
        )


@expects("PATCH", "/api/v1/blobs/{sha256}")
def _blob_patch(s: Scenario, username: str, attack: Attack) -> None:
    content = f"{username} {uuid.uuid4()}".encode()
    response = s.client.patch(
        f"/api/v1/blobs/{_sha(content)}",
        content=content,
        headers={
            **s.device(username).headers,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
            "Upload-Length": str(len(content)),
        },
    )
    _status(attack, username, "upload a blob", response, "201")


@expects("GET", "/api/v1/blobs/{sha256}")
def _blob_get(s: Scenario, username: str, attack: Attack) -> None:
    for label, content in s.blobs.items():
        response = s.client.get(
            f"/api/v1/blobs/{_sha(content)}", headers=s.device(username).headers
        )
        uploaded = label != "photo_not_uploaded"
        expected = "200" if uploaded and username in SEES[label] else "404 NOT_FOUND"
        _status(attack, username, f"GET blob of {label}", response, expected)


# --- review and conflicts ----------------------------------------------------


@expects("POST", "/api/v1/reviews")
def _reviews(s: Scenario, username: str, attack: Attack) -> None:
    for label in ("case", "checkin", "subject", "xiyuan_case", "xiyuan_subject"):
        body = {
            "id": str(uuid.uuid4()),
            "target_table": TABLE_OF[label].value,
            "target_id": str(s.ids[label]),
            "state": "needs_changes",
            "comment": "请补充",
        }
        response = s.client.post("/api/v1/reviews", json=body, headers=s.device(username).headers)
        expected = "201" if username in SEES[label] else "404 NOT_FOUND"
        _status(attack, username, f"review {label}", response, _supervisor_only(username, expected))


@expects("GET", "/api/v1/conflicts")
def _conflicts(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get(
        "/api/v1/conflicts", params={"limit": 1000}, headers=s.device(username).headers
    )
    _status(attack, username, "conflicts", response, "200")
    _no_leak(s, attack, username, "conflicts", response)


@expects("POST", "/api/v1/conflicts/{conflict_id}/resolve")
def _resolve(s: Scenario, username: str, attack: Attack) -> None:
    fresh = {
        "case": s.make_conflict("case", "mediator.baijia", "supervisor.baijia"),
        "subject": s.make_conflict("subject", "officer.baijia", "supervisor.baijia", "address"),
        "xiyuan_case": s.make_conflict("xiyuan_case", "mediator.xiyuan", "supervisor.xiyuan"),
    }
    for label, conflict_id in fresh.items():
        response = s.client.post(
            f"/api/v1/conflicts/{conflict_id}/resolve",
            json={"keep": "current"},
            headers=s.device(username).headers,
        )
        expected = "200" if username in SEES[label] else "404 NOT_FOUND"
        what = f"resolve a conflict of {label}"
        _status(attack, username, what, response, _supervisor_only(username, expected))


@expects("GET", "/api/v1/export/{table}.csv")
def _export(s: Scenario, username: str, attack: Attack) -> None:
    _, other = _office_ids(s, username)
    for table in sorted(set(TABLE_OF.values())):
        path = f"/api/v1/export/{table}.csv"
        response = s.client.get(path, headers=s.device(username).headers)
        _status(attack, username, path, response, _supervisor_only(username, "200"))
        _no_leak(s, attack, username, path, response)
        if username in SUPERVISORY and username not in DISTRICT_WIDE:
            elsewhere = s.client.get(
                path, params={"org_unit_id": other}, headers=s.device(username).headers
            )
            _status(attack, username, f"{path} of the other office", elsewhere, "404 NOT_FOUND")


# --- administration ----------------------------------------------------------


@expects("GET", "/api/v1/admin/devices")
def _devices(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get("/api/v1/admin/devices", headers=s.device(username).headers)
    _status(attack, username, "devices", response, _supervisor_only(username, "200"))
    if response.status_code != 200 or username in DISTRICT_WIDE:
        return
    listed = {item["device_id"] for item in response.json()}
    office = username.rsplit(".", 1)[1]
    foreign = {
        s.device(other).device_id
        for other in ROLES
        if not other.endswith(f".{office}") and s.device(other).device_id in listed
    }
    attack.check(not foreign, f"devices as {username}: lists {sorted(foreign)}")


@expects("POST", "/api/v1/admin/devices/{device_id}/revoke")
def _revoke(s: Scenario, username: str, attack: Attack) -> None:
    victim = Device(s.client, "mediator.xiyuan", f"victim-{uuid.uuid4().hex[:8]}")
    response = s.client.post(
        f"/api/v1/admin/devices/{victim.device_id}/revoke", headers=s.device(username).headers
    )
    expected = "204" if username == "admin" else "403 FORBIDDEN"
    _status(attack, username, "revoke another's device", response, expected)


# --- supervision -------------------------------------------------------------


@expects("GET", "/api/v1/review-queue")
def _queue(s: Scenario, username: str, attack: Attack) -> None:
    _, other = _office_ids(s, username)
    headers = s.device(username).headers
    response = s.client.get("/api/v1/review-queue", params={"limit": 200}, headers=headers)
    _status(attack, username, "review queue", response, _supervisor_only(username, "200"))
    _no_leak(s, attack, username, "review queue", response)
    elsewhere = s.client.get("/api/v1/review-queue", params={"office_id": other}, headers=headers)
    expected = "200" if username in DISTRICT_WIDE else "404 NOT_FOUND"
    _status(
        attack,
        username,
        "review queue of the other office",
        elsewhere,
        _supervisor_only(username, expected),
    )


@expects("GET", "/api/v1/review-queue/{table}/{record_id}")
def _queue_detail(s: Scenario, username: str, attack: Attack) -> None:
    for label in ("case", "case_visit", "checkin", "xiyuan_case"):
        path = f"/api/v1/review-queue/{TABLE_OF[label].value}/{s.ids[label]}"
        response = s.client.get(path, headers=s.device(username).headers)
        expected = "200" if username in SEES[label] else "404 NOT_FOUND"
        _status(
            attack, username, f"detail of {label}", response, _supervisor_only(username, expected)
        )
        _no_leak(s, attack, username, f"detail of {label}", response)


def _office_route(path: str, s: Scenario, username: str, attack: Attack) -> None:
    own, other = _office_ids(s, username)
    headers = s.device(username).headers
    params = {"month": "2026-11"}
    mine = s.client.get(path, params={**params, "office_id": own}, headers=headers)
    _status(attack, username, f"{path} of the own office", mine, _supervisor_only(username, "200"))
    _no_leak(s, attack, username, path, mine)
    theirs = s.client.get(path, params={**params, "office_id": other}, headers=headers)
    expected = "200" if username in DISTRICT_WIDE else "404 NOT_FOUND"
    what = f"{path} of the other office"
    _status(attack, username, what, theirs, _supervisor_only(username, expected))


@expects("GET", "/api/v1/dashboard")
def _dashboard(s: Scenario, username: str, attack: Attack) -> None:
    _office_route("/api/v1/dashboard", s, username, attack)


@expects("GET", "/api/v1/reports/monthly.pdf")
def _report(s: Scenario, username: str, attack: Attack) -> None:
    _office_route("/api/v1/reports/monthly.pdf", s, username, attack)


# --- agreements --------------------------------------------------------------


@expects("GET", "/api/v1/keys/district")
def _key(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get("/api/v1/keys/district", headers=s.device(username).headers)
    _status(attack, username, "district key", response, "200")


@expects("GET", "/api/v1/agreements/{agreement_id}/verify")
def _verify(s: Scenario, username: str, attack: Attack) -> None:
    for label in ("agreement", "xiyuan_agreement"):
        response = s.client.get(
            f"/api/v1/agreements/{s.ids[label]}/verify", headers=s.device(username).headers
        )
        expected = "200" if username in SEES[label] else "404 NOT_FOUND"
        _status(attack, username, f"verify {label}", response, expected)


@expects("POST", "/api/v1/verify")
def _verify_pdf(s: Scenario, username: str, attack: Attack) -> None:
    pdf = b"%PDF-1.7\n" + str(s.ids["xiyuan_agreement"]).encode() + b"\n%%EOF\n"
    response = s.client.post(
        "/api/v1/verify",
        files={"file": ("a.pdf", pdf, "application/pdf")},
        headers=s.device(username).headers,
    )
    attack.check(response.status_code < 500, f"verify a PDF as {username}: {response.status_code}")


@expects("GET", "/api/v1/agreements/{agreement_id}.pdf")
def _agreement_pdf(s: Scenario, username: str, attack: Attack) -> None:
    for label in ("agreement", "xiyuan_agreement"):
        response = s.client.get(
            f"/api/v1/agreements/{s.ids[label]}.pdf", headers=s.device(username).headers
        )
        expected = "200" if username in SEES[label] else "404 NOT_FOUND"
        _status(attack, username, f"print {label}", response, _supervisor_only(username, expected))


# --- case files and statistics ----------------------------------------------


@expects("GET", "/api/v1/cases/{case_id}/file")
@expects("GET", "/api/v1/cases/{case_id}/file.pdf")
def _case_file(s: Scenario, username: str, attack: Attack) -> None:
    """The desk's case file: supervisors of the case's office (and the
    district) only; another office's case, or a subject's id, is 404."""
    for suffix in ("file", "file.pdf"):
        for label in ("case", "xiyuan_case", "subject"):
            path = f"/api/v1/cases/{s.ids[label]}/{suffix}"
            response = s.client.get(path, headers=s.device(username).headers)
            may = username in SEES[label] and TABLE_OF[label] is TableName.CASES
            expected = _supervisor_only(username, "200" if may else "404 NOT_FOUND")
            _status(attack, username, f"case {suffix} of {label}", response, expected)
            _no_leak(s, attack, username, f"case {suffix} of {label}", response)


@expects("GET", "/api/v1/statistics/mediation")
@expects("GET", "/api/v1/statistics/mediation.xlsx")
@expects("GET", "/api/v1/statistics/mediation.pdf")
def _statistics(s: Scenario, username: str, attack: Attack) -> None:
    own, other = _office_ids(s, username)
    headers = s.device(username).headers
    for path in ("mediation", "mediation.xlsx", "mediation.pdf"):
        route = f"/api/v1/statistics/{path}"
        for period in ("2026", "2026-11"):
            mine = s.client.get(route, params={"period": period, "office_id": own}, headers=headers)
            what = f"{route} {period} of the own office"
            _status(attack, username, what, mine, _supervisor_only(username, "200"))
            _no_leak(s, attack, username, route, mine)
        theirs = s.client.get(
            route, params={"period": "2026-11", "office_id": other}, headers=headers
        )
        expected = "200" if username in DISTRICT_WIDE else "404 NOT_FOUND"
        what = f"{route} of the other office"
        _status(attack, username, what, theirs, _supervisor_only(username, expected))


# --- transfers ---------------------------------------------------------------


@expects("POST", "/api/v1/transfers")
def _transfers(s: Scenario, username: str, attack: Attack) -> None:
    """Only the district moves a subject; everyone else is refused whatever
    the target. The district's transfer goes to where the subject is already
    (nothing moves), so the shared scenario stays as it is."""
    d = s.district
    for label, unit, officer in (
        ("subject", d.baijia.id, d.user("officer.baijia").id),
        ("xiyuan_subject", d.xiyuan.id, d.user("officer.xiyuan").id),
    ):
        body = {
            "table": "subjects",
            "record_id": str(s.ids[label]),
            "org_unit_id": str(unit),
            "officer_id": str(officer),
            "reason": "matrix",
        }
        response = s.client.post("/api/v1/transfers", json=body, headers=s.device(username).headers)
        expected = "200" if username in DISTRICT_WIDE else "403 FORBIDDEN"
        _status(attack, username, f"transfer {label}", response, expected)
        if response.status_code == 200:
            attack.check(response.json()["moved"] == 0, f"transfer {label} as {username} moved")


# --- administration ----------------------------------------------------------


def _admin_only(username: str, allowed: str) -> str:
    return allowed if username == "admin" else "403 FORBIDDEN"


def _district_only(username: str, allowed: str) -> str:
    return allowed if username in DISTRICT_WIDE else "403 FORBIDDEN"


def _throwaway_unit(s: Scenario, parent: str) -> str:
    """A committee of its own, created by the admin, for a test to change."""
    code = uuid.uuid4().hex[:10]
    body = {
        "kind": "committee",
        "parent_id": parent,
        "name": "矩阵测试调委会",
        "short_name": f"矩阵{code}",  # each unit's case numbers are its own
        "code": f"M-{code}",
        "reason": "matrix",
    }
    response = s.client.post(
        "/api/v1/admin/org-units", json=body, headers=s.device("admin").headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _throwaway_user(s: Scenario, unit: str) -> str:
    """A mediator of their own, created by the admin, for a test to change."""
    body = {
        "username": f"m.{uuid.uuid4().hex[:10]}",
        "display_name": "矩阵测试",
        "role": "mediator",
        "org_unit_id": unit,
        "reason": "matrix",
    }
    response = s.client.post("/api/v1/admin/users", json=body, headers=s.device("admin").headers)
    assert response.status_code == 201, response.text
    return str(response.json()["member"]["id"])


@expects("GET", "/api/v1/admin/district")
def _district(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get("/api/v1/admin/district", headers=s.device(username).headers)
    _status(attack, username, "district", response, _supervisor_only(username, "200"))


@expects("GET", "/api/v1/admin/org-units")
def _org_units(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get("/api/v1/admin/org-units", headers=s.device(username).headers)
    _status(attack, username, "org units", response, _supervisor_only(username, "200"))
    if response.status_code == 200 and username not in DISTRICT_WIDE:
        _, other = _office_ids(s, username)
        listed = {unit["id"] for unit in response.json()}
        attack.check(other not in listed, f"org units as {username}: lists the other office")


@expects("POST", "/api/v1/admin/org-units")
def _create_org_unit(s: Scenario, username: str, attack: Attack) -> None:
    code = uuid.uuid4().hex[:10]
    body = {
        "kind": "committee",
        "parent_id": str(s.district.baijia.id),
        "name": "新调委会",
        "short_name": f"新{code}",  # each unit's case numbers are its own
        "code": f"N-{code}",
        "reason": "matrix",
    }
    response = s.client.post(
        "/api/v1/admin/org-units", json=body, headers=s.device(username).headers
    )
    _status(attack, username, "create a unit", response, _district_only(username, "201"))


@expects("PATCH", "/api/v1/admin/org-units/{unit_id}")
def _edit_org_unit(s: Scenario, username: str, attack: Attack) -> None:
    unit = s.district.xiyuan_committee.id
    body = {"address": "西苑路 1 号", "reason": "matrix"}
    response = s.client.patch(
        f"/api/v1/admin/org-units/{unit}", json=body, headers=s.device(username).headers
    )
    _status(attack, username, "edit a unit", response, _district_only(username, "200"))


@expects("POST", "/api/v1/admin/org-units/{unit_id}/move")
def _move_org_unit(s: Scenario, username: str, attack: Attack) -> None:
    """The district moves a committee of its own between offices; anyone
    else is refused, even for the shared scenario's committees."""
    headers = s.device(username).headers
    target = str(s.district.baijia_committee.id)
    if username in DISTRICT_WIDE:
        target = _throwaway_unit(s, str(s.district.xiyuan.id))
    body = {"parent_id": str(s.district.baijia.id), "reason": "matrix"}
    response = s.client.post(f"/api/v1/admin/org-units/{target}/move", json=body, headers=headers)
    _status(attack, username, "move a unit", response, _district_only(username, "200"))


@expects("POST", "/api/v1/admin/org-units/{unit_id}/close")
@expects("POST", "/api/v1/admin/org-units/{unit_id}/reopen")
def _close_org_unit(s: Scenario, username: str, attack: Attack) -> None:
    headers = s.device(username).headers
    target = str(s.district.xiyuan_committee.id)
    if username in DISTRICT_WIDE:
        target = _throwaway_unit(s, str(s.district.xiyuan.id))
    for action in ("close", "reopen"):
        response = s.client.post(
            f"/api/v1/admin/org-units/{target}/{action}", json={"reason": "m"}, headers=headers
        )
        _status(attack, username, f"{action} a unit", response, _district_only(username, "200"))


@expects("GET", "/api/v1/admin/users")
def _staff_list(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get(
        "/api/v1/admin/users", params={"limit": 200}, headers=s.device(username).headers
    )
    _status(attack, username, "staff list", response, _supervisor_only(username, "200"))
    if response.status_code == 200 and username not in DISTRICT_WIDE:
        office = username.rsplit(".", 1)[1]
        listed = {item["username"] for item in response.json()["items"]}
        foreign = {name for name in listed if name in ROLES and not name.endswith(f".{office}")}
        attack.check(not foreign, f"staff list as {username}: lists {sorted(foreign)}")


@expects("GET", "/api/v1/admin/users/{user_id}")
def _staff_member(s: Scenario, username: str, attack: Attack) -> None:
    headers = s.device(username).headers
    for other in ("mediator.baijia", "mediator.xiyuan"):
        user_id = s.district.user(other).id
        response = s.client.get(f"/api/v1/admin/users/{user_id}", headers=headers)
        own = username in DISTRICT_WIDE or other.endswith(username.rsplit(".", 1)[1])
        expected = _supervisor_only(username, "200" if own else "404 NOT_FOUND")
        _status(attack, username, f"staff member {other}", response, expected)


@expects("POST", "/api/v1/admin/users")
def _create_staff(s: Scenario, username: str, attack: Attack) -> None:
    body = {
        "username": f"n.{uuid.uuid4().hex[:10]}",
        "display_name": "新人",
        "role": "mediator",
        "org_unit_id": str(s.district.baijia_committee.id),
        "reason": "matrix",
    }
    response = s.client.post("/api/v1/admin/users", json=body, headers=s.device(username).headers)
    _status(attack, username, "create an account", response, _admin_only(username, "201"))


@expects("PATCH", "/api/v1/admin/users/{user_id}")
def _edit_staff(s: Scenario, username: str, attack: Attack) -> None:
    """Supervisors edit staff of their jurisdiction: the other office's is 404.
    The edit names what is already there, so the scenario stays as it is."""
    target = s.district.user("mediator.xiyuan")
    body = {"display_name": target.display_name, "reason": "matrix"}
    response = s.client.patch(
        f"/api/v1/admin/users/{target.id}", json=body, headers=s.device(username).headers
    )
    own = username in DISTRICT_WIDE or username.endswith(".xiyuan")
    expected = _supervisor_only(username, "200" if own else "404 NOT_FOUND")
    _status(attack, username, "edit mediator.xiyuan", response, expected)


@expects("POST", "/api/v1/admin/users/{user_id}/role")
def _change_role(s: Scenario, username: str, attack: Attack) -> None:
    headers = s.device(username).headers
    target = s.district.user("mediator.xiyuan").id
    if username == "admin":
        target = uuid.UUID(_throwaway_user(s, str(s.district.xiyuan.id)))
    body = {"role": "supervisor", "reason": "matrix"}
    response = s.client.post(f"/api/v1/admin/users/{target}/role", json=body, headers=headers)
    _status(attack, username, "change a role", response, _admin_only(username, "200"))


@expects("POST", "/api/v1/admin/users/{user_id}/move")
def _move_staff(s: Scenario, username: str, attack: Attack) -> None:
    """The admin moves a mediator of their own; a district supervisor moves
    mediator.xiyuan to where they are (nothing changes); office supervisors
    reach only their own office; nobody else moves anyone."""
    headers = s.device(username).headers
    target, unit = s.district.user("mediator.xiyuan").id, s.district.xiyuan.id
    if username == "admin":
        target = uuid.UUID(_throwaway_user(s, str(s.district.baijia_committee.id)))
        unit = s.district.xiyuan_committee.id
    body = {"org_unit_id": str(unit), "reason": "matrix"}
    response = s.client.post(f"/api/v1/admin/users/{target}/move", json=body, headers=headers)
    own = username in DISTRICT_WIDE or username.endswith(".xiyuan")
    expected = _supervisor_only(username, "200" if own else "404 NOT_FOUND")
    _status(attack, username, "move a mediator", response, expected)


@expects("GET", "/api/v1/admin/sheets/{kind}/template")
def _template(s: Scenario, username: str, attack: Attack) -> None:
    response = s.client.get(
        "/api/v1/admin/sheets/staff/template", headers=s.device(username).headers
    )
    _status(attack, username, "a template", response, _admin_only(username, "200"))


@expects("GET", "/api/v1/admin/sheets/{kind}/export")
def _sheet_export(s: Scenario, username: str, attack: Attack) -> None:
    for kind in ("cases", "subjects", "staff"):
        response = s.client.get(
            f"/api/v1/admin/sheets/{kind}/export",
            params={"format": "csv"},
            headers=s.device(username).headers,
        )
        _status(attack, username, f"export {kind}", response, _supervisor_only(username, "200"))
        _no_leak(s, attack, username, f"export {kind}", response)
        if response.status_code == 200 and username not in DISTRICT_WIDE:
            other = "mediator.baijia" if username.endswith(".xiyuan") else "mediator.xiyuan"
            attack.check(other not in response.text, f"export {kind} as {username}: names {other}")


@expects("POST", "/api/v1/admin/sheets/{kind}/import")
def _sheet_import(s: Scenario, username: str, attack: Attack) -> None:
    """Only admins import; the admin's file is checked only (dry run)."""
    headers = s.device(username).headers
    template = "用户名*,姓名*,角色*,所在单位编码*,手机号\r\nx.y,某,调解员,NOPE,\r\n".encode()
    response = s.client.post(
        "/api/v1/admin/sheets/staff/import?dry_run=true", content=template, headers=headers
    )
    _status(attack, username, "an import", response, _admin_only(username, "200"))
    if response.status_code == 200:
        attack.check(not response.json()["written"], f"a dry run as {username} wrote")


# --- the matrix --------------------------------------------------------------


def _routes() -> list[tuple[str, str]]:
    app = create_app(ServerSettings(db="sqlite://", blobs="/nonexistent"))
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]


ROUTES = _routes()


EXPECTATIONS.update(CORRECTION_EXPECTATIONS)


def test_every_route_has_an_expectation(attack: Attack) -> None:
    for route in ROUTES:
        attack.check(route in EXPECTATIONS, f"{route[0]} {route[1]} has no expectation")


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_as_role(
    scenario: Scenario, route: tuple[str, str], username: str, attack: Attack
) -> None:
    check = EXPECTATIONS.get(route)
    if check is None:
        pytest.skip("no expectation (test_every_route_has_an_expectation fails)")
    check(scenario, username, attack)
