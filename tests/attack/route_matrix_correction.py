"""The route matrix's expectations of the community-correction routes
(``test_route_matrix.py`` takes them in): settings for everyone, changed by
the district; the waiting requests and the decision for the deciding
supervisors only (an office's head for their office, the district after
it); a timeline for whoever pulls the subject. Every other caller is
refused, and never learns of another office's subject."""

import itertools
import uuid
from collections.abc import Callable
from typing import Any

from tests.attack.tally import Attack
from tests.factories import mutation, subject_fields
from tests.sync_server.jurisdiction_scenario import (
    CORRECTION_BAIJIA,
    CORRECTION_XIYUAN,
    DISTRICT_WIDE,
    SEES,
    Scenario,
    outcome,
)

Check = Callable[[Scenario, str, Attack], None]
OFFICE_HEADS = frozenset({"supervisor.baijia", "supervisor.xiyuan"})
DECIDERS = OFFICE_HEADS | {"supervisor.fuxing"}
_YEARS = itertools.count(2030)
"""A year of its own for each leave, so none overlaps or fills another's year."""


def _expect(attack: Attack, what: str, response: Any, allowed: set[str]) -> None:
    got = outcome(response)
    attack.check(got in allowed, f"{what}: {got}, expected {sorted(allowed)}")


def _leaks(s: Scenario, username: str, text: str) -> list[str]:
    return [
        label
        for label, users in SEES.items()
        if username not in users and str(s.ids[label]) in text
    ]


def _settings(s: Scenario, username: str, attack: Attack) -> None:
    headers = s.device(username).headers
    got = s.client.get("/api/v1/correction/settings", headers=headers)
    _expect(attack, f"settings as {username}", got, {"200"})
    put = s.client.put("/api/v1/correction/settings", json=got.json(), headers=headers)
    allowed = "200" if username in DISTRICT_WIDE else "403 FORBIDDEN"
    _expect(attack, f"change the settings as {username}", put, {allowed})


def _fresh_leave(s: Scenario, office: str) -> uuid.UUID:
    """A new subject of ``office`` (``baijia`` or ``xiyuan``) with a 2-day
    leave request waiting for its office head."""
    officer = s.device(f"officer.{office}")
    unit = s.district.baijia if office == "baijia" else s.district.xiyuan
    subject_id, request_id = uuid.uuid4(), uuid.uuid4()
    year = next(_YEARS)
    leave = {
        "kind": "leave_request",
        "start": f"{year}-03-01",
        "end": f"{year}-03-02",
        "destination": "石家庄",
        "reason": "family",
        "guarantor": "王某某",
    }
    fields = subject_fields(unit.id, uuid.UUID(officer.user["id"]), name="矩阵")
    event = {
        "subject_id": str(subject_id),
        "kind": "leave_request",
        "occurred_on": f"{year}-02-01",
        "content": leave,
    }
    results = officer.push(
        [mutation("subjects", subject_id, fields), mutation("subject_events", request_id, event)]
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return request_id


def _waiting(s: Scenario, username: str, attack: Attack) -> None:
    headers = s.device(username).headers
    response = s.client.get("/api/v1/correction/requests/waiting", headers=headers)
    allowed = "200" if username in DECIDERS else "403 FORBIDDEN"
    _expect(attack, f"waiting requests as {username}", response, {allowed})
    attack.check(response.status_code < 500, f"waiting as {username}: {response.status_code}")
    leaked = _leaks(s, username, response.text)
    attack.check(not leaked, f"waiting requests as {username}: leaks {leaked}")
    if username in OFFICE_HEADS:
        other = s.district.xiyuan if username.endswith("baijia") else s.district.baijia
        narrowed = s.client.get(
            "/api/v1/correction/requests/waiting",
            params={"office_id": str(other.id)},
            headers=headers,
        )
        _expect(attack, f"another office's requests as {username}", narrowed, {"404 NOT_FOUND"})


def _decision(s: Scenario, username: str, attack: Attack) -> None:
    headers = s.device(username).headers
    for office in ("baijia", "xiyuan"):
        request_id = _fresh_leave(s, office)
        response = s.client.post(
            f"/api/v1/correction/requests/{request_id}/decision",
            json={"outcome": "approved", "comment": "矩阵"},
            headers=headers,
        )
        if username.startswith("mediator.") or (
            username not in DISTRICT_WIDE and not username.endswith(office)
        ):
            allowed = "404 NOT_FOUND"
        elif username == f"supervisor.{office}":
            allowed = "201"
        else:
            allowed = "403 FORBIDDEN"  # officers, the admin, the district before the office
        _expect(attack, f"decide a {office} leave as {username}", response, {allowed})


def _timeline(s: Scenario, username: str, attack: Attack) -> None:
    headers = s.device(username).headers
    for label in ("subject", "xiyuan_subject", "assigned_subject"):
        response = s.client.get(
            f"/api/v1/correction/subjects/{s.ids[label]}/timeline", headers=headers
        )
        allowed = "200" if username in SEES[label] else "404 NOT_FOUND"
        _expect(attack, f"timeline of {label} as {username}", response, {allowed})
        leaked = _leaks(s, username, response.text)
        attack.check(not leaked, f"timeline of {label} as {username}: leaks {leaked}")


def _printable(s: Scenario, office: str) -> dict[str, uuid.UUID]:
    """A subject of ``office`` with an entry announcement, a leave request
    and a release announcement (none signed on the screen), made once per
    scenario: their ids by kind."""
    label = f"printable_{office}"
    if f"{label}_entry" not in s.ids:
        officer = s.device(f"officer.{office}")
        unit = s.district.baijia if office == "baijia" else s.district.xiyuan
        subject_id = uuid.uuid4()
        year = next(_YEARS)
        fields = subject_fields(unit.id, uuid.UUID(officer.user["id"]), name="打印")
        contents = {
            "entry": {"kind": "entry_announcement", "place": "司法所", "present": ["刘志强"]},
            "leave": {
                "kind": "leave_request",
                "start": f"{year}-03-01",
                "end": f"{year}-03-02",
                "destination": "石家庄",
                "reason": "family",
                "guarantor": "王某某",
            },
            "release": {"kind": "release_announcement", "place": "司法所"},
        }
        ids = {kind: uuid.uuid4() for kind in contents}
        events = [
            mutation(
                "subject_events",
                ids[kind],
                {
                    "subject_id": str(subject_id),
                    "kind": content["kind"],
                    "occurred_on": f"{year}-02-01",
                    "content": content,
                },
            )
            for kind, content in contents.items()
        ]
        results = officer.push([mutation("subjects", subject_id, fields), *events])
        assert {r["status"] for r in results} == {"applied"}, results
        for kind, event_id in ids.items():
            s.ids[f"{label}_{kind}"] = event_id
    return {kind: s.ids[f"{label}_{kind}"] for kind in ("entry", "leave", "release")}


def _printed(s: Scenario, username: str, attack: Attack, document: str) -> None:
    """An office's records print for those who read its subjects; an event
    with no such document is refused naming it; no one else learns of it."""
    headers = s.device(username).headers
    prints = {"record": ("entry", "release"), "certificate": ("release",)}[document]
    for office, readers in (("baijia", CORRECTION_BAIJIA), ("xiyuan", CORRECTION_XIYUAN)):
        ids = _printable(s, office)
        for kind, event_id in ids.items():
            response = s.client.get(
                f"/api/v1/correction/events/{event_id}/{document}.pdf", headers=headers
            )
            if username not in readers:
                allowed = "404 NOT_FOUND"
            else:
                allowed = "200" if kind in prints else "422 VALIDATION_FAILED"
            _expect(attack, f"{document} of the {office} {kind} as {username}", response, {allowed})
            if allowed == "200":
                attack.check(
                    response.content.startswith(b"%PDF-"), f"{document} as {username}: not a PDF"
                )


def _announcement_record(s: Scenario, username: str, attack: Attack) -> None:
    _printed(s, username, attack, "record")


def _certificate(s: Scenario, username: str, attack: Attack) -> None:
    _printed(s, username, attack, "certificate")


CORRECTION_EXPECTATIONS: dict[tuple[str, str], Check] = {
    ("GET", "/api/v1/correction/settings"): _settings,
    ("PUT", "/api/v1/correction/settings"): _settings,
    ("GET", "/api/v1/correction/requests/waiting"): _waiting,
    ("POST", "/api/v1/correction/requests/{request_id}/decision"): _decision,
    ("GET", "/api/v1/correction/subjects/{subject_id}/timeline"): _timeline,
    ("GET", "/api/v1/correction/events/{event_id}/record.pdf"): _announcement_record,
    ("GET", "/api/v1/correction/events/{event_id}/certificate.pdf"): _certificate,
}
