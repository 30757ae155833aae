"""Domain schemas (shared_models.domain): what a device may send and the
server may store. Every check here runs on both sides, so a rule that breaks
would let a bad record into the district database."""

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from sqlmodel import SQLModel

from shared_models.domain import (
    AgreementFields,
    AttachmentFields,
    CaseFields,
    PartyFields,
    SubjectFields,
    UserProfileFields,
    VisitFields,
)
from shared_models.domain.agreements import signing_problems
from shared_models.domain.attachments import ALLOWED_MIME_TYPES, MAX_BLOB_BYTES
from shared_models.domain.base import SERVER_OWNED_FIELDS
from shared_models.domain.people import IdNumber, resident_id_check_char
from shared_models.protocol import TABLES, TableName

CASE_ID = "5b0c2a4e-0c1f-4a53-9b0e-6f8a3d2c1b00"
SUBJECT_ID = "6c1d3b5f-1d20-4b64-8c1f-708b4e3d2c11"
UNIT_ID = "7d2e4c60-2e31-4c75-9d20-819c5f4e3d22"
APPLICANT_ID = "0d7e6f1a-3b2c-4d5e-8f90-a1b2c3d4e5f6"
RESPONDENT_ID = "1e8f7a2b-4c3d-4e6f-9a01-b2c3d4e5f6a7"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
VALID_ID = "11010519491231002X"  # the worked example of GB 11643

Validate = Callable[[type[SQLModel], dict[str, Any]], SQLModel]


def from_python(model: type[SQLModel], data: dict[str, Any]) -> SQLModel:
    return model.model_validate(data)


def from_json(model: type[SQLModel], data: dict[str, Any]) -> SQLModel:
    return model.model_validate_json(json.dumps(data, ensure_ascii=False))


# The server validates parsed JSON (python mode), the device may validate text.
both_modes = pytest.mark.parametrize("validate", [from_python, from_json], ids=["dict", "json"])


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    """All messages of a validation error, one per line with its location."""
    return "\n".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.value.errors())


# --- one valid record per table, as it arrives on the wire ---------------------

SAMPLES: dict[TableName, dict[str, Any]] = {
    TableName.ORG_UNITS: {"name": "百家街道司法所", "kind": "office", "parent_id": UNIT_ID},
    TableName.USERS: {
        "username": "wangguilan",
        "display_name": "王桂兰",
        "role": "mediator",
        "org_unit_id": UNIT_ID,
    },
    TableName.CASES: {
        "title": "煤棚损坏纠纷",
        "category": "neighbourhood",
        "source": "walk_in",
        "org_unit_id": UNIT_ID,
        "opened_at": "2026-11-20T09:00:00+08:00",
        "follow_up_due": "2026-12-20",
    },
    TableName.PARTIES: {
        "case_id": CASE_ID,
        "role": "applicant",
        "name": "张三",
        "phone": "138 0013 8000",
        "id_number": VALID_ID,
    },
    TableName.SUBJECTS: {
        "name": "李四",
        "id_number": VALID_ID,
        "gender": "male",
        "correction_type": "suspended_sentence",
        "term_start": "2026-01-01",
        "term_end": "2027-06-30",
        "key_person": True,
        "checkin_interval_days": 7,
        "org_unit_id": UNIT_ID,
    },
    TableName.VISITS: {
        "subject_id": SUBJECT_ID,
        "kind": "checkin",
        "method": "office",
        "started_at": "2026-11-28T09:30:00+08:00",
        "ended_at": "2026-11-28T09:45:00+08:00",
        "lat": 36.6093,
        "lon": 114.4826,
        "accuracy_m": 12.5,
        "notes": "按时报到",
    },
    TableName.ATTACHMENTS: {
        "owner_table": "visits",
        "owner_id": CASE_ID,
        "kind": "photo",
        "sha256": SHA,
        "size": 183_422,
        "mime": "image/jpeg",
        "width": 1600,
        "height": 1200,
        "taken_at": "2026-11-28T09:31:00+08:00",
    },
    TableName.AGREEMENTS: {"case_id": CASE_ID, "facts": "草稿"},
    TableName.REVIEWS: {
        "target_table": "visits",
        "target_id": CASE_ID,
        "target_version": 12,
        "state": "needs_changes",
        "comment": "请补充照片",
    },
    TableName.CONFLICTS: {
        "table_name": "visits",
        "record_id": CASE_ID,
        "field": "notes",
        "overwritten_value": "办公室填写",
        "current_value": {"nested": ["设备", 1]},
        "base_version": 4,
        "overwritten_version": 9,
    },
    TableName.SUBJECT_EVENTS: {
        "subject_id": CASE_ID,
        "kind": "leave_request",
        "occurred_on": "2026-11-28",
        "content": {
            "kind": "leave_request",
            "start": "2026-12-05",
            "end": "2026-12-14",
            "destination": "石家庄",
            "reason": "medical",
            "guarantor": "王某某",
        },
    },
}
META = {"id": APPLICANT_ID, "version": 42, "updated_at": "2026-11-28T01:00:00Z", "deleted": False}


def test_every_table_has_a_sample() -> None:
    assert set(SAMPLES) == set(TableName)


@both_modes
@pytest.mark.parametrize("table", list(TableName))
def test_samples_are_valid_fields_and_records(table: TableName, validate: Validate) -> None:
    spec = TABLES[table]
    validate(spec.fields, SAMPLES[table])
    record = validate(spec.record, {**SAMPLES[table], **META})
    assert record.model_dump()["version"] == 42


@both_modes
@pytest.mark.parametrize("table", list(TableName))
def test_unknown_fields_are_rejected(table: TableName, validate: Validate) -> None:
    with pytest.raises(ValidationError) as exc:
        validate(TABLES[table].fields, {**SAMPLES[table], "remarks_v2": "x"})
    assert exc.value.errors()[0]["type"] == "extra_forbidden"


@both_modes
@pytest.mark.parametrize("table", [t for t in TableName if TABLES[t].device_writable])
@pytest.mark.parametrize("meta_field", sorted(SERVER_OWNED_FIELDS))
def test_a_device_cannot_set_server_bookkeeping(
    table: TableName, meta_field: str, validate: Validate
) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        validate(TABLES[table].fields, {**SAMPLES[table], meta_field: META.get(meta_field)})


# --- strict types on the wire ----------------------------------------------------

WRONG_TYPES = [
    (TableName.SUBJECTS, "checkin_interval_days", "3"),
    (TableName.SUBJECTS, "checkin_interval_days", 3.0),
    (TableName.SUBJECTS, "checkin_interval_days", True),
    (TableName.ATTACHMENTS, "size", "183422"),
    (TableName.ATTACHMENTS, "width", "1600"),
    (TableName.REVIEWS, "target_version", "12"),
    (TableName.VISITS, "lat", "36.6"),
    (TableName.VISITS, "accuracy_m", "3"),
    (TableName.VISITS, "accuracy_m", False),
    (TableName.SUBJECTS, "key_person", "true"),
    (TableName.SUBJECTS, "key_person", 1),
    (TableName.USERS, "active", "false"),
    (TableName.CASES, "title", 3),
    (TableName.PARTIES, "name", ["张三"]),
    (TableName.VISITS, "subject_id", 5),
    (TableName.VISITS, "kind", 3),
]


@both_modes
@pytest.mark.parametrize(("table", "field", "value"), WRONG_TYPES)
def test_no_silent_coercion(table: TableName, field: str, value: Any, validate: Validate) -> None:
    with pytest.raises(ValidationError) as exc:
        validate(TABLES[table].fields, {**SAMPLES[table], field: value})
    assert [e["loc"] for e in exc.value.errors()] == [(field,)]


@both_modes
def test_iso_strings_are_parsed_for_ids_dates_times_and_enums(validate: Validate) -> None:
    visit = validate(VisitFields, SAMPLES[TableName.VISITS])
    subject = validate(SubjectFields, SAMPLES[TableName.SUBJECTS])

    assert isinstance(visit, VisitFields)
    assert isinstance(subject, SubjectFields)
    assert str(visit.subject_id) == SUBJECT_ID
    assert visit.kind == "checkin"
    assert visit.started_at == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    assert subject.term_start == date(2026, 1, 1)
    assert subject.correction_type == "suspended_sentence"


@both_modes
@pytest.mark.parametrize(
    "value", [1_764_293_400, 1_764_293_400.5, "1764293400", "20261128", "    -1", " 1764293400 "]
)
def test_numbers_are_not_times(value: Any, validate: Validate) -> None:
    """Lax parsing would read these as Unix timestamps ("20261128" as 1970-08-23)."""
    with pytest.raises(ValidationError, match="ISO 8601"):
        validate(VisitFields, {**SAMPLES[TableName.VISITS], "started_at": value})


@both_modes
@pytest.mark.parametrize("value", [0, 20_261_128, "20261128"])
def test_numbers_are_not_dates(value: Any, validate: Validate) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        validate(SubjectFields, {**SAMPLES[TableName.SUBJECTS], "term_start": value})


@both_modes
def test_naive_times_are_utc(validate: Validate) -> None:
    visit = validate(
        VisitFields,
        {**SAMPLES[TableName.VISITS], "started_at": "2026-11-28T09:30:00", "ended_at": None},
    )
    assert isinstance(visit, VisitFields)
    assert visit.started_at == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def test_naive_datetime_objects_are_utc() -> None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    data = {**SAMPLES[TableName.VISITS], "started_at": datetime(2026, 11, 28, 9, 30)}
    data["ended_at"] = datetime(2026, 11, 28, 9, 45)
    visit = VisitFields.model_validate(data)
    assert visit.started_at == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@settings(max_examples=200)
@given(
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
    st.booleans(),
)
def test_aware_times_are_normalised_to_utc(naive: datetime, minutes: int, as_text: bool) -> None:
    local = naive.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    data = {**SAMPLES[TableName.VISITS], "started_at": local, "ended_at": None}
    if as_text:
        data["started_at"] = local.isoformat()

    visit = VisitFields.model_validate(data)

    assert visit.started_at == local  # the same instant...
    assert visit.started_at.utcoffset() == timedelta(0)  # ...written in UTC
    assert visit.model_dump(mode="json")["started_at"].endswith("Z")


# --- resident ID numbers (GB 11643) --------------------------------------------

id_number = TypeAdapter(IdNumber)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["130404", "130402", "130406", "110105", "440305"]))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def with_check_char(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def test_check_char_matches_the_standards_examples() -> None:
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("44052418800101001") == "4"


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_is_iso_7064_mod_11_2(first17: str) -> None:
    """GB 11643 in its own words: weights 2**(i-1) mod 11 counted from the
    check position, check value (12 - sum mod 11) mod 11, with 10 written X."""
    total = sum(int(d) * pow(2, 17 - k, 11) for k, d in enumerate(first17))
    check = (12 - total % 11) % 11
    assert resident_id_check_char(first17) == ("X" if check == 10 else str(check))


@settings(max_examples=200)
@given(resident_ids())
def test_valid_id_numbers_are_accepted(number: str) -> None:
    assert id_number.validate_python(number) == number
    assert id_number.validate_python(f"  {number}\n") == number


@settings(max_examples=200)
@given(resident_ids(), st.sampled_from("0123456789X"))
def test_a_wrong_check_digit_is_rejected(number: str, wrong: str) -> None:
    if wrong == number[-1]:
        wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(ValidationError, match="check digit"):
        id_number.validate_python(number[:-1] + wrong)


@settings(max_examples=200)
@given(resident_ids(), st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_a_single_mistyped_digit_is_caught(number: str, position: int, shift: int) -> None:
    """The check digit exists to catch exactly this."""
    digit = str((int(number[position]) + shift) % 10)
    with pytest.raises(ValidationError):
        id_number.validate_python(number[:position] + digit + number[position + 1 :])


def test_lower_case_x_is_accepted_and_normalised() -> None:
    assert id_number.validate_python("11010519491231002x") == "11010519491231002X"
    party = PartyFields.model_validate(
        {**SAMPLES[TableName.PARTIES], "id_number": "11010519491231002x"}
    )
    assert party.id_number == "11010519491231002X"


@pytest.mark.parametrize(
    "number",
    [
        "1101051949123100",  # 16 characters
        "11010519491231002",  # the check character is missing
        "110105194912310021X",  # 19 characters
        "110105491231002",  # the old 15-digit form
        "",
        "11010519491231A02X",  # a letter among the digits
        "X10105194912310021",
    ],
)
def test_malformed_id_numbers_are_rejected(number: str) -> None:
    with pytest.raises(ValidationError, match="17 digits"):
        id_number.validate_python(number)


@pytest.mark.parametrize(
    "birth", ["19491331", "19490230", "20230229", "19490001", "19491200", "00000101"]
)
def test_an_impossible_birth_date_is_rejected(birth: str) -> None:
    number = with_check_char(f"130404{birth}002")
    with pytest.raises(ValidationError, match="not a real date"):
        id_number.validate_python(number)


def test_a_real_leap_day_is_accepted() -> None:
    number = with_check_char("13040420000229002")
    assert id_number.validate_python(number) == number


def test_full_width_digits_are_rejected() -> None:
    """An input method may produce ０-９; stored as such they would be a
    second spelling of the same person's number."""
    full_width = VALID_ID[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    with pytest.raises(ValidationError, match="17 digits"):
        id_number.validate_python(full_width + "X")


@both_modes
def test_id_numbers_are_checked_inside_records(validate: Validate) -> None:
    with pytest.raises(ValidationError) as exc:
        validate(SubjectFields, {**SAMPLES[TableName.SUBJECTS], "id_number": "110105194912310021"})
    assert "id_number" in errors(exc)


# --- visits ---------------------------------------------------------------------

VISIT = SAMPLES[TableName.VISITS]


@both_modes
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"case_id": CASE_ID}, "case_id: a visit belongs to exactly one"),
        ({"subject_id": None, "kind": "home_visit"}, "case_id: a visit belongs to exactly one"),
        ({"subject_id": None, "case_id": CASE_ID}, "subject_id: a check-in"),
        ({"lat": None}, "lat: a location needs both"),
        ({"lon": None}, "lat: a location needs both"),
        ({"lat": 90.0001}, "less than or equal to 90"),
        ({"lat": -90.5}, "greater than or equal to -90"),
        ({"lon": 180.01}, "less than or equal to 180"),
        ({"lon": -181}, "greater than or equal to -180"),
        ({"accuracy_m": -1}, "greater than or equal to 0"),
        ({"ended_at": "2026-11-28T09:29:59+08:00"}, "ended_at: a visit cannot end before"),
        # 09:00 in Beijing is before 01:45 UTC, whatever the digits say.
        (
            {"started_at": "2026-11-28T01:45:00Z", "ended_at": "2026-11-28T09:00:00+08:00"},
            "ended_at: a visit cannot end before",
        ),
    ],
)
def test_invalid_visits_are_rejected(
    changes: dict[str, Any], message: str, validate: Validate
) -> None:
    with pytest.raises(ValidationError) as exc:
        validate(VisitFields, {**VISIT, **changes})
    assert message in errors(exc)


@both_modes
@pytest.mark.parametrize(
    "changes",
    [
        {"lat": None, "lon": None, "accuracy_m": None},
        {"lat": 90, "lon": 180},
        {"lat": -90.0, "lon": -180.0},
        {"ended_at": "2026-11-28T01:30:00Z"},  # ends the instant it starts
        {"ended_at": None},
        {"subject_id": None, "case_id": CASE_ID, "kind": "mediation_session", "method": None},
        {"kind": "home_visit"},
    ],
)
def test_valid_visits_are_accepted(changes: dict[str, Any], validate: Validate) -> None:
    validate(VisitFields, {**VISIT, **changes})


# --- subjects and cases --------------------------------------------------------

SUBJECT = SAMPLES[TableName.SUBJECTS]


@both_modes
def test_a_term_cannot_end_before_it_starts(validate: Validate) -> None:
    with pytest.raises(ValidationError, match="term_end: the term cannot end before"):
        validate(SubjectFields, {**SUBJECT, "term_start": "2026-01-02", "term_end": "2026-01-01"})
    validate(SubjectFields, {**SUBJECT, "term_start": "2026-01-01", "term_end": "2026-01-01"})


@both_modes
@pytest.mark.parametrize(
    ("days", "ok"), [(0, False), (1, True), (7, True), (90, True), (91, False)]
)
def test_checkin_interval_bounds(days: int, ok: bool, validate: Validate) -> None:
    data = {**SUBJECT, "checkin_interval_days": days}
    if ok:
        validate(SubjectFields, data)
    else:
        with pytest.raises(ValidationError, match="checkin_interval_days"):
            validate(SubjectFields, data)


CASE = SAMPLES[TableName.CASES]


@both_modes
def test_a_closed_case_needs_its_closing_time(validate: Validate) -> None:
    with pytest.raises(ValidationError, match="closed_at: a closed case needs"):
        validate(CaseFields, {**CASE, "status": "closed"})
    validate(CaseFields, {**CASE, "status": "closed", "closed_at": "2026-11-30T10:00:00+08:00"})


@both_modes
def test_a_case_cannot_close_before_it_opened(validate: Validate) -> None:
    with pytest.raises(ValidationError, match="closed_at: a case cannot close before"):
        validate(CaseFields, {**CASE, "status": "closed", "closed_at": "2026-11-19T09:00:00+08:00"})


@both_modes
def test_a_case_needs_a_title(validate: Validate) -> None:
    with pytest.raises(ValidationError, match="title"):
        validate(CaseFields, {**CASE, "title": ""})


# --- attachments ----------------------------------------------------------------

ATTACHMENT = SAMPLES[TableName.ATTACHMENTS]


@both_modes
@pytest.mark.parametrize("mime", sorted(ALLOWED_MIME_TYPES))
def test_accepted_mime_types(mime: str, validate: Validate) -> None:
    validate(AttachmentFields, {**ATTACHMENT, "mime": mime})


@both_modes
@pytest.mark.parametrize(
    "mime", ["image/gif", "text/html", "image/svg+xml", "IMAGE/JPEG", "application/zip", ""]
)
def test_other_mime_types_are_rejected(mime: str, validate: Validate) -> None:
    with pytest.raises(ValidationError, match=r"mime: .* is not accepted"):
        validate(AttachmentFields, {**ATTACHMENT, "mime": mime})


@both_modes
@pytest.mark.parametrize(
    ("size", "ok"),
    [(0, False), (-5, False), (1, True), (MAX_BLOB_BYTES, True), (MAX_BLOB_BYTES + 1, False)],
)
def test_attachment_size_bounds(size: int, ok: bool, validate: Validate) -> None:
    data = {**ATTACHMENT, "size": size}
    if ok:
        validate(AttachmentFields, data)
    else:
        with pytest.raises(ValidationError, match="size"):
            validate(AttachmentFields, data)


@both_modes
@pytest.mark.parametrize("sha", [SHA.upper(), SHA[:-1], SHA + "0", "z" * 64])
def test_attachment_hash_is_lowercase_hex_sha256(sha: str, validate: Validate) -> None:
    with pytest.raises(ValidationError, match="sha256"):
        validate(AttachmentFields, {**ATTACHMENT, "sha256": sha})


# --- agreements -----------------------------------------------------------------


def _signature(role: str, name: str, party_id: str | None) -> dict[str, Any]:
    return {
        "signer_role": role,
        "signer_name": name,
        "party_id": party_id,
        "attachment_id": CASE_ID,
        "sha256": SHA,
        "signed_at": "2026-11-28T20:05:00+08:00",
    }


def complete_agreement(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "case_id": CASE_ID,
        "mediator_name": "王桂兰",
        "parties": [
            {"party_id": APPLICANT_ID, "role": "applicant", "name": "张三"},
            {"party_id": RESPONDENT_ID, "role": "respondent", "name": "李四"},
        ],
        "facts": "李四拆除煤棚时损坏张三的煤棚顶棚。",
        "obligations": [{"obligor": "李四", "action": "赔偿修缮费800元"}],
        "performance_deadline": "2026-12-15",
        "signatures": [
            _signature("party", "张三", APPLICANT_ID),
            _signature("party", "李四", RESPONDENT_ID),
            _signature("mediator", "王桂兰", None),
        ],
        "status": "signed",
        "signed_at": "2026-11-28T20:10:00+08:00",
        "content_hash": SHA,
    }
    data.update(changes)
    return data


@both_modes
def test_a_draft_may_be_incomplete(validate: Validate) -> None:
    draft = validate(AgreementFields, {"case_id": CASE_ID})
    assert isinstance(draft, AgreementFields)
    assert draft.status == "draft"
    assert signing_problems(draft)


@both_modes
def test_a_complete_agreement_can_be_signed(validate: Validate) -> None:
    agreement = validate(AgreementFields, complete_agreement())
    assert isinstance(agreement, AgreementFields)
    assert signing_problems(agreement) == []


def _without_respondent_signature() -> dict[str, Any]:
    data = complete_agreement()
    data["signatures"] = [s for s in data["signatures"] if s["party_id"] != RESPONDENT_ID]
    return data


INCOMPLETE = {
    "one party": (
        complete_agreement(parties=complete_agreement()["parties"][:1]),
        "parties: an agreement needs at least two parties",
    ),
    "blank facts": (complete_agreement(facts=" \n "), "facts: state the main facts"),
    "no obligations": (complete_agreement(obligations=[]), "obligations: list at least one"),
    "no deadline": (
        complete_agreement(performance_deadline=None),
        "performance_deadline: set the deadline",
    ),
    "no mediator": (complete_agreement(mediator_name=" "), "mediator_name: name the mediator"),
    "a party has not signed": (_without_respondent_signature(), "signatures: 李四 has not signed"),
    "the mediator has not signed": (
        complete_agreement(signatures=complete_agreement()["signatures"][:2]),
        "signatures: the mediator has not signed",
    ),
    "the mediator signed as a party": (
        complete_agreement(
            signatures=[
                *complete_agreement()["signatures"][:2],
                _signature("party", "王桂兰", None),
            ]
        ),
        "signatures: the mediator has not signed",
    ),
    "one party signed twice": (
        complete_agreement(
            signatures=[
                _signature("party", "张三", APPLICANT_ID),
                _signature("party", "张三", APPLICANT_ID),
                _signature("mediator", "王桂兰", None),
            ]
        ),
        "signatures: 李四 has not signed",
    ),
}


@both_modes
@pytest.mark.parametrize(("data", "problem"), INCOMPLETE.values(), ids=INCOMPLETE.keys())
def test_an_incomplete_agreement_cannot_be_signed(
    data: dict[str, Any], problem: str, validate: Validate
) -> None:
    draft = validate(AgreementFields, {**data, "status": "draft"})
    assert isinstance(draft, AgreementFields)
    assert any(found.startswith(problem) for found in signing_problems(draft))

    with pytest.raises(ValidationError) as exc:
        validate(AgreementFields, data)
    assert problem in errors(exc)


def test_one_anonymous_signature_does_not_sign_for_every_party() -> None:
    """Parties written in without a party record are matched by name, one
    signature each; before, one party signature with no party_id counted for all."""
    parties = [{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "李四"}]
    one_signed = complete_agreement(
        parties=parties,
        signatures=[_signature("party", "张三", None), _signature("mediator", "王桂兰", None)],
        status="draft",
    )
    assert signing_problems(AgreementFields.model_validate(one_signed)) == [
        "signatures: 李四 has not signed"
    ]

    both_signed = complete_agreement(
        parties=parties,
        signatures=[
            _signature("party", "张三", None),
            _signature("party", "李四", None),
            _signature("mediator", "王桂兰", None),
        ],
    )
    assert signing_problems(AgreementFields.model_validate(both_signed)) == []


@both_modes
@pytest.mark.parametrize("missing", ["content_hash", "signed_at"])
def test_a_signed_agreement_carries_its_time_and_hash(missing: str, validate: Validate) -> None:
    with pytest.raises(ValidationError, match="content_hash: a signed agreement carries"):
        validate(AgreementFields, complete_agreement(**{missing: None}))


def test_signing_problems_name_their_field() -> None:
    empty = AgreementFields.model_validate(
        {"case_id": CASE_ID, "parties": [{"role": "applicant", "name": "张三"}]}
    )
    problems = signing_problems(empty)

    assert len(problems) == 7
    for problem in problems:
        field, _, advice = problem.partition(": ")
        assert field in AgreementFields.model_fields
        assert advice


@both_modes
def test_user_profiles_carry_no_contact_data(validate: Validate) -> None:
    for private in ("phone", "id_number", "password_hash", "email"):
        with pytest.raises(ValidationError, match="Extra inputs"):
            validate(UserProfileFields, {**SAMPLES[TableName.USERS], private: "x"})
