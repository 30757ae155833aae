"""The forms of a mediation case as synced records: one table,
``case_documents``, whose ``content`` is the form of its ``kind``
(``case_forms.py``).

One table rather than fifteen: every form belongs to one case, is scoped,
pulled, signed and printed the same way, and what differs between them is
only their fields, which the discriminated union checks. The documents are
also the case's step log (docs/domain.md, "The lifecycle"): who recorded a
step is the document's ``created_by`` (set by the server from the pusher),
when it happened is ``recorded_at`` (and the form's own date).
"""

from pydantic import model_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from shared_models.domain.agreements import SignatureRef
from shared_models.domain.base import RecordMeta
from shared_models.domain.case_forms import MAX_LIST, CaseDocumentKind, CaseForm
from shared_models.domain.types import STRICT_CONFIG, RecordId, UtcDatetime, choice, moment


class CaseDocumentFields(SQLModel):
    model_config = STRICT_CONFIG

    case_id: RecordId = Field(index=True)
    kind: CaseDocumentKind = choice()
    content: CaseForm = Field(sa_type=JSON)
    signatures: list[SignatureRef] = Field(default_factory=list, sa_type=JSON, max_length=MAX_LIST)
    recorded_at: UtcDatetime = moment(...)

    @model_validator(mode="after")
    def _content_is_of_its_kind(self) -> "CaseDocumentFields":
        if self.content.kind != self.kind:
            raise ValueError(f"content: the form is a {self.content.kind}, not a {self.kind}")
        return self


class CaseDocumentRecord(RecordMeta, CaseDocumentFields):
    """A case document as pulled by devices."""
