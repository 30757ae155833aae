"""Field-level merge: the rule the server applies to every incoming mutation
and the device uses to predict what the server will do.

The server keeps, per record, the version at which each field last changed.
A mutation says which version of the record its author had seen
(``base_version``). Fields changed on the server since then are concurrent
edits: if the mutation sets one of them to a different value, the later
arrival wins and the value it overwrote is returned so it can be kept in a
conflict record. Nothing is silently lost.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import JsonValue


class MergeStatus(StrEnum):
    APPLIED = "applied"
    MERGED = "merged"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Overwritten:
    """A value a mutation replaced although its author had not seen it."""

    value: JsonValue
    version: int


@dataclass(frozen=True)
class MergeOutcome:
    status: MergeStatus
    values: dict[str, JsonValue]
    """The record's fields after the mutation."""
    changed: frozenset[str]
    """Fields whose stored value differs from before (their field version moves)."""
    overwritten: dict[str, Overwritten] = field(default_factory=dict)


def concurrent_fields(field_versions: Mapping[str, int], base_version: int | None) -> set[str]:
    """Fields changed on the server after the version the author had seen.

    ``base_version=None`` means the author believed it was creating the
    record, so every field the server holds is news to it (even one whose
    version is 0, e.g. a row written outside the version sequence).
    """
    if base_version is None:
        return set(field_versions)
    return {name for name, version in field_versions.items() if version > base_version}


def merge_upsert(
    current: Mapping[str, JsonValue] | None,
    field_versions: Mapping[str, int],
    base_version: int | None,
    incoming: Mapping[str, JsonValue],
) -> MergeOutcome:
    """Apply ``incoming`` (only the fields a mutation sets) to ``current``."""
    if current is None:
        return MergeOutcome(MergeStatus.APPLIED, dict(incoming), frozenset(incoming))
    concurrent = concurrent_fields(field_versions, base_version)
    overwritten = {
        name: Overwritten(current.get(name), field_versions[name])
        for name in sorted(incoming)
        if name in concurrent and current.get(name) != incoming[name]
    }
    changed = frozenset(
        name for name in incoming if name not in current or current[name] != incoming[name]
    )
    if overwritten:
        status = MergeStatus.CONFLICT
    elif concurrent - set(incoming):
        status = MergeStatus.MERGED
    else:
        status = MergeStatus.APPLIED
    return MergeOutcome(status, {**current, **incoming}, changed, overwritten)


def merge_delete(
    current: Mapping[str, JsonValue],
    field_versions: Mapping[str, int],
    base_version: int | None,
) -> MergeOutcome:
    """Delete a record. Edits its author had not seen are reported as
    overwritten, so a person can restore them; the values stay in the row."""
    concurrent = concurrent_fields(field_versions, base_version)
    overwritten = {
        name: Overwritten(current.get(name), field_versions[name]) for name in sorted(concurrent)
    }
    status = MergeStatus.CONFLICT if overwritten else MergeStatus.APPLIED
    return MergeOutcome(status, dict(current), frozenset(), overwritten)
