"""The district database's tables of the mediation lifecycle: the case
documents (synced like every record) and the counters case numbers are
drawn from (server only)."""

from uuid import UUID

from sqlmodel import Field, SQLModel

from shared_models.domain import CaseDocumentFields, RecordMeta
from sync_server.tables.synced import SyncColumns, _where_set


class CaseDocumentRow(RecordMeta, CaseDocumentFields, SyncColumns, table=True):
    __tablename__ = "case_documents"
    __table_args__ = _where_set("case_documents", "scope_officer_id")


class CaseNumberCounter(SQLModel, table=True):
    """The last case number given to a unit in a year. A push that accepts a
    case raises it in its own transaction and holds the row until it commits
    (``services/sync/case_numbers.py``): numbers follow the order of
    acceptance, and a push rolled back takes its number back with it."""

    __tablename__ = "case_number_counters"

    org_unit_id: UUID = Field(primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int = 0
