"""Subject events as a phone pushes them, for the correction tests."""

import uuid
from typing import Any
from uuid import UUID

from tests.factories import District, mutation, subject_fields


def event_fields(
    subject_id: UUID,
    content: dict[str, Any],
    occurred_on: str = "2026-12-01",
    request_id: UUID | None = None,
) -> dict[str, Any]:
    return {
        "subject_id": str(subject_id),
        "kind": content["kind"],
        "occurred_on": occurred_on,
        "request_id": None if request_id is None else str(request_id),
        "content": content,
    }


def leave(start: str, end: str, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "leave_request",
        "start": start,
        "end": end,
        "destination": "石家庄市第一医院",
        "reason": "medical",
        "guarantor": "王某某（父）",
        **overrides,
    }


ENTRY = {
    "kind": "entry_announcement",
    "place": "百家街道司法所",
    "present": ["张所长", "李矫正", "王某某（父）"],
    "items_read": ["judgment", "term", "rules", "team"],
}

WARNING = {"kind": "reward_sanction", "measure": "warning", "facts": "未按时报到两次"}


def enrol(device: Any, district: District, **overrides: Any) -> UUID:
    """A subject of 百家 under ``officer.baijia``, pushed by ``device``."""
    subject_id = uuid.uuid4()
    officer = district.user("officer.baijia").id
    fields = subject_fields(district.baijia.id, officer, **overrides)
    [result] = device.push([mutation("subjects", subject_id, fields)])
    assert result["status"] == "applied", result
    return subject_id


def push_event(
    device: Any,
    subject_id: UUID,
    content: dict[str, Any],
    *,
    occurred_on: str = "2026-12-01",
    request_id: UUID | None = None,
    event_id: UUID | None = None,
) -> tuple[UUID, dict[str, Any]]:
    """Push one event; its id and its result."""
    event_id = event_id or uuid.uuid4()
    fields = event_fields(subject_id, content, occurred_on, request_id)
    [result] = device.push([mutation("subject_events", event_id, fields)])
    return event_id, result
