"""The review queue: what came in since it was last judged, newest first,
filtered by office, kind, author and day; one record opened beside the
list (its photos, GPS fix, agreement PDF, earlier verdicts); and the three
verdicts. Sending back or rejecting needs a comment: it is what the author
reads on their phone under "needs changes"."""

import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.supervision.client import QueueQuery, SupervisionClient
from field_app.viewmodels.base import saves_once
from field_app.viewmodels.supervision import Directory, WorkspaceModel, read_directory
from shared_models.domain.review import ReviewState
from shared_models.protocol.case_file import CaseFileStatus
from shared_models.protocol.supervision import ReviewDetail, ReviewQueueItem, ReviewQueueKind

PAGE = 50
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class Photo:
    caption: str
    data: bytes | None
    """``None``: the phone has not uploaded the picture yet."""


class ReviewQueueViewModel(WorkspaceModel):
    def __init__(self, core: FieldAppCore, client: SupervisionClient | None = None) -> None:
        super().__init__(core, client)
        self.directory: Directory = read_directory(core)
        self.office_id: UUID | None = None
        self.kind: ReviewQueueKind | None = None
        self.author_id: UUID | None = None
        self.since_text = ""
        self.until_text = ""
        self.filter_error: Msg | None = None
        self.items: list[ReviewQueueItem] = []
        self.next_before: int | None = None
        self.selected: ReviewQueueItem | None = None
        self.detail: ReviewDetail | None = None
        self.case_file: CaseFileStatus | None = None
        """The completeness of the open record's case file (a case's record only)."""
        self.photos: list[Photo] = []
        self.comment = ""
        self.comment_error: Msg | None = None
        self._verdict_id: tuple[UUID, int, ReviewState, UUID] | None = None

    # -- the list --------------------------------------------------------------------

    def _query(self, before: int | None = None) -> QueueQuery | None:
        try:
            since, until = _day(self.since_text), _day(self.until_text)
        except ValueError:
            self.filter_error = msg("review.error.day")
            return None
        if since is not None and until is not None and since > until:
            self.filter_error = msg("review.error.days_order")
            return None
        self.filter_error = None
        return QueueQuery(
            office_id=self.office_id,
            kind=self.kind,
            author_id=self.author_id,
            since=since,
            until=until,
            before=before,
            limit=PAGE,
        )

    def load(self) -> None:
        # Names come from the device's copy, which the first sync may still be filling.
        self.directory = read_directory(self.core)
        """The first page again; the open record stays open while it is still listed."""
        query = self._query()
        if query is not None:
            ok, page = self._call(lambda: self.client.review_queue(query))
            if ok and page is not None:
                self.items, self.next_before = page.items, page.next_before
                if self.selected is not None and self.selected not in self.items:
                    still = [i for i in self.items if i.record_id == self.selected.record_id]
                    self.selected = still[0] if still else None
                    if self.selected is None:
                        self.detail, self.photos = None, []
        self.notify()

    def more(self) -> None:
        query = self._query(self.next_before)
        if query is not None and self.next_before is not None:
            ok, page = self._call(lambda: self.client.review_queue(query))
            if ok and page is not None:
                self.items = [*self.items, *page.items]
                self.next_before = page.next_before
        self.notify()

    def set_office(self, office_id: UUID | None) -> None:
        self.office_id = office_id
        self.load()

    def set_kind(self, kind: ReviewQueueKind | None) -> None:
        self.kind = kind
        self.load()

    def set_author(self, author_id: UUID | None) -> None:
        self.author_id = author_id
        self.load()

    def set_days(self, since: str, until: str) -> None:
        self.since_text, self.until_text = since.strip(), until.strip()
        self.load()

    # -- one record --------------------------------------------------------------------

    def open(self, item: ReviewQueueItem) -> None:
        """Fetch the record's detail and its photos (the server has them; the
        supervisor's device need not)."""
        self.selected = item
        self.comment, self.comment_error = "", None
        ok, detail = self._call(lambda: self.client.review_detail(item.table, item.record_id))
        self.detail = detail if ok else None
        self.photos = self._photos(detail) if ok and detail is not None else []
        self.case_file = None
        case = detail.case if ok and detail is not None else None
        if case is not None:
            found, status = self._call(lambda: self.client.case_file_status(case.id))
            self.case_file = status if found else None
        self.notify()

    def _photos(self, detail: ReviewDetail) -> list[Photo]:
        photos = []
        for attachment in detail.attachments:
            if attachment.mime not in IMAGE_TYPES:
                continue

            def fetch(sha256: str = attachment.sha256) -> bytes:
                return self.client.blob(sha256)

            ok, data = self._call(fetch)
            if not ok and not self.offline:
                # Not uploaded yet (404): the record is shown without it.
                self.error = None
            photos.append(Photo(attachment.caption, data if ok else None))
        return photos

    def set_comment(self, text: str) -> None:
        self.comment = text
        if text.strip():
            self.comment_error = None

    # The verdicts name the record they were given for: a second tap on
    # "approve" must not approve the record the first one brought up next.

    def approve(self, record_id: UUID) -> bool:
        return self._verdict(record_id, ReviewState.APPROVED)

    def send_back(self, record_id: UUID) -> bool:
        return self._verdict(record_id, ReviewState.NEEDS_CHANGES)

    def reject(self, record_id: UUID) -> bool:
        return self._verdict(record_id, ReviewState.REJECTED)

    @saves_once
    def _verdict(self, record_id: UUID, state: ReviewState) -> bool:
        item = self.selected
        if item is None or item.record_id != record_id:
            return False
        if state is not ReviewState.APPROVED and not self.comment.strip():
            self.comment_error = msg("review.error.comment")
            self.notify()
            return False
        review_id = self._review_id(item, state)
        ok, _ = self._call(
            lambda: self.client.review(
                review_id, item.table, item.record_id, state, self.comment.strip()
            )
        )
        if ok:
            self._verdict_id = None
            self.notice = msg(f"review.done.{state.value}", title=item.title)
            position = self.items.index(item) if item in self.items else 0
            self.items = [i for i in self.items if i.record_id != item.record_id]
            self.selected, self.detail, self.photos, self.comment = None, None, [], ""
            if self.items:
                self.open(self.items[min(position, len(self.items) - 1)])
        self.notify()
        return ok

    def _review_id(self, item: ReviewQueueItem, state: ReviewState) -> UUID:
        """The same id while the same verdict on the same version is retried."""
        key = (item.record_id, item.version, state)
        if self._verdict_id is None or self._verdict_id[:3] != key:
            self._verdict_id = (*key, uuid.uuid4())
        return self._verdict_id[3]

    def agreement_pdf(self) -> tuple[str, bytes] | None:
        """The printed agreement of the open record, as ``(file name, bytes)``."""
        path = self.detail.agreement_pdf if self.detail is not None else None
        if path is None:
            return None
        ok, data = self._call(lambda: self.client.download(path))
        self.notify()
        return (path.rsplit("/", 1)[-1], data) if ok and data is not None else None

    def case_file_pdf(self) -> tuple[str, bytes] | None:
        """The case file (调解卷宗) of the open record's case, as ``(file name, bytes)``."""
        status = self.case_file
        if status is None:
            return None
        ok, data = self._call(lambda: self.client.case_file_pdf(status.case_id))
        self.notify()
        name = f"调解卷宗-{status.case_number or status.case_id}.pdf"
        return (name, data) if ok and data is not None else None


def _day(text: str) -> date | None:
    """A ``YYYY-MM-DD`` day, ``None`` when empty; ``ValueError`` when unreadable."""
    return date.fromisoformat(text) if text else None
