"""Which fields say something about a person, and are therefore encrypted at
rest (invariant 9; docs/security.md, "Data at rest on the device", gives the
reasons field by field).

The rule: a lost phone reveals nothing about the people in it. What stays
plain is what the app must select, filter or sort by in SQL, and says
nothing about a person on its own: ids, versions, kinds and statuses, dates
of the work (when a case opened, when a visit started), the org unit and
the officer or mediator in charge. Everything a person told, or that
describes them, is ciphertext bound to its table, field and record.
"""

from typing import Final

PERSONAL_FIELDS: Final[dict[str, frozenset[str]]] = {
    "parties": frozenset({"name", "phone", "id_number", "address"}),
    "subjects": frozenset(
        {
            "name",
            "id_number",
            "gender",
            "birth_date",
            "address",
            "phone",
            "correction_type",
            "term_start",
            "term_end",
            "key_person",
            "offence",
            "sentence",
            "court",
            "judgment_number",
            "decided_on",
            "team",
        }
    ),
    "cases": frozenset({"title", "description"}),
    "visits": frozenset({"notes", "outcome", "lat", "lon", "obligation_checks"}),
    "attachments": frozenset({"caption"}),
    "agreements": frozenset(
        {"parties", "facts", "obligations", "performance_method", "signatures"}
    ),
    "reviews": frozenset({"comment"}),
    "conflicts": frozenset({"overwritten_value", "current_value"}),
    "subject_events": frozenset({"content"}),
}
"""Per table, the fields stored as ciphertext."""

JSON_PERSONAL: Final[dict[str, frozenset[str]]] = {
    "subjects": frozenset({"key_person", "team"}),
    "visits": frozenset({"lat", "lon", "obligation_checks"}),
    "agreements": frozenset({"parties", "obligations", "signatures"}),
    "conflicts": frozenset({"overwritten_value", "current_value"}),
    "subject_events": frozenset({"content"}),
}
"""Encrypted fields whose wire value is not text (numbers, flags, lists, any
JSON value): their plaintext is the value's JSON. Text fields are encrypted
as the text itself."""

EXTRA_FIELD = "extra"
"""Fields a newer server sent that this version does not know: whatever they
hold, they are sealed together (a newer field may well be personal)."""

SEARCHABLE: Final[dict[str, tuple[str, ...]]] = {
    "cases": ("title", "description"),
    "visits": ("notes", "outcome"),
    "parties": ("name",),
    "subjects": ("name",),
}
"""Fields the search finds, per table. They are indexed only as blind tokens
(keyed hashes, ``FieldCipher.blind_token``): the index holds none of them in
clear, and a query is blinded with the same key to match."""


def context(table: str, field: str, record_id: object) -> str:
    """Where a ciphertext lives; it decrypts nowhere else."""
    return f"{table}.{field}.{record_id}"
