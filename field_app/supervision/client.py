"""The supervisor workspace over HTTP: the review queue and its detail,
verdicts, conflicts, the dashboard, exports and devices.

Supervisors work at a desk, online: nothing here is stored on the device.
The calls ride on the sync client's plumbing (the device's token, the same
failures: ``Offline``, ``AuthRevoked``, ``RequestRejected``…), so a screen
says "needs the network" the same way the sync status does.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pydantic import TypeAdapter

from field_app.supervision.answers import read_answer as read_answer
from field_app.supervision.correction import CorrectionCalls
from field_app.sync.client import API
from shared_models.domain.review import (
    ConflictKeep,
    ConflictRecord,
    ConflictState,
    ReviewRecord,
    ReviewState,
    ReviewTarget,
)
from shared_models.protocol.admin import DeviceInfo
from shared_models.protocol.review import ConflictResolve, ReviewCreate
from shared_models.protocol.supervision import (
    Dashboard,
    ReviewDetail,
    ReviewQueueKind,
    ReviewQueuePage,
)

_CONFLICTS = TypeAdapter(list[ConflictRecord])
_DEVICES = TypeAdapter(list[DeviceInfo])


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters, as the screen shows them."""

    office_id: UUID | None = None
    kind: ReviewQueueKind | None = None
    author_id: UUID | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = None
    limit: int = 50

    def params(self) -> dict[str, str | int]:
        values: dict[str, str | int] = {"limit": self.limit}
        for name in ("office_id", "kind", "author_id", "since", "until", "before"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value if isinstance(value, int) else str(value)
        return values


@dataclass(frozen=True)
class ExportWindow:
    """What an export covers: an office (with the units below it) and the
    records changed in ``[since, before)`` — the dashboard's office and month."""

    org_unit_id: UUID | None = None
    since: str | None = None
    before: str | None = None

    def params(self) -> dict[str, str]:
        values: dict[str, str] = {}
        if self.org_unit_id is not None:
            values["org_unit_id"] = str(self.org_unit_id)
        if self.since is not None:
            values["updated_since"] = self.since
        if self.before is not None:
            values["updated_before"] = self.before
        return values


class SupervisionClient(CorrectionCalls):
    """The workspace's calls; blocking, so screens run them off the UI loop."""

    def review_queue(self, query: QueueQuery) -> ReviewQueuePage:
        response = self._send("GET", "/review-queue", params=query.params())
        return read_answer(response, ReviewQueuePage)

    def review_detail(self, table: ReviewTarget, record_id: UUID) -> ReviewDetail:
        response = self._send("GET", f"/review-queue/{table.value}/{record_id}")
        return read_answer(response, ReviewDetail)

    def review(
        self,
        review_id: UUID,
        table: ReviewTarget,
        record_id: UUID,
        state: ReviewState,
        comment: str,
    ) -> ReviewRecord:
        """A verdict. The caller chooses ``review_id`` and keeps it for a retry,
        so an answer lost on the way back never makes a second review."""
        body = ReviewCreate(
            id=review_id, target_table=table, target_id=record_id, state=state, comment=comment
        ).model_dump(mode="json")
        response = self._send("POST", "/reviews", json=body, expected=(200, 201))
        return read_answer(response, ReviewRecord)

    def conflicts(self, state: ConflictState | None = ConflictState.OPEN) -> list[ConflictRecord]:
        params: dict[str, str | int] = {"limit": 1000}
        if state is not None:
            params["state"] = state.value
        response = self._send("GET", "/conflicts", params=params)
        return read_answer(response, _CONFLICTS)

    def resolve(self, conflict_id: UUID, keep: ConflictKeep) -> ConflictRecord:
        body = ConflictResolve(keep=keep).model_dump(mode="json")
        response = self._send("POST", f"/conflicts/{conflict_id}/resolve", json=body)
        return read_answer(response, ConflictRecord)

    def dashboard(self, office_id: UUID | None, month: str | None) -> Dashboard:
        params: dict[str, str] = {}
        if office_id is not None:
            params["office_id"] = str(office_id)
        if month is not None:
            params["month"] = month
        return read_answer(self._send("GET", "/dashboard", params=params), Dashboard)

    def export_csv(self, table: str, window: ExportWindow) -> bytes:
        return self._send("GET", f"/export/{table}.csv", params=window.params()).content

    def monthly_report(self, office_id: UUID | None, month: str) -> bytes:
        params: dict[str, str] = {"month": month}
        if office_id is not None:
            params["office_id"] = str(office_id)
        return self._send("GET", "/reports/monthly.pdf", params=params).content

    def download(self, path: str) -> bytes:
        """A file the server named by its path (``/api/v1/agreements/….pdf``, a blob)."""
        return self._send("GET", path.removeprefix(API)).content

    def blob(self, sha256: str) -> bytes:
        return self._send("GET", f"/blobs/{sha256}").content

    def devices(self) -> list[DeviceInfo]:
        return read_answer(self._send("GET", "/admin/devices"), _DEVICES)

    def revoke_device(self, device_id: str) -> None:
        self._send("POST", f"/admin/devices/{device_id}/revoke", expected=(204,))
