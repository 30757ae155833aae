"""Complete records of every table a device pushes (every field set, lists
with one full item), and their hostile variants: each text, time, day and
integer they hold, replaced in turn by a value a broken or hostile phone
might send.

The records are walked, not listed by hand, so a field added to a schema
becomes a target by being added here; ``uncovered_fields`` tells which
schema fields no record sets (the test fails on any).
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared_models.protocol.tables import TABLES, TableName
from tests.factories import District, id_number

SHA = "ab" * 32

NUL = "\u0000"
HOSTILE_TEXT: dict[str, str] = {
    "nul": NUL,
    "escape": "\u001b[2J",
    "lone-surrogate": "\ud800",
}
"""Inserted in the middle of each text value."""

HOSTILE_TIMES = (
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
)
HOSTILE_DAYS = ("9999-12-31", "0001-01-01", "0000-01-01")
HOSTILE_INTEGERS = (2**31, 2**63, 2**64, -(2**63) - 1, 10**40)

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")
_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")


@dataclass
class Parents:
    """Records the full records refer to, pushed first."""

    case_id: UUID
    subject_id: UUID


def full_records(district: District, parents: Parents) -> dict[str, dict[str, Any]]:
    """A record of each device-writable table with every field set."""
    unit = str(district.baijia.id)
    mediator = district.user("mediator.baijia")
    officer = district.user("officer.baijia")
    party = {
        "party_id": str(uuid.UUID(int=1)),
        "role": "applicant",
        "kind": "person",
        "name": "李某",
        "id_number": id_number(serial="456"),
        "phone": "13800138000",
        "address": "百家村3号",
    }
    return {
        "cases": {
            "title": "煤棚损坏纠纷",
            "category": "neighbourhood",
            "source": "walk_in",
            "description": "邻居翻修时损坏了煤棚",
            "status": "closed",
            "org_unit_id": unit,
            "mediator_id": str(mediator.id),
            "opened_at": "2026-11-20T09:00:00+08:00",
            "closed_at": "2026-11-29T09:00:00+08:00",
            "follow_up_due": "2026-12-20",
        },
        "parties": {
            "case_id": str(parents.case_id),
            "role": "applicant",
            "kind": "person",
            "name": "李某",
            "phone": "13800138000",
            "id_number": id_number(serial="456"),
            "address": "百家村3号",
        },
        "subjects": {
            "name": "王某",
            "id_number": id_number(),
            "gender": "male",
            "birth_date": "1970-05-17",
            "address": "西苑路8号",
            "phone": "13900139000",
            "correction_type": "suspended_sentence",
            "term_start": "2026-01-01",
            "term_end": "2027-12-31",
            "key_person": False,
            "checkin_interval_days": 7,
            "org_unit_id": unit,
            "officer_id": str(officer.id),
            "status": "under_supervision",
            "offence": "盗窃罪",
            "sentence": "有期徒刑一年，缓刑一年",
            "court": "复兴区人民法院",
            "judgment_number": "（2025）冀0404刑初100号",
            "decided_on": "2025-12-20",
            "supervision_level": "normal",
            "enrolled_on": "2026-01-03",
            "released_on": "2027-12-31",
            "team": [
                {
                    "name": "张某",
                    "role": "community",
                    "gender": "female",
                    "phone": "13700137000",
                    "user_id": str(officer.id),
                }
            ],
        },
        "visits": {
            "case_id": str(parents.case_id),
            "subject_id": None,
            "kind": "follow_up",
            "method": "home_visit",
            "started_at": "2026-11-28T09:30:00+08:00",
            "ended_at": "2026-11-28T10:30:00+08:00",
            "lat": 36.6,
            "lon": 114.47,
            "accuracy_m": 12.0,
            "notes": "双方均已履行",
            "outcome": "已履行",
            "agreement_id": str(uuid.UUID(int=2)),
            "obligation_checks": [{"obligation_index": 0, "honoured": True, "note": "已付款"}],
        },
        "attachments": {
            "owner_table": "cases",
            "owner_id": str(parents.case_id),
            "kind": "photo",
            "sha256": SHA,
            "size": 1024,
            "mime": "image/jpeg",
            "width": 640,
            "height": 480,
            "caption": "煤棚照片",
            "taken_at": "2026-11-28T09:40:00+08:00",
        },
        "agreements": {
            "case_id": str(parents.case_id),
            "committee_name": "百家村调委会",
            "mediator_id": str(mediator.id),
            "mediator_name": "王桂兰",
            "parties": [party, {**party, "party_id": None, "role": "respondent", "name": "张某"}],
            "facts": "邻居翻修时损坏了煤棚",
            "obligations": [
                {"obligor": "张某", "action": "赔偿500元", "due": "2026-12-31", "method": "现金"}
            ],
            "performance_method": "一次性",
            "performance_deadline": "2026-12-31",
            "status": "draft",
            "signatures": [
                {
                    "signer_role": "party",
                    "signer_name": "李某",
                    "party_id": str(uuid.UUID(int=1)),
                    "kind": "signature",
                    "attachment_id": str(uuid.UUID(int=3)),
                    "sha256": SHA,
                    "signed_at": "2026-11-28T10:00:00+08:00",
                }
            ],
            "signed_at": "2026-11-28T10:00:00+08:00",
            "content_hash": SHA,
            "supersedes_id": None,
        },
        "reviews": {
            "target_table": "cases",
            "target_id": str(parents.case_id),
            "target_version": 1,
            "state": "approved",
            "comment": "材料齐全",
        },
        "subject_events": {
            "subject_id": str(parents.subject_id),
            "kind": "leave_request",
            "occurred_on": "2026-11-20",
            "request_id": None,
            "content": {
                "kind": "leave_request",
                "start": "2026-12-01",
                "end": "2026-12-05",
                "destination": "石家庄市第一医院",
                "reason": "medical",
                "reason_text": "复查\n住院",
                "guarantor": "王某某",
                "guarantor_phone": "13600136000",
            },
        },
    }


def uncovered_fields(records: dict[str, dict[str, Any]]) -> list[str]:
    """Schema fields (nested models' too) that no full record sets."""
    missing: list[str] = []
    for name, spec in TABLES.items():
        if not spec.device_writable:
            continue
        record = records.get(name.value)
        if record is None:
            missing.append(name.value)
            continue
        missing.extend(_missing(spec.fields, record, name.value))
    return missing


def _missing(model: type[BaseModel], record: dict[str, Any], prefix: str) -> list[str]:
    out: list[str] = []
    for field_name, info in model.model_fields.items():
        if field_name not in record:
            out.append(f"{prefix}.{field_name}")
            continue
        value = record[field_name]
        item = _list_item_model(info.annotation)
        if item is not None and isinstance(value, list) and value:
            out.extend(_missing(item, value[0], f"{prefix}.{field_name}"))
    return out


def _list_item_model(annotation: Any) -> type[BaseModel] | None:
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


@dataclass(frozen=True)
class Variant:
    """One record with one value replaced: ``path`` names it as the server
    names a field (``parties.0.name``)."""

    table: TableName
    path: str
    kind: str
    fields: dict[str, Any]


def variants(table: str, record: dict[str, Any]) -> Iterator[Variant]:
    """Every hostile variant of ``record``."""
    for path, value in _leaves(record, ()):
        dotted = ".".join(str(part) for part in path)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            for number in HOSTILE_INTEGERS:
                yield Variant(
                    TableName(table), dotted, f"int {number}", _replace(record, path, number)
                )
        if not isinstance(value, str):
            continue
        middle = len(value) // 2
        for kind, bad in HOSTILE_TEXT.items():
            spoilt = value[:middle] + bad + value[middle:]
            yield Variant(TableName(table), dotted, kind, _replace(record, path, spoilt))
        if _TIME.match(value):
            for moment in HOSTILE_TIMES:
                yield Variant(TableName(table), dotted, moment, _replace(record, path, moment))
        elif _DAY.match(value):
            for day in HOSTILE_DAYS:
                yield Variant(TableName(table), dotted, day, _replace(record, path, day))


def _leaves(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif value is not None:
        yield path, value


def _replace(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {
            key: _replace(item, rest, new) if key == head else item for key, item in value.items()
        }
    return [
        _replace(item, rest, new) if index == head else item for index, item in enumerate(value)
    ]
