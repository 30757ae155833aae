"""Which fields hold personal data and are encrypted at rest (invariant 9)."""

from typing import Final

PERSONAL_FIELDS: Final[dict[str, frozenset[str]]] = {
    "parties": frozenset({"name", "phone", "id_number", "address"}),
    "subjects": frozenset({"name", "phone", "id_number", "address"}),
    "agreements": frozenset({"parties"}),
}
"""Per table, the fields stored as ciphertext. ``agreements.parties`` is the
snapshot of the parties' details written into the agreement."""

SEARCHABLE_NAMES: Final[dict[str, str]] = {"parties": "name", "subjects": "name"}
"""Encrypted fields that search still finds, through blind tokens."""

SEARCHABLE_TEXT: Final[dict[str, tuple[str, ...]]] = {
    "cases": ("title", "description"),
    "visits": ("notes", "outcome"),
    "subjects": (),
    "parties": (),
}
"""Non-personal text indexed for full-text search."""


def context(table: str, field: str, record_id: object) -> str:
    """Where a ciphertext lives; it decrypts nowhere else."""
    return f"{table}.{field}.{record_id}"
