"""The desk's approvals (待审批): the leave requests, level changes,
changes of residence and sanctions waiting for this supervisor, oldest
first; each with the subject, the office, what is asked, the office's
opinion where the district decides; approved or refused with a comment (a
refusal says why). The decision is written by the server and reaches the
officer's phone at its next pull.

A subject's timeline as the server holds it opens from here
(``DeskTimelineViewModel``), with the announcements' records and the
release certificate printed by the server (the phone's pages).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.supervision.client import SupervisionClient
from field_app.viewmodels.base import saves_once
from field_app.viewmodels.supervision import Directory, WorkspaceModel, read_directory
from field_app.viewmodels.timeline import (
    DueLine,
    HoursLine,
    Part,
    TimelineLine,
    due_lines,
    event_summary,
    hours_lines,
    timeline_lines,
)
from shared_documents.correction_records import announcement_file_name, certificate_file_name
from shared_models.correction.approvals import ApprovalState, ApprovalStatus
from shared_models.domain.event_content import DecisionOutcome
from shared_models.domain.subject_events import SubjectEventRecord
from shared_models.protocol.correction import Timeline, WaitingRequest


@dataclass(frozen=True)
class WaitingRow:
    request_id: UUID
    subject_id: UUID
    subject: str
    office: str
    officer: str
    kind: Msg
    asked_on: date
    summary: tuple[Part, ...]
    detail: str
    waiting_for: Msg
    opinions: tuple[Msg, ...]
    """The decisions so far (the office's, when the district decides)."""


class ApprovalsViewModel(WorkspaceModel):
    def __init__(self, core: FieldAppCore, client: SupervisionClient | None = None) -> None:
        super().__init__(core, client)
        self.directory: Directory = read_directory(core)
        self.rows: list[WaitingRow] = []
        self.selected: UUID | None = None
        self.comment = ""
        self.comment_error: Msg | None = None

    def load(self) -> None:
        self.directory = read_directory(self.core)
        ok, answer = self._call(self.client.waiting_requests)
        if ok and answer is not None:
            self.rows = [self._row(item) for item in answer.requests]
            if self.selected not in {row.request_id for row in self.rows}:
                self.selected = self.rows[0].request_id if self.rows else None
        self.notify()

    def _row(self, item: WaitingRequest) -> WaitingRow:
        summary, detail = event_summary(item.request.content)
        lines = timeline_lines(
            [item.request, *item.decisions],
            [],
            {},
            None,
            set(),
            date.min,
            self.core.zone,
            names=self.directory.users,
        )
        opinions = lines[0].decisions if lines else ()
        return WaitingRow(
            request_id=item.request.id,
            subject_id=item.subject_id,
            subject=item.subject_name,
            office=self.directory.unit(item.org_unit_id),
            officer=self.directory.user(item.officer_id),
            kind=msg(f"corr.kind.{item.request.kind.value}"),
            asked_on=item.request.occurred_on,
            summary=summary,
            detail=detail,
            waiting_for=msg(f"corr.approval_level.{item.waiting_for.value}"),
            opinions=opinions,
        )

    @property
    def current(self) -> WaitingRow | None:
        return next((row for row in self.rows if row.request_id == self.selected), None)

    def select(self, request_id: UUID) -> None:
        if request_id != self.selected:
            self.selected = request_id
            self.comment = ""
            self.comment_error = None
            self.saves.reopen()
            self.notify()

    def set_comment(self, text: str) -> None:
        self.comment = text
        self.comment_error = None

    def approve(self, request_id: UUID) -> bool:
        return self._decide(request_id, DecisionOutcome.APPROVED, self.comment)

    def refuse(self, request_id: UUID) -> bool:
        if not self.comment.strip():
            self.comment_error = msg("corr.approvals.refuse_needs_reason")
            self.notify()
            return False
        return self._decide(request_id, DecisionOutcome.REFUSED, self.comment)

    @saves_once
    def _decide(self, request_id: UUID, outcome: DecisionOutcome, comment: str) -> bool:
        ok, _ = self._call(lambda: self.client.decide(request_id, outcome, comment.strip()))
        if ok:
            self.notice = msg("corr.approvals.decided")
            self.rows = [row for row in self.rows if row.request_id != request_id]
            self.selected = self.rows[0].request_id if self.rows else None
            self.comment = ""
        self.notify()
        return ok


class DeskTimelineViewModel(WorkspaceModel):
    """A subject's timeline on the desk, from the server (``GET …/timeline``):
    the same lines as the officer's page, what is due, the warnings given."""

    def __init__(
        self, core: FieldAppCore, subject_id: UUID, client: SupervisionClient | None = None
    ) -> None:
        super().__init__(core, client)
        self.subject_id = subject_id
        self.timeline: Timeline | None = None
        self.directory: Directory = read_directory(core)

    def load(self) -> None:
        self.directory = read_directory(self.core)
        ok, answer = self._call(lambda: self.client.subject_timeline(self.subject_id))
        if ok:
            self.timeline = answer
        self.notify()

    @property
    def lines(self) -> list[TimelineLine]:
        timeline = self.timeline
        if timeline is None:
            return []
        states = {
            state.request_id: ApprovalState(state.status, state.waiting_for)
            for state in timeline.requests
        }
        today = self.core.now().date()
        return timeline_lines(
            timeline.events,
            timeline.visits,
            states,
            None,
            set(),
            today,
            self.core.zone,
            names=self.directory.users,
        )

    @property
    def hours(self) -> list[HoursLine]:
        """Education and community service this month against the plan, as on the phone."""
        if self.timeline is None:
            return []
        now = self.core.now()
        return hours_lines(self.timeline.events, (now.year, now.month))

    @property
    def due(self) -> list[DueLine]:
        if self.timeline is None:
            return []
        return due_lines(self.timeline.due, self.core.now().date())

    def announcement(self, event_id: UUID) -> tuple[str, bytes] | None:
        """The announcement's record as the server prints it, as ``(file name, bytes)``."""
        event = self._event(event_id)
        if event is None or self.timeline is None:
            return None
        name = announcement_file_name(event, self.timeline.subject.name)
        return self._download(name, lambda: self.client.announcement_pdf(event_id))

    def certificate(self, event_id: UUID) -> tuple[str, bytes] | None:
        """The release certificate as the server prints it, as ``(file name, bytes)``."""
        if self._event(event_id) is None or self.timeline is None:
            return None
        name = certificate_file_name(self.timeline.subject.name)
        return self._download(name, lambda: self.client.release_certificate_pdf(event_id))

    def _event(self, event_id: UUID) -> SubjectEventRecord | None:
        events = self.timeline.events if self.timeline is not None else []
        return next((event for event in events if event.id == event_id), None)

    def _download(self, name: str, fetch: Callable[[], bytes]) -> tuple[str, bytes] | None:
        ok, data = self._call(fetch)
        self.notify()
        return (name, data) if ok and data is not None else None

    @property
    def pending(self) -> int:
        if self.timeline is None:
            return 0
        return sum(1 for s in self.timeline.requests if s.status is ApprovalStatus.PENDING)
