"""The wire protocol (shared_models.protocol), as docs/protocol.md states it."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared_models.domain import RecordMeta
from shared_models.protocol import (
    TABLES,
    Change,
    ErrorBody,
    ErrorCode,
    ErrorEnvelope,
    MutationError,
    MutationResult,
    MutationStatus,
    PullPage,
    PushRequest,
    PushResponse,
    TableName,
)

MUTATION_ID = "3a1f0c52-8d7e-4b9a-a6c1-2f4e5d6c7b8a"
RECORD_ID = "4b2a1d63-9e8f-4cab-b7d2-3a5f6e7d8c9b"
SUBJECT_ID = "6c1d3b5f-1d20-4b64-8c1f-708b4e3d2c11"

PUSH_BODY = """
{"device_id": "android-7f3a9c21", "protocol": 1, "app_version": "0.1.0",
 "mutations": [
   {"mutation_id": "3a1f0c52-8d7e-4b9a-a6c1-2f4e5d6c7b8a", "table": "visits",
    "record_id": "4b2a1d63-9e8f-4cab-b7d2-3a5f6e7d8c9b",
    "op": "upsert", "base_version": null,
    "fields": {"subject_id": "6c1d3b5f-1d20-4b64-8c1f-708b4e3d2c11", "kind": "checkin",
               "notes": "按时报到，状态良好", "lat": 36.6093, "lon": 114.4826,
               "attachments": [{"sha256": "ab", "n": 1}], "key_person": true},
    "client_time": "2026-11-28T09:30:00+08:00"},
   {"mutation_id": "5c3b2e74-af90-4dbc-88e3-4b6a7f8e9dac", "table": "cases",
    "record_id": "6c1d3b5f-1d20-4b64-8c1f-708b4e3d2c11",
    "op": "delete", "base_version": 17}
 ]}
"""


def push(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(PUSH_BODY)
    body.update(changes)
    return body


def with_mutation(**changes: Any) -> str:
    body = push()
    body["mutations"][0].update(changes)
    return json.dumps(body)


def test_a_realistic_push_parses() -> None:
    request = PushRequest.model_validate_json(PUSH_BODY)

    assert request.device_id == "android-7f3a9c21"
    assert request.protocol == 1
    first, second = request.mutations
    assert first.mutation_id == UUID(MUTATION_ID)
    assert first.table is TableName.VISITS
    assert first.record_id == UUID(RECORD_ID)
    assert first.op == "upsert"
    assert first.base_version is None
    # fields stay raw JSON here; the table's schema validates them later
    assert first.fields["subject_id"] == SUBJECT_ID
    assert first.fields["notes"] == "按时报到，状态良好"
    assert first.fields["attachments"] == [{"sha256": "ab", "n": 1}]
    assert first.client_time == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    assert second.op == "delete"
    assert second.base_version == 17
    assert second.fields == {}
    assert second.client_time is None


def test_a_push_round_trips() -> None:
    request = PushRequest.model_validate_json(PUSH_BODY)
    assert PushRequest.model_validate_json(request.model_dump_json()) == request


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(with_mutation(op="patch"), id="unknown op"),
        pytest.param(with_mutation(op="UPSERT"), id="op is case-sensitive"),
        pytest.param(with_mutation(base_version=-1), id="negative base_version"),
        pytest.param(with_mutation(base_version="3"), id="base_version as text"),
        pytest.param(with_mutation(base_version=3.5), id="fractional base_version"),
        pytest.param(with_mutation(table="secrets"), id="unknown table"),
        pytest.param(with_mutation(table="Visits"), id="table is case-sensitive"),
        pytest.param(with_mutation(mutation_id="not-a-uuid"), id="bad mutation_id"),
        pytest.param(with_mutation(record_id=None), id="missing record_id"),
        pytest.param(with_mutation(fields=["notes"]), id="fields not an object"),
        pytest.param(with_mutation(version=18), id="extra key in a mutation"),
        pytest.param(with_mutation(client_time="yesterday"), id="bad client_time"),
        pytest.param(json.dumps(push(user_id="x")), id="extra key in the request"),
        pytest.param(json.dumps(push(protocol="1")), id="protocol as text"),
        pytest.param(json.dumps(push(device_id="short")), id="device_id too short"),
        pytest.param(json.dumps(push(mutations=None)), id="no mutation list"),
        pytest.param('{"device_id": "android-7f3a9c21", "protocol": 1', id="truncated JSON"),
    ],
)
def test_bad_pushes_are_rejected(body: str) -> None:
    with pytest.raises(ValidationError):
        PushRequest.model_validate_json(body)


def test_an_empty_push_is_valid() -> None:
    request = PushRequest.model_validate_json(json.dumps(push(mutations=[])))
    assert request.mutations == []


# --- tables -------------------------------------------------------------------


def test_every_table_has_a_spec() -> None:
    assert set(TABLES) == set(TableName)
    for name, spec in TABLES.items():
        assert spec.name is name


def test_server_owned_tables_are_not_device_writable() -> None:
    read_only = {name for name, spec in TABLES.items() if not spec.device_writable}
    assert read_only == {TableName.ORG_UNITS, TableName.USERS, TableName.CONFLICTS}


@pytest.mark.parametrize("name", list(TableName))
def test_a_pulled_record_is_its_fields_plus_sync_bookkeeping(name: TableName) -> None:
    spec = TABLES[name]
    assert issubclass(spec.record, spec.fields)
    assert issubclass(spec.record, RecordMeta)
    assert set(spec.record.model_fields) >= set(spec.fields.model_fields) | set(
        RecordMeta.model_fields
    )


def test_tables_named_in_the_protocol_document() -> None:
    documented = {
        "org_units",
        "users",
        "cases",
        "parties",
        "subjects",
        "visits",
        "attachments",
        "agreements",
        "reviews",
        "conflicts",
        "subject_events",
    }
    assert {t.value for t in TableName} == documented


# --- results, pull pages, errors ----------------------------------------------


def test_a_push_response_round_trips() -> None:
    response = PushResponse(
        results=[
            MutationResult(mutation_id=UUID(MUTATION_ID), status=MutationStatus.APPLIED, version=9),
            MutationResult(
                mutation_id=UUID(RECORD_ID),
                status=MutationStatus.REJECTED,
                error=MutationError(
                    code=ErrorCode.RECORD_SEALED, message="协议已签署，不能修改", field="facts"
                ),
            ),
        ],
        server_time=datetime(2026, 11, 28, 1, 30, tzinfo=UTC),
    )
    assert PushResponse.model_validate_json(response.model_dump_json()) == response


def test_push_statuses_are_the_documented_ones() -> None:
    assert {s.value for s in MutationStatus} == {
        "applied",
        "merged",
        "conflict",
        "duplicate",
        "rejected",
    }


def test_a_pull_page_parses() -> None:
    page = PullPage.model_validate_json(
        json.dumps(
            {
                "changes": [
                    {"table": "visits", "record": {"id": RECORD_ID, "version": 9, "notes": "记录"}},
                    {"table": "cases", "op": "delete", "record": {"id": SUBJECT_ID}},
                    {"table": "subjects", "op": "remove", "record": {"id": SUBJECT_ID}},
                ],
                "cursor": "opaque-cursor",
                "more": False,
            },
            ensure_ascii=False,
        )
    )
    assert [c.op for c in page.changes] == ["upsert", "delete", "remove"]
    assert page.changes[0].record["notes"] == "记录"


@pytest.mark.parametrize(
    "change",
    [
        {"table": "nope", "record": {}},
        {"table": "visits", "op": "upsert2", "record": {}},
        {"table": "visits", "record": {}, "extra": 1},
    ],
)
def test_bad_changes_are_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Change.model_validate(change)


def test_error_codes_are_stable_uppercase_names() -> None:
    values = [code.value for code in ErrorCode]
    assert len(values) == len(set(values))
    for code in ErrorCode:
        assert code.value == code.name
        assert code.value.isupper()
        assert code.value.replace("_", "").isalpha()


@pytest.mark.parametrize(
    "documented",
    [
        "VALIDATION_FAILED",
        "RECORD_SEALED",
        "OUT_OF_SCOPE",
        "READ_ONLY_TABLE",
        "UNKNOWN_REFERENCE",
        "HASH_MISMATCH",
        "PROTOCOL_UNSUPPORTED",
    ],
)
def test_codes_named_in_the_protocol_document_exist(documented: str) -> None:
    assert ErrorCode(documented).name == documented


def test_an_error_envelope_round_trips() -> None:
    envelope = ErrorEnvelope(
        error=ErrorBody(
            code=ErrorCode.BATCH_TOO_LARGE,
            message="一次最多推送500条记录",
            details={"max_mutations": 500, "max_bytes": 4_194_304, "fields": ["mutations"]},
        )
    )
    text = envelope.model_dump_json()

    assert json.loads(text) == {
        "error": {
            "code": "BATCH_TOO_LARGE",
            "message": "一次最多推送500条记录",
            "details": {"max_mutations": 500, "max_bytes": 4_194_304, "fields": ["mutations"]},
        }
    }
    assert ErrorEnvelope.model_validate_json(text) == envelope


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"code": "NO_SUCH_CODE", "message": "x"}},
        {"error": {"code": "NOT_FOUND"}},
        {"error": {"code": "NOT_FOUND", "message": "x"}, "status": 404},
        {"code": "NOT_FOUND", "message": "x"},
    ],
)
def test_malformed_error_envelopes_are_rejected(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ErrorEnvelope.model_validate_json(json.dumps(body))
