"""Everything that happens to a subject under correction, from the entry
announcement to the release: one synced table, ``subject_events``, one row
per event, its ``content`` validated by kind (``event_content.py``).

A request (leave, level change, change of residence, reward or sanction)
is answered by ``decision`` events the server writes when a supervisor
decides on the desk; the device pulls them like any record, so the
officer's phone shows the decision after its next sync. Departure and
return name the leave request they belong to, a plan review its plan:
``request_id``.
"""

from typing import Any

from pydantic import ValidatorFunctionWrapHandler, field_validator, model_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from shared_models.domain.base import RecordMeta
from shared_models.domain.event_content import (
    ANSWERED_KIND,
    ANSWERING_KINDS,
    EventContent,
    EventKind,
    parse_content,
)
from shared_models.domain.types import STRICT_CONFIG, Day, RecordId, choice


class SubjectEventFields(SQLModel):
    model_config = STRICT_CONFIG

    subject_id: RecordId = Field(index=True)
    kind: EventKind = choice()
    occurred_on: Day
    request_id: RecordId | None = Field(default=None, index=True)
    """The earlier event of the same subject this one answers (see ``ANSWERED_KIND``)."""
    content: EventContent = Field(sa_type=JSON)

    @field_validator("content", mode="wrap")
    @classmethod
    def _content_of_its_kind(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """By the content's ``kind``, not through the union (see ``parse_content``)."""
        return parse_content(value)

    @model_validator(mode="after")
    def _is_consistent(self) -> "SubjectEventFields":
        if self.content.kind != self.kind:
            raise ValueError("content: its kind is not the event's kind")
        if self.kind in ANSWERING_KINDS and self.request_id is None:
            answered = " or ".join(sorted(ANSWERED_KIND[self.kind]))
            raise ValueError(f"request_id: name the {answered} this {self.kind} belongs to")
        if self.kind not in ANSWERING_KINDS and self.request_id is not None:
            raise ValueError(f"request_id: a {self.kind} answers no earlier event")
        return self


class SubjectEventRecord(RecordMeta, SubjectEventFields):
    """A subject event as pulled by devices."""
