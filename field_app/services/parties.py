"""A case's parties after intake: read one, add one, correct one.

Parties can be added and corrected until the case's agreement is sealed:
the sealed agreement names them as they were, and a party changed after it
would no longer be the one who signed. The rule is checked here, on every
save, before anything is written (the case page does not offer what this
refuses)."""

from collections.abc import Mapping
from uuid import UUID

from pydantic import JsonValue

from field_app.errors import SaveRejectedError
from field_app.services.agreements import agreement_in_effect
from field_app.services.cases import NewParty, add_party
from field_app.services.records import as_record, validate_fields
from field_app.storage.store import LocalStore
from shared_models.domain import PartyFields, PartyRecord
from shared_models.protocol.tables import TableName


class PartiesSealedError(SaveRejectedError):
    """The case's agreement is sealed: its parties stay as they signed."""

    def __init__(self) -> None:
        super().__init__("parties", "the agreement is sealed: parties can no longer change")


def parties_locked(store: LocalStore, case_id: UUID) -> bool:
    """The case has a sealed agreement in effect."""
    return agreement_in_effect(store, case_id) is not None


def party_record(store: LocalStore, party_id: UUID) -> PartyRecord | None:
    record = store.records.get(TableName.PARTIES, party_id)
    return None if record is None else as_record(PartyRecord, record)


def add_case_party(store: LocalStore, case_id: UUID, party: NewParty) -> PartyRecord:
    """A party named later (a second respondent, an interested person)."""
    if parties_locked(store, case_id):
        raise PartiesSealedError
    validate_fields(PartyFields, party.fields(case_id))
    return add_party(store, case_id, party)


def update_party(
    store: LocalStore, party_id: UUID, changes: Mapping[str, JsonValue]
) -> PartyRecord:
    """Correct a party's particulars (never the case it belongs to)."""
    current = party_record(store, party_id)
    if current is None:
        raise SaveRejectedError("party", "no such party on this phone")
    if "case_id" in changes:
        raise SaveRejectedError("case_id", "a party stays with its case")
    if parties_locked(store, current.case_id):
        raise PartiesSealedError
    merged = {**current.model_dump(mode="json", include=set(PartyFields.model_fields)), **changes}
    validate_fields(PartyFields, merged)
    record = store.records.save(TableName.PARTIES, party_id, dict(changes))
    return as_record(PartyRecord, record)
