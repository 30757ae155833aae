"""Bad bytes from a broken or hostile phone: one bad value rejects one
mutation, naming the field, on SQLite and PostgreSQL alike; never the
batch, never a 5xx.

Each push sends every hostile variant of one table's complete record (a
NUL, an escape sequence, a lone surrogate in each text; the edges of the
calendar in each time and day; integers past what the databases hold),
each between two good new records. A violation is any 5xx, a good record
not applied, a hostile value applied or refused without naming its field,
or a difference between the two databases' answers.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.attack.hostile_records import (
    Parents,
    Variant,
    case_document,
    full_forms,
    full_records,
    uncovered_fields,
    uncovered_form_fields,
    variants,
)
from tests.attack.tally import Attack
from tests.attack.twin import Answer, Twin, twin_servers
from tests.factories import case_fields, mutation, subject_fields


@pytest.fixture
def twin(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Twin]:
    """An office supervisor's device (they write every device table) on both databases."""
    with twin_servers(request, tmp_path, "supervisor.baijia") as both:
        yield both


def _parents(twin: Twin) -> Parents:
    parents = Parents(case_id=uuid.uuid4(), subject_id=uuid.uuid4())
    unit = twin.district.baijia.id
    officer = twin.district.user("officer.baijia").id
    answers = twin.push(
        [
            mutation("cases", parents.case_id, case_fields(unit)),
            mutation("subjects", parents.subject_id, subject_fields(unit, officer)),
        ]
    )
    for backend, answer in answers.items():
        assert answer.status == 200, (backend, answer.body)
        assert {r["status"] for r in answer.body["results"]} == {"applied"}, answer.body
    return parents


def _good(twin: Twin) -> dict[str, Any]:
    return mutation("cases", uuid.uuid4(), case_fields(twin.district.baijia.id, title="好记录"))


def _same(answers: dict[str, Answer]) -> bool:
    """Both databases gave the same status and, per mutation, the same
    verdict (versions may differ: each database counts its own)."""

    def reduced(answer: Answer) -> Any:
        if answer.status != 200 or not isinstance(answer.body, dict):
            return (answer.status, answer.envelope_code)
        return [(r["status"], r["error"]) for r in answer.body.get("results", [])]

    first, second = (reduced(answer) for answer in answers.values())
    return bool(first == second)


def test_every_field_the_push_accepts_refuses_hostile_values_one_mutation_at_a_time(
    attack: Attack, twin: Twin
) -> None:
    parents = _parents(twin)
    records = full_records(twin.district, parents)
    assert not uncovered_fields(records), "give every schema field a value in full_records"
    for table, record in records.items():
        # One good record between every two hostile ones: none may be dragged down.
        tries: list[Variant] = list(variants(table, record))
        batch: list[dict[str, Any]] = [_good(twin)]
        for variant in tries:
            batch.append(mutation(variant.table.value, uuid.uuid4(), variant.fields))
            batch.append(_good(twin))
        answers = twin.push(batch)
        attack.tried(len(tries))
        if not _same(answers):
            attack.violation(f"push of {table} variants: SQLite and PostgreSQL answer differently")
        for backend, answer in answers.items():
            if answer.status != 200:
                attack.violation(
                    f"{backend}: push of {len(tries)} {table} variants answered {answer.status}"
                    f" {answer.envelope_code}: the whole batch failed"
                )
                continue
            results = answer.body["results"]
            good = [results[i] for i in range(0, len(results), 2)]
            if any(r["status"] != "applied" for r in good):
                attack.violation(f"{backend}: {table}: a good record beside a hostile one failed")
            for variant, result in zip(tries, results[1::2], strict=True):
                error = result.get("error") or {}
                if (
                    result["status"] != "rejected"
                    or error.get("code") != "VALIDATION_FAILED"
                    or error.get("field") != variant.path
                ):
                    attack.violation(
                        f"{backend}: {table}.{variant.path} = {variant.kind}: "
                        f"{result['status']} {error.get('code')} field={error.get('field')!r}"
                    )


def test_every_case_form_refuses_hostile_values_naming_the_field(
    attack: Attack, twin: Twin
) -> None:
    """The same for the form of each kind of case document: a hostile value
    anywhere in a form rejects its document alone, naming the value's path."""
    parents = _parents(twin)
    forms = full_forms()
    assert not uncovered_form_fields(forms), "give every form field a value in full_forms"
    for kind, form in forms.items():
        tries = list(variants("case_documents", case_document(parents.case_id, form)))
        batch: list[dict[str, Any]] = [_good(twin)]
        for variant in tries:
            batch += [mutation("case_documents", uuid.uuid4(), variant.fields), _good(twin)]
        answers = twin.push(batch)
        attack.tried(len(tries))
        if not _same(answers):
            attack.violation(f"push of {kind} forms: SQLite and PostgreSQL answer differently")
        for backend, answer in answers.items():
            assert answer.status == 200, (backend, kind, answer.envelope_code)
            results = answer.body["results"]
            if any(r["status"] != "applied" for r in results[0::2]):
                attack.violation(f"{backend}: a good record beside a hostile {kind} failed")
            for variant, result in zip(tries, results[1::2], strict=True):
                error = result.get("error") or {}
                if (
                    result["status"] != "rejected"
                    or error.get("code") != "VALIDATION_FAILED"
                    or error.get("field") != variant.path
                ):
                    attack.violation(
                        f"{backend}: {kind}.{variant.path} = {variant.kind}: "
                        f"{result['status']} {error.get('code')} field={error.get('field')!r}"
                    )


def test_hostile_field_names_reject_only_their_mutation(attack: Attack, twin: Twin) -> None:
    parents = _parents(twin)
    records = full_records(twin.district, parents)
    agreement = records["agreements"]
    tries = [
        ("parties", {**records["parties"], "na\x00me": "x"}, "na\x00me"),
        ("parties", {**records["parties"], "\ud800": "x"}, "\\ud800"),
        ("cases", {**records["cases"], "version": 2**40}, "version"),
        (
            "agreements",
            {**agreement, "parties": [{**agreement["parties"][0], "x\x00": 1}]},
            "parties.0.x\x00",
        ),
    ]
    batch: list[dict[str, Any]] = [_good(twin)]
    for table, fields, _ in tries:
        batch += [mutation(table, uuid.uuid4(), fields), _good(twin)]
    answers = twin.push(batch)
    attack.tried(len(tries))
    if not _same(answers):
        attack.violation("hostile field names: SQLite and PostgreSQL answer differently")
    for backend, answer in answers.items():
        if answer.status != 200:
            attack.violation(f"{backend}: hostile field names failed the batch: {answer.status}")
            continue
        results = answer.body["results"]
        if any(r["status"] != "applied" for r in results[0::2]):
            attack.violation(f"{backend}: a good record beside a hostile field name failed")
        for (table, _, name), result in zip(tries, results[1::2], strict=True):
            error = result.get("error") or {}
            if result["status"] != "rejected" or error.get("field") != name:
                attack.violation(f"{backend}: {table} field {name!r}: {result}")


ENVELOPE_VALUES: dict[str, tuple[Any, ...]] = {
    "mutation_id": ("\x00", "not-a-uuid", 2**64),
    "table": ("\x00", "../cases", "org_units\x00"),
    "record_id": ("\x00", "../../etc/passwd"),
    "op": ("\x00", "drop"),
    "base_version": (2**31, 2**63, 2**64, -1, "1"),
    "client_time": ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "\x00"),
}


def test_a_malformed_envelope_is_a_422_naming_it(attack: Attack, twin: Twin) -> None:
    """The envelope is the app's own bookkeeping, never typed by a user: a
    malformed one refuses the push with a 422 that names it (docs/protocol.md)."""
    for key, values in ENVELOPE_VALUES.items():
        for value in values:
            spoilt = {**_good(twin), key: value}
            answers = twin.push([_good(twin), spoilt])
            attack.tried()
            if not _same(answers):
                attack.violation(f"envelope {key}={value!r}: the databases answer differently")
            for backend, answer in answers.items():
                named = f"mutations.1.{key}" in str(answer.body)
                if answer.status != 422 or answer.envelope_code != "VALIDATION_FAILED" or not named:
                    attack.violation(f"{backend}: envelope {key}={value!r}: {answer}")
