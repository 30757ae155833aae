"""A mediation case's records on a phone: pulled into its encrypted store,
its images in its encrypted attachment store, as after a sync. For the case
file's device tests and the case-file bench."""

from typing import Any
from uuid import UUID

from field_app.storage.blobs import LocalBlobStore
from field_app.storage.store import LocalStore
from shared_models.protocol.pull import Change
from shared_models.protocol.tables import TABLES, TableName
from shared_models.wire import to_json_value
from tests.shared_models.case_file_records import CASE, CaseRecords


def on_phone(
    store: LocalStore, blobs: LocalBlobStore, records: CaseRecords, unit_name: str
) -> None:
    """``records`` pulled onto the phone (the committee ``unit_name`` too)."""
    version = iter(range(1, 100_000))
    changes: list[Change] = []

    def add(table: TableName, record_id: UUID, fields: Any) -> None:
        given = {"id": str(record_id), "version": next(version), **fields.model_dump()}
        record = to_json_value(TABLES[table].record.model_validate(to_json_value(given)))
        assert isinstance(record, dict)
        changes.append(Change(table=table, op="upsert", record=record))

    unit = {
        "id": str(records.case.org_unit_id),
        "version": 1,
        "name": unit_name,
        "kind": "committee",
    }
    changes.append(Change(table=TableName.ORG_UNITS, op="upsert", record=unit))
    add(TableName.CASES, CASE, records.case)
    for table, pairs in (
        (TableName.PARTIES, records.parties),
        (TableName.CASE_DOCUMENTS, records.documents),
        (TableName.AGREEMENTS, records.agreements),
        (TableName.ATTACHMENTS, records.attachments),
    ):
        for record_id, fields in pairs:
            add(table, record_id, fields)
    store.pulled.apply_page(changes, cursor="c")
    for data in records.images.values():
        blobs.put(data, "image/jpeg" if data[:2] == b"\xff\xd8" else "image/png", upload=False)
