"""Field-level merge (shared_models.merge): what the server does with every
incoming mutation, checked against the rule as docs/protocol.md states it."""

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from shared_models.merge import (
    MergeOutcome,
    MergeStatus,
    Overwritten,
    concurrent_fields,
    merge_delete,
    merge_upsert,
)
from shared_models.protocol import MutationStatus

FIELD_NAMES = ("notes", "outcome", "kind", "lat", "lon", "parties", "status", "method")

# Few distinct values, so that "set to the same value" happens often. Booleans
# are left out on purpose: Python's 0 == False is not a merge question, and no
# schema field holds both numbers and booleans.
field_values: st.SearchStrategy[JsonValue] = st.one_of(
    st.none(),
    st.integers(min_value=-2, max_value=2),
    st.sampled_from(["", "已调解", "未到", "ok"]),
    st.lists(st.sampled_from(["甲", "乙"]), max_size=2),
)


@dataclass(frozen=True)
class ServerRecord:
    """A stored record as the server keeps it: values plus per-field versions."""

    values: dict[str, JsonValue]
    field_versions: dict[str, int]

    @property
    def version(self) -> int:
        return max(self.field_versions.values(), default=0)


@st.composite
def server_records(draw: st.DrawFn) -> ServerRecord:
    values = draw(st.dictionaries(st.sampled_from(FIELD_NAMES), field_values, max_size=6))
    # Version 0 is included: rows written outside the version sequence have it.
    versions = {name: draw(st.integers(min_value=0, max_value=20)) for name in values}
    return ServerRecord(values, versions)


base_versions: st.SearchStrategy[int | None] = st.none() | st.integers(min_value=0, max_value=21)
incoming_fields = st.dictionaries(st.sampled_from(FIELD_NAMES), field_values, max_size=5)


def expected_concurrent(record: ServerRecord, base_version: int | None) -> set[str]:
    """The rule in words: fields changed after what the author saw; with no
    base version (the author thought it was creating the record), all of them."""
    if base_version is None:
        return set(record.values)
    return {name for name, version in record.field_versions.items() if version > base_version}


def apply_like_server(
    record: ServerRecord, outcome: MergeOutcome, new_version: int
) -> ServerRecord:
    """Store an outcome the way the server does: changed fields move to the new version."""
    versions = dict(record.field_versions)
    for name in outcome.changed:
        versions[name] = new_version
    return ServerRecord(dict(outcome.values), versions)


# --- merge_upsert: properties -------------------------------------------------


@settings(max_examples=200)
@given(server_records(), base_versions, incoming_fields)
def test_upsert_is_deterministic_and_leaves_inputs_alone(
    record: ServerRecord, base_version: int | None, incoming: dict[str, JsonValue]
) -> None:
    before = (dict(record.values), dict(record.field_versions), dict(incoming))
    first = merge_upsert(record.values, record.field_versions, base_version, incoming)
    second = merge_upsert(record.values, record.field_versions, base_version, incoming)
    reordered = merge_upsert(
        dict(reversed(record.values.items())),
        dict(reversed(record.field_versions.items())),
        base_version,
        dict(reversed(incoming.items())),
    )
    assert first == second == reordered
    # Conflict records are written in this order; it must not depend on the JSON's key order.
    assert list(first.overwritten) == list(reordered.overwritten)
    assert (record.values, record.field_versions, incoming) == before


@settings(max_examples=200)
@given(server_records(), base_versions, incoming_fields)
def test_upsert_sets_incoming_and_keeps_everything_else(
    record: ServerRecord, base_version: int | None, incoming: dict[str, JsonValue]
) -> None:
    outcome = merge_upsert(record.values, record.field_versions, base_version, incoming)

    assert set(outcome.values) == set(record.values) | set(incoming)
    for name, value in incoming.items():
        assert outcome.values[name] == value
    for name, value in record.values.items():
        if name not in incoming:
            assert outcome.values[name] == value
    assert outcome.changed == {
        name
        for name, value in incoming.items()
        if name not in record.values or record.values[name] != value
    }


@settings(max_examples=200)
@given(server_records(), base_versions, incoming_fields)
def test_upsert_never_drops_a_concurrent_value(
    record: ServerRecord, base_version: int | None, incoming: dict[str, JsonValue]
) -> None:
    outcome = merge_upsert(record.values, record.field_versions, base_version, incoming)
    concurrent = expected_concurrent(record, base_version)

    lost = {name for name in outcome.changed if name in concurrent}
    assert set(outcome.overwritten) == lost
    for name in lost:
        assert outcome.overwritten[name] == Overwritten(
            record.values[name], record.field_versions[name]
        )


@settings(max_examples=200)
@given(server_records(), base_versions, incoming_fields)
def test_upsert_status_follows_the_protocol(
    record: ServerRecord, base_version: int | None, incoming: dict[str, JsonValue]
) -> None:
    outcome = merge_upsert(record.values, record.field_versions, base_version, incoming)
    concurrent = expected_concurrent(record, base_version)

    same_field_differs = any(
        name in concurrent and record.values[name] != value for name, value in incoming.items()
    )
    if same_field_differs:
        assert outcome.status is MergeStatus.CONFLICT
    elif concurrent - set(incoming):
        assert outcome.status is MergeStatus.MERGED
    else:
        assert outcome.status is MergeStatus.APPLIED


@settings(max_examples=200)
@given(server_records(), base_versions, incoming_fields)
def test_upsert_applied_twice_is_applied_once(
    record: ServerRecord, base_version: int | None, incoming: dict[str, JsonValue]
) -> None:
    first = merge_upsert(record.values, record.field_versions, base_version, incoming)
    stored = apply_like_server(record, first, new_version=record.version + 1)

    again = merge_upsert(stored.values, stored.field_versions, base_version, incoming)

    assert again.values == first.values
    assert again.changed == frozenset()
    assert again.overwritten == {}


@settings(max_examples=200)
@given(server_records(), base_versions, incoming_fields, incoming_fields)
def test_upsert_from_the_latest_version_is_plainly_applied(
    record: ServerRecord,
    base_version: int | None,
    first_incoming: dict[str, JsonValue],
    next_incoming: dict[str, JsonValue],
) -> None:
    """A device that pulled the merged record and edits again conflicts with nothing."""
    first = merge_upsert(record.values, record.field_versions, base_version, first_incoming)
    new_version = record.version + 1
    stored = apply_like_server(record, first, new_version)

    outcome = merge_upsert(stored.values, stored.field_versions, new_version, next_incoming)

    assert outcome.status is MergeStatus.APPLIED
    assert outcome.overwritten == {}


@settings(max_examples=100)
@given(incoming_fields)
def test_upsert_of_a_new_record_takes_every_field(incoming: dict[str, JsonValue]) -> None:
    outcome = merge_upsert(None, {}, None, incoming)

    assert outcome == MergeOutcome(MergeStatus.APPLIED, dict(incoming), frozenset(incoming))


@settings(max_examples=200)
@given(server_records(), incoming_fields)
def test_upsert_without_base_version_treats_every_stored_field_as_concurrent(
    record: ServerRecord, incoming: dict[str, JsonValue]
) -> None:
    outcome = merge_upsert(record.values, record.field_versions, None, incoming)

    for name, value in incoming.items():
        if name in record.values and record.values[name] != value:
            assert outcome.overwritten[name].value == record.values[name]
    assert concurrent_fields(record.field_versions, None) == set(record.field_versions)


# --- merge_upsert: worked examples --------------------------------------------


def test_different_fields_edited_concurrently_merge() -> None:
    # Server at v7: the office changed "outcome" at v7 after the device saw v5.
    current: dict[str, JsonValue] = {"notes": "院里谈", "outcome": "已调解", "kind": "home_visit"}
    versions = {"notes": 3, "outcome": 7, "kind": 3}

    outcome = merge_upsert(current, versions, 5, {"notes": "院里谈，双方同意"})

    assert outcome.status is MergeStatus.MERGED
    assert outcome.values == {
        "notes": "院里谈，双方同意",
        "outcome": "已调解",
        "kind": "home_visit",
    }
    assert outcome.changed == {"notes"}
    assert outcome.overwritten == {}
    assert MutationStatus(outcome.status) is MutationStatus.MERGED


def test_same_field_edited_concurrently_is_a_conflict_that_keeps_the_old_value() -> None:
    current: dict[str, JsonValue] = {"notes": "office's note", "outcome": ""}
    versions = {"notes": 9, "outcome": 2}

    outcome = merge_upsert(current, versions, 4, {"notes": "device's note"})

    assert outcome.status is MergeStatus.CONFLICT
    assert outcome.values["notes"] == "device's note"  # the later arrival wins
    assert outcome.overwritten == {"notes": Overwritten("office's note", 9)}


def test_setting_the_same_value_concurrently_is_not_a_conflict() -> None:
    current: dict[str, JsonValue] = {"notes": "same", "outcome": "x"}
    versions = {"notes": 9, "outcome": 2}

    outcome = merge_upsert(current, versions, 4, {"notes": "same"})

    assert outcome.status is MergeStatus.APPLIED
    assert outcome.overwritten == {}
    assert outcome.changed == frozenset()


def test_same_value_on_one_field_and_a_concurrent_edit_elsewhere_merges() -> None:
    current: dict[str, JsonValue] = {"notes": "same", "outcome": "x"}
    versions = {"notes": 9, "outcome": 8}

    outcome = merge_upsert(current, versions, 4, {"notes": "same"})

    assert outcome.status is MergeStatus.MERGED


def test_edit_based_on_the_current_version_is_applied() -> None:
    current: dict[str, JsonValue] = {"notes": "a", "outcome": "b"}
    versions = {"notes": 3, "outcome": 7}

    outcome = merge_upsert(current, versions, 7, {"notes": "c", "lat": 36.6})

    assert outcome.status is MergeStatus.APPLIED
    assert outcome.changed == {"notes", "lat"}
    assert outcome.values == {"notes": "c", "outcome": "b", "lat": 36.6}


def test_create_against_an_existing_record_keeps_even_version_zero_values() -> None:
    # A row written outside the version sequence (seed, import) has field version 0;
    # a device "creating" the same id has seen none of it.
    current: dict[str, JsonValue] = {"notes": "imported", "outcome": "kept"}
    versions = {"notes": 0, "outcome": 0}

    outcome = merge_upsert(current, versions, None, {"notes": "device"})

    assert outcome.status is MergeStatus.CONFLICT
    assert outcome.overwritten == {"notes": Overwritten("imported", 0)}


def test_base_version_zero_has_seen_version_zero() -> None:
    assert concurrent_fields({"a": 0, "b": 1}, 0) == {"b"}


# --- merge_delete --------------------------------------------------------------


@settings(max_examples=200)
@given(server_records(), base_versions)
def test_delete_reports_every_unseen_edit(record: ServerRecord, base_version: int | None) -> None:
    first = merge_delete(record.values, record.field_versions, base_version)
    second = merge_delete(record.values, record.field_versions, base_version)
    concurrent = expected_concurrent(record, base_version)

    assert first == second
    assert first.values == record.values  # a tombstone keeps the row's values
    assert first.changed == frozenset()
    assert first.overwritten == {
        name: Overwritten(record.values[name], record.field_versions[name]) for name in concurrent
    }
    assert first.status is (MergeStatus.CONFLICT if concurrent else MergeStatus.APPLIED)


def test_delete_of_a_record_edited_since_is_a_conflict() -> None:
    current: dict[str, JsonValue] = {"notes": "added by the office", "outcome": ""}
    versions = {"notes": 12, "outcome": 3}

    outcome = merge_delete(current, versions, 5)

    assert outcome.status is MergeStatus.CONFLICT
    assert outcome.overwritten == {"notes": Overwritten("added by the office", 12)}


def test_delete_of_the_version_seen_is_applied() -> None:
    outcome = merge_delete({"notes": "n"}, {"notes": 12}, 12)

    assert outcome.status is MergeStatus.APPLIED
    assert outcome.overwritten == {}


def test_delete_without_base_version_reports_every_field() -> None:
    outcome = merge_delete({"notes": "n", "outcome": "o"}, {"notes": 0, "outcome": 4}, None)

    assert outcome.status is MergeStatus.CONFLICT
    assert outcome.overwritten == {"notes": Overwritten("n", 0), "outcome": Overwritten("o", 4)}


def test_merge_statuses_are_push_statuses() -> None:
    assert {s.value for s in MergeStatus} <= {s.value for s in MutationStatus}
