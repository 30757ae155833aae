"""Canonical JSON and the seal of signed agreements (shared_models.integrity).

The hash of a signed agreement may be recomputed in court years later, on
another machine: it must depend on the content and on nothing else."""

import copy
import hashlib
import json
import random
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from shared_models.domain import AgreementFields, AgreementRecord
from shared_models.integrity import (
    SEALED_AGREEMENT_FIELDS,
    agreement_hash,
    agreement_seal_content,
    canonical_json,
    content_hash,
    seal_is_intact,
)

# --- canonical_json --------------------------------------------------------------


def test_canonical_json_sorts_keys_at_every_level() -> None:
    value: JsonValue = {"b": 1, "a": {"z": 1, "y": [{"d": 1, "c": 2}]}, "B": 0}

    assert canonical_json(value) == b'{"B":0,"a":{"y":[{"c":2,"d":1}],"z":1},"b":1}'


def test_canonical_json_has_no_insignificant_whitespace() -> None:
    value: JsonValue = {"a": [1, 2, {"b": None}], "c": "x y"}

    assert canonical_json(value) == b'{"a":[1,2,{"b":null}],"c":"x y"}'


def test_canonical_json_writes_chinese_as_utf8() -> None:
    encoded = canonical_json({"调解员": "王桂兰", "事实": "煤棚被毁"})

    assert encoded == '{"事实":"煤棚被毁","调解员":"王桂兰"}'.encode()
    assert b"\\u" not in encoded


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_canonical_json_refuses_non_json_numbers(bad: float) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        canonical_json({"deep": [1, {"x": bad}]})


def test_content_hash_is_sha256_of_the_canonical_bytes() -> None:
    # Written out by hand: anyone must get this hash from this value.
    expected = hashlib.sha256('{"a":[1,2.5,null,true],"名":"张三"}'.encode()).hexdigest()

    assert content_hash({"名": "张三", "a": [1, 2.5, None, True]}) == expected


# --- content_hash: properties over arbitrary JSON -------------------------------

json_leaves: st.SearchStrategy[JsonValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values: st.SearchStrategy[JsonValue] = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=4), children, max_size=4),
    ),
    max_leaves=12,
)
# Containers at the top, so that most examples have something to edit.
json_objects = st.dictionaries(st.text(max_size=4), json_values, min_size=1, max_size=4)
json_arrays = st.lists(json_values, min_size=2, max_size=4)

Path = tuple[str | int, ...]


def nodes(value: JsonValue, path: Path = ()) -> Iterator[tuple[Path, JsonValue]]:
    """Every node of a JSON value with its path, the root first."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from nodes(child, (*path, index))


def at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def replaced(value: JsonValue, path: Path, new: JsonValue) -> JsonValue:
    if not path:
        return new
    result = copy.deepcopy(value)
    at(result, path[:-1])[path[-1]] = new
    return result


def shuffled_keys(value: JsonValue, rng: random.Random) -> JsonValue:
    """The same value with every object's keys in another insertion order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: shuffled_keys(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [shuffled_keys(item, rng) for item in value]
    return value


@settings(max_examples=100)
@given(json_values, st.randoms(use_true_random=False))
def test_content_hash_ignores_key_order(value: JsonValue, rng: random.Random) -> None:
    assert content_hash(shuffled_keys(value, rng)) == content_hash(value)


@settings(max_examples=100)
@given(
    json_values,
    st.randoms(use_true_random=False),
    st.none() | st.integers(min_value=0, max_value=4) | st.just("\t"),
    st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : "), (",\n", ":\t")]),
    st.booleans(),
)
def test_content_hash_survives_reserialisation(
    value: JsonValue,
    rng: random.Random,
    indent: int | str | None,
    separators: tuple[str, str],
    ensure_ascii: bool,
) -> None:
    """A document that travelled as differently formatted JSON hashes the same."""
    text = json.dumps(
        shuffled_keys(value, rng), indent=indent, separators=separators, ensure_ascii=ensure_ascii
    )

    assert content_hash(json.loads(text)) == content_hash(value)


@settings(max_examples=100)
@given(json_values)
def test_canonical_json_is_a_fixpoint(value: JsonValue) -> None:
    encoded = canonical_json(value)

    assert canonical_json(json.loads(encoded.decode("utf-8"))) == encoded


@settings(max_examples=100)
@given(json_values, st.data())
def test_a_changed_leaf_changes_the_hash(value: JsonValue, data: st.DataObject) -> None:
    leaves = [path for path, node in nodes(value) if not isinstance(node, dict | list)]
    assume(leaves)
    path = data.draw(st.sampled_from(leaves))
    old = at(value, path)
    new = data.draw(json_leaves.filter(lambda v: canonical_json(v) != canonical_json(old)))

    assert content_hash(replaced(value, path, new)) != content_hash(value)


@settings(max_examples=100)
@given(json_values | json_objects, st.data())
def test_an_added_key_changes_the_hash(value: JsonValue, data: st.DataObject) -> None:
    objects = [path for path, node in nodes(value) if isinstance(node, dict)]
    assume(objects)
    path = data.draw(st.sampled_from(objects))
    target = at(value, path)
    key = data.draw(st.text(max_size=4).filter(lambda k: k not in target))
    new_value = data.draw(json_values)

    assert content_hash(replaced(value, path, {**target, key: new_value})) != content_hash(value)


@settings(max_examples=100)
@given(json_values | json_objects, st.data())
def test_a_removed_key_changes_the_hash(value: JsonValue, data: st.DataObject) -> None:
    objects = [path for path, node in nodes(value) if isinstance(node, dict) and node]
    assume(objects)
    path = data.draw(st.sampled_from(objects))
    target = at(value, path)
    key = data.draw(st.sampled_from(sorted(target)))
    smaller = {k: v for k, v in target.items() if k != key}

    assert content_hash(replaced(value, path, smaller)) != content_hash(value)


@settings(max_examples=100)
@given(json_values | json_arrays, st.data())
def test_a_changed_list_order_changes_the_hash(value: JsonValue, data: st.DataObject) -> None:
    lists = [
        path
        for path, node in nodes(value)
        if isinstance(node, list) and len({canonical_json(item) for item in node}) > 1
    ]
    assume(lists)
    path = data.draw(st.sampled_from(lists))
    items = list(at(value, path))
    i, j = data.draw(
        st.tuples(st.integers(0, len(items) - 1), st.integers(0, len(items) - 1)).filter(
            lambda ij: canonical_json(items[ij[0]]) != canonical_json(items[ij[1]])
        )
    )
    items[i], items[j] = items[j], items[i]

    assert content_hash(replaced(value, path, items)) != content_hash(value)


# --- agreements ----------------------------------------------------------------

CASE_ID = "5b0c2a4e-0c1f-4a53-9b0e-6f8a3d2c1b00"
APPLICANT_ID = "0d7e6f1a-3b2c-4d5e-8f90-a1b2c3d4e5f6"
RESPONDENT_ID = "1e8f7a2b-4c3d-4e6f-9a01-b2c3d4e5f6a7"
MEDIATOR_ID = "2f9a8b3c-5d4e-4f70-8b12-c3d4e5f6a7b8"


def _signature(role: str, name: str, party_id: str | None, digit: str) -> dict[str, Any]:
    return {
        "signer_role": role,
        "signer_name": name,
        "party_id": party_id,
        "kind": "signature" if role == "mediator" else "fingerprint",
        "attachment_id": str(uuid.UUID(int=int(digit, 16) + 1)),
        "sha256": digit * 64,
        "signed_at": "2026-11-28T20:05:00+08:00",
    }


def agreement_json(**changes: Any) -> dict[str, Any]:
    """A complete, signed agreement on the wire (without its hash)."""
    data: dict[str, Any] = {
        "case_id": CASE_ID,
        "committee_name": "百家街道人民调解委员会",
        "mediator_id": MEDIATOR_ID,
        "mediator_name": "王桂兰",
        "parties": [
            {"party_id": APPLICANT_ID, "role": "applicant", "name": "张三"},
            {"party_id": RESPONDENT_ID, "role": "respondent", "name": "李四"},
        ],
        "facts": "李四拆除煤棚时损坏张三的煤棚顶棚。",
        "obligations": [
            {"obligor": "李四", "action": "赔偿张三修缮费800元", "due": "2026-12-15"},
        ],
        "performance_method": "现金当面交付",
        "performance_deadline": "2026-12-15",
        "status": "signed",
        "signatures": [
            _signature("party", "张三", APPLICANT_ID, "a"),
            _signature("party", "李四", RESPONDENT_ID, "b"),
            _signature("mediator", "王桂兰", None, "c"),
        ],
        "signed_at": "2026-11-28T20:10:00+08:00",
    }
    data.update(changes)
    return data


def sealed(data: dict[str, Any]) -> AgreementFields:
    """Seal agreement data the way the device does before it is marked signed."""
    draft = AgreementFields.model_validate({**data, "status": "draft"})
    return AgreementFields.model_validate({**data, "content_hash": agreement_hash(draft)})


def test_a_correctly_sealed_agreement_is_intact() -> None:
    agreement = sealed(agreement_json())

    assert agreement.status == "signed"
    assert seal_is_intact(agreement)


def test_a_draft_without_hash_is_not_intact() -> None:
    draft = AgreementFields.model_validate({"case_id": CASE_ID})

    assert not seal_is_intact(draft)


def test_the_seal_covers_every_field_but_status_and_the_hash_itself() -> None:
    # A field added to agreements later must be sealed, or consciously left out here.
    assert set(SEALED_AGREEMENT_FIELDS) == set(AgreementFields.model_fields) - {
        "status",
        "content_hash",
    }
    assert set(agreement_seal_content(sealed(agreement_json()))) == set(SEALED_AGREEMENT_FIELDS)


def _edit_signature_sha(data: dict[str, Any]) -> None:
    sha = data["signatures"][1]["sha256"]
    data["signatures"][1]["sha256"] = "0" + sha[1:]


def _set(path: Path, new: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        at(data, path[:-1])[path[-1]] = new

    return edit


def _swap_parties(data: dict[str, Any]) -> None:
    data["parties"].reverse()


def _add_obligation(data: dict[str, Any]) -> None:
    data["obligations"].append({"obligor": "张三", "action": "出具收条"})


COVERED_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "facts": _set(("facts",), "李四拆除煤棚时损坏张三的煤棚。"),
    "party name": _set(("parties", 1, "name"), "李四光"),
    "party id number": _set(("parties", 0, "id_number"), "11010519491231002X"),
    "party order": _swap_parties,
    "obligation amount": _set(("obligations", 0, "action"), "赔偿张三修缮费8000元"),
    "obligation added": _add_obligation,
    "obligation due": _set(("obligations", 0, "due"), "2026-12-16"),
    "deadline": _set(("performance_deadline",), "2027-01-15"),
    "method": _set(("performance_method",), "银行转账"),
    "mediator": _set(("mediator_name",), "王桂英"),
    "committee": _set(("committee_name",), "西苑街道人民调解委员会"),
    "signature image": _edit_signature_sha,
    "signature time": _set(("signatures", 0, "signed_at"), "2026-11-28T20:06:00+08:00"),
    "signed at": _set(("signed_at",), "2026-11-29T20:10:00+08:00"),
    "case": _set(("case_id",), "6c1d3b5f-1d20-4b64-8c1f-708b4e3d2c11"),
    "supersedes": _set(("supersedes_id",), "7d2e4c60-2e31-4c75-9d20-819c5f4e3d22"),
}


@pytest.mark.parametrize("edit", COVERED_EDITS.values(), ids=COVERED_EDITS.keys())
def test_any_covered_change_breaks_the_seal(edit: Callable[[dict[str, Any]], None]) -> None:
    original = sealed(agreement_json())
    data = original.model_dump(mode="json")
    edit(data)
    tampered = AgreementFields.model_validate(data)  # still a valid signed agreement

    assert agreement_hash(tampered) != agreement_hash(original)
    assert not seal_is_intact(tampered)


@settings(max_examples=100)
@given(
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=0, max_value=63),
    st.sampled_from("0123456789abcdef"),
)
def test_flipping_one_hex_char_of_a_signature_hash_breaks_the_seal(
    signature: int, position: int, char: str
) -> None:
    original = sealed(agreement_json())
    data = original.model_dump(mode="json")
    sha = data["signatures"][signature]["sha256"]
    assume(sha[position] != char)
    data["signatures"][signature]["sha256"] = sha[:position] + char + sha[position + 1 :]
    tampered = AgreementFields.model_validate(data)

    assert agreement_hash(tampered) != agreement_hash(original)
    assert not seal_is_intact(tampered)


def test_status_is_not_covered() -> None:
    agreement = sealed(agreement_json())
    voided = AgreementFields.model_validate({**agreement.model_dump(mode="json"), "status": "void"})

    assert agreement_hash(voided) == agreement_hash(agreement)
    assert seal_is_intact(voided)


def test_the_recorded_hash_is_not_covered_but_must_match() -> None:
    agreement = sealed(agreement_json())
    relabelled = agreement.model_copy(update={"content_hash": "f" * 64})

    assert agreement_hash(relabelled) == agreement_hash(agreement)
    assert not seal_is_intact(relabelled)


def test_sync_bookkeeping_does_not_touch_the_seal() -> None:
    """The server bumps version and updated_at and adds its countersignature."""
    agreement = sealed(agreement_json())
    record = AgreementRecord.model_validate(
        {
            **agreement.model_dump(mode="json"),
            "id": "8e3f5d71-3f42-4d86-8e31-92ad6f5e4e33",
            "version": 4711,
            "updated_at": "2026-11-29T08:00:00Z",
            "countersignature": "district-signature",
        }
    )

    assert agreement_hash(record) == agreement_hash(agreement)
    assert seal_is_intact(record)


def test_the_hash_does_not_depend_on_the_devices_time_zone() -> None:
    east = sealed(agreement_json(signed_at="2026-11-28T20:10:00+08:00"))
    utc = sealed(agreement_json(signed_at="2026-11-28T12:10:00Z"))

    assert agreement_hash(east) == agreement_hash(utc)
    assert seal_is_intact(utc.model_copy(update={"content_hash": east.content_hash}))
