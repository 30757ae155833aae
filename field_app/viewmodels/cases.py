"""A mediator's cases: the list (search, status and category filters) and
the case page (parties, visit timeline, photos, agreements, reviews, and
the steps it may take next, each a form of its own)."""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum
from uuid import UUID

from field_app.core import FieldAppCore
from field_app.i18n import Msg, msg
from field_app.services.agreements import case_agreements
from field_app.services.attention import unsent_ids
from field_app.services.cases import case_detail, list_cases
from field_app.services.photo_fetch import fetch_photos, missing_photos, previews
from field_app.viewmodels.agreements import short_number
from field_app.viewmodels.base import Observable
from field_app.viewmodels.case_file import CaseFileViewModel
from field_app.viewmodels.case_progress import Progress, progress_of
from shared_models.district_time import district_day
from shared_models.domain import CaseRecord
from shared_models.domain.cases import (
    OPEN_CASE_STATUSES,
    CaseCategory,
    CaseStatus,
)

LIST_LIMIT = 200
"""A phone list of more than this is searched, not scrolled."""


class StatusFilter(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


_FILTER_STATUSES: dict[StatusFilter, set[CaseStatus] | None] = {
    StatusFilter.OPEN: set(OPEN_CASE_STATUSES),
    StatusFilter.CLOSED: {CaseStatus.CLOSED, CaseStatus.FAILED},
    StatusFilter.ALL: None,
}


@dataclass(frozen=True)
class CaseRow:
    id: UUID
    title: str
    number: str
    """The district's case number; empty until the acceptance has synced."""
    status: Msg
    category: Msg
    opened_on: date
    follow_up: Msg | None
    follow_up_due: bool
    unsent: bool


def case_row(case: CaseRecord, today: date, unsent: set[UUID], zone: tzinfo) -> CaseRow:
    due = case.follow_up_due
    open_case = case.status in OPEN_CASE_STATUSES
    return CaseRow(
        id=case.id,
        title=case.title,
        number=case.case_number or "",
        status=msg(f"case.status.{case.status.value}"),
        category=msg(f"case.category.{case.category.value}"),
        opened_on=district_day(case.opened_at, zone),
        follow_up=msg("case.follow_up_on", day=due) if due and open_case else None,
        follow_up_due=bool(due and open_case and due <= today),
        unsent=case.id in unsent,
    )


class CaseListViewModel(Observable):
    def __init__(self, core: FieldAppCore, today: date | None = None) -> None:
        super().__init__()
        self.core = core
        self.today = today or core.now().date()
        self.search = ""
        self.status_filter = StatusFilter.OPEN
        self.category: CaseCategory | None = None
        self.rows: list[CaseRow] = []
        self.load()

    def load(self) -> None:
        store = self.core.store
        statuses = _FILTER_STATUSES[self.status_filter]
        cases = list_cases(
            store,
            status=statuses,
            search=self.search.strip() or None,
            limit=None if self.category else LIST_LIMIT,
        )
        if self.category is not None:
            cases = [case for case in cases if case.category is self.category][:LIST_LIMIT]
        unsent = unsent_ids(store)
        self.rows = [case_row(case, self.today, unsent, self.core.zone) for case in cases]
        self.notify()

    def set_search(self, text: str) -> None:
        self.search = text
        self.load()

    def set_status_filter(self, value: StatusFilter) -> None:
        self.status_filter = value
        self.load()

    def set_category(self, value: CaseCategory | None) -> None:
        self.category = value
        self.load()

    @property
    def empty_text(self) -> Msg:
        return msg("cases.none_found") if self.search else msg("cases.none")


@dataclass(frozen=True)
class TimelineItem:
    id: UUID
    kind: Msg
    when: datetime
    notes: str
    outcome: str
    location: Msg | None
    photos: list[str]
    """SHA-256 of the visit's photos (thumbnails are read through the blob store)."""
    unsent: bool


@dataclass(frozen=True)
class PartyLine:
    id: UUID
    role: Msg
    name: str
    phone: str


@dataclass(frozen=True)
class AgreementLine:
    id: UUID
    number: str
    status: Msg
    obligations: int
    signed_at: datetime | None
    corrects: str | None = None
    """The number of the agreement this one corrects (its chain)."""
    corrected_by: str | None = None


@dataclass(frozen=True)
class ReviewLine:
    state: Msg
    comment: str
    needs_changes: bool


def location_text(lat: float | None, lon: float | None, accuracy: float | None) -> Msg | None:
    if lat is None or lon is None:
        return None
    if accuracy is None:
        return msg("gps.fix", lat=f"{lat:.5f}", lon=f"{lon:.5f}")
    return msg("gps.fix_accuracy", lat=f"{lat:.5f}", lon=f"{lon:.5f}", accuracy=round(accuracy))


class CaseDetailViewModel(Observable):
    def __init__(self, core: FieldAppCore, case_id: UUID) -> None:
        super().__init__()
        self.core = core
        self.case_id = case_id
        self.case: CaseRecord | None = None
        self.parties: list[PartyLine] = []
        self.timeline: list[TimelineItem] = []
        self.case_photos: list[str] = []
        self.photo_mimes: dict[str, str] = {}
        self.agreements: list[AgreementLine] = []
        self.reviews: list[ReviewLine] = []
        self.unsent = False
        self.parties_locked = False
        """The case is agreed, ended or closed: its parties are fixed."""
        self.progress: Progress | None = None
        self.case_file = CaseFileViewModel(core, case_id)
        self.load()

    @property
    def found(self) -> bool:
        return self.case is not None

    @property
    def missing_photos(self) -> list[str]:
        """Photos on this page the phone does not hold (another device took them)."""
        return missing_photos(self.core.blobs, self.photo_mimes)

    def previews(self, hashes: list[str]) -> list[bytes | None]:
        """The photos' previews, ``None`` for one not (yet) on the phone."""
        return previews(self.core.blobs, hashes)

    def fetch_photos(self) -> bool:
        """Fetch the missing photos (slow: call off the UI thread); ``True``
        when any arrived, so the page shows them again."""
        wanted = [(sha, self.photo_mimes[sha]) for sha in self.missing_photos]
        if not wanted:
            return False
        report = fetch_photos(self.core.blobs, self.core.session.client, wanted)
        return bool(report.fetched)

    @property
    def current_status(self) -> CaseStatus | None:
        """The case's status with the steps recorded on this phone (before they sync)."""
        if self.progress is not None:
            return self.progress.status
        return self.case.status if self.case else None

    @property
    def is_open(self) -> bool:
        return self.current_status in OPEN_CASE_STATUSES

    @property
    def title(self) -> str:
        return self.case.title if self.case else ""

    @property
    def status(self) -> Msg | None:
        status = self.current_status
        return msg(f"case.status.{status.value}") if status else None

    @property
    def category(self) -> Msg | None:
        return msg(f"case.category.{self.case.category.value}") if self.case else None

    @property
    def source(self) -> Msg | None:
        return msg(f"case.source.{self.case.source.value}") if self.case else None

    def load(self) -> None:
        store = self.core.store
        detail = case_detail(store, self.case_id)
        if detail is None:
            self.case = None
            self.notify()
            return
        unsent = unsent_ids(store)
        self.case = detail.case
        self.unsent = detail.case.id in unsent
        self.parties = [
            PartyLine(p.id, msg(f"party.role.{p.role.value}"), p.name, p.phone or "")
            for p in detail.parties
        ]
        self.progress = progress_of(self.core, self.case_id, detail.parties, unsent)
        self.parties_locked = not self.progress.parties_editable
        photos_by_owner: dict[UUID, list[str]] = {}
        for attachment in detail.attachments:
            if attachment.mime.startswith("image/"):
                photos_by_owner.setdefault(attachment.owner_id, []).append(attachment.sha256)
                self.photo_mimes[attachment.sha256] = attachment.mime
        self.case_photos = photos_by_owner.get(self.case_id, [])
        self.timeline = [
            TimelineItem(
                id=visit.id,
                kind=msg(f"visit.kind.{visit.kind.value}"),
                when=visit.started_at,
                notes=visit.notes,
                outcome=visit.outcome,
                location=location_text(visit.lat, visit.lon, visit.accuracy_m),
                photos=photos_by_owner.get(visit.id, []),
                unsent=visit.id in unsent,
            )
            for visit in sorted(detail.visits, key=lambda v: v.started_at, reverse=True)
        ]
        self.agreements = [
            AgreementLine(
                a.id,
                short_number(a.id),
                msg(f"agreement.status.{a.status.value}"),
                len(a.obligations),
                a.signed_at,
                short_number(a.supersedes_id) if a.supersedes_id else None,
                next(
                    (short_number(b.id) for b in detail.agreements if b.supersedes_id == a.id),
                    None,
                ),
            )
            for a in case_agreements(store, self.case_id)
        ]
        self.reviews = [
            ReviewLine(
                msg(f"review.state.{r.state.value}"), r.comment, r.state.value == "needs_changes"
            )
            for r in detail.reviews
        ]
        self.case_file.load()
        self.notify()
