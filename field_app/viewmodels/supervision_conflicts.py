"""Open conflicts: a value someone overwrote, side by side with the value
that replaced it, who made the change and when; the supervisor keeps the
current value or restores the overwritten one (which the server writes back
as a new version that every device pulls)."""

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import JsonValue

from field_app.core import FieldAppCore
from field_app.i18n import msg
from field_app.services.records import stored_fields
from field_app.supervision.client import SupervisionClient
from field_app.viewmodels.base import saves_once
from field_app.viewmodels.supervision import Directory, WorkspaceModel, read_directory
from shared_models.domain.review import ConflictKeep, ConflictRecord

LABEL_FIELDS = ("title", "name", "notes")
"""What names a record in a sentence, in order of preference."""


@dataclass(frozen=True)
class ConflictRow:
    conflict: ConflictRecord
    record_label: str
    """The case title, the subject's or party's name, or the start of a visit's notes."""
    current: str
    overwritten: str
    changed_by: str
    changed_at: datetime | None

    @property
    def id(self) -> UUID:
        return self.conflict.id


def shown(value: JsonValue) -> str:
    """A field value as a person reads it: text as it is, the rest as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class ConflictsViewModel(WorkspaceModel):
    def __init__(self, core: FieldAppCore, client: SupervisionClient | None = None) -> None:
        super().__init__(core, client)
        self.directory: Directory = read_directory(core)
        self.rows: list[ConflictRow] = []

    def load(self) -> None:
        # Names come from the device's copy, which the first sync may still be filling.
        self.directory = read_directory(self.core)
        ok, conflicts = self._call(self.client.conflicts)
        if ok and conflicts is not None:
            # Newest first: the change that just happened is the one people remember.
            ordered = sorted(conflicts, key=lambda c: c.version, reverse=True)
            self.rows = [self._row(conflict) for conflict in ordered]
        self.notify()

    def _row(self, conflict: ConflictRecord) -> ConflictRow:
        return ConflictRow(
            conflict=conflict,
            record_label=self._label(conflict.table_name, conflict.record_id),
            current=shown(conflict.current_value),
            overwritten=shown(conflict.overwritten_value),
            changed_by=self.directory.user(conflict.created_by),
            changed_at=conflict.updated_at,
        )

    def _label(self, table: str, record_id: UUID) -> str:
        """From the device's synced copy; empty when it has not arrived yet."""
        record = stored_fields(self.core.store, table, record_id, include_deleted=True)
        for name in LABEL_FIELDS:
            value = record.get(name)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:60]
        return ""

    def keep_current(self, conflict_id: UUID) -> bool:
        return self._resolve(conflict_id, ConflictKeep.CURRENT)

    def restore(self, conflict_id: UUID) -> bool:
        return self._resolve(conflict_id, ConflictKeep.OVERWRITTEN)

    @saves_once
    def _resolve(self, conflict_id: UUID, keep: ConflictKeep) -> bool:
        ok, _ = self._call(lambda: self.client.resolve(conflict_id, keep))
        if ok:
            self.notice = msg(f"conflict.done.{keep.value}")
            self.rows = [row for row in self.rows if row.id != conflict_id]
            # The restored value reaches this device's copy with the next pull.
            self.core.sync_now()
        self.notify()
        return ok
